import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allAccessPolicies, getAccessPolicyByName } from './catalogue.js';
import type { Grant } from './engine.js';
import { compileGrants, decide, rulesFor } from './engine.js';
import type { PolicyRule, RequestAttributes } from './rbac.js';
import { rulesAllow } from './rbac.js';
import { compileRules, indexAllowsNonResource, indexAllowsResource } from './ruleindex.js';
import { res, url } from './testdata/cases.js';

const principalArn = 'arn:aws:iam::111122223333:role/dev';
const principalId = 'AROAEXAMPLEEXAMPLE01';
const arn = (n: string, partition = 'aws'): string => `arn:${partition}:eks::aws:cluster-access-policy/${n}`;
const cluster = { type: 'cluster', namespaces: [] } as const;
const ns = (...namespaces: string[]) => ({ type: 'namespace', namespaces }) as const;
const grant = (policy: string, scope: Grant['scope'], partition = 'aws'): Grant => ({ principalArn, principalId, policyArn: arn(policy, partition), scope });

describe('decide: scopes', () => {
  const compiled = compileGrants([
    grant('AmazonEKSViewPolicy', cluster),
    grant('AmazonEKSEditPolicy', ns('dev-*')),
    grant('AmazonEKSAdminPolicy', ns('team-a')),
  ]);

  it('cluster scope allows with the EKS audit reason', () => {
    const d = decide(compiled, res('list', '', 'pods'));
    assert.deepEqual(d, {
      allowed: true,
      reason: `EKS Access Policy: allowed by ClusterRoleBinding "${principalArn}+${arn('AmazonEKSViewPolicy')}" of ClusterRole "${arn('AmazonEKSViewPolicy')}" to User "${principalId}"`,
      grant: compiled.grants[0],
    });
  });

  it('namespace scope allows with a RoleBinding "name/ns" reason naming the request namespace', () => {
    const d = decide(compiled, res('create', 'apps', 'deployments', 'dev-42'));
    assert.equal(d.allowed, true);
    assert.ok(d.allowed, 'd.allowed');
    assert.equal(d.reason, `EKS Access Policy: allowed by RoleBinding "${principalArn}+${arn('AmazonEKSEditPolicy')}/dev-42" of ClusterRole "${arn('AmazonEKSEditPolicy')}" to User "${principalId}"`);
    assert.equal(d.grant, compiled.grants[1]);
  });

  it('cluster grants win over namespace grants (RBAC visits ClusterRoleBindings first)', () => {
    const d = decide(compiled, res('get', '', 'pods', 'team-a', '', 'p'));
    assert.ok(d.allowed && d.grant.policyArn === arn('AmazonEKSViewPolicy'), 'View at cluster scope decides');
  });

  it('namespace grants in order', () => {
    const c = compileGrants([grant('AmazonEKSEditPolicy', ns('team-*')), grant('AmazonEKSAdminPolicy', ns('team-a'))]);
    const d = decide(c, res('create', '', 'pods', 'team-a'));
    assert.ok(d.allowed && d.grant.policyArn === arn('AmazonEKSEditPolicy'), 'first matching namespace grant decides');
    const e = decide(c, res('create', 'rbac.authorization.k8s.io', 'roles', 'team-a'));
    assert.ok(e.allowed && e.grant.policyArn === arn('AmazonEKSAdminPolicy'), 'only Admin grants roles');
  });

  it('no opinion is exactly {allowed: false}', () => {
    assert.deepEqual(decide(compiled, res('delete', '', 'secrets', 'prod', '', 's')), { allowed: false });
  });

  it('namespace scope never covers cluster-wide lists, cluster-scoped resources or URLs', () => {
    const admin = compileGrants([grant('AmazonEKSClusterAdminPolicy', ns('*'))]);
    assert.equal(decide(admin, res('create', '', 'pods', 'anything')).allowed, true);
    assert.equal(decide(admin, res('list', '', 'pods')).allowed, false);
    assert.equal(decide(admin, res('list', '', 'nodes')).allowed, false);
    assert.equal(decide(admin, res('create', 'rbac.authorization.k8s.io', 'clusterrolebindings')).allowed, false);
    assert.equal(decide(admin, url('get', '/healthz')).allowed, false);
  });

  it('RBAC quirk: namespace scope covers get namespaces/<own ns>', () => {
    const view = compileGrants([grant('AmazonEKSViewPolicy', ns('team-a'))]);
    assert.equal(decide(view, res('get', '', 'namespaces', 'team-a', '', 'team-a')).allowed, true);
    assert.equal(decide(view, res('get', '', 'namespaces', 'team-b', '', 'team-b')).allowed, false);
    assert.equal(decide(view, res('list', '', 'namespaces')).allowed, false);
  });

  it('accepts policy ARNs from other partitions and echoes them in the reason', () => {
    const c = compileGrants([grant('AmazonEKSViewPolicy', cluster, 'aws-cn')]);
    const d = decide(c, res('get', '', 'pods', 'x', '', 'p'));
    assert.ok(d.allowed, 'd.allowed');
    assert.match(d.reason, /ClusterRole "arn:aws-cn:eks::aws:cluster-access-policy\/AmazonEKSViewPolicy"/);
  });
});

describe('compileGrants', () => {
  it('reports inert grants and never throws', () => {
    const c = compileGrants([
      grant('NoSuchPolicy', cluster),
      { ...grant('AmazonEKSViewPolicy', cluster), policyArn: 'not-an-arn' },
      grant('AmazonEKSAutoNodePolicy', cluster),
      grant('AmazonEKSViewPolicy', ns()),
      grant('AmazonEKSViewPolicy', cluster),
    ]);
    assert.deepEqual(
      c.inert.map((i) => i.reason),
      ['UnknownPolicy', 'UnknownPolicy', 'RulesUndocumented', 'EmptyNamespaceScope'],
    );
    assert.equal(c.cluster.length, 1);
    assert.equal(c.grants.length, 5);
  });

  it('every undocumented policy grants nothing at any scope', () => {
    const undocumented = allAccessPolicies().filter((p) => !p.rulesDocumented);
    assert.ok(undocumented.length > 0, 'undocumented.length > 0');
    for (const p of undocumented) {
      const c = compileGrants([grant(p.name, cluster), grant(p.name, ns('*'))]);
      assert.equal(c.cluster.length + c.namespaced.length, 0, p.name);
      for (const attrs of [res('get', '', 'pods', 'a', '', 'p'), res('list', '', 'nodes'), res('get', 'coordination.k8s.io', 'leases', 'kube-system', '', 'l'), url('get', '/healthz')]) {
        assert.deepEqual(decide(c, attrs), { allowed: false }, p.name);
      }
    }
  });

  it('shares one compiled policy across grants, principals and partitions', () => {
    const a = compileGrants([grant('AmazonEKSViewPolicy', cluster), grant('AmazonEKSViewPolicy', ns('x'))]);
    const b = compileGrants([{ ...grant('AmazonEKSViewPolicy', cluster, 'aws-us-gov'), principalId: 'OTHER' }]);
    assert.equal(a.cluster[0]!.rules, a.namespaced[0]!.rules);
    assert.equal(a.cluster[0]!.rules, b.cluster[0]!.rules);
  });

  it('is immutable and detached from its input', () => {
    const namespaces = ['team-a'];
    const input: Grant[] = [grant('AmazonEKSEditPolicy', { type: 'namespace', namespaces })];
    const c = compileGrants(input);
    namespaces.push('team-b');
    input.push(grant('AmazonEKSClusterAdminPolicy', cluster));
    assert.equal(c.grants.length, 1);
    assert.deepEqual(c.grants[0]!.scope.namespaces, ['team-a']);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.grants) && Object.isFrozen(c.grants[0]) && Object.isFrozen(c.grants[0]!.scope.namespaces), 'Object.isFrozen(c) && Object.isFrozen(c.grants) && Object.isFrozen(c.grants[0]) && Object.isFrozen(c.grants[0]!.scope.namespaces)');
    assert.throws(() => (c.cluster as unknown[]).push(1), TypeError);
  });

  it('matches invalid patterns literally (so they match nothing)', () => {
    const c = compileGrants([grant('AmazonEKSViewPolicy', ns('*-dev', '', 'a*b'))]);
    for (const n of ['x-dev', 'ab', 'axb', 'a']) assert.equal(decide(c, res('get', '', 'pods', n, '', 'p')).allowed, false, n);
  });
});

describe('compiled index agrees with the plain RBAC predicates', () => {
  const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'impersonate', 'bind', 'escalate', '*', ''];
  const groups = ['', 'apps', 'batch', 'autoscaling', 'rbac.authorization.k8s.io', 'example.com', '*'];
  const resources = ['pods', 'deployments', 'secrets', 'nodes', 'namespaces', 'widgets', '*', 'pods/log', 'a/b', '*/scale', 'x'];
  const subs = ['', 'log', 'exec', 'scale', 'status', '*', 'b', 'b/c'];
  const names = ['', 'p', 'cm1', 'cm2'];
  const paths = ['/healthz', '/healthz/', '/healthz/etcd', '/metrics', '/api', '/apis/apps', '', '/', '*'];
  const ruleArb: fc.Arbitrary<PolicyRule> = fc.oneof(
    fc.record({
      verbs: fc.uniqueArray(fc.constantFrom(...verbs), { minLength: 1, maxLength: 3 }),
      apiGroups: fc.uniqueArray(fc.constantFrom(...groups), { minLength: 1, maxLength: 2 }),
      resources: fc.uniqueArray(fc.constantFrom(...resources, 'pods/*', '*/status', '*/', 'a/b/c', '*/b/c'), { minLength: 1, maxLength: 3 }),
      resourceNames: fc.uniqueArray(fc.constantFrom('p', 'cm1', ''), { maxLength: 2 }),
    }),
    fc.record({
      verbs: fc.uniqueArray(fc.constantFrom(...verbs), { minLength: 1, maxLength: 3 }),
      nonResourceURLs: fc.uniqueArray(fc.constantFrom('*', '/healthz', '/healthz/*', '/api*', '/metrics', '**', '/'), { minLength: 1, maxLength: 3 }),
    }),
  );
  const attrsArb: fc.Arbitrary<RequestAttributes> = fc.oneof(
    fc.record({
      namespace: fc.constantFrom('', 'a'),
      verb: fc.constantFrom(...verbs, 'use'),
      group: fc.constantFrom(...groups, 'other'),
      version: fc.constant('v1'),
      resource: fc.constantFrom(...resources),
      subresource: fc.constantFrom(...subs),
      name: fc.constantFrom(...names),
    }),
    fc.record({ path: fc.constantFrom(...paths), verb: fc.constantFrom(...verbs) }),
  );

  it('on random rule sets and requests', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 6 }), fc.array(attrsArb, { minLength: 1, maxLength: 20 }), (rules, requests) => {
        const ix = compileRules(rules);
        for (const a of requests) {
          const got = 'path' in a ? indexAllowsNonResource(ix, a) : indexAllowsResource(ix, a);
          assert.equal(got, rulesAllow(rules, a), JSON.stringify({ rules, a }));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('on every documented policy and a grid of requests', () => {
    for (const p of allAccessPolicies()) {
      const ix = compileRules(p.rules);
      for (const verb of verbs)
        for (const group of groups)
          for (const resource of resources)
            for (const subresource of subs) {
              const a = res(verb, group, resource, 'a', subresource, 'p');
              assert.equal(indexAllowsResource(ix, a), rulesAllow(p.rules, a), `${p.name} ${JSON.stringify(a)}`);
            }
    }
  });
});

describe('rulesFor', () => {
  const grants = [grant('AmazonEKSClusterAdminPolicy', cluster), grant('AmazonEKSSecretReaderPolicy', ns('dev-*')), grant('AmazonEKSViewPolicy', ns('team-a'))];
  const ca = getAccessPolicyByName('AmazonEKSClusterAdminPolicy')!;

  it('namespace "" lists cluster grants only, split into resource and non-resource rules', () => {
    assert.deepEqual(rulesFor(grants, ''), {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    });
  });

  it('adds matching namespace grants (resource rules only)', () => {
    const r = rulesFor(compileGrants(grants), 'dev-7');
    assert.equal(r.resourceRules.length, 2);
    assert.deepEqual(r.resourceRules[1], { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['secrets'] });
    assert.equal(r.nonResourceRules.length, 1);
    assert.equal(rulesFor(grants, 'team-a').resourceRules.length, 1 + 10);
    assert.equal(rulesFor(grants, 'prod').resourceRules.length, ca.rules.length - 1);
  });

  it('namespace-scoped ClusterAdmin contributes no non-resource rules and duplicates collapse', () => {
    const r = rulesFor([grant('AmazonEKSClusterAdminPolicy', ns('a')), grant('AmazonEKSClusterAdminPolicy', ns('a*'))], 'a');
    assert.deepEqual(r, { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [] });
  });

  it('serialises to SelfSubjectRulesReview JSON', () => {
    const json = JSON.parse(JSON.stringify(rulesFor(grants, 'team-a'))) as { resourceRules: unknown[] };
    assert.ok(Array.isArray(json.resourceRules), 'Array.isArray(json.resourceRules)');
  });
});
