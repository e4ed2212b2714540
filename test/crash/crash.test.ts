/**
 * Crash safety (issue 7): `entryway serve` is killed with SIGKILL in the middle of a burst of
 * writes, many times over; after each restart every write that was acknowledged (HTTP 200) must be
 * there, and the store must open cleanly — for SQLite and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { CreateAccessEntryCommand, CreateClusterCommand, EKSClient, paginateListAccessEntries } from '@aws-sdk/client-eks';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ADMIN_PROFILE, paths, readCredentialsProfile } from '../../src/server/datadir.js';
import { postgresTestUrl, requirePostgres } from '../../src/store/testing.js';
import { kill, serveProcess } from '../helpers/process.js';
import type { ServeProcess } from '../helpers/process.js';

const ITERATIONS = Number(process.env.ENTRYWAY_CRASH_ITERATIONS ?? 6);
const WRITERS = 8;

function client(p: ServeProcess, dataDir: string): EKSClient {
  const credentials = readCredentialsProfile(paths(dataDir).credentials, ADMIN_PROFILE);
  if (!credentials) throw new Error('no admin credentials');
  return new EKSClient({ endpoint: p.url, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: p.ca, keepAlive: true }), requestTimeout: 5000 }) });
}

async function crashLoop(storeArgs: string[], dataDir: string): Promise<number> {
  // The entries name principals of an account the server does not hold: accepted on purpose here.
  const args = ['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--management-rate-limit', '0', '--log-level', 'warn', '--allow-unverifiable-principals', ...storeArgs];
  const acknowledged = new Set<string>();
  let p = await serveProcess(args);
  await client(p, dataDir).send(new CreateClusterCommand({ name: 'crash', roleArn: 'arn:aws:iam::111122223333:role/eks', resourcesVpcConfig: { subnetIds: ['s'] }, accessConfig: { authenticationMode: 'API' } }));
  let n = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const eks = client(p, dataDir);
    let stop = false;
    const before = acknowledged.size;
    const writer = async (w: number) => {
      while (!stop) {
        const arn = `arn:aws:iam::999900001111:role/crash-${i}-${w}-${n++}`;
        try {
          await eks.send(new CreateAccessEntryCommand({ clusterName: 'crash', principalArn: arn }));
          acknowledged.add(arn);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    // Kill at a random moment once the burst is flowing (writes in flight on every connection).
    const deadline = Date.now() + 15_000;
    while (acknowledged.size < before + WRITERS) {
      if (Date.now() > deadline) assert.fail(`iteration ${i}: the server acknowledged no burst of writes`);
      await sleep(5);
    }
    await sleep(Math.floor(Math.random() * 300));
    await kill(p, 'SIGKILL');
    stop = true;
    await Promise.all(writers);
    eks.destroy();

    p = await serveProcess(args);
    const found = new Set<string>();
    const after = client(p, dataDir);
    for await (const page of paginateListAccessEntries({ client: after }, { clusterName: 'crash', maxResults: 100 })) for (const a of page.accessEntries ?? []) found.add(a);
    after.destroy();
    const lost = [...acknowledged].filter((a) => !found.has(a));
    assert.deepEqual(lost, [], `iteration ${i}: acknowledged writes lost after SIGKILL`);
  }
  await kill(p, 'SIGTERM');
  return acknowledged.size;
}

test('sqlite: SIGKILL during a burst of acknowledged writes loses none, and the database stays intact', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'entryway-crash-'));
  try {
    const acked = await crashLoop([], dataDir);
    t.diagnostic(`${ITERATIONS} kills, ${acked} acknowledged writes, none lost`);
    assert.ok(acked >= ITERATIONS * WRITERS, `writes were acknowledged (${acked})`);
    const db = new Database(paths(dataDir).db, { readonly: true });
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'SQLite integrity_check');
    db.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('postgres: SIGKILL during a burst of acknowledged writes loses none', { skip: (await requirePostgres()) ? false : 'PostgreSQL not reachable' }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'entryway-crash-'));
  const schema = `crash_${Math.random().toString(36).slice(2, 10)}`;
  const url = new URL(postgresTestUrl());
  url.searchParams.set('schema', schema);
  try {
    const acked = await crashLoop(['--store', url.toString()], dataDir);
    t.diagnostic(`${ITERATIONS} kills, ${acked} acknowledged writes, none lost`);
    assert.ok(acked >= ITERATIONS * WRITERS, `writes were acknowledged (${acked})`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: postgresTestUrl() });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
});
