/**
 * Backups and copies at the store level, on both engines: every table is carried, a restore reads
 * back exactly what was dumped, secrets stay out unless asked, damaged files are refused with the
 * target untouched, and a backup of an older schema loads as the SQL migrations would have left it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { BackupError, dump, tablesOf } from './backup.js';
import { PostgresStore } from './postgres.js';
import { SCHEMA_VERSION } from './schema.js';
import { SqliteStore } from './sqlite.js';
import type { SqlExecutor } from './sql.js';
import type { Store } from './store.js';
import { TABLES } from './tables.js';
import { postgresTestUrl, requirePostgres } from './testing.js';
import { copyStore, restoreBackup, writeBackup } from './transfer.js';

const pgAvailable = await requirePostgres();
const dir = mkdtempSync(join(tmpdir(), 'entryway-backup-'));
const schemas: string[] = [];
let n = 0;

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!schemas.length) return;
  const c = new pg.Client({ connectionString: postgresTestUrl() });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
});

const sqlite = (opts: { schemaVersion?: number } = {}) => new SqliteStore(join(dir, `s${++n}.db`), opts);
async function postgres(): Promise<PostgresStore> {
  const schema = `t_bk_${Math.random().toString(36).slice(2, 10)}`;
  schemas.push(schema);
  return PostgresStore.open(postgresTestUrl(), { schema });
}

/** Numeric columns, from SQLite's declared types (the same schema on both engines). */
async function numericColumns(): Promise<Map<string, Set<string>>> {
  const s = sqlite();
  try {
    return await s.snapshot(async (sql) => {
      const out = new Map<string, Set<string>>();
      for (const t of (await tablesOf(sql)).keys()) {
        const cols = await sql.all<{ name: string; type: string }>('SELECT name, type FROM pragma_table_info(?)', [t]);
        out.set(t, new Set(cols.filter((c) => /INT/i.test(c.type)).map((c) => c.name)));
      }
      return out;
    });
  } finally {
    await s.close();
  }
}
const numeric = await numericColumns();

/**
 * Three rows in every table the store has, with values made from the column names (so the test
 * needs no change when a table is added), plus the secrets a real installation holds.
 */
async function fill(sql: SqlExecutor, rowsPerTable = 3): Promise<void> {
  for (const [table, columns] of await tablesOf(sql)) {
    for (let i = 0; i < rowsPerTable; i++) {
      const values = columns.map((c) => {
        if (numeric.get(table)?.has(c)) return 1000 + i;
        if (c === 'data' || c === 'value' || c === 'response') {
          return JSON.stringify(table === 'iam_access_keys' ? { accessKeyId: `AKIA${i}`, secretAccessKey: `secret-${i}`, status: 'Active' } : { service: 'eks', resource: `r-${i}`, n: i, text: 'ünïcödé "quoted"\nline' });
        }
        return `${table}-${c}-${i}`;
      });
      await sql.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, values);
    }
  }
  await sql.run("INSERT INTO settings (key, value) VALUES ('webhookToken', 'the-webhook-token')");
}

const digestOf = (store: Store) => store.snapshot((sql) => dump(sql, { secrets: true, createdAt: new Date(0) }, () => undefined));
const rowCount = (store: Store) => store.snapshot(async (sql) => {
  let total = 0;
  for (const t of (await tablesOf(sql)).keys()) total += Number((await sql.get<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))!.n);
  return total;
});

const engines: [string, () => Promise<Store>, boolean][] = [
  ['sqlite', async () => sqlite(), true],
  ['postgres', postgres, pgAvailable],
];

test('the catalog names every table the migrations create, with key columns that exist', async () => {
  for (const [name, open, ok] of engines) {
    if (!ok) continue;
    const s = await open();
    try {
      const tables = await s.snapshot((sql) => tablesOf(sql));
      assert.deepEqual([...tables.keys()].sort(), Object.keys(TABLES).sort(), name);
      for (const [t, spec] of Object.entries(TABLES)) for (const k of spec.key) assert.ok(tables.get(t)!.includes(k), `${name}: ${t}.${k}`);
    } finally {
      await s.close();
    }
  }
});

for (const [name, open, ok] of engines) {
  describe(`backup and restore on ${name}`, { skip: ok ? false : 'PostgreSQL not reachable' }, () => {
    test('a restore reads back exactly what was dumped; the file is owner-only and line-oriented', async () => {
      const src = await open();
      const dst = await open();
      try {
        await src.transaction((tx) => fill(tx.sql));
        const file = join(dir, `full-${name}.jsonl`);
        const b = await writeBackup(src, file, { secrets: true });
        assert.equal(statSync(file).mode & 0o777, 0o600);
        const lines = readFileSync(file, 'utf8').split('\n');
        assert.equal(lines.pop(), '', 'ends with a newline');
        assert.deepEqual(Object.keys(JSON.parse(lines[0]!)), ['format', 'version', 'schemaVersion', 'createdAt', 'source', 'secrets']);
        for (const l of lines) JSON.parse(l);
        assert.equal(b.rows.access_entries, 3);
        const r = await restoreBackup(dst, file, { replace: false });
        assert.equal(r.contentSha256, b.contentSha256);
        assert.equal((await digestOf(dst)).contentSha256, (await digestOf(src)).contentSha256);
        // The restored audit trail goes on numbering after the restored events.
        await dst.transaction((tx) => tx.sql.run("INSERT INTO audit_events (at, kind, principal_arn, operation, result, data) VALUES (1, 'management', 'p', 'X', 'Success', '{}')"));
        const ids = await dst.read((tx) => tx.sql.all<{ id: number }>('SELECT id FROM audit_events ORDER BY id'));
        assert.ok(ids.at(-1)!.id > 1002, 'next id after the restored ones');
      } finally {
        await src.close();
        await dst.close();
      }
    });

    test('without --include-secrets: no secret in the file; restored keys are inactive with a secret nobody holds', async () => {
      const src = await open();
      const dst = await open();
      try {
        await src.transaction((tx) => fill(tx.sql));
        const file = join(dir, `nosecrets-${name}.jsonl`);
        const b = await writeBackup(src, file, { secrets: false });
        const text = readFileSync(file, 'utf8');
        assert.doesNotMatch(text, /secret-\d|the-webhook-token|iam_sessions-/);
        assert.equal(b.rows.iam_sessions, 0);
        await restoreBackup(dst, file, { replace: false });
        const keys = await dst.read((tx) => tx.sql.all<{ data: string }>('SELECT data FROM iam_access_keys'));
        assert.equal(keys.length, 3);
        for (const k of keys) {
          const d = JSON.parse(k.data) as { status: string; secretAccessKey: string };
          assert.equal(d.status, 'Inactive');
          assert.match(d.secretAccessKey, /^[A-Za-z0-9+/]{40}$/);
        }
        assert.equal(await dst.read((tx) => tx.getSetting('webhookToken')), undefined);
      } finally {
        await src.close();
        await dst.close();
      }
    });

    test('a corrupted, truncated or foreign file is refused and the target stays empty', async () => {
      const src = await open();
      const dst = await open();
      try {
        await src.transaction((tx) => fill(tx.sql, 400));
        const file = join(dir, `damage-${name}.jsonl`);
        await writeBackup(src, file, { secrets: true });
        const good = readFileSync(file, 'utf8');
        const at = good.indexOf('access_entries-principal_arn-7');
        const cases: [string, string, RegExp][] = [
          ['flipped byte', good.slice(0, at) + 'X' + good.slice(at + 1), /corrupted: its checksum does not match/],
          ['no end record', good.slice(0, good.lastIndexOf('{"end"')), /truncated/],
          ['cut mid-line', good.slice(0, Math.floor(good.length / 2)), /truncated|not valid JSON/],
          ['broken JSON', good.replace('["access_entries', '[access_entries'), /not valid JSON/],
          ['not a backup', 'hello\n', /not an Entryway backup/],
          ['empty', '', /not an Entryway backup/],
          ['newer schema', good.replace(`"schemaVersion":${SCHEMA_VERSION}`, `"schemaVersion":${SCHEMA_VERSION + 1}`), /newer than this Entryway/],
          ['data after the end', good + '["x"]\n', /data after the end record/],
        ];
        for (const [what, content, message] of cases) {
          const bad = join(dir, `bad-${name}.jsonl`);
          writeFileSync(bad, content);
          await assert.rejects(restoreBackup(dst, bad, { replace: false }), (e: Error) => e instanceof BackupError && message.test(e.message), what);
          assert.equal(await rowCount(dst), 0, `${what}: nothing restored`);
        }
      } finally {
        await src.close();
        await dst.close();
      }
    });

    test('a non-empty target is refused unless --replace, which swaps its contents whole', async () => {
      const src = await open();
      const dst = await open();
      try {
        await src.transaction((tx) => fill(tx.sql));
        await dst.transaction((tx) => tx.putSetting('other', 'installation'));
        const file = join(dir, `replace-${name}.jsonl`);
        await writeBackup(src, file, { secrets: true });
        await assert.rejects(restoreBackup(dst, file, { replace: false }), /target store is not empty \(table settings has rows\)/);
        assert.equal(await dst.read((tx) => tx.getSetting('other')), 'installation');
        await restoreBackup(dst, file, { replace: true });
        assert.equal(await dst.read((tx) => tx.getSetting('other')), undefined);
        assert.equal((await digestOf(dst)).contentSha256, (await digestOf(src)).contentSha256);
      } finally {
        await src.close();
        await dst.close();
      }
    });
  });
}

test('a backup of schema version 1 restores as the SQL migrations upgrade it', async () => {
  const old = sqlite({ schemaVersion: 1 });
  const path = old.path;
  await old.transaction((tx) => fill(tx.sql));
  assert.ok(!(await old.snapshot((sql) => tablesOf(sql))).has('iam_groups'), 'the old schema');
  const file = join(dir, 'v1.jsonl');
  const b = await writeBackup(old, file, { secrets: true });
  assert.equal(b.schemaVersion, 1);
  await old.close();
  // The same data upgraded in place by the migrations' SQL…
  const migrated = new SqliteStore(path);
  // …and restored from the old backup into a current store.
  const restored = sqlite();
  try {
    await restoreBackup(restored, file, { replace: false });
    const [m, r] = [await digestOf(migrated), await digestOf(restored)];
    assert.equal(m.schemaVersion, SCHEMA_VERSION);
    assert.equal(r.contentSha256, m.contentSha256);
    const row = await restored.read((tx) => tx.sql.get<{ service: string; resource: string }>('SELECT service, resource FROM audit_events ORDER BY id LIMIT 1'));
    assert.deepEqual(row, { service: 'eks', resource: 'r-0' });
  } finally {
    await migrated.close();
    await restored.close();
  }
});

test('store copy SQLite → PostgreSQL → SQLite keeps every row', { skip: pgAvailable ? false : 'PostgreSQL not reachable' }, async () => {
  const a = sqlite();
  const p = await postgres();
  const b = sqlite();
  try {
    await a.transaction((tx) => fill(tx.sql, 50));
    const one = await copyStore(a, p, { replace: false });
    assert.equal(one.target.rows.access_entries, 50);
    const two = await copyStore(p, b, { replace: false });
    assert.equal(two.source.contentSha256, one.source.contentSha256);
    assert.equal((await digestOf(b)).contentSha256, (await digestOf(a)).contentSha256);
    await assert.rejects(copyStore(a, p, { replace: false }), /not empty/);
    await assert.rejects(copyStore(a, a, { replace: true }), /the same store/);
  } finally {
    await a.close();
    await p.close();
    await b.close();
  }
});
