import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestAttributes } from '../policy/engine.js';
import { decideAccess, principalOf, RBAC_NOT_VISIBLE, rulesReview, userInfoOf } from './review.js';
import { alice, aliceSlice, ALICE_ID, iamUser } from './testdata/slices.js';

const res = (verb: string, resource: string, namespace = '', group = '', subresource = '', name = ''): RequestAttributes => ({ namespace, verb, group, version: '', resource, subresource, name });

test('userInfo: system:authenticated appended once, extra kept', () => {
  const u = userInfoOf(iamUser('bob', 'AIDABOB', ['team']));
  assert.deepEqual(u.groups, ['team', 'system:authenticated'], 'appended');
  assert.deepEqual(userInfoOf(iamUser('bob', 'AIDABOB', ['system:authenticated'])).groups, ['system:authenticated'], 'not duplicated');
  assert.deepEqual(u.extra.principalId, ['AIDABOB'], 'extra');
});

test('principal from extra, as the SAR webhook reads it', () => {
  assert.deepEqual(principalOf(alice()), { principalId: ALICE_ID, canonicalArn: alice().username }, 'IAM user');
  assert.equal(principalOf({ username: 'oidc:x', uid: '', groups: [], extra: {} }), undefined, 'no extra');
  const forged = alice();
  forged.extra.principalId = ['AIDAOTHER'];
  assert.equal(principalOf(forged), undefined, 'conflicting extras fail closed');
});

test('can-i table: masters, defaults, policies, and "no" with the RBAC caveat', () => {
  const slice = aliceSlice();
  const cases: [string, RequestAttributes, boolean, RegExp][] = [
    ['list pods -A (View, cluster)', res('list', 'pods'), true, /ClusterRoleBinding .*AmazonEKSViewPolicy/],
    ['create deployments -n dev-a (Edit, dev-*)', res('create', 'deployments', 'dev-a', 'apps'), true, /RoleBinding .*AmazonEKSEditPolicy\/dev-a"/],
    ['create deployments -n prod', res('create', 'deployments', 'prod', 'apps'), false, /none of the 2 associated access policies allow/],
    ['get secrets -n prod', res('get', 'secrets', 'prod'), false, /RBAC in the cluster may still allow it/],
    ['get pods/log -n x', res('get', 'pods', 'x', '', 'log'), true, /AmazonEKSViewPolicy/],
    ['get /healthz (system:discovery)', { path: '/healthz', verb: 'get' }, true, /ClusterRole "system:discovery" to Group "system:authenticated"/],
    ['create selfsubjectreviews (system:basic-user)', res('create', 'selfsubjectreviews', '', 'authentication.k8s.io'), true, /system:basic-user/],
    ['get /metrics', { path: '/metrics', verb: 'get' }, false, /RBAC in the cluster/],
    ['post /healthz', { path: '/healthz', verb: 'post' }, false, /RBAC in the cluster/],
  ];
  for (const [what, attrs, allowed, reason] of cases) {
    const v = decideAccess(slice, alice(), attrs, 0);
    assert.equal(v.allowed, allowed, what);
    assert.match(v.reason, reason, what);
    if (!allowed) assert.ok(v.reason.endsWith(RBAC_NOT_VISIBLE), `${what}: caveat last`);
  }
});

test('can-i: system:masters is allowed everything; mode and identity gate the policies', () => {
  const admin = iamUser('arn:aws:iam::111122223333:user/admin', 'AIDAADMINADMINADMIN01', ['system:masters']);
  const v = decideAccess(aliceSlice('CONFIG_MAP'), admin, res('*', '*', 'default'), 0);
  assert.equal(v.allowed, true, 'masters');
  assert.match(v.reason, /system:masters/, 'masters reason');
  const cm = decideAccess(aliceSlice('CONFIG_MAP'), alice(), res('list', 'pods'), 0);
  assert.equal(cm.allowed, false, 'CONFIG_MAP: no policies');
  assert.match(cm.reason, /CONFIG_MAP mode/, 'CONFIG_MAP reason');
  const oidc = decideAccess(aliceSlice(), { username: 'oidc:bob', uid: '', groups: [], extra: {} }, res('list', 'pods'), 0);
  assert.match(oidc.reason, /no IAM principal ID/, 'no principal');
  const stranger = decideAccess(aliceSlice(), iamUser('x', 'AIDASTRANGER'), res('list', 'pods'), 0);
  assert.match(stranger.reason, /no access entry/, 'no entry');
  const none = decideAccess(aliceSlice('API', []), alice(), res('list', 'pods'), 0);
  assert.match(none.reason, /no access policies associated/, 'no policies');
});

test('can-i --list: policy rules in the namespace, defaults, incomplete with a reason', () => {
  const slice = aliceSlice();
  const dev = rulesReview(slice, alice(), 'dev-a', 0);
  const createsDeployments = (r: typeof dev) => r.resourceRules.some((x) => x.apiGroups.includes('apps') && x.resources.includes('deployments') && x.verbs.includes('create'));
  assert.equal(createsDeployments(dev), true, 'Edit in dev-a');
  assert.equal(dev.incomplete, true, 'incomplete');
  assert.match(dev.evaluationError ?? '', /no RBAC snapshot of this cluster was imported/, 'evaluation error');
  assert.ok(dev.resourceRules.some((x) => x.resources.includes('selfsubjectrulesreviews')), 'basic-user rules');
  assert.ok(dev.nonResourceRules.some((x) => x.nonResourceURLs.includes('/healthz')), 'discovery rules');

  const prod = rulesReview(slice, alice(), 'prod', 0);
  assert.equal(createsDeployments(prod), false, 'only View in prod');
  assert.ok(prod.resourceRules.some((x) => x.resources.includes('pods') && x.verbs.includes('list')), 'View in prod');

  const keys = dev.resourceRules.map((r) => JSON.stringify(r));
  assert.equal(new Set(keys).size, keys.length, 'no duplicates');

  const cm = rulesReview(aliceSlice('CONFIG_MAP'), alice(), 'dev-a', 0);
  assert.equal(cm.resourceRules.length, 2, 'CONFIG_MAP: only the basic-user rules');
  assert.match(cm.evaluationError ?? '', /CONFIG_MAP mode/, 'says why');

  const admin = iamUser('arn:aws:iam::111122223333:user/admin', 'AIDAADMINADMINADMIN01', ['system:masters']);
  const m = rulesReview(aliceSlice('CONFIG_MAP'), admin, 'default', 0);
  assert.deepEqual(m.resourceRules[0], { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, 'masters: *');
  assert.deepEqual(m.nonResourceRules[0], { verbs: ['*'], nonResourceURLs: ['*'] }, 'masters: * URLs');
  assert.equal(m.incomplete, false, 'masters: complete');
  assert.equal(m.evaluationError, undefined, 'masters: no error');
});
