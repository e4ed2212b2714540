import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresStore } from './postgres.js';
import { sampleCluster, storeContract } from './contract.js';
import { postgresTestUrl, requirePostgres } from './testing.js';

const available = await requirePostgres();

async function freshStore(): Promise<{ store: PostgresStore; drop: () => Promise<void> }> {
  const schema = `t_${Math.random().toString(36).slice(2, 10)}`;
  const store = await PostgresStore.open(postgresTestUrl(), { schema, reconnectMs: 50 });
  return {
    store,
    drop: async () => {
      await store.close();
      const c = new pg.Client({ connectionString: postgresTestUrl() });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

for (const c of storeContract) {
  test(`postgres: ${c.name}`, { skip: available ? false : 'PostgreSQL not reachable' }, async () => {
    const { store, drop } = await freshStore();
    try {
      await c.run(store);
    } finally {
      await drop();
    }
  });
}

test('postgres: a change made through one replica reaches the other; a dropped feed resyncs', { skip: available ? false : 'PostgreSQL not reachable' }, async () => {
  const { store: a, drop } = await freshStore();
  const schema = a.description.match(/schema (\w+)/)?.[1] as string;
  const b = await PostgresStore.open(postgresTestUrl(), { schema, reconnectMs: 50 });
  try {
    const seen: unknown[] = [];
    b.onChange((e) => seen.push(e));
    await a.transaction((tx) => tx.insertCluster(sampleCluster('demo')));
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen[0], { type: 'changes', changes: [{ kind: 'cluster', name: 'demo' }], origin: 'remote' });
    seen.length = 0;
    await b.dropFeedConnectionForTest();
    for (let i = 0; i < 200 && !seen.some((e) => (e as { type: string }).type === 'resync'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.some((e) => (e as { type: string }).type === 'resync'), 'resync after reconnect');
    assert.equal(b.status().feed, true);
  } finally {
    await b.close();
    await drop();
  }
});
