/**
 * Stacks on PostgreSQL are shared by replicas (issue 12): a stack created on replica A is seen on
 * replica B, and when A stops in the middle of the operation, B takes the stack's lease and
 * finishes it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, waitUntilStackCreateComplete } from '@aws-sdk/client-cloudformation';
import { EKSClient, ListAccessEntriesCommand } from '@aws-sdk/client-eks';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RunningServer } from '../../src/server/app.js';
import { createLogger, startServer } from '../../src/server/app.js';
import { postgresTestUrl, requirePostgres } from '../../src/store/testing.js';
import { startTestServer } from '../helpers/server.js';

// Under CI=true a missing PostgreSQL fails requirePostgres loudly; elsewhere the test says why it skipped.
const pgSkip = (await requirePostgres()) ? false : 'PostgreSQL not reachable';

const TEMPLATE = `
Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: shared
      RoleArn: arn:aws:iam::111122223333:role/eks
      ResourcesVpcConfig: {SubnetIds: [subnet-1]}
      AccessConfig: {AuthenticationMode: API}
  Team:
    Type: AWS::EKS::AccessEntry
    Properties:
      ClusterName: !Ref Cluster
      PrincipalArn: arn:aws:iam::111122223333:role/team
`;

test('a stack started on one replica is seen, and finished, by the other', { skip: pgSkip }, async () => {
  const u = new URL(postgresTestUrl());
  const schema = `cfn_${Math.random().toString(36).slice(2, 10)}`;
  u.searchParams.set('schema', schema);
  const storeUrl = u.toString();
  const a = await startTestServer({ store: 'postgres', config: { storeUrl, clusterCreateDurationMs: 2000, cloudformationSettleMs: 0 } });
  const dir = mkdtempSync(join(tmpdir(), 'entryway-cfn-b-'));
  let b: RunningServer | undefined;
  let aClosed = false;
  try {
    b = await startServer(
      { host: '127.0.0.1', port: 0, dataDir: dir, region: 'us-east-1', tls: { mode: 'self-signed', sans: [] }, allowInsecureHttp: false, updateDurationMs: 0, clusterCreateDurationMs: 2000, logLevel: 'silent', connectedSts: false, customStsHosts: [], awsAuthFiles: [], bodyLimit: 1 << 20, managementRateLimit: 0, webhookRateLimit: 0, auditDecisions: 0, allowUnverifiablePrincipals: true, storeUrl },
      { logger: createLogger('silent') },
    );
    const on = (url: string, ca: string) => ({ endpoint: url, region: 'us-east-1', credentials: a.admin, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }) });
    const cfnA = new CloudFormationClient(on(a.url, a.ca));
    const cfnB = new CloudFormationClient(on(b.url, b.tls!.ca));
    const { StackId } = await cfnA.send(new CreateStackCommand({ StackName: 'shared', TemplateBody: TEMPLATE }));
    const seen = (await cfnB.send(new DescribeStacksCommand({ StackName: 'shared' }))).Stacks![0]!;
    assert.equal(seen.StackId, StackId);
    assert.equal(seen.StackStatus, 'CREATE_IN_PROGRESS');
    // A stops while the cluster is CREATING; it hands the stack back, and B carries on.
    await a.close();
    aClosed = true;
    await waitUntilStackCreateComplete({ client: cfnB, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { StackName: 'shared' });
    const entries = (await new EKSClient(on(b.url, b.tls!.ca)).send(new ListAccessEntriesCommand({ clusterName: 'shared' }))).accessEntries ?? [];
    assert.ok(entries.includes('arn:aws:iam::111122223333:role/team'), JSON.stringify(entries));
  } finally {
    await b?.close();
    if (!aClosed) await a.close();
    rmSync(dir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: postgresTestUrl() });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
});
