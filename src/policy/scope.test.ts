import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessScopeErrorCode } from './scope.js';
import { AccessScopeError, isValidNamespacePattern, namespaceMatches, scopeCoversNamespace, validateAccessScope } from './scope.js';

describe('namespaceMatches', () => {
  const cases: [string, string, boolean][] = [
    ['team-a', 'team-a', true],
    ['team-a', 'team-ab', false],
    ['team-a', '', false],
    ['dev-*', 'dev-1', true],
    ['dev-*', 'dev-', true],
    ['dev-*', 'dev', false],
    ['dev-*', 'prod-dev-1', false],
    ['dev*', 'dev', true],
    ['dev*', 'development', true],
    ['*', 'anything', true],
    ['*', 'kube-system', true],
    ['*', '', false], // a namespace scope never covers cluster-wide requests
    ['dev-*', '', false],
    ['*-dev', 'team-dev', false], // non-trailing * is literal
    ['*-dev', '*-dev', true],
    ['a*b', 'axb', false],
    ['dev-**', 'dev-1', false], // only a single trailing * is a wildcard
    ['', '', false],
  ];
  for (const [pattern, ns, want] of cases) it(`${JSON.stringify(pattern)} vs ${JSON.stringify(ns)} → ${want}`, () => assert.equal(namespaceMatches(pattern, ns), want));

  it('scopeCoversNamespace', () => {
    assert.equal(scopeCoversNamespace({ type: 'cluster', namespaces: [] }, ''), true);
    assert.equal(scopeCoversNamespace({ type: 'namespace', namespaces: ['a', 'dev-*'] }, 'dev-x'), true);
    assert.equal(scopeCoversNamespace({ type: 'namespace', namespaces: ['a', 'dev-*'] }, 'b'), false);
  });
});

describe('isValidNamespacePattern', () => {
  const valid = ['a', 'team-a', '0ab', 'dev-*', 'dev*', 'd*', '*', 'a'.repeat(63), `${'a'.repeat(63)}*`];
  const invalid = ['', 'Team', 'team_a', '-a', 'a-', 'a.b', '*-dev', 'a*b', '**', 'dev-**', '-*', 'a'.repeat(64), `${'a'.repeat(64)}*`, ' a', 'ä'];
  for (const p of valid) it(`valid ${JSON.stringify(p)}`, () => assert.equal(isValidNamespacePattern(p), true));
  for (const p of invalid) it(`invalid ${JSON.stringify(p)}`, () => assert.equal(isValidNamespacePattern(p), false));
});

describe('validateAccessScope', () => {
  it('normalises cluster scope to namespaces: []', () => {
    for (const input of [{ type: 'cluster' }, { type: 'cluster', namespaces: [] }, { type: 'cluster', namespaces: null }]) {
      assert.deepEqual(validateAccessScope(input), { ok: true, scope: { type: 'cluster', namespaces: [] } });
    }
  });

  it('keeps namespace scope order and does not alias the input', () => {
    const namespaces = ['team-a', 'dev-*'];
    const r = validateAccessScope({ type: 'namespace', namespaces });
    assert.deepEqual(r, { ok: true, scope: { type: 'namespace', namespaces: ['team-a', 'dev-*'] } });
    assert.ok(r.ok && Object.isFrozen(r.scope.namespaces) && r.scope.namespaces !== namespaces, 'r.ok && Object.isFrozen(r.scope.namespaces) && r.scope.namespaces !== namespaces');
    assert.ok(!Object.isFrozen(namespaces), '!Object.isFrozen(namespaces)');
  });

  const bad: [string, unknown, AccessScopeErrorCode, RegExp][] = [
    ['null', null, 'InvalidScope', /must be an object/],
    ['array', [], 'InvalidScope', /must be an object/],
    ['string', 'cluster', 'InvalidScope', /must be an object/],
    ['missing type', { namespaces: ['a'] }, 'InvalidScopeType', /type \(missing\) is not valid\. Valid values are \[cluster, namespace\]/],
    ['wrong type', { type: 'Cluster' }, 'InvalidScopeType', /type "Cluster" is not valid/],
    ['type not a string', { type: 1 }, 'InvalidScopeType', /type of type number/],
    ['namespace without namespaces', { type: 'namespace' }, 'MissingNamespaces', /At least one namespace must be specified when the access scope type is namespace\./],
    ['namespace with []', { type: 'namespace', namespaces: [] }, 'MissingNamespaces', /At least one namespace/],
    ['cluster with namespaces', { type: 'cluster', namespaces: ['a'] }, 'UnexpectedNamespaces', /Namespaces cannot be specified when the access scope type is cluster\./],
    ['namespaces not a list', { type: 'namespace', namespaces: 'a' }, 'InvalidNamespaces', /must be a list/],
    ['empty string', { type: 'namespace', namespaces: ['a', ''] }, 'EmptyNamespace', /cannot be empty/],
    ['non-string', { type: 'namespace', namespaces: [7] }, 'InvalidNamespace', /of type number/],
    ['uppercase', { type: 'namespace', namespaces: ['Team-A'] }, 'InvalidNamespace', /The namespace "Team-A" is not valid\. A namespace must be a lowercase RFC 1123 label/],
    ['inner wildcard', { type: 'namespace', namespaces: ['*-dev'] }, 'InvalidNamespace', /"\*-dev" is not valid/],
    ['too long', { type: 'namespace', namespaces: ['a'.repeat(64)] }, 'InvalidNamespace', /at most 63 characters/],
    ['duplicate', { type: 'namespace', namespaces: ['a', 'b', 'a'] }, 'DuplicateNamespace', /The namespace "a" is specified more than once\./],
  ];
  for (const [name, input, code, message] of bad) {
    it(`rejects ${name}`, () => {
      const r = validateAccessScope(input);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.ok(r.error instanceof AccessScopeError, 'r.error instanceof AccessScopeError');
      assert.equal(r.error.code, code);
      assert.match(r.error.message, message);
    });
  }

  it('truncates huge values in messages', () => {
    const r = validateAccessScope({ type: 'namespace', namespaces: ['X'.repeat(10_000)] });
    assert.ok(!r.ok && r.error.message.length < 400, '!r.ok && r.error.message.length < 400');
  });
});
