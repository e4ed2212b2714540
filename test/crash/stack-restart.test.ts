/**
 * A stack operation survives its server (issue 12): `entryway serve` is killed (SIGKILL) while a
 * CreateStack waits for its cluster to become ACTIVE, and stopped (SIGTERM) while an UpdateStack
 * waits for a mode move; the next server on the same data dir carries each operation to its end,
 * and what the stack says matches what exists.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudFormationClient, CreateStackCommand, DescribeStackResourcesCommand, DescribeStacksCommand, UpdateStackCommand, waitUntilStackCreateComplete, waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
import { DescribeClusterCommand, EKSClient, ListAccessEntriesCommand } from '@aws-sdk/client-eks';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ADMIN_PROFILE, paths, readCredentialsProfile } from '../../src/server/datadir.js';
import { kill, serveProcess } from '../helpers/process.js';
import type { ServeProcess } from '../helpers/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'entryway-stack-restart-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const ARGS = ['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--management-rate-limit', '0', '--log-level', 'warn', '--allow-unverifiable-principals', '--cloudformation-wait', '0', '--cluster-create-duration', '3s', '--update-duration', '3s'];

function clients(p: ServeProcess) {
  const credentials = readCredentialsProfile(paths(dataDir).credentials, ADMIN_PROFILE);
  if (!credentials) throw new Error('no admin credentials');
  const requestHandler = new NodeHttpHandler({ httpsAgent: new Agent({ ca: p.ca, keepAlive: false }), requestTimeout: 10_000 });
  const c = { endpoint: p.url, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler };
  return { cfn: new CloudFormationClient(c), eks: new EKSClient(c) };
}

const template = (mode: string) => `
Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: restart
      RoleArn: arn:aws:iam::111122223333:role/eks
      ResourcesVpcConfig: {SubnetIds: [subnet-1]}
      AccessConfig: {AuthenticationMode: ${mode}}
  Team:
    Type: AWS::EKS::AccessEntry
    Properties:
      ClusterName: !Ref Cluster
      PrincipalArn: arn:aws:iam::111122223333:role/team
      AccessPolicies:
        - PolicyArn: arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy
          AccessScope: {Type: cluster}
`;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('a stack operation in flight when the server dies is finished by the next one', async () => {
  let p = await serveProcess(ARGS);
  try {
    let { cfn, eks } = clients(p);
    await cfn.send(new CreateStackCommand({ StackName: 'restart', TemplateBody: template('API_AND_CONFIG_MAP') }));
    // The cluster exists and is CREATING: the stack waits on it. Kill the server there.
    await until('the cluster to be created and awaited', async () => {
      const r = (await cfn.send(new DescribeStackResourcesCommand({ StackName: 'restart', LogicalResourceId: 'Cluster' }))).StackResources?.[0];
      return r?.ResourceStatus === 'CREATE_IN_PROGRESS' && r.PhysicalResourceId === 'restart' ? r : undefined;
    });
    assert.equal(await kill(p), null);

    p = await serveProcess(ARGS);
    ({ cfn, eks } = clients(p));
    const mid = (await cfn.send(new DescribeStacksCommand({ StackName: 'restart' }))).Stacks![0]!;
    assert.equal(mid.StackStatus, 'CREATE_IN_PROGRESS', 'the stack says the operation is not over');
    // The killed server's lease on the stack runs out (10 s), then this one carries on.
    await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { StackName: 'restart' });
    assert.deepEqual((await eks.send(new ListAccessEntriesCommand({ clusterName: 'restart' }))).accessEntries?.includes('arn:aws:iam::111122223333:role/team'), true);

    // A mode move waits on its EKS update; stop the server gracefully there: the next one resumes at once.
    await cfn.send(new UpdateStackCommand({ StackName: 'restart', TemplateBody: template('API') }));
    await until('the mode move to be started', async () => {
      const u = (await eks.send(new DescribeClusterCommand({ name: 'restart' }))).cluster;
      return u?.status === 'UPDATING' ? u : undefined;
    });
    await kill(p, 'SIGTERM');
    p = await serveProcess(ARGS);
    ({ cfn, eks } = clients(p));
    await waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { StackName: 'restart' });
    assert.equal((await eks.send(new DescribeClusterCommand({ name: 'restart' }))).cluster?.accessConfig?.authenticationMode, 'API');
    const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: 'restart' }))).StackResources ?? [];
    assert.deepEqual(resources.map((r) => [r.LogicalResourceId, r.ResourceStatus]).sort(), [
      ['Cluster', 'UPDATE_COMPLETE'],
      ['Team', 'CREATE_COMPLETE'],
    ]);
  } finally {
    await kill(p);
  }
});
