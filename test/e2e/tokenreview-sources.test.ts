/**
 * Issue 3, the other identity sources and failure modes: connected mode against a stand-in for the
 * real STS (success, signature refusal, throttling → 429), deleted keys, principals deleted and
 * re-created under the same ARN (stale entries, reported), and aws-auth kept in a watched file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessEntryCommand, CreateClusterCommand } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, DeleteAccessKeyCommand, DeleteRoleCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { createToken } from '../../src/token/index.js';
import { callApi } from '../../src/cli/client.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

const FOREIGN = { accessKeyId: 'AKIAFOREIGN000000001', secretAccessKey: 'foreign-secret' };
let stsCalls: { host: string; clusterId: string | null }[] = [];
let stsMode: 'ok' | 'throttle' | 'deny' = 'ok';

/** Stands in for sts.<region>.amazonaws.com: answers GetCallerIdentity for a principal of another account. */
const fakeSts: typeof fetch = async (input, init) => {
  const url = new URL(String(input));
  const headers = new Headers(init?.headers);
  stsCalls.push({ host: url.host, clusterId: headers.get('x-k8s-aws-id') });
  if (stsMode === 'throttle') return new Response('{"Error":{"Code":"Throttling","Message":"Rate exceeded","Type":"Sender"}}', { status: 400 });
  if (stsMode === 'deny' || headers.get('x-k8s-aws-id') !== 'demo') {
    return new Response('{"Error":{"Code":"SignatureDoesNotMatch","Message":"...","Type":"Sender"}}', { status: 403 });
  }
  return new Response(
    JSON.stringify({ GetCallerIdentityResponse: { GetCallerIdentityResult: { Account: '999988887777', Arn: 'arn:aws:sts::999988887777:assumed-role/Deployer/ci-run-42', UserId: 'AROAFOREIGNROLE0001:ci-run-42' }, ResponseMetadata: { RequestId: 'r' } } }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  );
};

let s: TestServer;
let awsAuthDir: string;

before(async () => {
  awsAuthDir = mkdtempSync(join(tmpdir(), 'entryway-aws-auth-'));
  s = await startTestServer({ config: { connectedSts: true, awsAuthFiles: [{ cluster: 'legacy', path: join(awsAuthDir, 'aws-auth.yaml') }] }, stsFetch: fakeSts });
  const eks = s.eks();
  await eks.send(new CreateClusterCommand({ name: 'demo', roleArn: `arn:aws:iam::${s.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['s'] }, accessConfig: { authenticationMode: 'API' } }));
  await eks.send(new CreateClusterCommand({ name: 'legacy', roleArn: `arn:aws:iam::${s.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['s'] } }));
  // A cross-account principal Entryway's IAM does not hold: matched by ARN (its role path unknown).
  await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: 'arn:aws:iam::999988887777:role/Deployer', kubernetesGroups: ['deployers'] }));
});

after(async () => {
  await s?.close();
  rmSync(awsAuthDir, { recursive: true, force: true });
});

const review = (cluster: string, token: string) => s.post(`/clusters/${cluster}/authenticate`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });

test('connected mode: a key Entryway does not hold is verified by STS, throttling becomes 429', async () => {
  stsCalls = [];
  stsMode = 'ok';
  const token = await createToken({ credentials: FOREIGN, region: 'us-east-1', clusterId: 'demo', now: new Date() });
  const r = await review('demo', token);
  assert.equal(r.json.status.authenticated, true, r.text);
  assert.equal(r.json.status.user.username, 'arn:aws:sts::999988887777:assumed-role/Deployer/ci-run-42');
  assert.deepEqual(r.json.status.user.groups, ['deployers']);
  assert.equal(r.json.status.user.uid, 'aws-iam-authenticator:999988887777:AROAFOREIGNROLE0001');
  assert.deepEqual(stsCalls, [{ host: 'sts.us-east-1.amazonaws.com', clusterId: 'demo' }], 'replayed to the token host with the cluster ID header');
  await review('demo', token);
  assert.equal(stsCalls.length, 1, 'a verified token is cached for its lifetime');

  stsMode = 'throttle';
  const t2 = await createToken({ credentials: FOREIGN, region: 'eu-west-1', clusterId: 'demo', now: new Date() });
  const r2 = await review('demo', t2);
  assert.equal(r2.status, 429, 'throttling asks kube-apiserver to retry');
  assert.equal(r2.json.status.authenticated, false);
  stsMode = 'deny';
  const t3 = await createToken({ credentials: FOREIGN, region: 'us-west-2', clusterId: 'demo', now: new Date() });
  const r3 = await review('demo', t3);
  assert.equal(r3.status, 200);
  assert.equal(r3.json.status.authenticated, false);
  assert.doesNotMatch(r3.json.status.error, /X-Amz-Signature|k8s-aws-v1/, 'no token material in the reason');
  const m = (await s.get('/metrics')).text;
  assert.match(m, /entryway_sts_throttles_total\{sts_region="eu-west-1"\} 1/);
});

test('a deleted access key is refused', async () => {
  const iam = s.iam();
  await iam.send(new CreateUserCommand({ UserName: 'dora' }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dora' }))).AccessKey!;
  await s.eks().send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: `arn:aws:iam::${s.accountId}:user/dora` }));
  const token = await createToken({ credentials: { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }, region: 'us-east-1', clusterId: 'demo', now: new Date(), endpoint: s.url });
  assert.equal((await review('demo', token)).json.status.authenticated, true);
  await iam.send(new DeleteAccessKeyCommand({ UserName: 'dora', AccessKeyId: k.AccessKeyId! }));
  const r = await review('demo', token);
  assert.equal(r.json.status.authenticated, false, 'deleted keys stop at once');
});

test('a role deleted and re-created under the same ARN no longer matches its entry, and Entryway says why', async () => {
  const iam = s.iam();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.accountId}:user/erin` }, Action: 'sts:AssumeRole' }] });
  await iam.send(new CreateUserCommand({ UserName: 'erin' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'a', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
  const ek = (await iam.send(new CreateAccessKeyCommand({ UserName: 'erin' }))).AccessKey!;
  const erin = { accessKeyId: ek.AccessKeyId!, secretAccessKey: ek.SecretAccessKey! };
  await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust }));
  await s.eks().send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: `arn:aws:iam::${s.accountId}:role/app` }));
  await iam.send(new DeleteRoleCommand({ RoleName: 'app' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust }));
  const r = await s.aws(['sts', 'assume-role', '--role-arn', `arn:aws:iam::${s.accountId}:role/app`, '--role-session-name', 's1'], { credentials: erin });
  assert.equal(r.code, 0, r.stderr);
  const c = r.json.Credentials;
  const token = await createToken({ credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, region: 'us-east-1', clusterId: 'demo', now: new Date(), endpoint: s.url });
  const rv = await review('demo', token);
  assert.equal(rv.json.status.authenticated, false, 'the stale entry does not match the new role');
  assert.match(rv.json.status.error, /deleted and re-created/);
  assert.match((await s.get('/metrics')).text, /entryway_token_reviews_total\{kind="webhook",result="denied",reason="stale_entry"\} 1/);
  assert.match((await s.get('/metrics')).text, /entryway_stale_access_entries\{cluster="[^"]+"\} 1/);
  const doctor = await callApi<{ findings: { code: string; subject: string }[] }>(
    { endpoint: s.url, region: 'us-east-1', credentials: s.admin, ca: s.ca },
    'GET',
    '/entryway/v1/clusters/demo/doctor',
  );
  assert.ok(
    doctor.findings.some((f) => f.code === 'stale_entry' && f.subject === `arn:aws:iam::${s.accountId}:role/app`),
    `doctor reports the stale entry: ${JSON.stringify(doctor.findings)}`,
  );
});

test('aws-auth from a watched file; a broken edit keeps the last good mapping', async () => {
  const file = join(awsAuthDir, 'aws-auth.yaml');
  const iam = s.iam();
  await iam.send(new CreateUserCommand({ UserName: 'frank' }));
  const fk = (await iam.send(new CreateAccessKeyCommand({ UserName: 'frank' }))).AccessKey!;
  const token = await createToken({ credentials: { accessKeyId: fk.AccessKeyId!, secretAccessKey: fk.SecretAccessKey! }, region: 'us-east-1', clusterId: 'legacy', now: new Date(), endpoint: s.url });
  writeFileSync(file, `mapUsers: |\n  - userarn: arn:aws:iam::${s.accountId}:user/frank\n    username: frank\n    groups: [ops]\n`);
  const waitFor = async (pred: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 100; i++) {
      if (await pred()) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
  };
  await waitFor(async () => (await review('legacy', token)).json.status.authenticated === true, 'the file to be applied');
  writeFileSync(file, 'mapUsers: |\n  - userarn: [broken\n');
  await waitFor(async () => /entryway_aws_auth_rejected_total 1/.test((await s.get('/metrics')).text), 'the broken edit to be rejected');
  const r = await review('legacy', token);
  assert.equal(r.json.status.user.username, 'frank', 'the last good mapping stays in force');
});
