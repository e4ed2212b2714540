/**
 * kubectl 1.32 against a cluster's Entryway endpoint, with the real tools end to end:
 * `aws eks update-kubeconfig` writes the kubeconfig (endpoint and CA from DescribeCluster, the
 * `aws eks get-token` exec plugin), kubectl runs the plugin and sends protobuf reviews.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, CreateClusterCommand, DeleteAccessEntryCommand } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const POLICY = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;

async function createCluster(s: TestServer, name: string, authenticationMode: 'API_AND_CONFIG_MAP' | 'CONFIG_MAP'): Promise<void> {
  await s.eks().send(
    new CreateClusterCommand({
      name,
      roleArn: `arn:aws:iam::${s.accountId}:role/eks-cluster`,
      resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] },
      accessConfig: { authenticationMode },
    }),
  );
}

test('kubectl auth whoami / can-i / can-i --list against Entryway, with aws eks update-kubeconfig and get-token', async (t) => {
  const s = await startTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'entryway-kubectl-'));
  try {
    await createCluster(s, 'demo', 'API_AND_CONFIG_MAP');
    await createCluster(s, 'legacy', 'CONFIG_MAP');
    const iam = s.iam();
    const user = (await iam.send(new CreateUserCommand({ UserName: 'alice' }))).User!;
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    // update-kubeconfig calls DescribeCluster; get-token needs no IAM permission.
    const describe = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: '*' }] };
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'describe', PolicyDocument: JSON.stringify(describe) }));
    const alice: Credentials = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const eks = s.eks();
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: user.Arn! }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: user.Arn!, policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } }));
    await eks.send(
      new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: user.Arn!, policyArn: POLICY('AmazonEKSEditPolicy'), accessScope: { type: 'namespace', namespaces: ['dev-*'] } }),
    );

    // kubectl inherits this environment and passes it to the exec plugin (aws eks get-token).
    const aliceEnv = s.awsEnv(alice);
    const kubeconfig = join(dir, 'alice.kubeconfig');
    const uk = await run('aws', ['eks', 'update-kubeconfig', '--name', 'demo', '--kubeconfig', kubeconfig], aliceEnv);
    assert.equal(uk.code, 0, `update-kubeconfig: ${uk.stderr}`);
    const kubectl = (args: string[], env = aliceEnv, config = kubeconfig) => run('kubectl', ['--kubeconfig', config, '--cache-dir', join(dir, 'cache'), ...args], env);
    const canI = async (args: string[], expected: 'yes' | 'no'): Promise<Run> => {
      const r = await kubectl(['auth', 'can-i', ...args]);
      assert.equal(r.stdout.trim().split(' - ')[0], expected, `can-i ${args.join(' ')}: ${r.stdout} ${r.stderr}`);
      assert.equal(r.code, expected === 'yes' ? 0 : 1, `can-i ${args.join(' ')} exit code`);
      return r;
    };

    await t.test('whoami shows the access entry identity', async () => {
      const r = await kubectl(['auth', 'whoami']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Username\\s+${user.Arn!.replace(/[/]/g, '\\/')}\\n`), r.stdout);
      assert.match(r.stdout, new RegExp(`UID\\s+aws-iam-authenticator:${s.accountId}:${user.UserId}\\n`), r.stdout);
      assert.match(r.stdout, /Groups\s+\[system:authenticated\]/, r.stdout);
      assert.match(r.stdout, new RegExp(`Extra: principalId\\s+\\[${user.UserId}\\]`), r.stdout);
      assert.match(r.stdout, new RegExp(`Extra: accessKeyId\\s+\\[${alice.accessKeyId}\\]`), r.stdout);

      const j = await kubectl(['auth', 'whoami', '-o', 'json']);
      assert.equal(j.code, 0, j.stderr);
      const review = JSON.parse(j.stdout) as { kind: string; apiVersion: string; status: { userInfo: { username: string; uid: string; groups: string[]; extra: Record<string, string[]> } } };
      assert.equal(review.kind, 'SelfSubjectReview', 'kind');
      assert.equal(review.apiVersion, 'authentication.k8s.io/v1', 'apiVersion');
      const u = review.status.userInfo;
      assert.equal(u.username, user.Arn, 'username is the user ARN');
      assert.equal(u.uid, `aws-iam-authenticator:${s.accountId}:${user.UserId}`, 'uid');
      assert.deepEqual(u.groups, ['system:authenticated'], 'groups');
      assert.deepEqual(u.extra.arn, [user.Arn], 'extra.arn');
      assert.deepEqual(u.extra['sigs.k8s.io/aws-iam-authenticator/principalId'], [user.UserId], 'extra principal ID');
    });

    await t.test('can-i: View at cluster scope, Edit in dev-*', async () => {
      await canI(['list', 'pods', '-A'], 'yes');
      await canI(['create', 'deployments', '-n', 'dev-a'], 'yes');
      const prod = await canI(['create', 'deployments', '-n', 'prod'], 'no');
      assert.match(prod.stdout, /RBAC in the cluster may still allow it/, 'a "no" says RBAC may still allow it');
      await canI(['get', 'secrets', '-n', 'prod'], 'no');
      await canI(['get', 'pods', '--subresource=log', '-n', 'x'], 'yes');
      // Every authenticated user may read /healthz (system:discovery); View grants no URLs.
      await canI(['get', '/healthz'], 'yes');
      await canI(['get', '/metrics'], 'no');
    });

    await t.test('can-i --list shows the policy rules that apply in the namespace', async () => {
      const rows = (out: string, resource: string) => out.split('\n').filter((l) => l.startsWith(`${resource} `));
      const dev = await kubectl(['auth', 'can-i', '--list', '-n', 'dev-a']);
      assert.equal(dev.code, 0, dev.stderr);
      assert.ok(rows(dev.stdout, 'deployments.apps').some((l) => /\bcreate\b/.test(l)), `Edit rules listed in dev-a:\n${dev.stdout}`);
      assert.ok(rows(dev.stdout, 'selfsubjectreviews.authentication.k8s.io').length > 0, `basic-user rules listed:\n${dev.stdout}`);
      assert.match(dev.stdout, /\/healthz/, 'discovery URLs listed');
      assert.match(dev.stderr, /incomplete.*no RBAC snapshot of this cluster was imported/, `incomplete warning: ${dev.stderr}`);
      const prod = await kubectl(['auth', 'can-i', '--list', '-n', 'prod']);
      assert.equal(prod.code, 0, prod.stderr);
      const deployments = rows(prod.stdout, 'deployments.apps');
      assert.ok(deployments.length > 0 && deployments.every((l) => !/\bcreate\b/.test(l)), `only View rules in prod:\n${prod.stdout}`);
    });

    await t.test('a token for another cluster is refused: Unauthorized', async () => {
      const tok = await run('aws', ['eks', 'get-token', '--cluster-name', 'legacy', '--output', 'json'], aliceEnv);
      assert.equal(tok.code, 0, tok.stderr);
      const token = (JSON.parse(tok.stdout) as { status: { token: string } }).status.token;
      const r = await kubectl(['--token', token, 'auth', 'whoami']);
      assert.equal(r.code, 1, 'exit code');
      assert.match(r.stderr, /You must be logged in to the server \(Unauthorized\)/, r.stderr);
    });

    await t.test('kubectl’s authentications are counted under kind="kubectl", successes and failures apart', async () => {
      const m = await s.get('/metrics');
      assert.equal(m.status, 200);
      const rows = m.text.split('\n').filter((l) => l.startsWith('entryway_token_reviews_total{') && l.includes('kind="kubectl"'));
      const results = new Set(rows.filter((l) => Number(l.split(' ').pop()) > 0).map((l) => /result="([^"]+)"/.exec(l)?.[1]));
      assert.ok(results.size >= 2, `a success and a failure counted for kubectl:\n${rows.join('\n')}`);
    });

    await t.test('the CONFIG_MAP cluster creator is system:masters and may do anything', async () => {
      const adminEnv = s.awsEnv();
      const adminConfig = join(dir, 'admin.kubeconfig');
      const uka = await run('aws', ['eks', 'update-kubeconfig', '--name', 'legacy', '--kubeconfig', adminConfig], adminEnv);
      assert.equal(uka.code, 0, uka.stderr);
      const who = await kubectl(['auth', 'whoami', '-o', 'json'], adminEnv, adminConfig);
      assert.equal(who.code, 0, who.stderr);
      assert.deepEqual((JSON.parse(who.stdout) as { status: { userInfo: { groups: string[] } } }).status.userInfo.groups, ['system:masters', 'system:authenticated'], 'groups');
      const all = await kubectl(['auth', 'can-i', '*', '*'], adminEnv, adminConfig);
      assert.equal(all.stdout.trim(), 'yes', all.stderr);
      assert.equal(all.code, 0, 'exit code');
    });

    await t.test('a deleted access entry stops the next kubectl call: Unauthorized', async () => {
      await eks.send(new DeleteAccessEntryCommand({ clusterName: 'demo', principalArn: user.Arn! }));
      const r = await kubectl(['auth', 'whoami']);
      assert.equal(r.code, 1, 'exit code');
      assert.match(r.stderr, /You must be logged in to the server \(Unauthorized\)/, r.stderr);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await s.close();
  }
});
