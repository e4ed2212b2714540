import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from './document.js';
import { contextMap } from './evaluate.js';
import type { TrustCaller } from './trust.js';
import { evaluateTrust } from './trust.js';
import { assumeRoleAllowed, sessionDuration } from '../sts.js';
import { isAwsError } from '../../errors/aws-error.js';

const A = '111122223333';
const B = '444455556666';
const roleArn = `arn:aws:iam::${A}:role/teams/dev`;
const alice: TrustCaller = { accountId: A, arn: `arn:aws:iam::${A}:user/alice`, principalArn: `arn:aws:iam::${A}:user/alice` };
const carol: TrustCaller = { accountId: B, arn: `arn:aws:iam::${B}:user/carol`, principalArn: `arn:aws:iam::${B}:user/carol` };
const opsSession: TrustCaller = {
  accountId: A,
  arn: `arn:aws:sts::${A}:assumed-role/ops/alice@example.com`,
  principalArn: `arn:aws:iam::${A}:role/ops`,
};

const trust = (principal: unknown, extra: Record<string, unknown> = {}) =>
  parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra }] }), 'trust');
const evalT = (doc: ReturnType<typeof trust>, caller: TrustCaller, ctx: Record<string, string> = {}) =>
  evaluateTrust(doc, caller, { action: 'sts:AssumeRole', roleArn, context: contextMap(ctx) });

test('principal forms', () => {
  const table: [unknown, TrustCaller, string][] = [
    [{ AWS: `arn:aws:iam::${A}:root` }, alice, 'Allow/account'],
    [{ AWS: A }, alice, 'Allow/account'],
    [{ AWS: `arn:aws:iam::${A}:root` }, carol, 'ImplicitDeny'],
    [{ AWS: `arn:aws:iam::${B}:root` }, carol, 'Allow/account'],
    [{ AWS: `arn:aws:iam::${A}:user/alice` }, alice, 'Allow/principal'],
    [{ AWS: `arn:aws:iam::${A}:user/bob` }, alice, 'ImplicitDeny'],
    [{ AWS: `arn:aws:iam::${B}:user/carol` }, carol, 'Allow/principal'],
    [{ AWS: `arn:aws:iam::${A}:role/ops` }, opsSession, 'Allow/principal'],
    [{ AWS: `arn:aws:sts::${A}:assumed-role/ops/alice@example.com` }, opsSession, 'Allow/principal'],
    [{ AWS: `arn:aws:sts::${A}:assumed-role/ops/other` }, opsSession, 'ImplicitDeny'],
    ['*', carol, 'Allow/principal'],
    [{ AWS: '*' }, alice, 'Allow/principal'],
    [{ Service: 'eks.amazonaws.com' }, alice, 'ImplicitDeny'],
    [{ AWS: [`arn:aws:iam::${A}:root`, `arn:aws:iam::${A}:user/alice`] }, alice, 'Allow/principal'],
  ];
  for (const [p, caller, want] of table) {
    const d = evalT(trust(p), caller);
    assert.equal(d.effect === 'Allow' ? `Allow/${d.via}` : d.effect, want, `${JSON.stringify(p)} ${caller.arn}`);
  }
});

test('external id and explicit deny', () => {
  const withExt = trust({ AWS: B }, { Condition: { StringEquals: { 'sts:ExternalId': 'secret-123' } } });
  assert.equal(evalT(withExt, carol).effect, 'ImplicitDeny');
  assert.equal(evalT(withExt, carol, { 'sts:ExternalId': 'nope' }).effect, 'ImplicitDeny');
  assert.equal(evalT(withExt, carol, { 'sts:ExternalId': 'secret-123' }).effect, 'Allow');
  const denyCarol = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: { AWS: carol.arn }, Action: 'sts:*' },
      ],
    }),
    'trust',
  );
  assert.equal(evalT(denyCarol, carol).effect, 'ExplicitDeny');
  assert.equal(evalT(denyCarol, alice).effect, 'Allow');
  const notPrincipal = parsePolicy(
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: alice.arn }, Action: 'sts:AssumeRole' }] }),
    'trust',
  );
  assert.equal(evalT(notPrincipal, carol).effect, 'ExplicitDeny');
  assert.equal(evalT(notPrincipal, alice).effect, 'ImplicitDeny');
});

test('AssumeRole decision: same account, cross account, delegation', () => {
  const table: [Parameters<typeof assumeRoleAllowed>[0], 'Allow' | 'ExplicitDeny' | 'ImplicitDeny', boolean, boolean][] = [
    [{ effect: 'Allow', via: 'principal' }, 'ImplicitDeny', true, true], // named directly: trust suffices
    [{ effect: 'Allow', via: 'account' }, 'ImplicitDeny', true, false], // delegated: identity policy needed
    [{ effect: 'Allow', via: 'account' }, 'Allow', true, true],
    [{ effect: 'Allow', via: 'principal' }, 'ImplicitDeny', false, false], // cross-account needs both
    [{ effect: 'Allow', via: 'principal' }, 'Allow', false, true],
    [{ effect: 'Allow', via: 'account' }, 'Allow', false, true],
    [{ effect: 'ImplicitDeny' }, 'Allow', true, false], // identity alone never suffices
    [{ effect: 'ExplicitDeny' }, 'Allow', true, false],
    [{ effect: 'Allow', via: 'principal' }, 'ExplicitDeny', true, false],
  ];
  for (const [t, i, same, want] of table) assert.equal(assumeRoleAllowed(t, i, same), want, `${JSON.stringify(t)} ${i} ${same}`);
});

test('session duration bounds', () => {
  assert.equal(sessionDuration(undefined, 3600, false), 3600);
  assert.equal(sessionDuration(900, 3600, false), 900);
  assert.equal(sessionDuration(43200, 43200, false), 43200);
  assert.equal(sessionDuration(3600, 43200, true), 3600);
  const msg = (f: () => unknown) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      assert.ok(isAwsError(e) && e.code === 'ValidationError');
      return e.message;
    }
  };
  assert.equal(msg(() => sessionDuration(7200, 3600, false)), 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  assert.equal(msg(() => sessionDuration(7200, 43200, true)), 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
});
