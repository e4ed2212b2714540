import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getAccessPolicyByName, parseRule } from './catalogue.js';
import type { Grant } from './engine.js';
import type { PolicyRule } from './rbac.js';
import { rulesAllow } from './rbac.js';
import type { ScopedRules } from './permissions.js';
import { comparePermissions, effectivePermissions, scopedRulesAllow, scopedRulesFromClusterRole, scopedRulesFromGrants } from './permissions.js';
import type { PolicyKey } from './testdata/cases.js';
import { CASES, KNOWN_DIFFERENCE_LABELS, KNOWN_K8S_ROLE_FOR, POLICIES, res, url } from './testdata/cases.js';

interface Role {
  readonly name: string;
  readonly rules: readonly PolicyRule[];
}
const roles: ReadonlyMap<string, Role> = new Map(
  (JSON.parse(readFileSync(new URL('../../data/k8s-default-clusterroles.json', import.meta.url), 'utf8')) as { name: string; rules: unknown[] }[]).map((r) => [
    r.name,
    { name: r.name, rules: r.rules.map((x, i) => parseRule(x, `${r.name}[${i}]`)) },
  ]),
);
const role = (name: string): Role => roles.get(name)!;
const policyRules = (k: PolicyKey): readonly PolicyRule[] => getAccessPolicyByName(POLICIES[k])!.rules;

const cluster = { type: 'cluster', namespaces: [] } as const;
const grant = (policy: string, scope: Grant['scope']): Grant => ({
  principalArn: 'arn:aws:iam::111122223333:role/x',
  principalId: 'AROAX',
  policyArn: `arn:aws:eks::aws:cluster-access-policy/${policy}`,
  scope,
});

describe('EKS policies vs the Kubernetes roles they mirror, on the shared case table', () => {
  for (const [key, roleName] of Object.entries(KNOWN_K8S_ROLE_FOR) as [PolicyKey, string][]) {
    it(`${POLICIES[key]} ≈ ${roleName}`, () => {
      for (const c of CASES) {
        const eks = rulesAllow(policyRules(key), c.attrs);
        const k8s = rulesAllow(role(roleName).rules, c.attrs);
        assert.equal(eks, c.allow.includes(key), `table vs policy: ${c.label}`);
        if (KNOWN_DIFFERENCE_LABELS.has(c.label) && (key === 'ED' || key === 'AD')) {
          assert.equal(eks, false, c.label);
          assert.equal(k8s, true, c.label);
        } else {
          assert.equal(eks, k8s, `${roleName}: ${c.label}`);
        }
      }
    });
  }
});

describe('comparePermissions', () => {
  it('system:masters (cluster-admin) ≡ AmazonEKSClusterAdminPolicy at cluster scope', () => {
    const r = comparePermissions([scopedRulesFromClusterRole(role('cluster-admin'))], scopedRulesFromGrants([grant('AmazonEKSClusterAdminPolicy', cluster)]), {
      probes: CASES.map((c) => c.attrs),
    });
    assert.deepEqual(r, { equivalent: true, onlyInA: [], onlyInB: [], probeDifferences: [] });
  });

  it('view ≡ AmazonEKSViewPolicy', () => {
    const r = comparePermissions([scopedRulesFromClusterRole(role('view'))], scopedRulesFromGrants([grant('AmazonEKSViewPolicy', cluster)]));
    assert.equal(r.equivalent, true);
  });

  it('edit and admin: exactly the documented upstream additions are missing from the EKS policies', () => {
    const missing = [
      'cluster create pods/eviction',
      'cluster create serviceaccounts/token',
      ...['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'].map((v) => `cluster ${v} leases.coordination.k8s.io`),
    ].sort();
    for (const [roleName, policy] of [
      ['edit', 'AmazonEKSEditPolicy'],
      ['admin', 'AmazonEKSAdminPolicy'],
    ] as const) {
      const r = comparePermissions([scopedRulesFromClusterRole(role(roleName))], scopedRulesFromGrants([grant(policy, cluster)]), { probes: CASES.map((c) => c.attrs) });
      assert.equal(r.equivalent, false);
      assert.deepEqual(r.onlyInA.map((a) => a.key), missing, roleName);
      assert.deepEqual(r.onlyInB, [], roleName);
      assert.deepEqual(
        r.probeDifferences.map((d) => [d.a, d.b]),
        r.probeDifferences.map(() => [true, false]),
      );
      assert.equal(r.probeDifferences.length, 4);
    }
  });

  it('scope matters: cluster-scope view covers namespace-scope view, not the reverse', () => {
    const viewAt = (scope: ScopedRules['scope']) => [scopedRulesFromClusterRole(role('view'), scope)];
    const r = comparePermissions(viewAt(cluster), viewAt({ type: 'namespace', namespaces: ['a'] }));
    assert.equal(r.onlyInB.length, 0);
    assert.ok(r.onlyInA.length > 0 && r.onlyInA.every((a) => a.key.startsWith('cluster ')), 'only cluster-scope atoms are extra');
  });

  it('namespace patterns cover narrower patterns', () => {
    const at = (...namespaces: string[]) => scopedRulesFromGrants([grant('AmazonEKSSecretReaderPolicy', { type: 'namespace', namespaces })]);
    assert.equal(comparePermissions(at('dev-*'), at('dev-a', 'dev-b*')).onlyInB.length, 0);
    assert.equal(comparePermissions(at('dev-*'), at('dev-a', 'dev-b*')).onlyInA.length, 3);
    assert.equal(comparePermissions(at('*'), at('x', 'dev-*')).onlyInB.length, 0);
    assert.equal(comparePermissions(at('dev-a'), at('dev-*')).onlyInB.length, 3);
  });

  it('resource names and */subresource follow RBAC Covers', () => {
    const named: ScopedRules = { source: 'named', scope: cluster, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }] };
    const all: ScopedRules = { source: 'all', scope: cluster, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }] };
    const r = comparePermissions([named], [all]);
    assert.deepEqual(r.onlyInA, []);
    assert.deepEqual(r.onlyInB.map((a) => a.key), ['cluster get configmaps']);
    const scaleAny: ScopedRules = { source: 's', scope: cluster, rules: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }] };
    const scaleDeploy: ScopedRules = { source: 'd', scope: cluster, rules: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }] };
    assert.deepEqual(comparePermissions([scaleDeploy], [scaleAny]).onlyInA, []);
    assert.equal(comparePermissions([scaleAny], [scaleDeploy]).onlyInA.length, 1);
  });

  it('effectivePermissions lists atoms once, sorted, without namespace-scope URLs', () => {
    const atoms = effectivePermissions([
      ...scopedRulesFromGrants([grant('AmazonEKSClusterAdminPolicy', cluster), grant('AmazonEKSClusterAdminPolicy', cluster)]),
      ...scopedRulesFromGrants([grant('AmazonEKSClusterAdminPolicy', { type: 'namespace', namespaces: ['a'] })]),
    ]);
    assert.deepEqual(atoms.map((a) => a.key), ['cluster * *.*', 'cluster * *', 'ns:a * *.*'].sort());
  });

  it('scopedRulesAllow applies binding semantics', () => {
    const set = scopedRulesFromGrants([grant('AmazonEKSClusterAdminPolicy', { type: 'namespace', namespaces: ['a'] })]);
    assert.equal(scopedRulesAllow(set, res('get', '', 'pods', 'a')), true);
    assert.equal(scopedRulesAllow(set, res('get', '', 'pods', '')), false);
    assert.equal(scopedRulesAllow(set, url('get', '/healthz')), false);
  });
});
