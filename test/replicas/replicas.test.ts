/**
 * Issue 6: two `entryway serve` processes sharing one PostgreSQL. A change written through one shows
 * in the other's decisions within a second; a replica whose database connections are cut keeps
 * answering from its last good state, says so on /readyz, and recovers by itself; after a real
 * PostgreSQL restart both replicas resync. Runs in the test runner's final serial phase, because it
 * restarts the shared PostgreSQL server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, CreateClusterCommand, DisassociateAccessPolicyCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { rawHttp } from '../../src/cli/client.js';
import { ADMIN_PROFILE, paths, readCredentialsProfile } from '../../src/server/datadir.js';
import { postgresTestUrl, requirePostgres } from '../../src/store/testing.js';
import { createToken } from '../../src/token/index.js';
import { kill, serveProcess } from '../helpers/process.js';
import type { ServeProcess } from '../helpers/process.js';

const available = await requirePostgres();
const skip = available ? false : 'PostgreSQL not reachable';

const schema = `replicas_${Math.random().toString(36).slice(2, 10)}`;
const dirs = [mkdtempSync(join(tmpdir(), 'entryway-replica-a-')), mkdtempSync(join(tmpdir(), 'entryway-replica-b-'))];
let a: ServeProcess;
let b: ServeProcess;
let webhookToken: string;
let aliceId: string;
let alice: { accessKeyId: string; secretAccessKey: string };
let ports: number[];
let aliceArn: string;
let admin: { accessKeyId: string; secretAccessKey: string };

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function storeUrl(): string {
  const u = new URL(postgresTestUrl());
  u.searchParams.set('schema', schema);
  return u.toString();
}

async function start(i: number): Promise<ServeProcess> {
  const other = ports[1 - i] as number;
  return serveProcess(
    ['--data-dir', dirs[i] as string, '--listen', `127.0.0.1:${ports[i]}`, '--store', storeUrl(), '--log-level', i === 1 ? 'info' : 'warn', '--management-rate-limit', '0', '--sts-host', `127.0.0.1:${other}`, '--tls-san', '127.0.0.1'],
    { ENTRYWAY_PG_APPLICATION_NAME: `entryway-test-replica-${i}-${schema}` },
  );
}

const sar = (p: ServeProcess) =>
  rawHttp(`${p.url}/clusters/demo/authorize`, {
    method: 'POST',
    ca: p.ca,
    headers: { authorization: `Bearer ${webhookToken}`, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'alice', extra: { principalId: [aliceId] }, resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } } })),
  }).then((r) => JSON.parse(r.body.toString()).status.allowed as boolean);

const tokenReview = async (p: ServeProcess, token: string) => {
  const r = await rawHttp(`${p.url}/clusters/demo/authenticate`, {
    method: 'POST',
    ca: p.ca,
    headers: { authorization: `Bearer ${webhookToken}`, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } })),
  });
  return JSON.parse(r.body.toString()).status.authenticated as boolean;
};

/** How many JSON log records of `p` carry this message prefix. */
const logged = (p: ServeProcess, prefix: string) =>
  p
    .output()
    .split('\n')
    .filter((l) => {
      try {
        return String(JSON.parse(l).msg).startsWith(prefix);
      } catch {
        return false;
      }
    }).length;

const readyz = (p: ServeProcess) => rawHttp(`${p.url}/readyz`, { method: 'GET', ca: p.ca }).then((r) => r.status, () => 0);

/** Polls until `fn` returns `want`; returns the elapsed milliseconds. */
async function until<T>(fn: () => Promise<T>, want: T, timeoutMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    let got: T | undefined;
    try {
      got = await fn();
    } catch {
      got = undefined;
    }
    if (got === want) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(got)})`);
    await sleep(20);
  }
}

const eks = (p: ServeProcess) => new EKSClient({ endpoint: p.url, region: 'us-east-1', credentials: admin, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: p.ca }) }) });
const iam = (p: ServeProcess) => new IAMClient({ endpoint: p.url, region: 'us-east-1', credentials: admin, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: p.ca }) }) });

async function terminate(applicationName: string): Promise<number> {
  const c = new pg.Client({ connectionString: postgresTestUrl() });
  await c.connect();
  try {
    const r = await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}

before(async () => {
  if (!available) return;
  ports = [await freePort(), await freePort()];
  a = await start(0);
  b = await start(1);
  admin = readCredentialsProfile(paths(dirs[0] as string).credentials, ADMIN_PROFILE) as typeof admin;
  assert.ok(admin, 'replica A bootstrapped the shared store');
  const c = new pg.Client({ connectionString: postgresTestUrl() });
  await c.connect();
  webhookToken = (await c.query(`SELECT value FROM ${schema}.settings WHERE key = 'webhookToken'`)).rows[0].value;
  await c.end();
  aliceArn = (await iam(a).send(new CreateUserCommand({ UserName: 'alice' }))).User!.Arn!;
  const acct = aliceArn.split(':')[4] as string;
  const user = await iam(a).send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: user.AccessKey!.AccessKeyId!, secretAccessKey: user.AccessKey!.SecretAccessKey! };
  await eks(a).send(new CreateClusterCommand({ name: 'demo', roleArn: `arn:aws:iam::${acct}:role/eks`, resourcesVpcConfig: { subnetIds: ['s'] }, accessConfig: { authenticationMode: 'API' } }));
  await eks(a).send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: aliceArn }));
  const idRow = await rawHttp(`${a.url}/clusters/demo/authenticate`, {
    method: 'POST',
    ca: a.ca,
    headers: { authorization: `Bearer ${webhookToken}`, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await createToken({ credentials: alice, region: 'us-east-1', clusterId: 'demo', now: new Date(), endpoint: a.url }) } })),
  });
  aliceId = JSON.parse(idRow.body.toString()).status.user.extra.principalId[0];
});

after(async () => {
  if (!available) return;
  for (const p of [a, b]) if (p) await kill(p, 'SIGTERM');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: postgresTestUrl() });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

const policy = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';

test('a change written through one replica changes the other replica\'s decisions within a second', { skip }, async (t) => {
  const principalArn = aliceArn;
  assert.equal(await sar(b), false, 'no policy yet');
  await eks(a).send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn, policyArn: policy, accessScope: { type: 'cluster' } }));
  const granted = await until(() => sar(b), true, 1000, 'replica B to allow');
  await eks(a).send(new DisassociateAccessPolicyCommand({ clusterName: 'demo', principalArn, policyArn: policy }));
  const revoked = await until(() => sar(b), false, 1000, 'replica B to stop allowing');
  t.diagnostic(`propagation to the other replica: grant ${granted} ms, revoke ${revoked} ms`);
  // A token presigned for replica A's endpoint is accepted by B (the same installation).
  const token = await createToken({ credentials: alice, region: 'us-east-1', clusterId: 'demo', now: new Date(), endpoint: a.url });
  assert.equal(await tokenReview(b, token), true, 'TokenReview on the other replica');
});

test('a replica cut off from the database keeps answering, reports it, and recovers by itself', { skip }, async () => {
  const principalArn = aliceArn;
  await eks(a).send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn, policyArn: policy, accessScope: { type: 'cluster' } }));
  await until(() => sar(b), true, 1000, 'B allows');
  // Cut B off repeatedly for a while: every session it opens is terminated.
  let cutting = true;
  const cutter = (async () => {
    while (cutting) {
      await terminate(`entryway-test-replica-1-${schema}`).catch(() => 0);
      await sleep(25);
    }
  })();
  await until(() => readyz(b), 503, 5000, 'B to report degraded on /readyz');
  assert.equal(await sar(b), true, 'B still answers from its last good state');
  // A write through B meets the cut and fails; the database's loss is logged as it is noticed.
  await until(() => eks(b).send(new CreateClusterCommand({ name: 'cut-off', roleArn: aliceArn.replace(/user\/alice$/, 'role/eks'), resourcesVpcConfig: { subnetIds: ['s'] } })).then(() => 'written', () => 'failed'), 'failed', 5000, 'a write through B to fail');
  await until(async () => logged(b, 'store unreachable'), 1, 5000, "B to log the database's loss");
  cutting = false;
  await cutter;
  await until(() => readyz(b), 200, 10_000, 'B to recover');
  // Cutting may have let B reconnect in between, so it may have lost and regained the database
  // more than once: each loss has its one record and its return.
  await until(async () => (logged(b, 'store reachable again') >= 1 ? 1 : 0), 1, 5000, 'B to log that the database is back');
  await until(async () => logged(b, 'store unreachable') - logged(b, 'store reachable again'), 0, 5000, 'losses and returns to pair up');
  // The feed's return is logged just after the pool's (a millisecond apart, maybe another stdout
  // chunk): wait for it rather than read the output at the instant the first line arrived.
  await until(async () => (logged(b, 'change feed lost') >= 1 && logged(b, 'change feed restored') >= 1 ? 1 : 0), 1, 5000, "B to log the change feed's loss and return");
  await eks(a).send(new DisassociateAccessPolicyCommand({ clusterName: 'demo', principalArn, policyArn: policy }));
  await until(() => sar(b), false, 1000, 'B sees changes again after recovering');
});

/**
 * This test restarts the machine's shared PostgreSQL server (pg_ctlcluster … restart), which cuts
 * every other client of it. It does so only where that is asked for: under CI=true (CI owns its
 * machine) or with ENTRYWAY_TEST_RESTART_POSTGRES=1; elsewhere it is skipped and says how to run it.
 */
const restartAllowed = process.env.CI === 'true' || process.env.ENTRYWAY_TEST_RESTART_POSTGRES === '1';
const restartSkip = skip || (restartAllowed ? false : 'restarts the shared PostgreSQL server: set ENTRYWAY_TEST_RESTART_POSTGRES=1 (or CI=true) to run it');

test('after a PostgreSQL restart both replicas reconnect and resync', { skip: restartSkip }, async (t) => {
  const version = readdirSync('/etc/postgresql')[0];
  process.stderr.write(`# restarting the shared PostgreSQL server (${String(version)} main) for the replica restart test\n`);
  let restarted = true;
  try {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', String(version), 'main', 'restart'], { stdio: 'pipe' });
  } catch (e) {
    restarted = false;
    if (process.env.CI === 'true') throw new Error(`cannot restart PostgreSQL under CI: ${(e as Error).message}`);
    t.skip(`cannot restart PostgreSQL here: ${(e as Error).message}`);
    return;
  }
  assert.ok(restarted, 'restarted');
  const principalArn = aliceArn;
  // Written right after the restart, possibly before B's change feed is back: B must resync to see
  // it. The first call may meet a pooled connection the restart killed; a client retries.
  const associate = () => eks(a).send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn, policyArn: policy, accessScope: { type: 'cluster' } }));
  await associate().catch(async () => {
    await sleep(500);
    return associate();
  });
  await until(() => readyz(a), 200, 15_000, 'A ready after the restart');
  await until(() => readyz(b), 200, 15_000, 'B ready after the restart');
  await until(() => sar(b), true, 15_000, 'B to resync the change made across the restart');
  await eks(a).send(new DisassociateAccessPolicyCommand({ clusterName: 'demo', principalArn, policyArn: policy }));
  await until(() => sar(b), false, 1000, 'live propagation again');
});
