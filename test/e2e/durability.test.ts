/**
 * Durability on SQLite: what the API wrote is there after the server stops and a new one starts on
 * the same data dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ListClustersCommand,
  ListTagsForResourceCommand,
  ListUpdatesCommand,
  UpdateClusterConfigCommand,
} from '@aws-sdk/client-eks';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { TestServer } from '../helpers/server.js';
import { startTestServer, testStoreKind } from '../helpers/server.js';
import { POLICY, createCluster, createRole } from './lib.js';

test('clusters, entries, associations, updates and tags survive a restart on the same data dir', { skip: testStoreKind() !== 'sqlite' && 'SQLite only' }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'entryway-durability-'));
  let first: TestServer | undefined;
  let second: TestServer | undefined;
  try {
    first = await startTestServer({ config: { dataDir }, keepDataDir: true });
    const eks = first.eks();
    const c = await createCluster(eks, 'keep', 'API_AND_CONFIG_MAP');
    await createCluster(eks, 'legacy');
    const role = await createRole(first, 'kept', '/teams/');
    const entry = (await eks.send(new CreateAccessEntryCommand({ clusterName: 'keep', principalArn: role, kubernetesGroups: ['devs'], username: 'dev:{{SessionName}}', tags: { a: 'b' } }))).accessEntry;
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'keep', principalArn: role, policyArn: POLICY('AmazonEKSEditPolicy'), accessScope: { type: 'namespace', namespaces: ['dev-*'] } }));
    const update = (await eks.send(new UpdateClusterConfigCommand({ name: 'keep', accessConfig: { authenticationMode: 'API' } }))).update;
    const state = async (client: EKSClient) => ({
      clusters: (await client.send(new ListClustersCommand({}))).clusters,
      cluster: (await client.send(new DescribeClusterCommand({ name: 'keep' }))).cluster,
      entries: (await client.send(new ListAccessEntriesCommand({ clusterName: 'keep' }))).accessEntries,
      entry: (await client.send(new DescribeAccessEntryCommand({ clusterName: 'keep', principalArn: role }))).accessEntry,
      policies: (await client.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'keep', principalArn: role }))).associatedAccessPolicies,
      updates: (await client.send(new ListUpdatesCommand({ name: 'keep' }))).updateIds,
      tags: (await client.send(new ListTagsForResourceCommand({ resourceArn: entry?.accessEntryArn }))).tags,
    });
    const before = await state(eks);
    const accountId = first.accountId;
    await first.close();
    first = undefined;

    second = await startTestServer({ config: { dataDir }, keepDataDir: true });
    assert.equal(second.server.bootstrapped, undefined, 'no second bootstrap');
    assert.equal(second.accountId, accountId, 'same account');
    const eks2 = second.eks();
    const after = await state(eks2);
    // The endpoint names the new port; everything else is identical.
    assert.equal(after.cluster?.endpoint, `${second.url}/k8s/keep`, 'endpoint follows the new server');
    assert.deepEqual({ ...after, cluster: { ...after.cluster, endpoint: '' } }, { ...before, cluster: { ...before.cluster, endpoint: '' } }, 'same state');
    assert.deepEqual(after.clusters, ['keep', 'legacy'], 'both clusters');
    assert.deepEqual(after.updates, [update?.id], 'the update');
    assert.equal(after.cluster?.arn, c.arn, 'cluster ARN');
    assert.equal(after.cluster?.accessConfig?.authenticationMode, 'API', 'mode after the move');
    assert.deepEqual(after.entry, entry, 'the entry, field for field');
    // The second server takes writes.
    await eks2.send(new CreateAccessEntryCommand({ clusterName: 'keep', principalArn: 'arn:aws:iam::444455556666:role/after-restart' }));
  } finally {
    await first?.close();
    await second?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
