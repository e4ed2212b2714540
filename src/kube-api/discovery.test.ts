import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, KUBERNETES_1_32 } from './discovery.js';

interface Resource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  group?: string;
  version?: string;
}
const resources = (group: string, version: string) => (apiResourceList(group, version) as { resources: Resource[] } | undefined)?.resources ?? [];
const find = (group: string, version: string, name: string) => resources(group, version).find((r) => r.name === name);

test('the groups the brief names are all served', () => {
  const names = KUBERNETES_1_32.map((g) => g.name);
  for (const g of [
    '', 'apps', 'batch', 'autoscaling', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'storage.k8s.io',
    'apiextensions.k8s.io', 'admissionregistration.k8s.io', 'certificates.k8s.io', 'scheduling.k8s.io', 'node.k8s.io', 'events.k8s.io', 'authentication.k8s.io',
    'authorization.k8s.io', 'flowcontrol.apiserver.k8s.io',
  ]) assert.ok(names.includes(g), `group ${JSON.stringify(g)}`);
  assert.equal(new Set(names).size, names.length, 'groups unique');
});

test('/api and /apis', () => {
  assert.deepEqual(apiVersions(), { kind: 'APIVersions', apiVersion: 'v1', versions: ['v1'] }, '/api');
  const list = apiGroupList() as { kind: string; groups: { name: string; versions: { groupVersion: string }[]; preferredVersion: { version: string } }[] };
  assert.equal(list.kind, 'APIGroupList', 'kind');
  assert.ok(!list.groups.some((g) => g.name === ''), 'core group is not under /apis');
  const autoscaling = list.groups.find((g) => g.name === 'autoscaling');
  assert.deepEqual(autoscaling?.versions.map((v) => v.groupVersion), ['autoscaling/v2', 'autoscaling/v1'], 'autoscaling versions');
  assert.equal(autoscaling?.preferredVersion.version, 'v2', 'preferred v2');
  assert.equal((apiGroup('apps') as { preferredVersion: { groupVersion: string } }).preferredVersion.groupVersion, 'apps/v1', '/apis/apps');
  assert.equal(apiGroup('nope'), undefined, 'unknown group');
  assert.equal(apiGroup(''), undefined, 'core is not a named group');
  assert.equal(apiResourceList('apps', 'v1beta1'), undefined, 'unknown version');
});

test('resource lists resolve what can-i asks for', () => {
  assert.equal((apiResourceList('', 'v1') as { groupVersion: string }).groupVersion, 'v1', 'core group version');
  assert.equal((apiResourceList('apps', 'v1') as { groupVersion: string }).groupVersion, 'apps/v1', 'apps group version');
  const deploy = find('apps', 'v1', 'deployments');
  assert.deepEqual([deploy?.kind, deploy?.namespaced, deploy?.shortNames], ['Deployment', true, ['deploy']], 'deployments');
  assert.ok(deploy?.verbs.includes('create'), 'deployments verbs');
  const scale = find('apps', 'v1', 'deployments/scale');
  assert.deepEqual([scale?.kind, scale?.group, scale?.version, scale?.singularName], ['Scale', 'autoscaling', 'v1', ''], 'deployments/scale');
  assert.deepEqual(find('', 'v1', 'pods/log')?.verbs, ['get'], 'pods/log');
  assert.equal(find('', 'v1', 'pods')?.shortNames?.[0], 'po', 'po');
  assert.equal(find('', 'v1', 'nodes')?.namespaced, false, 'nodes cluster-scoped');
  assert.equal(find('policy', 'v1', 'poddisruptionbudgets')?.shortNames?.[0], 'pdb', 'pdb');
  assert.equal(find('', 'v1', 'pods/eviction')?.group, 'policy', 'eviction group');
  assert.equal(find('autoscaling', 'v1', 'horizontalpodautoscalers')?.kind, 'HorizontalPodAutoscaler', 'hpa v1');
  assert.equal(find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')?.shortNames?.join(), 'crd,crds', 'crd');
});

test('every resource row is well formed', () => {
  for (const g of KUBERNETES_1_32) {
    for (const v of g.versions) {
      const rows = resources(g.name, v.version);
      const names = rows.map((r) => r.name);
      assert.equal(new Set(names).size, names.length, `${g.name}/${v.version}: unique names`);
      for (const r of rows) {
        assert.match(r.name, /^[a-z]+(\/[a-z]+)?$/, `${r.name}: lower-case name`);
        assert.ok(r.verbs.length > 0, `${r.name}: verbs`);
        assert.ok(/^[A-Z]/.test(r.kind), `${r.name}: kind`);
        if (!r.name.includes('/')) assert.ok(r.singularName !== '' && r.name.startsWith(r.singularName.slice(0, 3)), `${r.name}: singular name`);
        else assert.ok(names.includes(r.name.split('/')[0]!), `${r.name}: parent listed`);
      }
    }
  }
});
