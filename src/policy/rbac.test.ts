import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule, RequestAttributes } from './rbac.js';
import { apiGroupMatches, combinedResource, nonResourceURLMatches, resourceMatches, resourceNameMatches, ruleAllows, trimTrailingStars, verbMatches } from './rbac.js';

const rule = (r: Partial<PolicyRule>): PolicyRule => ({ verbs: [], ...r });

describe('verbMatches', () => {
  const cases: [string, readonly string[], string, boolean][] = [
    ['star matches anything', ['*'], 'get', true],
    ['star matches custom verbs', ['*'], 'impersonate', true],
    ['exact', ['get', 'list'], 'list', true],
    ['case-sensitive', ['get'], 'GET', false],
    ['no match', ['get', 'list'], 'watch', false],
    ['custom verb escalate', ['escalate'], 'escalate', true],
    ['bind is not escalate', ['bind'], 'escalate', false],
    ['empty rule matches nothing', [], 'get', false],
    ['prefix is not a wildcard', ['get*'], 'getx', false],
  ];
  for (const [name, verbs, verb, want] of cases) it(name, () => assert.equal(verbMatches(rule({ verbs }), verb), want));
});

describe('apiGroupMatches', () => {
  const cases: [string, readonly string[] | undefined, string, boolean][] = [
    ['star', ['*'], 'apps', true],
    ['star covers core', ['*'], '', true],
    ['core group is ""', [''], '', true],
    ['core rule does not cover apps', [''], 'apps', false],
    ['exact', ['apps', 'batch'], 'batch', true],
    ['no partial match', ['apps'], 'apps.example.com', false],
    ['missing apiGroups matches nothing', undefined, '', false],
  ];
  for (const [name, apiGroups, group, want] of cases) it(name, () => assert.equal(apiGroupMatches(rule(apiGroups ? { apiGroups } : {}), group), want));
});

describe('resourceMatches', () => {
  // [name, rule resources, request resource, request subresource, want]
  const cases: [string, readonly string[], string, string, boolean][] = [
    ['star', ['*'], 'pods', '', true],
    ['star covers subresources', ['*'], 'pods', 'log', true],
    ['exact', ['pods'], 'pods', '', true],
    ['resource does not cover its subresource', ['pods'], 'pods', 'log', false],
    ['exact combined', ['pods/log'], 'pods', 'log', true],
    ['subresource rule does not cover parent', ['pods/log'], 'pods', '', false],
    ['other subresource', ['pods/log'], 'pods', 'exec', false],
    ['*/scale matches any scale', ['*/scale'], 'deployments', 'scale', true],
    ['*/scale matches custom resources', ['*/scale'], 'widgets', 'scale', true],
    ['*/scale does not match status', ['*/scale'], 'deployments', 'status', false],
    ['*/scale does not match the parent', ['*/scale'], 'deployments', '', false],
    ['*/scale needs the whole subresource', ['*/scale'], 'deployments', 'scalex', false],
    ['*/scale is not a suffix match', ['*/scale'], 'deployments', 'le', false],
    ['pods/* is not a wildcard', ['pods/*'], 'pods', 'log', false],
    ['pods/* only equals a literal * subresource', ['pods/*'], 'pods', '*', true],
    ['*/* only equals a literal * subresource', ['*/*'], 'pods', 'log', false],
    ['first of several', ['services', 'pods'], 'pods', '', true],
    ['empty resource list', [], 'pods', '', false],
    ['plural must match exactly', ['pod'], 'pods', '', false],
  ];
  for (const [name, resources, res, sub, want] of cases) {
    it(name, () => assert.equal(resourceMatches(rule({ resources }), combinedResource(res, sub), sub), want));
  }
});

describe('resourceNameMatches', () => {
  const cases: [string, readonly string[] | undefined, string, boolean][] = [
    ['no names = all names', undefined, 'x', true],
    ['empty names = all names', [], 'x', true],
    ['empty names allow nameless requests', [], '', true],
    ['listed name', ['a', 'b'], 'b', true],
    ['unlisted name', ['a', 'b'], 'c', false],
    ['nameless request never matches a name-restricted rule', ['a'], '', false],
    ['names are exact', ['a'], 'A', false],
  ];
  for (const [name, resourceNames, req, want] of cases) {
    it(name, () => assert.equal(resourceNameMatches(rule(resourceNames ? { resourceNames } : {}), req), want));
  }
});

describe('nonResourceURLMatches', () => {
  const cases: [string, readonly string[], string, boolean][] = [
    ['star', ['*'], '/anything', true],
    ['exact', ['/healthz'], '/healthz', true],
    ['exact does not prefix', ['/healthz'], '/healthz/etcd', false],
    ['trailing star prefix', ['/healthz/*'], '/healthz/etcd', true],
    ['trailing star matches the bare prefix with slash', ['/healthz/*'], '/healthz/', true],
    ['trailing star does not match without slash', ['/healthz/*'], '/healthz', false],
    ['prefix without slash', ['/healthz*'], '/healthzfoo', true],
    ['several trailing stars are trimmed', ['/api**'], '/apis', true],
    ['inner star is literal', ['/a*/b'], '/ax/b', false],
    ['inner star matches literally', ['/a*/b'], '/a*/b', true],
    ['empty list', [], '/healthz', false],
  ];
  for (const [name, nonResourceURLs, path, want] of cases) it(name, () => assert.equal(nonResourceURLMatches(rule({ nonResourceURLs }), path), want));
  it('trimTrailingStars', () => {
    assert.equal(trimTrailingStars('/a/**'), '/a/');
    assert.equal(trimTrailingStars('***'), '');
    assert.equal(trimTrailingStars('/a*b'), '/a*b');
  });
});

describe('ruleAllows', () => {
  const r = (verb: string, group: string, resource: string, subresource = '', name = ''): RequestAttributes => ({ namespace: 'ns', verb, group, version: 'v1', resource, subresource, name });
  const podsRead = rule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] });
  const named = rule({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cm1'] });
  const urls = rule({ verbs: ['get'], nonResourceURLs: ['/healthz', '/metrics/*'] });
  const cases: [string, PolicyRule, RequestAttributes, boolean][] = [
    ['all four match', podsRead, r('get', '', 'pods'), true],
    ['subresource listed', podsRead, r('get', '', 'pods', 'log', 'p'), true],
    ['wrong verb', podsRead, r('delete', '', 'pods'), false],
    ['wrong group', podsRead, r('get', 'apps', 'pods'), false],
    ['wrong resource', podsRead, r('get', '', 'secrets'), false],
    ['unlisted subresource', podsRead, r('get', '', 'pods', 'exec'), false],
    ['named: match', named, r('get', '', 'configmaps', '', 'cm1'), true],
    ['named: other name', named, r('get', '', 'configmaps', '', 'cm2'), false],
    ['named: nameless', named, r('get', '', 'configmaps'), false],
    ['url: exact', urls, { path: '/healthz', verb: 'get' }, true],
    ['url: prefix', urls, { path: '/metrics/cadvisor', verb: 'get' }, true],
    ['url: wrong verb', urls, { path: '/healthz', verb: 'post' }, false],
    ['url rule never matches resources', urls, r('get', '', 'pods'), false],
    ['resource rule never matches URLs', podsRead, { path: '/api', verb: 'get' }, false],
  ];
  for (const [name, ru, attrs, want] of cases) it(name, () => assert.equal(ruleAllows(ru, attrs), want));
});
