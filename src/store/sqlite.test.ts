import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from './sqlite.js';
import { sampleCluster, storeContract } from './contract.js';

for (const c of storeContract) {
  test(`sqlite: ${c.name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'entryway-store-'));
    const store = new SqliteStore(join(dir, 'db.sqlite'));
    try {
      await c.run(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('sqlite: the database file is owner-only and reopening keeps data and migrations', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entryway-store-'));
  const path = join(dir, 'db.sqlite');
  try {
    const a = new SqliteStore(path);
    await a.transaction((tx) => tx.insertCluster(sampleCluster('demo')));
    await a.close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const b = new SqliteStore(path);
    assert.equal((await b.read((tx) => tx.getCluster('demo')))?.name, 'demo');
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
