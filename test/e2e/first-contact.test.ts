/**
 * What a new user hits in the first hour (issue "first contact"), each through the client a user
 * types: lock-out protection with dead admins, the CLI's flags, credentials and CA, `entryway env`
 * outside the clone, principals no token can match, principal and template messages, the audit
 * trail's filters, metrics, start-up errors and help.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, DeleteAccessEntryCommand, DescribeClusterCommand } from '@aws-sdk/client-eks';
import type { EKSClient } from '@aws-sdk/client-eks';
import { DeleteUserCommand } from '@aws-sdk/client-iam';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { POLICY, createCluster, createUser, rejectsWith } from './lib.js';

const run = promisify(execFile);
// The built command (npm test builds first) is what users run; from another directory `--import tsx`
// would not resolve, so the sources get tsx by its absolute location.
const built = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const ENTRYWAY = existsSync(built) ? [built] : ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))];
const entrywayShell = `${process.execPath} ${ENTRYWAY.join(' ')}`;
const ADMIN = POLICY('AmazonEKSClusterAdminPolicy');

/** The CLI as a user runs it: from `cwd`, with exactly `env` (nothing of this process's AWS_*). */
async function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, opts.env);
  try {
    const { stdout, stderr } = await run(process.execPath, [...ENTRYWAY, ...args], { env, cwd: opts.cwd ?? tmpdir(), maxBuffer: 8 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

async function shell(script: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) clean[k] = v;
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], { env: { ...clean, ...env }, cwd: tmpdir() });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, out: (err.stdout ?? '') + (err.stderr ?? '') };
  }
}

describe('first contact', () => {
  let s: TestServer;
  let eks: EKSClient;
  let work: string;
  const adminEnv = () => ({ AWS_SHARED_CREDENTIALS_FILE: join(s.dataDir, 'credentials'), AWS_PROFILE: 'entryway-admin', AWS_CONFIG_FILE: '/dev/null' });

  before(async () => {
    // The product's defaults for principals of unheld accounts (the harness accepts them).
    s = await startTestServer({ config: { allowUnverifiablePrincipals: false } });
    eks = s.eks();
    work = mkdtempSync(join(tmpdir(), 'entryway-first-contact-'));
  });
  after(async () => {
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('lock-out protection counts only live admins; dead entries can always be deleted; IAM refuses deleting the last admin', async () => {
    await createCluster(eks, 'locked', 'API');
    const bootstrap = (await s.sts().send(new (await import('@aws-sdk/client-sts')).GetCallerIdentityCommand({}))).Arn!;
    const a = await createUser(s, 'admin-a');
    const b = await createUser(s, 'admin-b');
    for (const p of [a, b]) {
      await eks.send(new CreateAccessEntryCommand({ clusterName: 'locked', principalArn: p }));
      await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'locked', principalArn: p, policyArn: ADMIN, accessScope: { type: 'cluster' } }));
    }
    await eks.send(new DeleteAccessEntryCommand({ clusterName: 'locked', principalArn: a }));
    await s.iam().send(new DeleteUserCommand({ UserName: 'admin-b' })); // the bootstrap admin is still live
    // B's entry is dead: the bootstrap admin is the last live path.
    await rejectsWith(eks.send(new DeleteAccessEntryCommand({ clusterName: 'locked', principalArn: bootstrap })), 'InvalidRequestException', 400, /^Refusing to delete the access entry of .*last cluster-admin access path/);
    await eks.send(new DeleteAccessEntryCommand({ clusterName: 'locked', principalArn: b })); // a dead entry goes
    const doctor = await cli(['doctor', '--cluster', 'locked', '--data-dir', s.dataDir], { env: adminEnv() });
    assert.doesNotMatch(doctor.stdout, /no_admin_path/, doctor.stdout);

    // Deleting the IAM principal behind the last live admin path is refused by IAM.
    await createCluster(eks, 'solo', 'API', false);
    const d = await createUser(s, 'only-admin');
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'solo', principalArn: d }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'solo', principalArn: d, policyArn: ADMIN, accessScope: { type: 'cluster' } }));
    const r = await s.aws(['iam', 'delete-user', '--user-name', 'only-admin']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /DeleteConflict.*last cluster-admin access path of cluster solo/s, r.stderr);
  });

  it('npm install -g of the checkout puts entryway on PATH, and it works from any directory', async () => {
    assert.ok(existsSync(built), 'the build exists (npm test builds before the tests)');
    const prefix = mkdtempSync(join(work, 'prefix-'));
    const root = fileURLToPath(new URL('../..', import.meta.url));
    await run('npm', ['install', '-g', '--prefix', prefix, root, '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: tmpdir() });
    const bin = join(prefix, 'bin', 'entryway');
    const { stdout } = await run(bin, ['nodes', 'list', '--data-dir', s.dataDir, '-o', 'json'], { cwd: tmpdir(), env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_PROFILE: '', AWS_ACCESS_KEY_ID: '' } });
    assert.deepEqual(JSON.parse(stdout), []);
  });

  it('cluster settings --api-server-url sets the cluster endpoint; --endpoint is no longer a flag', async () => {
    await createCluster(eks, 'real', 'API_AND_CONFIG_MAP');
    const ca = join(work, 'ca.crt');
    writeFileSync(ca, s.ca);
    const r = await cli(['cluster', 'settings', '--cluster', 'real', '--api-server-url', 'https://k8s.example:6443', '--api-server-ca-file', ca, '--data-dir', s.dataDir], { env: adminEnv() });
    assert.equal(r.code, 0, r.stderr);
    const c = (await eks.send(new DescribeClusterCommand({ name: 'real' }))).cluster!;
    assert.equal(c.endpoint, 'https://k8s.example:6443');
    const old = await cli(['cluster', 'settings', '--cluster', 'real', '--endpoint', 'https://x', '--data-dir', s.dataDir], { env: adminEnv() });
    assert.equal(old.code, 2);
    assert.match(old.stderr, /Unknown option '--endpoint'/);
  });

  it('every command has --help describing every flag; groups list their subcommands', async () => {
    const { commands } = await import('../../src/cli/commands/index.js');
    for (const c of commands) {
      for (const flag of Object.keys(c.flags)) assert.ok(c.help.includes(`--${flag}`), `entryway ${c.name} --help describes --${flag}`);
    }
    for (const group of ['aws-auth', 'kubeconfig', 'migrate', 'accounts', 'nodes', 'cluster']) {
      const r = await cli([group, '--help']);
      assert.equal(r.code, 0, `${group} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Usage: entryway ${group} <command>`));
    }
  });

  it('accounts create outside the clone writes to AWS_SHARED_CREDENTIALS_FILE, and refuses before creating where it cannot write', async () => {
    const elsewhere = mkdtempSync(join(work, 'cwd-'));
    const file = join(elsewhere, 'creds');
    copyFileSync(join(s.dataDir, 'credentials'), file);
    const env = { AWS_ENDPOINT_URL_EKS: s.url, AWS_CA_BUNDLE: s.caPath, AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'entryway-admin', AWS_CONFIG_FILE: '/dev/null' };
    const ok = await cli(['accounts', 'create', '--account-id', '210987654321'], { cwd: elsewhere, env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(readFileSync(file, 'utf8'), /\[entryway-210987654321\]/);
    // A credentials path that cannot be written (its directory is a file; a directory two levels
    // missing) is refused before the server makes anything.
    for (const target of [join(file, 'creds'), join(elsewhere, 'no', 'such', 'creds')]) {
      const refused = await cli(['accounts', 'create', '--account-id', '210987654322', '--credentials-file', target], { cwd: elsewhere, env });
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, /nothing was created/);
      assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    }
    const again = await cli(['accounts', 'create', '--account-id', '210987654322', '--print-credentials'], { cwd: elsewhere, env });
    assert.equal(again.code, 0, `the refused account was not half-created: ${again.stderr}`);
    assert.match(again.stdout, /export AWS_ACCESS_KEY_ID=AKIA\w+ AWS_SECRET_ACCESS_KEY=\S+/);
  });

  it('entryway env fails loudly with nothing to export, exports per-service endpoints, and the CLI uses credential_process and a preset AWS_CA_BUNDLE', async () => {
    const none = await shell(`set -e\neval "$(${entrywayShell} env --data-dir ${join(work, 'nothing-here')})"\necho reached`, {});
    assert.notEqual(none.code, 0);
    assert.doesNotMatch(none.out, /reached/);
    assert.match(none.out, /holds no running Entryway/);

    const r = await shell(`set -e\neval "$(${entrywayShell} env --data-dir ${s.dataDir})"\nenv | grep '^AWS_' | sort\naws sts get-caller-identity --query Arn --output text\naws s3 ls 2>&1 || true`, { AWS_CONFIG_FILE: '/dev/null', AWS_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt', AWS_ENDPOINT_URL: s.url });
    assert.equal(r.code, 0, r.out);
    for (const v of ['AWS_ENDPOINT_URL_EKS', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_STS']) assert.match(r.out, new RegExp(`^${v}=${s.url}$`, 'm'));
    assert.doesNotMatch(r.out, /^AWS_ENDPOINT_URL=/m, 'the global endpoint is unset');
    assert.match(r.out, /:user\/entryway-admin/);

    // A service Entryway does not serve, sent to it anyway: a clear refusal.
    const s3 = await shell(`aws s3 ls 2>&1; aws lambda list-functions 2>&1; true`, { ...adminEnv(), AWS_ENDPOINT_URL: s.url, AWS_CA_BUNDLE: s.caPath, AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' });
    assert.equal((s3.out.match(/not supported by Entryway/g) ?? []).length, 2, s3.out);

    // credential_process in ~/.aws/config, and a preset corporate CA bundle next to Entryway's CA.
    const keys = readFileSync(join(s.dataDir, 'credentials'), 'utf8');
    const id = /aws_access_key_id = (\S+)/.exec(keys)![1]!;
    const secret = /aws_secret_access_key = (\S+)/.exec(keys)![1]!;
    const config = join(work, 'aws-config');
    writeFileSync(config, `[profile viaprocess]\ncredential_process = echo '{"Version":1,"AccessKeyId":"${id}","SecretAccessKey":"${secret}"}'\n`);
    const viaProcess = await cli(['nodes', 'list', '--data-dir', s.dataDir], { env: { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PROFILE: 'viaprocess', AWS_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt' } });
    assert.equal(viaProcess.code, 0, viaProcess.stderr);
  });

  it('entryway env on a replica without the admin credentials says what to do and exports no profile', async () => {
    const replica = join(work, 'replica');
    mkdirSync(replica, { mode: 0o700 });
    copyFileSync(join(s.dataDir, 'server.json'), join(replica, 'server.json'));
    const r = await cli(['env', '--data-dir', replica]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /AWS_PROFILE/);
    assert.match(r.stderr, /this replica did not create the administrator/);
  });

  it('principals no token can match are refused; each principal mistake says what it is; bad templates are refused', async () => {
    await createCluster(eks, 'p', 'API');
    const cases: [string, RegExp][] = [
      ['arn:aws:iam::999988887777:role/typo', /^The specified principalArn is invalid: invalid principal\. Account 999988887777 is not held by Entryway/],
      [`arn:aws:iam::${s.accountId}:user/nobody`, /^The specified principalArn is invalid: invalid principal\. IAM user nobody does not exist/],
      [`arn:aws:iam::${s.accountId}:root`, /root user: access entries take IAM users and roles/],
      ['alice', new RegExp(`is a name, not an ARN: use arn:aws:iam::${s.accountId}:user/alice`)],
      [`arn:aws:sts::${s.accountId}:assumed-role/dev/alice`, new RegExp(`^The principalArn parameter format is not valid\\. .*use the role's ARN, arn:aws:iam::${s.accountId}:role/dev`)],
      ['arn:aws:iam:bad', /is not a well-formed IAM user or role ARN/],
    ];
    for (const [arn, message] of cases) await rejectsWith(eks.send(new CreateAccessEntryCommand({ clusterName: 'p', principalArn: arn })), 'InvalidParameterException', 400, message);
    const u = await createUser(s, 'templated');
    await rejectsWith(
      eks.send(new CreateAccessEntryCommand({ clusterName: 'p', principalArn: u, username: 'dev:{{sessionname}}' })),
      'InvalidParameterException',
      400,
      /\{\{sessionname\}\} is not a template variable .*Write \{\{SessionName\}\}/,
    );
    const canI = await cli(['can-i', '--cluster', 'p', '--principal', 'arn:aws:iam::999988887777:role/typo', 'get', 'pods', '--data-dir', s.dataDir], { env: adminEnv() });
    assert.equal(canI.code, 1, canI.stdout);
    assert.match(canI.stdout, /cannot authenticate/);
    assert.doesNotMatch(canI.stdout, /arn:arn:/);
  });

  it('doctor reports mapAccounts, aws-auth rows for missing principals, and templates that never render', async () => {
    await createCluster(eks, 'legacy', 'API_AND_CONFIG_MAP');
    const doc = `mapRoles: |\n  - rolearn: arn:aws:iam::${s.accountId}:role/ghost\n    username: ops:{{SessionName}}\n    groups: [ops]\nmapUsers: |\n  - userarn: arn:aws:iam::${s.accountId}:user/entryway-admin\n    username: admin:{{sessionName}}\nmapAccounts: |\n  - "${s.accountId}"\n`;
    const file = join(work, 'aws-auth.yaml');
    writeFileSync(file, doc);
    const apply = await cli(['aws-auth', 'apply', '--cluster', 'legacy', '-f', file, '--data-dir', s.dataDir], { env: adminEnv() });
    assert.equal(apply.code, 0, apply.stderr);
    const r = await cli(['doctor', '--cluster', 'legacy', '-o', 'json', '--data-dir', s.dataDir], { env: adminEnv() });
    const codes = (JSON.parse(r.stdout) as { findings: { code: string; subject: string }[] }).findings.map((f) => `${f.code} ${f.subject}`);
    assert.ok(codes.includes(`aws_auth_map_accounts account ${s.accountId}`), codes.join('\n'));
    assert.ok(codes.includes(`aws_auth_missing_principal arn:aws:iam::${s.accountId}:role/ghost`), codes.join('\n'));
    assert.ok(codes.includes(`template_never_renders arn:aws:iam::${s.accountId}:user/entryway-admin`), codes.join('\n'));

    // The migration plan and its equivalence check tell one truth about the missing role.
    const ghost = `arn:aws:iam::${s.accountId}:role/ghost`;
    const plan = await cli(['migrate', 'aws-auth', '--cluster', 'legacy', '--target-mode', 'API', '-o', 'json', '--data-dir', s.dataDir], { env: adminEnv() });
    const report = JSON.parse(plan.stdout) as { plan: { items: { mapping: { arn: string }; status: string; problems: { code: string }[] }[] }; equivalence: { principal: string; lost: string[]; permissionsChanged: boolean; identityChanged: boolean }[] };
    const item = report.plan.items.find((i) => i.mapping.arn === ghost)!;
    assert.equal(item.status, 'not_needed');
    assert.ok(item.problems.some((p) => p.code === 'principal_not_found'));
    const row = report.equivalence.find((r) => r.principal === ghost)!;
    assert.deepEqual([row.lost, row.permissionsChanged, row.identityChanged], [[], false, false], 'a principal that does not exist loses nothing, even moving to API');
  });

  it('audit: by target, with or without the eks: prefix, newest first, no reads by default, failed calls with their target', async () => {
    await createCluster(eks, 'audited', 'API');
    const alice = await createUser(s, 'alice-audit');
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'audited', principalArn: alice }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'audited', principalArn: alice, policyArn: ADMIN, accessScope: { type: 'cluster' } }));
    await eks.send(new DescribeClusterCommand({ name: 'audited' }));
    await rejectsWith(eks.send(new AssociateAccessPolicyCommand({ clusterName: 'audited', principalArn: alice, policyArn: POLICY('AmazonEKSNope'), accessScope: { type: 'cluster' } })), 'InvalidParameterException', 400);
    const q = (args: string[]) => cli(['audit', '-o', 'json', '--data-dir', s.dataDir, ...args], { env: adminEnv() });
    for (const op of ['AssociateAccessPolicy', 'eks:AssociateAccessPolicy']) {
      const r = await q(['--target', alice, '--operation', op]);
      assert.equal(r.code, 0, r.stderr);
      const events = JSON.parse(r.stdout) as { result: string; resource: string; operation: string }[];
      assert.deepEqual(events.map((e) => e.result), ['InvalidParameterException', 'Success'], `newest first, the failed call recorded with its target (${op})`);
      assert.ok(events.every((e) => e.resource.startsWith(`${alice} `)));
    }
    const newest = JSON.parse((await q(['--limit', '1'])).stdout) as { operation: string }[];
    assert.equal(newest.length, 1);
    assert.equal(newest[0]!.operation, 'AssociateAccessPolicy', '--limit returns the newest event');
    const reads = JSON.parse((await q(['--operation', 'DescribeCluster'])).stdout) as unknown[];
    assert.equal(reads.length, 0, 'read-only calls are not recorded by default');
    const decisions = await q(['--kind', 'authentication']);
    assert.match(decisions.stderr, /not recorded .*--audit-decisions 0/);
  });

  it('metrics: per-cluster gauges with a cluster label', async () => {
    const r = await s.get('/metrics');
    assert.match(r.text, /entryway_cluster_admin_paths\{cluster="solo"\} 1/);
    assert.match(r.text, /entryway_stale_access_entries\{cluster="locked"\} 0/);
    assert.match(r.text, /entryway_cluster_aws_auth_rejected\{cluster="legacy"\} 0/);
  });

  it('--metrics-token-file: /metrics needs the bearer token', async () => {
    const tokenFile = join(work, 'metrics-token');
    writeFileSync(tokenFile, 'a-long-enough-metrics-token\n');
    const m = await startTestServer({ config: { metricsTokenFile: tokenFile } });
    try {
      assert.equal((await m.get('/metrics')).status, 401);
      assert.equal((await m.get('/metrics', { authorization: 'Bearer wrong-token-of-some-length' })).status, 401);
      const ok = await m.get('/metrics', { authorization: 'Bearer a-long-enough-metrics-token' });
      assert.equal(ok.status, 200);
      assert.match(ok.text, /entryway_store_up 1/);
    } finally {
      await m.close();
    }
  });

  it('kubectl-style requests beyond the review APIs say where the real API server is', async () => {
    const r = await s.get('/k8s/p/api/v1/namespaces/default/pods');
    assert.equal(r.status, 404);
    assert.match(r.json.message, /answers only the review APIs/);
  });

  it('start-up errors are one line: a port in use, a database that does not exist', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const r = await cli(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', join(work, 'busy'), '--log-level', 'error']);
    busy.close();
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`entryway: cannot listen on 127\\.0\\.0\\.1:${port}: it is already in use`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const db = await cli(['serve', '--store', 'postgres://postgres@127.0.0.1:5432/entryway_no_such_db', '--data-dir', join(work, 'nodb'), '--log-level', 'error']);
    assert.equal(db.code, 1);
    assert.match(db.stderr, /^entryway: .*(does not exist|unavailable|refused)/m);
    assert.doesNotMatch(db.stderr, /\n\s+at /, 'no stack trace');
  });
});
