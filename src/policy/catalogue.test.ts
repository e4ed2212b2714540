import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  AccessPolicyCatalogueError,
  accessPolicyArn,
  allAccessPolicies,
  getAccessPolicy,
  getAccessPolicyByName,
  listAccessPolicies,
  parseAccessPolicyArn,
  parseAccessPolicyCatalogue,
} from './catalogue.js';

const raw = JSON.parse(readFileSync(new URL('../../data/access-policies.json', import.meta.url), 'utf8')) as unknown[];

describe('catalogue', () => {
  it('lists all 34 policies as {name, arn}, sorted in ASCII order', () => {
    const list = listAccessPolicies();
    assert.equal(list.length, 34);
    assert.deepEqual(Object.keys(list[0]!), ['name', 'arn']);
    assert.equal(list[0]!.name, 'AIDevOpsAgentAccessPolicy'); // 'I' < 'm': ASCII, not locale order
    assert.equal(list[1]!.name, 'AmazonAIOpsAssistantPolicy');
    const names = list.map((p) => p.name);
    assert.deepEqual(names, [...names].sort());
    for (const p of list) assert.equal(p.arn, `arn:aws:eks::aws:cluster-access-policy/${p.name}`);
  });

  it('rewrites ARNs for another partition', () => {
    const list = listAccessPolicies('aws-cn');
    assert.ok(list.every((p) => p.arn.startsWith('arn:aws-cn:eks::aws:cluster-access-policy/')), 'aws-cn ARNs');
  });

  it('looks policies up by ARN in any partition', () => {
    const view = getAccessPolicy('arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy');
    assert.ok(view, 'view');
    assert.equal(view.rules.length, 10);
    assert.equal(view.rulesDocumented, true);
    assert.equal(view.mirrorsKubernetesClusterRole, 'view');
    for (const p of ['aws-cn', 'aws-us-gov', 'aws-iso-b', 'aws-eusc']) {
      assert.equal(getAccessPolicy(`arn:${p}:eks::aws:cluster-access-policy/AmazonEKSViewPolicy`), view, p);
    }
  });

  it('rejects unknown and malformed ARNs', () => {
    for (const arn of [
      'arn:aws:eks::aws:cluster-access-policy/NoSuchPolicy',
      'AmazonEKSViewPolicy',
      'arn:aws:eks:us-east-1:aws:cluster-access-policy/AmazonEKSViewPolicy',
      'arn:aws:eks::123456789012:cluster-access-policy/AmazonEKSViewPolicy',
      'arn:gcp:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
      'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy/x',
      'arn:aws:eks::aws:cluster-access-policy/',
      'arn:aws:eks::aws:cluster-access-policy/amazoneksviewpolicy',
      '',
    ]) {
      assert.equal(getAccessPolicy(arn), undefined, arn);
    }
  });

  it('parses and builds policy ARNs', () => {
    assert.deepEqual(parseAccessPolicyArn('arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSEditPolicy'), { partition: 'aws-us-gov', name: 'AmazonEKSEditPolicy' });
    assert.equal(accessPolicyArn('AmazonEKSEditPolicy', 'aws-cn'), 'arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSEditPolicy');
  });

  it('undocumented policies have no rules and say so', () => {
    const undocumented = allAccessPolicies().filter((p) => !p.rulesDocumented);
    assert.equal(undocumented.length, 26);
    for (const p of undocumented) assert.deepEqual(p.rules, [], p.name);
    assert.deepEqual(
      allAccessPolicies().filter((p) => p.rulesDocumented).map((p) => p.name),
      ['AmazonARCRegionSwitchScalingPolicy', 'AmazonEKSAdminPolicy', 'AmazonEKSAdminViewPolicy', 'AmazonEKSClusterAdminPolicy', 'AmazonEKSEditPolicy', 'AmazonEKSHybridPolicy', 'AmazonEKSSecretReaderPolicy', 'AmazonEKSViewPolicy'],
    );
  });

  it('flags service-linked-role-only policies', () => {
    const slr = allAccessPolicies().filter((p) => p.serviceLinkedRolesOnly).map((p) => p.name);
    assert.deepEqual(slr, [
      'AmazonEKSBlockStorageClusterPolicy',
      'AmazonEKSBlockStoragePolicy',
      'AmazonEKSClusterInsightsPolicy',
      'AmazonEKSComputeClusterPolicy',
      'AmazonEKSComputePolicy',
      'AmazonEKSHybridPolicy',
    ]);
    assert.equal(getAccessPolicyByName('AmazonEKSViewPolicy')?.serviceLinkedRolesOnly, false);
  });

  it('returns frozen data', () => {
    const p = getAccessPolicyByName('AmazonEKSClusterAdminPolicy')!;
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.rules) && Object.isFrozen(p.rules[0]), 'Object.isFrozen(p) && Object.isFrozen(p.rules) && Object.isFrozen(p.rules[0])');
    assert.deepEqual(p.rules[1], { verbs: ['*'], nonResourceURLs: ['*'] });
  });
});

describe('parseAccessPolicyCatalogue', () => {
  const good = { name: 'P', arn: 'arn:aws:eks::aws:cluster-access-policy/P', description: '', rulesDocumented: true, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
  const bad: [string, unknown, string][] = [
    ['not an array', {}, '$'],
    ['entry not an object', [null], '$[0]'],
    ['bad name', [{ ...good, name: 'a b' }], '$[0].name'],
    ['duplicate', [good, good], '$[1].name'],
    ['arn mismatch', [{ ...good, arn: 'arn:aws:eks::aws:cluster-access-policy/Q' }], '$[0].arn'],
    ['documented without rules', [{ ...good, rules: [] }], '$[0].rules'],
    ['undocumented with rules', [{ ...good, rulesDocumented: false }], '$[0].rules'],
    ['rulesDocumented missing', [{ ...good, rulesDocumented: undefined }], '$[0].rulesDocumented'],
    ['verbs not strings', [{ ...good, rules: [{ apiGroups: [''], resources: ['pods'], verbs: [1] }] }], '$[0].rules[0].verbs'],
    ['no verbs', [{ ...good, rules: [{ apiGroups: [''], resources: ['pods'], verbs: [] }] }], '$[0].rules[0].verbs'],
    ['mixed rule', [{ ...good, rules: [{ apiGroups: [''], resources: ['pods'], nonResourceURLs: ['/x'], verbs: ['get'] }] }], '$[0].rules[0]'],
    ['no resources', [{ ...good, rules: [{ apiGroups: [''], verbs: ['get'] }] }], '$[0].rules[0]'],
    ['unknown rule field', [{ ...good, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceName: ['x'] }] }], '$[0].rules[0].resourceName'],
    ['bad scopes', [{ ...good, allowedScopes: ['everywhere'] }], '$[0].allowedScopes'],
    ['bad slr flag', [{ ...good, serviceLinkedRolesOnly: 'yes' }], '$[0].serviceLinkedRolesOnly'],
  ];
  for (const [name, json, path] of bad) {
    it(`rejects: ${name}`, () => {
      assert.throws(() => parseAccessPolicyCatalogue(json), (e: unknown) => e instanceof AccessPolicyCatalogueError && e.path === path);
    });
  }
  it('accepts the shipped file', () => assert.equal(parseAccessPolicyCatalogue(raw).length, 34));
});
