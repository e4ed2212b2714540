/**
 * Effective access with two replicas on PostgreSQL (issue 15): an RBAC snapshot imported through
 * replica A answers who-can on replica B, and the last use a real TokenReview records on one
 * replica is seen through the other (and the other way round).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { CreateAccessEntryCommand, CreateClusterCommand } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { paths } from '../../src/server/datadir.js';
import { postgresTestUrl, requirePostgres } from '../../src/store/testing.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { entryway } from '../helpers/cli.js';

// Under CI=true a missing PostgreSQL fails requirePostgres loudly; elsewhere the test says why it skipped.
const pgSkip = (await requirePostgres()) ? false : 'PostgreSQL not reachable';

const RBAC = `apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: secret-reader}
  rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get, list]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: readers}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
  subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: readers}
`;

interface EntryRow {
  principalArn: string;
  lastUsedAt: number | null;
  lastUsedFrom?: string;
}

async function lastUsed(s: TestServer, arn: string): Promise<EntryRow | undefined> {
  const r = await entryway(s, ['entries', 'list', '--cluster', 'shared', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { accessEntries: EntryRow[] }).accessEntries.find((e) => e.principalArn === arn);
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const got = await fn();
    if (got !== undefined) return got;
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('two replicas share the RBAC snapshot and last use', { skip: pgSkip }, async () => {
  const u = new URL(postgresTestUrl());
  const schema = `eff_${Math.random().toString(36).slice(2, 10)}`;
  u.searchParams.set('schema', schema);
  const storeUrl = u.toString();
  // A short flush interval so the test need not wait a minute; the rule (one write per mapping per
  // interval) is the same.
  const a = await startTestServer({ store: 'postgres', config: { storeUrl, lastUseFlushMs: 200 } });
  // B has its own data directory (its own TLS material) and the installation's administrator.
  const dirB = mkdtempSync(join(tmpdir(), 'entryway-eff-b-'));
  mkdirSync(dirname(paths(dirB).credentials), { recursive: true });
  copyFileSync(paths(a.dataDir).credentials, paths(dirB).credentials);
  let b: TestServer | undefined;
  try {
    b = await startTestServer({ store: 'postgres', config: { storeUrl, dataDir: dirB, lastUseFlushMs: 200 } });
    const eks = a.eks();
    const iam = a.iam();
    await eks.send(new CreateClusterCommand({ name: 'shared', roleArn: `arn:aws:iam::${a.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['subnet-1'] }, accessConfig: { authenticationMode: 'API' } }));
    const user = async (name: string) => {
      const arn = (await iam.send(new CreateUserCommand({ UserName: name }))).User!.Arn!;
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
      await eks.send(new CreateAccessEntryCommand({ clusterName: 'shared', principalArn: arn, kubernetesGroups: ['readers'] }));
      return { arn, creds: { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! } };
    };
    const bob = await user('bob');
    const carol = await user('carol');

    // The snapshot imported through A answers on B.
    const imported = await entryway(a, ['rbac', 'import', '--cluster', 'shared', '-f', '-'], { input: RBAC });
    assert.equal(imported.code, 0, imported.stderr);
    const who = await eventually('B to name bob and carol as secret readers', async () => {
      const r = await entryway(b!, ['who-can', 'get', 'secrets', '-n', 'prod', '--cluster', 'shared', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const principals = (JSON.parse(r.stdout) as { clusters: Array<{ principals: Array<{ principal: string; paths: Array<{ description: string }> }> }> }).clusters[0]!.principals;
      return principals.some((p) => p.principal === bob.arn) ? principals : undefined;
    });
    assert.ok(who.some((p) => p.principal === carol.arn));
    assert.match(who.find((p) => p.principal === bob.arn)!.paths[0]!.description, /ClusterRoleBinding "readers" of ClusterRole "secret-reader" to Group "readers"/);

    // A real `aws eks get-token` token reviewed by A shows on B; carol's reviewed by B shows on A.
    const review = async (s: TestServer, creds: { accessKeyId: string; secretAccessKey: string }) => {
      const token = await s.aws(['eks', 'get-token', '--cluster-name', 'shared'], { credentials: creds });
      assert.equal(token.code, 0, token.stderr);
      const r = await s.post('/clusters/shared/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: token.json.status.token } });
      assert.equal(r.json.status.authenticated, true, r.text);
    };
    assert.equal((await lastUsed(b, bob.arn))!.lastUsedAt, null, 'nobody has used bob yet');
    await review(a, bob.creds);
    const seenOnB = await eventually('B to see bob used', async () => {
      const e = await lastUsed(b!, bob.arn);
      return e?.lastUsedAt ? e : undefined;
    });
    assert.ok(Date.now() - seenOnB.lastUsedAt! < 120_000, JSON.stringify(seenOnB));
    assert.equal(seenOnB.lastUsedFrom, '127.0.0.1');
    await review(b, carol.creds);
    await eventually('A to see carol used', async () => ((await lastUsed(a, carol.arn))?.lastUsedAt ? true : undefined));
    // The table says the same, through B.
    const lu = await entryway(b, ['entries', 'list', '--cluster', 'shared']);
    const row = (arn: string) => lu.stdout.split('\n').find((l) => l.startsWith(`${arn} `)) ?? '';
    assert.match(row(bob.arn), /\d+[smh] ago from 127\.0\.0\.1$/, lu.stdout);
    assert.match(row(carol.arn), /\d+[smh] ago from 127\.0\.0\.1$/, lu.stdout);
    assert.match(lu.stdout, /entryway-admin .* never$/m, lu.stdout);
  } finally {
    await b?.close();
    await a.close();
    rmSync(dirB, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: postgresTestUrl() });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
});
