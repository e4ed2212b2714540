/**
 * `entryway iamidentitymapping create|get|delete` (eksctl's commands) through the real CLI against a
 * running server: rows land in the cluster's aws-auth, take effect for real `aws eks get-token`
 * tokens, are audited, and concurrent creates from two processes are both kept.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { callApi } from '../../src/cli/client.js';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { entryway } from '../helpers/cli.js';
import { createCluster } from './lib.js';

let s: TestServer;
let acct: string;
let alice: Credentials;

const api = () => ({ endpoint: s.url, region: 'us-east-1', credentials: s.admin, ca: s.ca });

const trust = (principal: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }] });

async function tokenAs(credentials: Credentials): Promise<string> {
  const r = await s.aws(['eks', 'get-token', '--cluster-name', 'legacy'], { credentials });
  assert.equal(r.code, 0, r.stderr);
  return r.json.status.token as string;
}

async function review(token: string) {
  const r = await s.post('/clusters/legacy/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
  assert.equal(r.status, 200, r.text);
  return r.json.status as { authenticated: boolean; user?: { username: string; groups: string[] } };
}

before(async () => {
  s = await startTestServer();
  acct = s.accountId;
  await createCluster(s.eks(), 'legacy');
  assert.equal((await s.aws(['iam', 'create-user', '--user-name', 'alice'])).code, 0);
  const k = await s.aws(['iam', 'create-access-key', '--user-name', 'alice']);
  alice = { accessKeyId: k.json.AccessKey.AccessKeyId, secretAccessKey: k.json.AccessKey.SecretAccessKey };
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
  for (const name of ['admins', 'devs', 'racer-a', 'racer-b']) await s.iam().send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust(`arn:aws:iam::${acct}:user/alice`) }));
});

after(async () => {
  await s?.close();
});

describe('iamidentitymapping', () => {
  const admins = () => `arn:aws:iam::${acct}:role/admins`;
  const devs = () => `arn:aws:iam::${acct}:role/devs`;
  const aliceArn = () => `arn:aws:iam::${acct}:user/alice`;

  test('create ×3 (role, user, account), get as a table and JSON, and the rows authenticate', async () => {
    const a = await entryway(s, ['iamidentitymapping', 'create', '--cluster', 'legacy', '--arn', admins(), '--username', 'admin:{{SessionName}}', '--group', 'system:masters']);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, new RegExp(`\\[ℹ\\]  adding identity "${admins()}" to auth ConfigMap`));
    const u = await entryway(s, ['iamidentitymapping', 'create', '-c', 'legacy', '--arn', aliceArn(), '--username', 'alice', '--group', 'devs', '--group', 'readers']);
    assert.equal(u.code, 0, u.stderr);
    const other = '444455556666';
    const acctRow = await entryway(s, ['iamidentitymapping', 'create', '--cluster', 'legacy', '--account', other]);
    assert.equal(acctRow.code, 0, acctRow.stderr);

    const table = await entryway(s, ['iamidentitymapping', 'get', '--cluster', 'legacy']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ARN\s+USERNAME\s+GROUPS\s+ACCOUNT$/);
    assert.match(lines[1] ?? '', new RegExp(`^${admins()}\\s+admin:\\{\\{SessionName\\}\\}\\s+system:masters$`));
    assert.match(lines[2] ?? '', new RegExp(`^${aliceArn()}\\s+alice\\s+devs,readers$`));
    assert.match(lines[3] ?? '', new RegExp(`^\\s+${other}$`));

    const json = await entryway(s, ['iamidentitymapping', 'get', '--cluster', 'legacy', '-o', 'json']);
    assert.deepEqual(JSON.parse(json.stdout), [
      { rolearn: admins(), username: 'admin:{{SessionName}}', groups: ['system:masters'] },
      { userarn: aliceArn(), username: 'alice', groups: ['devs', 'readers'] },
      { account: other },
    ]);
    const yaml = await entryway(s, ['iamidentitymapping', 'get', '--cluster', 'legacy', '--arn', aliceArn(), '-o', 'yaml']);
    assert.match(yaml.stdout, /^- userarn: arn:aws:iam::\d{12}:user\/alice\n {2}username: alice\n {2}groups:\n {4}- devs\n {4}- readers\n$/);

    const asAlice = await review(await tokenAs(alice));
    assert.deepEqual(asAlice.user && [asAlice.user.username, asAlice.user.groups], ['alice', ['devs', 'readers']]);
    const role = await s.aws(['sts', 'assume-role', '--role-arn', admins(), '--role-session-name', 'ops-1'], { credentials: alice });
    const rc = role.json.Credentials;
    const asAdmin = await review(await tokenAs({ accessKeyId: rc.AccessKeyId, secretAccessKey: rc.SecretAccessKey, sessionToken: rc.SessionToken }));
    assert.deepEqual(asAdmin.user && [asAdmin.user.username, asAdmin.user.groups], ['admin:ops-1', ['system:masters']]);

    const audit = await callApi<{ events: { operation: string; result: string }[] }>(api(), 'GET', '/entryway/v1/audit?operation=CreateIdentityMapping');
    assert.deepEqual(audit.events.map((e) => e.result), ['Success', 'Success', 'Success'], 'each create audited once');
  });

  test('duplicates: kept by default, refused with --no-duplicate-arns; delete --arn takes one, --all the rest', async () => {
    for (const name of ['dev-1', 'dev-2']) {
      const r = await entryway(s, ['iamidentitymapping', 'create', '--cluster', 'legacy', '--arn', devs(), '--username', name]);
      assert.equal(r.code, 0, r.stderr);
    }
    const dup = await entryway(s, ['iamidentitymapping', 'create', '--cluster', 'legacy', '--arn', devs(), '--username', 'dev-3', '--no-duplicate-arns']);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /found existing mapping that matches ARN/);
    const one = await entryway(s, ['iamidentitymapping', 'delete', '--cluster', 'legacy', '--arn', devs()]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /removing identity ".*role\/devs" from auth ConfigMap \(username = "dev-1", groups = \[\]\)/);
    assert.match(one.stderr, /there are 1 mappings left with same arn/);
    const rest = await entryway(s, ['iamidentitymapping', 'delete', '--cluster', 'legacy', '--arn', devs(), '--all']);
    assert.equal(rest.code, 0, rest.stderr);
    const gone = await entryway(s, ['iamidentitymapping', 'get', '--cluster', 'legacy', '--arn', devs()]);
    assert.notEqual(gone.code, 0);
    const missing = await entryway(s, ['iamidentitymapping', 'delete', '--cluster', 'legacy', '--arn', devs()]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found in auth ConfigMap/);
  });

  test('bad input is refused before anything changes', async () => {
    const before = await entryway(s, ['aws-auth', 'get', '--cluster', 'legacy']);
    for (const args of [
      ['--arn', 'arn:aws:iam::111122223333:group/admins'],
      ['--arn', 'not-an-arn'],
      ['--account', '12'],
      ['--arn', admins(), '--account', '444455556666'],
      [],
    ]) {
      const r = await entryway(s, ['iamidentitymapping', 'create', '--cluster', 'legacy', ...args]);
      assert.notEqual(r.code, 0, args.join(' '));
    }
    const noCluster = await entryway(s, ['iamidentitymapping', 'get']);
    assert.equal(noCluster.code, 2);
    const after = await entryway(s, ['aws-auth', 'get', '--cluster', 'legacy']);
    assert.equal(after.stdout, before.stdout, 'the document is unchanged');
  });

  test('concurrent creates from two processes are both kept', async () => {
    const [a, b] = await Promise.all([
      entryway(s, ['iamidentitymapping', 'create', '--cluster', 'legacy', '--arn', `arn:aws:iam::${acct}:role/racer-a`, '--username', 'a']),
      entryway(s, ['iamidentitymapping', 'create', '--cluster', 'legacy', '--arn', `arn:aws:iam::${acct}:role/racer-b`, '--username', 'b']),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    // And a burst through the API itself, where the calls surely overlap at the server.
    const burst = Array.from({ length: 12 }, (_, i) => `arn:aws:iam::${acct}:role/burst-${i}`);
    await Promise.all(burst.map((arn, i) => callApi(api(), 'POST', '/entryway/v1/clusters/legacy/identity-mappings', { arn, username: `burst-${i}` })));
    const json = await entryway(s, ['iamidentitymapping', 'get', '--cluster', 'legacy', '-o', 'json']);
    const arns = (JSON.parse(json.stdout) as { rolearn?: string }[]).map((m) => m.rolearn).filter(Boolean);
    for (const arn of [`arn:aws:iam::${acct}:role/racer-a`, `arn:aws:iam::${acct}:role/racer-b`, ...burst]) assert.ok(arns.includes(arn), `${arn} kept: ${JSON.stringify(arns)}`);
  });
});
