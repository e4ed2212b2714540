/**
 * Moving an installation, through the real CLI: an installation on SQLite (clusters in every
 * authentication mode, entries of every node type, aws-auth rows, an OIDC provider, the audit
 * trail) is backed up while writes run, copied to PostgreSQL with `entryway store copy`, and
 * restored from the backup; servers on the copy and on the restore answer the same real
 * `aws eks get-token` tokens exactly as the source did.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssociateAccessPolicyCommand, AssociateIdentityProviderConfigCommand, CreateAccessEntryCommand, ListAccessEntriesCommand } from '@aws-sdk/client-eks';
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import pg from 'pg';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { entryway } from '../helpers/cli.js';
import { postgresTestUrl, requirePostgres } from '../../src/store/testing.js';
import { POLICY, createCluster, createRole } from './lib.js';

const available = await requirePostgres();
const run = promisify(execFile);
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** The CLI without connection flags (`store copy` takes none). */
async function local(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', main, ...args]);
    return { code: 0, stderr };
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stderr: err.stderr ?? String(e) };
  }
}
const schema = `t_copy_${Math.random().toString(36).slice(2, 10)}`;
const pgUrl = () => {
  const u = new URL(postgresTestUrl());
  u.searchParams.set('schema', schema);
  return u.toString();
};
const work = mkdtempSync(join(tmpdir(), 'entryway-transfer-'));

let s: TestServer;
let alice: Credentials;
let dev: Credentials;
const tokens: { cluster: string; who: string; token: string }[] = [];

const sar = (user: { username: string; groups: string[] }, verb: string, resource: string, namespace?: string) => ({
  apiVersion: 'authorization.k8s.io/v1',
  kind: 'SubjectAccessReview',
  spec: { user: user.username, groups: user.groups, resourceAttributes: { verb, resource, ...(namespace ? { namespace } : {}) } },
});

/** Every token's TokenReview, and for the authenticated ones a few SubjectAccessReviews. */
async function answers(server: TestServer): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const t of tokens) {
    const tr = await server.post(`/clusters/${t.cluster}/authenticate`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t.token } });
    assert.equal(tr.status, 200, tr.text);
    const status = tr.json.status as { authenticated: boolean; user?: { username: string; groups: string[] } };
    const decisions: unknown[] = [];
    if (status.user) {
      for (const [verb, resource, ns] of [['get', 'pods', 'prod'], ['list', 'secrets', 'prod'], ['delete', 'deployments', 'dev'], ['create', 'clusterroles', undefined]] as const) {
        const r = await server.post(`/clusters/${t.cluster}/authorize`, sar(status.user, verb, resource, ns));
        assert.equal(r.status, 200, r.text);
        decisions.push([verb, resource, ns, r.json.status.allowed, r.json.status.reason ?? '']);
      }
    }
    out.push({ ...t, token: undefined, authenticated: status.authenticated, user: status.user, decisions });
  }
  return out;
}

async function tokenFor(cluster: string, who: string, credentials: Credentials): Promise<void> {
  const r = await s.aws(['eks', 'get-token', '--cluster-name', cluster], { credentials });
  assert.equal(r.code, 0, r.stderr);
  tokens.push({ cluster, who, token: r.json.status.token as string });
}

before(async () => {
  if (!available) return;
  s = await startTestServer({ store: 'sqlite', keepDataDir: true });
  const eks = s.eks();
  await createCluster(eks, 'legacy', 'CONFIG_MAP');
  await createCluster(eks, 'both', 'API_AND_CONFIG_MAP');
  await createCluster(eks, 'api', 'API');
  assert.equal((await s.aws(['iam', 'create-user', '--user-name', 'alice'])).code, 0);
  const k = await s.aws(['iam', 'create-access-key', '--user-name', 'alice']);
  alice = { accessKeyId: k.json.AccessKey.AccessKeyId, secretAccessKey: k.json.AccessKey.SecretAccessKey };
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
  const devArn = await createRole(s, 'dev');
  const aliceArn = `arn:aws:iam::${s.accountId}:user/alice`;
  // aws-auth rows through eksctl's command.
  for (const [cluster, args] of [
    ['legacy', ['--arn', aliceArn, '--username', 'alice', '--group', 'devs']],
    ['legacy', ['--arn', devArn, '--username', 'dev:{{SessionName}}', '--group', 'system:masters']],
    ['both', ['--arn', devArn, '--username', 'dev-from-configmap', '--group', 'viewers']],
  ] as const) {
    const r = await entryway(s, ['iamidentitymapping', 'create', '--cluster', cluster, ...args]);
    assert.equal(r.code, 0, r.stderr);
  }
  // Access entries: alice with namespaced policies; the node types on their own roles.
  for (const cluster of ['both', 'api']) {
    await eks.send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn: aliceArn, kubernetesGroups: ['team-a'], tags: { team: 'a' } }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: cluster, principalArn: aliceArn, policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'namespace', namespaces: ['prod'] } }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: cluster, principalArn: aliceArn, policyArn: POLICY('AmazonEKSEditPolicy'), accessScope: { type: 'namespace', namespaces: ['dev*'] } }));
  }
  await eks.send(new CreateAccessEntryCommand({ clusterName: 'api', principalArn: devArn, username: 'dev:{{SessionName}}' }));
  await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'api', principalArn: devArn, policyArn: POLICY('AmazonEKSClusterAdminPolicy'), accessScope: { type: 'cluster' } }));
  for (const type of ['EC2_LINUX', 'EC2_WINDOWS', 'FARGATE_LINUX', 'HYBRID_LINUX', 'HYPERPOD_LINUX', 'EC2']) {
    const arn = await createRole(s, `node-${type.toLowerCase().replace(/_/g, '-')}`);
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'api', principalArn: arn, type }));
  }
  await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: 'api', oidc: { identityProviderConfigName: 'corp', issuerUrl: 'https://idp.corp.example', clientId: 'kubernetes', groupsClaim: 'groups', groupsPrefix: 'oidc:' } }));

  const role = await s.aws(['sts', 'assume-role', '--role-arn', devArn, '--role-session-name', 'ops-1'], { credentials: alice });
  assert.equal(role.code, 0, role.stderr);
  const rc = role.json.Credentials;
  dev = { accessKeyId: rc.AccessKeyId, secretAccessKey: rc.SecretAccessKey, sessionToken: rc.SessionToken };
  for (const cluster of ['legacy', 'both', 'api']) {
    await tokenFor(cluster, 'alice', alice);
    await tokenFor(cluster, 'dev', dev);
  }
});

after(async () => {
  await s?.close();
  rmSync(work, { recursive: true, force: true });
  if (s) rmSync(s.dataDir, { recursive: true, force: true });
  if (!available) return;
  const c = new pg.Client({ connectionString: postgresTestUrl() });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

test('backup while writes run, copy to PostgreSQL, restore: the same answers everywhere', { skip: available ? false : 'PostgreSQL not reachable' }, async () => {
  const source = await answers(s);
  // The answers are not trivial: some tokens are mapped and some decisions allow, some deny.
  const flat = JSON.stringify(source);
  assert.match(flat, /"username":"alice"/);
  assert.match(flat, /"username":"dev:ops-1"/);
  assert.match(flat, /true/);
  assert.match(flat, /false/);

  // A backup taken while entries are being written: it holds one consistent state.
  const backup = join(work, 'live.jsonl');
  let writing = true;
  let written = 0;
  const writer = (async () => {
    while (writing) {
      await s.eks().send(new CreateAccessEntryCommand({ clusterName: 'api', principalArn: `arn:aws:iam::444455556666:role/bulk-${written}` }));
      written++;
    }
  })();
  while (written < 5) await new Promise((r) => setTimeout(r, 20));
  const b = await entryway(s, ['backup', '--include-secrets', '--out', backup]);
  writing = false;
  await writer;
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /written to .*live\.jsonl: \d+ rows in \d+ tables, secrets included/);
  const lines = readFileSync(backup, 'utf8').trimEnd().split('\n');
  const start = lines.findIndex((l) => l.startsWith('{"table":"access_entries"'));
  const inBackup = lines.slice(start + 1).filter((l, i, rest) => l.startsWith('["api"') && rest.slice(0, i).every((x) => x.startsWith('['))).length;
  assert.ok(written > 5 && inBackup >= 5, `writes ran during the backup (${written} written, backup holds ${inBackup} entries)`);

  // The source is stopped (its data dir kept) and copied to PostgreSQL.
  const dataDir = s.dataDir;
  // The tokens were presigned for this server's host and port: the next servers take the same.
  const port = Number(new URL(s.url).port);
  await s.close();
  const copy = await local(['store', 'copy', '--from', dataDir, '--to', pgUrl()]);
  assert.equal(copy.code, 0, copy.stderr);
  assert.match(copy.stderr, /copied sqlite:.* → postgres:.*: \d+ rows in \d+ tables \(schema \d+\)[\s\S]*content sha256 [0-9a-f]{64} on both/);
  const again = await local(['store', 'copy', '--from', dataDir, '--to', pgUrl()]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /target store is not empty/);

  const onPg = await startTestServer({ config: { dataDir, port, storeUrl: pgUrl() }, keepDataDir: true });
  try {
    assert.match(onPg.server.store.description, /^postgres/);
    assert.deepEqual(await answers(onPg), source, 'the copy answers every review as the source did');
    const r = await onPg.aws(['eks', 'describe-identity-provider-config', '--cluster-name', 'api', '--identity-provider-config', 'type=oidc,name=corp']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.identityProviderConfig.oidc.groupsPrefix, 'oidc:');
    const audit = await entryway(onPg, ['audit', '--operation', 'CreateIdentityMapping', '-o', 'json']);
    assert.equal(audit.code, 0, audit.stderr);
    assert.equal((audit.stdout.match(/CreateIdentityMapping/g) ?? []).length >= 3, true, 'the audit trail came along');
  } finally {
    await onPg.close();
  }

  // The backup restores into a new SQLite file; a server on it answers the same.
  const restoredDb = join(work, 'restored.db');
  const restore = await entryway(s, ['restore', backup, '--store', `sqlite:${restoredDb}`]);
  assert.equal(restore.code, 0, restore.stderr);
  assert.match(restore.stderr, /read back: content sha256 [0-9a-f]{64} matches/);
  const restored = await startTestServer({ config: { dataDir, port, storeUrl: `sqlite:${restoredDb}` }, keepDataDir: true });
  try {
    assert.deepEqual(await answers(restored), source, 'the restore answers every review as the source did');
    let listed = 0;
    let nextToken: string | undefined;
    do {
      const page = await restored.eks().send(new ListAccessEntriesCommand({ clusterName: 'api', maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
      listed += page.accessEntries?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken);
    assert.equal(listed, inBackup, 'exactly the entries of the snapshot');
  } finally {
    await restored.close();
  }

  // A damaged copy of the backup is refused and leaves its target empty.
  const damaged = join(work, 'damaged.jsonl');
  writeFileSync(damaged, readFileSync(backup, 'utf8').replace('AmazonEKSViewPolicy', 'AmazonEKSAdminPolicy'));
  const emptyDb = join(work, 'empty.db');
  const refused = await entryway(s, ['restore', damaged, '--store', `sqlite:${emptyDb}`]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /entryway: the backup is corrupted: its checksum does not match its contents/);
  const probe = await entryway(s, ['backup', '--store', `sqlite:${emptyDb}`, '--out', join(work, 'probe.jsonl')]);
  assert.equal(probe.code, 0, probe.stderr);
  assert.match(probe.stderr, /: 0 rows in/, 'nothing half-restored');
  const truncated = join(work, 'truncated.jsonl');
  writeFileSync(truncated, lines.slice(0, -1).join('\n') + '\n');
  const cut = await entryway(s, ['restore', truncated, '--store', `sqlite:${join(work, 'empty2.db')}`]);
  assert.equal(cut.code, 1);
  assert.match(cut.stderr, /the backup is truncated/);
  assert.ok(!existsSync(join(work, 'probe.jsonl.partial-')));
});
