import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestAttributes } from '../policy/rbac.js';
import { ruleAllows } from '../policy/rbac.js';
import { CompiledRbac, aggregateClusterRoles, describeRbacPath, exactWho, parseRbacObjects, risksOfRule, selectorMatches } from './index.js';
import type { RbacObjects, RbacRole } from './index.js';

const res = (verb: string, resource: string, namespace = '', extra: Partial<{ group: string; subresource: string; name: string }> = {}): RequestAttributes => ({
  verb,
  resource,
  namespace,
  group: extra.group ?? '',
  subresource: extra.subresource ?? '',
  name: extra.name ?? '',
  version: 'v1',
});

const SNAPSHOT = `
apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: secret-reader, labels: {team: a}}
  rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get, list]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: monitoring}
  aggregationRule:
    clusterRoleSelectors:
    - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
  rules: []
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: monitoring-pods, labels: {rbac.example.com/aggregate-to-monitoring: "true"}}
  rules:
  - {apiGroups: [""], resources: [pods, pods/log], verbs: [get, list, watch]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: monitoring-metrics, labels: {rbac.example.com/aggregate-to-monitoring: "true"}}
  rules:
  - {nonResourceURLs: [/metrics], verbs: [get]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: extra-view, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
  rules:
  - {apiGroups: [example.com], resources: [widgets], verbs: [get]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: Role
  metadata: {name: deployer, namespace: dev}
  rules:
  - {apiGroups: [apps], resources: [deployments], verbs: ["*"]}
  - {apiGroups: [""], resources: [configmaps], resourceNames: [app-config], verbs: [get]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: monitoring}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
  subjects:
  - {kind: Group, name: monitoring, apiGroup: rbac.authorization.k8s.io}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: secrets, namespace: prod}
  roleRef: {kind: ClusterRole, name: secret-reader}
  subjects:
  - {kind: User, name: alice}
  - {kind: ServiceAccount, name: ci}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: deployers, namespace: dev}
  roleRef: {kind: Role, name: deployer}
  subjects:
  - {kind: Group, name: devs}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: viewers, namespace: dev}
  roleRef: {kind: ClusterRole, name: view}
  subjects:
  - {kind: Group, name: devs}
  - {kind: ServiceAccount, name: bot, namespace: tools}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: dangling, namespace: dev}
  roleRef: {kind: Role, name: gone}
  subjects:
  - {kind: Group, name: devs}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: not-rbac}
`;

const parsed = parseRbacObjects(SNAPSHOT);
const rbac = new CompiledRbac(parsed.objects);

test('parse: a List of the four kinds, other kinds skipped with a warning, counts', () => {
  assert.deepEqual(parsed.counts, { clusterRoles: 5, clusterRoleBindings: 1, roles: 1, roleBindings: 4 });
  assert.equal(parsed.warnings.length, 1);
  assert.match(parsed.warnings[0]!, /items\[11\]: kind "ConfigMap" is not an RBAC object/);
  // JSON gives the same objects.
  const json = parseRbacObjects(JSON.stringify({ kind: 'List', apiVersion: 'v1', items: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }] }));
  assert.deepEqual(json.objects.roles, [{ kind: 'ClusterRole', name: 'x', labels: {}, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }]);
});

for (const [what, text, message] of [
  ['a rule without verbs', 'kind: ClusterRole\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: a}\nrules: [{resources: [pods]}]', /object \(ClusterRole a\)\.rules\[0\]\.verbs is required/],
  ['a Role without namespace', 'kind: Role\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: a}\nrules: []', /metadata\.namespace must be a non-empty string/],
  ['a ClusterRoleBinding to a Role', 'kind: ClusterRoleBinding\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: a}\nroleRef: {kind: Role, name: r}', /can only refer to a ClusterRole/],
  ['a bad subject kind', 'kind: RoleBinding\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: a, namespace: n}\nroleRef: {kind: Role, name: r}\nsubjects: [{kind: Robot, name: x}]', /subjects\[0\]\.kind must be User, Group or ServiceAccount/],
  ['a duplicate', '{"kind":"List","items":[{"kind":"ClusterRole","metadata":{"name":"a"}},{"kind":"ClusterRole","metadata":{"name":"a"}}]}', /ClusterRole a appears twice/],
  ['not YAML', 'kind: [', /not valid (JSON or )?YAML/],
  ['a bad selector operator', 'kind: ClusterRole\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: a}\naggregationRule: {clusterRoleSelectors: [{matchExpressions: [{key: k, operator: Near}]}]}', /operator must be In, NotIn, Exists or DoesNotExist/],
] as const) {
  test(`parse refuses ${what}`, () => assert.throws(() => parseRbacObjects(text), message));
}

test('label selectors', () => {
  const cases: Array<[Parameters<typeof selectorMatches>[0], Record<string, string>, boolean]> = [
    [{}, {}, true],
    [{ matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, {}, false],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }, false],
    [{ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1' }, false],
  ];
  for (const [sel, labels, want] of cases) assert.equal(selectorMatches(sel, labels), want, JSON.stringify([sel, labels]));
});

test('aggregation: hand-written empty aggregated roles are filled; chains converge; the defaults aggregate', () => {
  const mon = rbac.roles.get('ClusterRole\u0000\u0000monitoring')!;
  assert.deepEqual(mon.rules, [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }, { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }]);
  const view = rbac.roles.get('ClusterRole\u0000\u0000view')!;
  const admin = rbac.roles.get('ClusterRole\u0000\u0000admin')!;
  const edit = rbac.roles.get('ClusterRole\u0000\u0000edit')!;
  const allows = (r: RbacRole, a: RequestAttributes) => r.rules.some((rule) => ruleAllows(rule, a));
  // extra-view reaches view, then edit (view is aggregate-to-edit) and admin (edit is aggregate-to-admin).
  for (const r of [view, edit, admin]) assert.ok(allows(r, res('get', 'widgets', 'dev', { group: 'example.com' })), r.name);
  assert.ok(!allows(view, res('get', 'secrets', 'dev')));
  assert.ok(allows(edit, res('get', 'secrets', 'dev')));
  assert.ok(!allows(edit, res('create', 'rolebindings', 'dev', { group: 'rbac.authorization.k8s.io' })));
  assert.ok(allows(admin, res('create', 'rolebindings', 'dev', { group: 'rbac.authorization.k8s.io' })));
  // A cycle of selectors terminates.
  const cyc: RbacRole[] = [
    { kind: 'ClusterRole', name: 'a', labels: { x: '1' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['a'] }], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { y: '1' } }] } },
    { kind: 'ClusterRole', name: 'b', labels: { y: '1' }, rules: [], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: '1' } }] } },
  ];
  const out = aggregateClusterRoles(cyc);
  assert.equal(out.length, 2);
});

const decisions: Array<[string, string, string[], RequestAttributes, string | undefined]> = [
  ['User via RoleBinding to a ClusterRole, in its namespace', 'alice', [], res('get', 'secrets', 'prod'), 'RoleBinding "secrets/prod" of ClusterRole "secret-reader" to User "alice"'],
  ['the same RoleBinding does not reach another namespace', 'alice', [], res('get', 'secrets', 'dev'), undefined],
  ['nor a cluster-wide list', 'alice', [], res('list', 'secrets', ''), undefined],
  ['ServiceAccount subject without namespace takes the RoleBinding’s', 'system:serviceaccount:prod:ci', [], res('list', 'secrets', 'prod'), 'RoleBinding "secrets/prod" of ClusterRole "secret-reader" to ServiceAccount "prod/ci"'],
  ['ServiceAccount of another namespace is not it', 'system:serviceaccount:dev:ci', [], res('list', 'secrets', 'prod'), undefined],
  ['ServiceAccount with an explicit namespace', 'system:serviceaccount:tools:bot', [], res('get', 'pods', 'dev'), 'RoleBinding "viewers/dev" of ClusterRole "view" to ServiceAccount "tools/bot"'],
  ['Group via a Role', 'bob', ['devs'], res('delete', 'deployments', 'dev', { group: 'apps' }), 'RoleBinding "deployers/dev" of Role "deployer" to Group "devs"'],
  ['Group via aggregated view in a RoleBinding', 'bob', ['devs'], res('get', 'widgets', 'dev', { group: 'example.com' }), 'RoleBinding "viewers/dev" of ClusterRole "view" to Group "devs"'],
  ['resourceNames: the named object only', 'bob', ['devs'], res('get', 'configmaps', 'dev', { name: 'app-config' }), 'RoleBinding "deployers/dev" of Role "deployer" to Group "devs"'],
  ['resourceNames: another name is not covered', 'bob', ['devs'], res('update', 'configmaps', 'dev', { name: 'other' }), undefined],
  ['resourceNames: a list is not covered', 'bob', ['nobody'], res('get', 'configmaps', 'dev'), undefined],
  ['view does not read secrets', 'bob', ['devs'], res('get', 'secrets', 'dev'), undefined],
  ['subresource needs its own rule', 'm', ['monitoring'], res('get', 'pods', 'x', { subresource: 'log' }), 'ClusterRoleBinding "monitoring" of ClusterRole "monitoring" to Group "monitoring"'],
  ['pods does not cover pods/exec', 'm', ['monitoring'], res('create', 'pods', 'x', { subresource: 'exec' }), undefined],
  ['non-resource URL through an aggregated ClusterRoleBinding', 'm', ['monitoring'], { verb: 'get', path: '/metrics' }, 'ClusterRoleBinding "monitoring" of ClusterRole "monitoring" to Group "monitoring"'],
  ['default: system:authenticated may discover', 'anyone', ['system:authenticated'], { verb: 'get', path: '/apis/apps' }, 'ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"'],
  ['default: system:masters is bound to cluster-admin', 'root', ['system:masters'], res('delete', 'nodes', ''), 'ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"'],
  ['a dangling binding grants nothing', 'bob', ['devs'], res('get', 'leases', 'dev', { group: 'coordination.k8s.io' }), undefined],
  ['user names are case-sensitive', 'Alice', [], res('get', 'secrets', 'prod'), undefined],
];
for (const [what, user, groups, attrs, want] of decisions) {
  test(`decide: ${what}`, () => {
    const p = rbac.decide(exactWho(user, groups), attrs);
    assert.equal(p ? describeRbacPath(p) : undefined, want);
  });
}

test('warnings and defaults', () => {
  assert.deepEqual(rbac.warnings, ['RoleBinding dev/dangling refers to Role gone, which does not exist: it grants nothing']);
  assert.ok(rbac.addedDefaults.includes('ClusterRole cluster-admin'));
  assert.ok(rbac.addedDefaults.includes('ClusterRoleBinding system:basic-user'));
  // A snapshot's own default binding is kept as it is, not doubled.
  const own: RbacObjects = { roles: [], bindings: [{ kind: 'ClusterRoleBinding', name: 'cluster-admin', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'admins' }] }] };
  const c = new CompiledRbac(own);
  assert.equal(c.decide(exactWho('x', ['system:masters']), res('get', 'pods', 'a')), undefined);
  assert.ok(c.decide(exactWho('x', ['admins']), res('get', 'pods', 'a')));
  assert.deepEqual(rbac.namespaces(), ['dev', 'prod']);
});

test('rulesFor: cluster bindings always, RoleBindings in their namespace, no non-resource rules from RoleBindings', () => {
  const who = exactWho('bob', ['devs', 'monitoring']);
  const clusterOnly = rbac.rulesFor(who, '').map((p) => p.binding.name);
  assert.ok(clusterOnly.every((n) => n === 'monitoring'));
  const inDev = rbac.rulesFor(who, 'dev');
  assert.ok(inDev.some((p) => p.binding.name === 'deployers'));
  assert.ok(inDev.some((p) => p.binding.name === 'viewers'));
  assert.ok(!rbac.rulesFor(who, 'prod').some((p) => p.binding.namespace === 'dev'));
});

test('templated usernames: a User subject matching only some sessions is conditional', () => {
  const who = { user: (n: string) => (n.startsWith('arn:aws:sts::111122223333:assumed-role/ops/') ? { condition: `session ${n.split('/').pop()}` } : ('no' as const)), groups: new Set<string>() };
  const c = new CompiledRbac(
    parseRbacObjects(
      'kind: ClusterRoleBinding\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: ops-alice}\nroleRef: {kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: "arn:aws:sts::111122223333:assumed-role/ops/alice"}]',
    ).objects,
  );
  const p = c.decide(who, res('get', 'pods', 'x'));
  assert.equal(p?.conditional, 'session alice');
});

const risk: Array<[string, Parameters<typeof risksOfRule>[0], boolean, string[]]> = [
  ['star on star, cluster-wide', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, true, ['cluster-admin', 'secrets-read', 'pods-exec', 'pods-attach', 'pods-portforward', 'nodes-proxy', 'escalate', 'bind', 'impersonate', 'rbac-write', 'serviceaccount-token', 'csr-approval']],
  ['star on star in a namespace', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, false, ['namespace-admin', 'secrets-read', 'pods-exec', 'pods-attach', 'pods-portforward', 'escalate', 'bind', 'impersonate', 'rbac-write', 'serviceaccount-token']],
  ['secrets by name still read secrets', { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] }, false, ['secrets-read']],
  ['pods only', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, true, []],
  ['*/exec', { verbs: ['create'], apiGroups: [''], resources: ['*/exec'] }, false, ['pods-exec']],
  ['nodes/proxy in a namespace is unreachable', { verbs: ['get'], apiGroups: [''], resources: ['nodes/proxy'] }, false, []],
  ['CSR approval', { verbs: ['update'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'] }, true, ['csr-approval']],
  ['impersonate groups', { verbs: ['impersonate'], apiGroups: [''], resources: ['groups'] }, true, ['impersonate']],
  ['non-resource rules carry none', { verbs: ['*'], nonResourceURLs: ['*'] }, true, []],
];
for (const [what, rule, clusterWide, want] of risk) {
  test(`risks: ${what}`, () => assert.deepEqual(risksOfRule(rule, clusterWide), want));
}
