/**
 * Issue 3 end to end: real `aws iam` / `aws sts` / `aws eks get-token` against Entryway, then
 * TokenReview POSTs — accepted identities with their exact username, groups, uid and extra, and the
 * refusals the verifier must make.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { CreateAccessEntryCommand, CreateClusterCommand, DeleteAccessEntryCommand, AssociateAccessPolicyCommand } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutUserPolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { createToken } from '../../src/token/index.js';
import { callApi } from '../../src/cli/client.js';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

let s: TestServer;
let acct: string;
const keys: Record<string, Credentials> = {};

const review = async (cluster: string, token: string, apiVersion = 'authentication.k8s.io/v1') =>
  s.post(`/clusters/${cluster}/authenticate`, { apiVersion, kind: 'TokenReview', spec: { token, audiences: ['https://kubernetes.default.svc'] } });

async function getToken(cluster: string, credentials?: Credentials): Promise<string> {
  const r = await s.aws(['eks', 'get-token', '--cluster-name', cluster], credentials ? { credentials } : {});
  assert.equal(r.code, 0, r.stderr);
  return r.json.status.token as string;
}

async function assumeRole(caller: Credentials, roleArn: string, session: string): Promise<Credentials> {
  const r = await s.aws(['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', session], { credentials: caller });
  assert.equal(r.code, 0, r.stderr);
  const c = r.json.Credentials;
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

const trust = (principal: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }] });

function extraOf(arn: string, canonicalArn: string, session: string, keyId: string, principalId: string) {
  return { arn: [arn], canonicalArn: [canonicalArn], sessionName: [session], accessKeyId: [keyId], principalId: [principalId], 'sigs.k8s.io/aws-iam-authenticator/principalId': [principalId] };
}

before(async () => {
  s = await startTestServer();
  acct = s.accountId;
  const iam = s.iam();
  const eks = s.eks();
  // alice: an IAM user allowed to assume roles; created with the real CLI as a user would.
  assert.equal((await s.aws(['iam', 'create-user', '--user-name', 'alice'])).code, 0);
  const k = await s.aws(['iam', 'create-access-key', '--user-name', 'alice']);
  keys.alice = { accessKeyId: k.json.AccessKey.AccessKeyId, secretAccessKey: k.json.AccessKey.SecretAccessKey };
  await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
  const aliceArn = `arn:aws:iam::${acct}:user/alice`;
  for (const [name, path] of [['dev', '/'], ['ops', '/teams/platform/'], ['nodes', '/'], ['legacy-dev', '/']] as const) {
    await iam.send(new CreateRoleCommand({ RoleName: name, Path: path, AssumeRolePolicyDocument: trust(aliceArn) }));
  }
  await iam.send(new CreateUserCommand({ UserName: 'mallory' }));
  const m = await iam.send(new CreateAccessKeyCommand({ UserName: 'mallory' }));
  keys.mallory = { accessKeyId: m.AccessKey!.AccessKeyId!, secretAccessKey: m.AccessKey!.SecretAccessKey! };

  await eks.send(new CreateClusterCommand({ name: 'demo', roleArn: `arn:aws:iam::${acct}:role/eks`, resourcesVpcConfig: { subnetIds: ['subnet-1'] }, accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' } }));
  await eks.send(new CreateClusterCommand({ name: 'legacy', roleArn: `arn:aws:iam::${acct}:role/eks`, resourcesVpcConfig: { subnetIds: ['subnet-1'] } }));
  await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: aliceArn, kubernetesGroups: ['readers'] }));
  await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: `arn:aws:iam::${acct}:role/dev` }));
  await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: `arn:aws:iam::${acct}:role/teams/platform/ops`, username: 'ops:{{SessionName}}', kubernetesGroups: ['platform'] }));
  await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: `arn:aws:iam::${acct}:role/nodes`, type: 'EC2_LINUX' }));
  await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: aliceArn, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', accessScope: { type: 'cluster' } }));
});

after(async () => {
  await s?.close();
});

describe('accepted identities', () => {
  test('an IAM user with an access entry (token from aws eks get-token, v1 and v1beta1)', async () => {
    const token = await getToken('demo', keys.alice);
    for (const apiVersion of ['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1']) {
      const r = await review('demo', token, apiVersion);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.apiVersion, apiVersion, 'answered in the version asked');
      const userId = (await s.iam().send(new (await import('@aws-sdk/client-iam')).GetUserCommand({ UserName: 'alice' }))).User!.UserId!;
      assert.deepEqual(r.json.status, {
        authenticated: true,
        user: {
          username: `arn:aws:iam::${acct}:user/alice`,
          uid: `aws-iam-authenticator:${acct}:${userId}`,
          groups: ['readers'],
          extra: extraOf(`arn:aws:iam::${acct}:user/alice`, `arn:aws:iam::${acct}:user/alice`, '', keys.alice!.accessKeyId, userId),
        },
        audiences: ['https://kubernetes.default.svc'],
      });
    }
  });

  test('an assumed role without a path: default username with the session name, @ becoming -', async () => {
    const creds = await assumeRole(keys.alice!, `arn:aws:iam::${acct}:role/dev`, 'alice@example.com');
    const r = await review('demo', await getToken('demo', creds));
    assert.equal(r.json.status.authenticated, true, r.text);
    const u = r.json.status.user;
    assert.equal(u.username, `arn:aws:sts::${acct}:assumed-role/dev/alice-example.com`);
    assert.equal(u.groups, undefined, 'no groups: kube-apiserver adds system:authenticated');
    const roleId = u.extra.principalId[0] as string;
    assert.match(roleId, /^AROA[A-Z2-7]{17}$/);
    assert.deepEqual(u.extra, extraOf(`arn:aws:sts::${acct}:assumed-role/dev/alice@example.com`, `arn:aws:iam::${acct}:role/dev`, 'alice@example.com', creds.accessKeyId, roleId));
    assert.equal(u.uid, `aws-iam-authenticator:${acct}:${roleId}`);
  });

  test('an assumed role with a path (the entry names the full ARN) and a custom username template', async () => {
    const creds = await assumeRole(keys.alice!, `arn:aws:iam::${acct}:role/teams/platform/ops`, 'alice@example.com');
    const r = await review('demo', await getToken('demo', creds));
    assert.equal(r.json.status.authenticated, true, r.text);
    assert.equal(r.json.status.user.username, 'ops:alice-example.com');
    assert.deepEqual(r.json.status.user.groups, ['platform']);
    assert.deepEqual(r.json.status.user.extra.canonicalArn, [`arn:aws:iam::${acct}:role/ops`], 'canonical ARNs carry no path');
  });

  test('a node role (EC2_LINUX) resolves {{EC2PrivateDNSName}} through the instance table', async () => {
    await callApi({ endpoint: s.url, region: 'us-east-1', credentials: s.admin, ca: s.ca }, 'PUT', '/entryway/v1/ec2-instances/i-0123456789abcdef0', { privateDnsName: 'ip-10-0-1-23.ec2.internal' });
    const creds = await assumeRole(keys.alice!, `arn:aws:iam::${acct}:role/nodes`, 'i-0123456789abcdef0');
    const r = await review('demo', await getToken('demo', creds));
    assert.equal(r.json.status.authenticated, true, r.text);
    assert.equal(r.json.status.user.username, 'system:node:ip-10-0-1-23.ec2.internal');
    assert.deepEqual(r.json.status.user.groups, ['system:bootstrappers', 'system:nodes']);
    const unknown = await assumeRole(keys.alice!, `arn:aws:iam::${acct}:role/nodes`, 'i-0fffffffffffffff0');
    const r2 = await review('demo', await getToken('demo', unknown));
    assert.equal(r2.json.status.authenticated, false, 'an instance Entryway does not know is refused');
    assert.match(r2.json.status.error, /failed to find node i-0fffffffffffffff0/);
  });

  test('aws-auth mappings with templates, mapUsers and mapAccounts; the CONFIG_MAP creator', async () => {
    const api = { endpoint: s.url, region: 'us-east-1', credentials: s.admin, ca: s.ca };
    const other = await callApi<{ account: { accountId: string; administratorArn: string; accessKeyId: string; secretAccessKey: string } }>(api, 'POST', '/entryway/v1/accounts', {});
    const yaml = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: aws-auth, namespace: kube-system}',
      'data:',
      '  mapRoles: |',
      `    - rolearn: arn:aws:iam::${acct}:role/legacy-dev`,
      '      username: "legacy:{{SessionName}}:{{AccountID}}"',
      '      groups: ["devs", "acct-{{AccountID}}"]',
      '  mapUsers: |',
      `    - userarn: arn:aws:iam::${acct}:user/mallory`,
      '      username: mallory',
      '      groups: [system:masters]',
      '  mapAccounts: |',
      `    - "${other.account.accountId}"`,
    ].join('\n');
    await callApi(api, 'PUT', '/entryway/v1/clusters/legacy/aws-auth', { yaml });

    const dev = await assumeRole(keys.alice!, `arn:aws:iam::${acct}:role/legacy-dev`, 'alice@example.com');
    const r1 = await review('legacy', await getToken('legacy', dev));
    assert.equal(r1.json.status.user.username, `legacy:alice-example.com:${acct}`, r1.text);
    assert.deepEqual(r1.json.status.user.groups, ['devs', `acct-${acct}`]);

    const r2 = await review('legacy', await getToken('legacy', keys.mallory));
    assert.equal(r2.json.status.user.username, 'mallory', r2.text);
    assert.deepEqual(r2.json.status.user.groups, ['system:masters']);

    const foreign = { accessKeyId: other.account.accessKeyId, secretAccessKey: other.account.secretAccessKey };
    const r3 = await review('legacy', await getToken('legacy', foreign));
    assert.equal(r3.json.status.user.username, other.account.administratorArn, 'mapAccounts: username is the canonical ARN');
    assert.equal(r3.json.status.user.groups, undefined, 'mapAccounts: no groups');

    const r4 = await review('legacy', await getToken('legacy'));
    assert.equal(r4.json.status.authenticated, true, r4.text);
    assert.equal(r4.json.status.user.username, `arn:aws:iam::${acct}:user/entryway-admin`);
    assert.deepEqual(r4.json.status.user.groups, ['system:masters'], 'the CONFIG_MAP creator is an admin no configuration shows');

    // aws-auth is ignored by API-only clusters, and access entries win in API_AND_CONFIG_MAP.
    const r5 = await review('demo', await getToken('demo', keys.mallory));
    assert.equal(r5.json.status.authenticated, false, 'mallory has no access entry on demo');
  });
});

describe('refusals', () => {
  const decodeUrl = (t: string) => Buffer.from(t.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8');
  const encodeUrl = (u: string) => 'k8s-aws-v1.' + Buffer.from(u, 'utf8').toString('base64url');

  test('a flipped signature byte, another cluster, duplicate parameters, a stale date', async () => {
    const token = await getToken('demo', keys.alice);
    const url = decodeUrl(token);
    const sig = /X-Amz-Signature=([0-9a-f]{64})/.exec(url)![1]!;
    const flipped = url.replace(sig, sig.slice(0, 10) + (sig[10] === 'a' ? 'b' : 'a') + sig.slice(11));
    const r1 = await review('demo', encodeUrl(flipped));
    assert.equal(r1.json.status.authenticated, false, 'flipped signature');
    assert.match(r1.json.status.error, /signature/i);

    await s.eks().send(new CreateClusterCommand({ name: 'other', roleArn: `arn:aws:iam::${acct}:role/eks`, resourcesVpcConfig: { subnetIds: ['subnet-1'] }, accessConfig: { authenticationMode: 'API' } }));
    await s.eks().send(new CreateAccessEntryCommand({ clusterName: 'other', principalArn: `arn:aws:iam::${acct}:user/alice` }));
    const r2 = await review('other', token);
    assert.equal(r2.json.status.authenticated, false, 'a token made for demo does not open other');

    const dup = url.replace('&X-Amz-Date=', '&x-amz-date=20260101T000000Z&X-Amz-Date=');
    const r3 = await review('demo', encodeUrl(dup));
    assert.equal(r3.json.status.authenticated, false);
    assert.match(r3.json.status.error, /duplicate query parameter/);

    const old = await createToken({ credentials: keys.alice!, region: 'us-east-1', clusterId: 'demo', now: new Date(Date.now() - 16 * 60_000), endpoint: s.url });
    const r4 = await review('demo', old);
    assert.equal(r4.json.status.authenticated, false);
    assert.match(r4.json.status.error, /expired/);
  });

  test('a host outside the allowlist is refused without any connection to it', async () => {
    let connections = 0;
    const trap = createServer((sock) => {
      connections++;
      sock.destroy();
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
    const port = (trap.address() as { port: number }).port;
    try {
      const token = await createToken({ credentials: keys.alice!, region: 'us-east-1', clusterId: 'demo', now: new Date(), endpoint: `https://127.0.0.1:${port}` });
      const r = await review('demo', token);
      assert.equal(r.json.status.authenticated, false);
      assert.match(r.json.status.error, /hostname|host/i);
      const evil = await createToken({ credentials: keys.alice!, region: 'us-east-1', clusterId: 'demo', now: new Date(), endpoint: 'https://sts.amazonaws.com.evil.example' });
      assert.equal((await review('demo', evil)).json.status.authenticated, false);
      assert.equal(connections, 0, 'no connection was made to the untrusted host');
    } finally {
      trap.close();
    }
  });

  test('an inactive key and an unknown principal are refused; a deleted entry stops at once', async () => {
    const token = await getToken('demo', keys.mallory);
    const r0 = await review('demo', token);
    assert.equal(r0.json.status.authenticated, false, 'mallory has no entry on demo');
    assert.match(r0.json.status.error, /not mapped/);

    const aliceToken = await getToken('demo', keys.alice);
    assert.equal((await review('demo', aliceToken)).json.status.authenticated, true, 'before the change');
    await s.iam().send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: keys.alice!.accessKeyId, Status: 'Inactive' }));
    const r1 = await review('demo', aliceToken);
    assert.equal(r1.json.status.authenticated, false, 'an inactive key is refused at once, cache or not');
    assert.match(r1.json.status.error, /inactive/);
    await s.iam().send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: keys.alice!.accessKeyId, Status: 'Active' }));
    assert.equal((await review('demo', aliceToken)).json.status.authenticated, true, 'active again');

    await s.eks().send(new DeleteAccessEntryCommand({ clusterName: 'demo', principalArn: `arn:aws:iam::${acct}:user/alice` }));
    const r2 = await review('demo', aliceToken);
    assert.equal(r2.json.status.authenticated, false, 'the deleted entry stops its principal on the next review');
  });

  test('webhook callers must present the webhook token; bad bodies get a refusal, not a 5xx', async () => {
    const r1 = await s.post('/clusters/demo/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'x' } }, { token: null });
    assert.equal(r1.status, 401);
    // Not a TokenReview: 400 with a reason, as aws-iam-authenticator answers (wire-fidelity.test.ts has the rest).
    for (const body of ['not json', '[]', '{"apiVersion":"authentication.k8s.io/v2","spec":{"token":"x"}}']) {
      const r = await s.post('/clusters/demo/authenticate', body);
      assert.equal(r.status, 400, `${body}: ${r.text}`);
      assert.equal(r.json.kind, 'Status', body);
    }
    // A TokenReview whose token is unusable: a refusal kube-apiserver reads.
    const r = await s.post('/clusters/demo/authenticate', '{"spec":{"token":5}}');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status.authenticated, false);
  });

  test('metrics count reviews by result and reason', async () => {
    const r = await s.get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.text, /entryway_token_reviews_total\{kind="webhook",result="authenticated"/);
    assert.match(r.text, /entryway_token_reviews_total\{kind="webhook",result="denied",reason="not_mapped"\}/);
    assert.match(r.text, /entryway_token_review_duration_seconds_bucket/);
  });
});

