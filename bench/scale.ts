/**
 * Section 4: scale. For each store (SQLite, PostgreSQL): bulk-load CLUSTERS × ENTRIES access entries
 * with one policy association each, then start a real `entryway serve` process on that data and
 * measure cold start to ready (/readyz 200), resident memory, ListAccessEntries page latency and
 * CreateAccessEntry throughput over HTTPS with SigV4.
 *
 * Loading writes through the store's own SQL executor (Tx.sql) with multi-row INSERTs, one
 * transaction per cluster, records shaped exactly as the API writes them (bench/lib/fixtures.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';
import type { Tx } from '../src/store/repo.js';
import { postgresTestUrl } from '../src/store/testing.js';
import { signRequest } from '../src/sigv4/index.js';
import type { AwsCredentials } from '../src/sigv4/index.js';
import { associationRecord, clusterName, clusterRecord, entryRecord } from './lib/fixtures.js';
import { startEntryway } from './lib/entryway.js';
import type { EntrywayProcess } from './lib/entryway.js';
import { peakRssOf, rssOf, sleep } from './lib/proc.js';
import { Samples, summarize } from './lib/stats.js';
import type { LatencySummary } from './lib/stats.js';

export interface ScaleOptions {
  clusters: number;
  entries: number;
  stores: ('sqlite' | 'postgres')[];
  createSeconds: number;
  listRequests: number;
  log: (s: string) => void;
  /** Extra Node flags for the server process. */
  nodeArgs?: string[];
  /** Wait this long after ready before the second RSS reading (default 5 s). */
  settleMs?: number;
}

export interface StoreScale {
  store: 'sqlite' | 'postgres';
  clusters: number;
  entries: number;
  loadSeconds: number;
  readySeconds: number;
  rssMiB: number;
  peakRssMiB: number;
  rssSettledMiB: number;
  list: LatencySummary;
  create: { perSecond: number; latency: LatencySummary; errors: number; concurrency: number };
  error?: string;
}

const BATCH = 1000;

async function insertRows(tx: Tx, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let k = 0; k < rows.length; k += BATCH) {
    const chunk = rows.slice(k, k + BATCH);
    const one = `(${columns.map(() => '?').join(', ')})`;
    await tx.sql.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => one).join(', ')}`, chunk.flat());
  }
}

/**
 * Clusters at EKS's limit (3,000 entries) take no more entries, so CreateAccessEntry is measured on
 * SPARE extra clusters of SPARE_ENTRIES entries each (loaded after the timed load).
 */
const SPARE = 10;
const SPARE_ENTRIES = 2000;
const spareName = (k: number) => `spare-${String(k).padStart(3, '0')}`;

async function loadCluster(store: Store, accountId: string, name: string, c: number, count: number): Promise<void> {
  {
    const rec = clusterRecord(name, 'API', accountId);
    const entries: unknown[][] = [];
    const assocs: unknown[][] = [];
    for (let i = 0; i < count; i++) {
      const e = entryRecord(rec, c, i);
      const a = associationRecord(e, i);
      entries.push([e.clusterName, e.principalArn, JSON.stringify(e)]);
      assocs.push([a.clusterName, a.principalArn, a.policyArn, JSON.stringify(a)]);
    }
    await store.transaction(async (tx) => {
      await tx.insertCluster(rec);
      await insertRows(tx, 'access_entries', ['cluster_name', 'principal_arn', 'data'], entries);
      await insertRows(tx, 'access_policy_associations', ['cluster_name', 'principal_arn', 'policy_arn', 'data'], assocs);
    });
  }
}

async function bulkLoad(store: Store, accountId: string, o: ScaleOptions): Promise<number> {
  const t0 = performance.now();
  for (let c = 0; c < o.clusters; c++) {
    await loadCluster(store, accountId, clusterName(c), c, o.entries);
    if (c % 100 === 99) o.log(`  loaded ${c + 1}/${o.clusters} clusters (${Math.round((performance.now() - t0) / 1000)} s)`);
  }
  return (performance.now() - t0) / 1000;
}

function https(e: EntrywayProcess, agent: Agent, method: string, path: string, creds: AwsCredentials, body?: unknown): Promise<{ status: number; body: string; ms: number }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return signRequest({ method, url: e.url + path, region: 'us-east-1', service: 'eks', credentials: creds, now: new Date(), ...(payload ? { body: payload, headers: { 'content-type': 'application/json' } } : {}) }).then(
    (s) =>
      new Promise((resolve, reject) => {
        const t0 = performance.now();
        const u = new URL(s.url);
        const req = request({ host: e.host, port: e.port, method, path: u.pathname + u.search, headers: s.headers, agent }, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b, ms: performance.now() - t0 }));
        });
        req.on('error', reject);
        req.end(payload);
      }),
  );
}

async function measureServer(e: EntrywayProcess, o: ScaleOptions, seed: number): Promise<Pick<StoreScale, 'list' | 'create'>> {
  const agent = new Agent({ ca: e.ca, keepAlive: true, maxSockets: 16 });
  try {
    // ListAccessEntries: first page (100) of random clusters, one request at a time.
    const list = new Samples();
    let x = seed;
    const rnd = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let k = 0; k < o.listRequests; k++) {
      const r = await https(e, agent, 'GET', `/clusters/${clusterName(Math.floor(rnd() * o.clusters))}/access-entries?maxResults=100`, e.admin);
      if (r.status !== 200) throw new Error(`ListAccessEntries: ${r.status} ${r.body.slice(0, 200)}`);
      if (k >= 10) list.push(r.ms);
    }
    // CreateAccessEntry: fixed concurrency, new principals in random clusters.
    const concurrency = 4;
    const create = new Samples();
    let errors = 0;
    let n = 0;
    const end = performance.now() + o.createSeconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        while (performance.now() < end) {
          const c = Math.floor(rnd() * SPARE);
          const principalArn = `arn:aws:iam::999988887777:role/bench-new-${seed}-${w}-${n++}`;
          const r = await https(e, agent, 'POST', `/clusters/${spareName(c)}/access-entries`, e.admin, { principalArn });
          if (r.status !== 200) {
            errors++;
            if (errors === 1) console.error(`CreateAccessEntry: ${r.status} ${r.body.slice(0, 200)}`);
          } else create.push(r.ms);
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    return { list: summarize(list.view()), create: { perSecond: create.length / secs, latency: summarize(create.view()), errors, concurrency } };
  } finally {
    agent.destroy();
  }
}

export async function runScale(o: ScaleOptions): Promise<StoreScale[]> {
  const out: StoreScale[] = [];
  for (const kind of o.stores) {
    const dir = mkdtempSync(join(tmpdir(), `entryway-bench-scale-${kind}-`));
    const schema = `bench_${Math.random().toString(36).slice(2, 10)}`;
    let storeUrl: string | undefined;
    if (kind === 'postgres') {
      const u = new URL(postgresTestUrl());
      u.searchParams.set('schema', schema);
      storeUrl = u.toString();
    }
    try {
      // Bootstrap (account, administrator, TLS) with a first start on the empty store.
      o.log(`${kind}: bootstrapping`);
      const first = await startEntryway({ dataDir: dir, ...(storeUrl ? { storeUrl } : {}) });
      await first.stop();
      o.log(`${kind}: loading ${o.clusters} × ${o.entries} entries`);
      const store: Store = kind === 'postgres' ? await PostgresStore.open(storeUrl!) : new SqliteStore(join(dir, 'entryway.db'));
      let loadSeconds: number;
      try {
        const accountId = (await store.read((tx) => tx.listAccounts()))[0]!.accountId;
        loadSeconds = await bulkLoad(store, accountId, o);
        for (let k = 0; k < SPARE; k++) await loadCluster(store, accountId, spareName(k), 90_000 + k, SPARE_ENTRIES);
      } finally {
        await store.close();
      }
      o.log(`${kind}: loaded in ${loadSeconds.toFixed(1)} s; cold start`);
      // The new entries name roles of an account Entryway's IAM does not hold (999988887777), as the
      // loaded ones do; without connected STS such entries are refused unless explicitly allowed.
      const e = await startEntryway({ dataDir: dir, ...(storeUrl ? { storeUrl } : {}), ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}), serveArgs: ['--allow-unverifiable-principals'] });
      try {
        const rss = rssOf(e.pid);
        const peak = peakRssOf(e.pid);
        await sleep(o.settleMs ?? 5000);
        const settled = rssOf(e.pid);
        o.log(`${kind}: ready in ${(e.readyMs / 1000).toFixed(1)} s, RSS ${(rss / 2 ** 20).toFixed(0)} MiB (peak ${(peak / 2 ** 20).toFixed(0)}, ${((o.settleMs ?? 5000) / 1000).toFixed(0)} s later ${(settled / 2 ** 20).toFixed(0)})`);
        const m = await measureServer(e, o, 12345);
        o.log(`${kind}: ListAccessEntries p50 ${m.list.p50.toFixed(1)} ms p99 ${m.list.p99.toFixed(1)} ms; CreateAccessEntry ${m.create.perSecond.toFixed(0)}/s p50 ${m.create.latency.p50.toFixed(1)} ms p99 ${m.create.latency.p99.toFixed(1)} ms`);
        out.push({
          store: kind,
          clusters: o.clusters,
          entries: o.entries,
          loadSeconds,
          readySeconds: e.readyMs / 1000,
          rssMiB: rss / 2 ** 20,
          peakRssMiB: peak / 2 ** 20,
          rssSettledMiB: settled / 2 ** 20,
          ...m,
        });
      } finally {
        await e.stop();
      }
    } catch (err) {
      o.log(`${kind}: FAILED ${(err as Error).message}`);
      out.push({ store: kind, clusters: o.clusters, entries: o.entries, error: (err as Error).message } as StoreScale);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (kind === 'postgres') {
        const c = new pg.Client({ connectionString: postgresTestUrl() });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      }
    }
  }
  return out;
}
