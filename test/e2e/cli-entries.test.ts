/**
 * Access entries and access policies as users type them with the real AWS CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeAccessEntryCommand, ListAccessEntriesCommand, ListAssociatedAccessPoliciesCommand } from '@aws-sdk/client-eks';
import { listAccessPolicies } from '../../src/policy/catalogue.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { POLICY, assertCliError, createCluster, createRole, rejectsWith } from './lib.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('aws eks (access entries) with the real CLI', () => {
  let s: TestServer;
  let A: string;
  let dev: string;
  let node: string;
  let created: Record<string, unknown>;
  const eks = (...args: string[]) => s.aws(['eks', ...args]);
  before(async () => {
    s = await startTestServer();
    A = s.accountId;
    await createCluster(s.eks(), 'demo', 'API_AND_CONFIG_MAP');
    await createCluster(s.eks(), 'legacy');
    dev = await createRole(s, 'dev', '/teams/');
    node = await createRole(s, 'node');
  });
  after(async () => s.close());

  it('create-access-entry (STANDARD role with a path, groups, tags)', async () => {
    const r = await eks('create-access-entry', '--cluster-name', 'demo', '--principal-arn', dev, '--kubernetes-groups', 'devs', 'viewers', '--tags', 'team=a');
    assert.equal(r.code, 0, r.stderr);
    const e = r.json.accessEntry;
    created = e;
    assert.equal(e.clusterName, 'demo', 'clusterName');
    assert.equal(e.principalArn, dev, 'principalArn');
    assert.deepEqual(e.kubernetesGroups, ['devs', 'viewers'], 'groups');
    assert.match(e.accessEntryArn, new RegExp(`^arn:aws:eks:us-east-1:${A}:access-entry/demo/role/${A}/dev/${UUID}$`), 'ARN');
    assert.equal(e.createdAt, e.modifiedAt, 'createdAt == modifiedAt');
    assert.deepEqual(e.tags, { team: 'a' }, 'tags');
    assert.equal(e.username, `arn:aws:sts::${A}:assumed-role/dev/{{SessionName}}`, 'username without the path');
    assert.equal(e.type, 'STANDARD', 'type');
  });

  it('create-access-entry --type EC2_LINUX', async () => {
    const r = await eks('create-access-entry', '--cluster-name', 'demo', '--principal-arn', node, '--type', 'EC2_LINUX');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.accessEntry.username, 'system:node:{{EC2PrivateDNSName}}', 'username');
    assert.deepEqual(r.json.accessEntry.kubernetesGroups, ['system:nodes'], 'groups');
    assert.equal(r.json.accessEntry.type, 'EC2_LINUX', 'type');
  });

  // InvalidParameterException (e.g. a system: group) as the CLI prints it is in cli-clusters.test.ts; entries.test.ts has the texts.
  it('errors as the CLI prints them: duplicate (409), CONFIG_MAP gate (400)', async () => {
    assertCliError(
      await eks('create-access-entry', '--cluster-name', 'demo', '--principal-arn', dev),
      'ResourceInUseException',
      'CreateAccessEntry',
      'The specified access entry resource is already in use on this cluster.',
    );
    assertCliError(
      await eks('list-access-entries', '--cluster-name', 'legacy'),
      'InvalidRequestException',
      'ListAccessEntries',
      "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
    );
  });

  it('describe-access-entry', async () => {
    const r = await eks('describe-access-entry', '--cluster-name', 'demo', '--principal-arn', dev);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.accessEntry, created, 'as created');
  });

  it('update-access-entry --username: modifiedAt moves, the rest stays', async () => {
    const r = await eks('update-access-entry', '--cluster-name', 'demo', '--principal-arn', dev, '--username', 'dev:{{SessionName}}');
    assert.equal(r.code, 0, r.stderr);
    const e = r.json.accessEntry;
    assert.equal(e.username, 'dev:{{SessionName}}', 'username');
    assert.deepEqual(e.kubernetesGroups, created.kubernetesGroups, 'groups kept');
    assert.equal(e.createdAt, created.createdAt, 'createdAt');
    assert.equal(e.accessEntryArn, created.accessEntryArn, 'ARN');
    assert.ok(e.modifiedAt > (created.modifiedAt as number), 'modifiedAt moved');
  });

  it('associate-access-policy at cluster scope and at namespace scope with dev-*', async () => {
    const c = await eks('associate-access-policy', '--cluster-name', 'demo', '--principal-arn', dev, '--policy-arn', POLICY('AmazonEKSViewPolicy'), '--access-scope', 'type=cluster');
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.json.clusterName, 'demo', 'clusterName');
    assert.equal(c.json.principalArn, dev, 'principalArn');
    assert.deepEqual(c.json.associatedAccessPolicy.accessScope, { type: 'cluster', namespaces: [] }, 'cluster scope');
    const n = await eks('associate-access-policy', '--cluster-name', 'demo', '--principal-arn', dev, '--policy-arn', POLICY('AmazonEKSEditPolicy'), '--access-scope', 'type=namespace,namespaces=dev-*');
    assert.equal(n.code, 0, n.stderr);
    assert.deepEqual(n.json.associatedAccessPolicy.accessScope, { type: 'namespace', namespaces: ['dev-*'] }, 'namespace scope');
  });

  it('list-associated-access-policies', async () => {
    const r = await eks('list-associated-access-policies', '--cluster-name', 'demo', '--principal-arn', dev);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.clusterName, 'demo', 'clusterName');
    assert.equal(r.json.principalArn, dev, 'principalArn');
    assert.deepEqual(
      r.json.associatedAccessPolicies.map((p: { policyArn: string }) => p.policyArn),
      [POLICY('AmazonEKSEditPolicy'), POLICY('AmazonEKSViewPolicy')],
      'both, sorted',
    );
  });

  it('list-access-entries, with and without --associated-policy-arn', async () => {
    const all = await eks('list-access-entries', '--cluster-name', 'demo');
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.json.accessEntries, [`arn:aws:iam::${A}:role/node`, dev, `arn:aws:iam::${A}:user/entryway-admin`], 'sorted principal ARNs');
    const filtered = await eks('list-access-entries', '--cluster-name', 'demo', '--associated-policy-arn', POLICY('AmazonEKSViewPolicy'));
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.deepEqual(filtered.json.accessEntries, [dev], 'only the entry with the policy');
  });

  it('list-access-policies: the full catalogue, sorted', async () => {
    const r = await eks('list-access-policies');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.accessPolicies, listAccessPolicies(), 'catalogue');
  });

  it('disassociate-access-policy, then delete-access-entry cascades', async () => {
    const d = await eks('disassociate-access-policy', '--cluster-name', 'demo', '--principal-arn', dev, '--policy-arn', POLICY('AmazonEKSViewPolicy'));
    assert.equal(d.code, 0, d.stderr);
    const sdk = s.eks();
    const left = await sdk.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: dev }));
    assert.deepEqual(left.associatedAccessPolicies?.map((p) => p.policyArn), [POLICY('AmazonEKSEditPolicy')], 'one left');
    const del = await eks('delete-access-entry', '--cluster-name', 'demo', '--principal-arn', dev);
    assert.equal(del.code, 0, del.stderr);
    await rejectsWith(sdk.send(new DescribeAccessEntryCommand({ clusterName: 'demo', principalArn: dev })), 'ResourceNotFoundException', 404);
    const withEdit = await sdk.send(new ListAccessEntriesCommand({ clusterName: 'demo', associatedPolicyArn: POLICY('AmazonEKSEditPolicy') }));
    assert.deepEqual(withEdit.accessEntries, [], 'associations went with the entry');
  });

  it('describe-access-entry of a deleted entry: ResourceNotFoundException with EKS wording', async () => {
    assertCliError(
      await eks('describe-access-entry', '--cluster-name', 'demo', '--principal-arn', dev),
      'ResourceNotFoundException',
      'DescribeAccessEntry',
      "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.",
    );
  });
});
