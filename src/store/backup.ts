/**
 * Backups and store copies: one line-oriented format, written from a consistent snapshot of
 * either engine and loaded into an empty store of either engine in one transaction.
 *
 * The format (version 1), one JSON value per line, `\n`-terminated (docs/operations.md):
 *   {"format":"entryway-backup","version":1,"schemaVersion":2,"createdAt":"…","source":"sqlite","secrets":false}
 *   {"table":"accounts","columns":["account_id","created_at","revision"]}
 *   ["111122223333",1733000000000,4]                       one array per row, in key order
 *   …                                                       every table: its line, then its rows
 *   {"end":{"rows":{"accounts":1,…},"contentSha256":"…","sha256":"…"}}
 * `sha256` covers every byte before the end line, so a truncated file (no end line) and a changed
 * byte are both refused. `contentSha256` digests the rows alone, independent of when and from
 * which engine they were dumped: equal digests mean equal data (store copy compares them).
 *
 * A backup holds secrets (access key secrets, session credentials, the webhook token) only when
 * asked; tables.ts says what is left out and how a restore stays safe without it. Rows of an
 * older schema are upgraded with the migrations' `upgrade` functions as they load.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import type { Row, SqlExecutor } from './sql.js';
import { INTERNAL_TABLES, TABLES } from './tables.js';

export const BACKUP_FORMAT = 'entryway-backup';
export const BACKUP_VERSION = 1;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  schemaVersion: number;
  createdAt: string;
  source: 'sqlite' | 'postgres';
  secrets: boolean;
}

export interface DumpSummary {
  schemaVersion: number;
  rows: Record<string, number>;
  /** The rows' digest (see the module comment). */
  contentSha256: string;
}

export interface LoadSummary extends DumpSummary {
  /** The backup's own header. */
  header: BackupHeader;
}

/** A backup that cannot be read or loaded, or a target that cannot take it; the message says why. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

type Value = string | number | null;
const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** The tables of the database `sql` sees (driver-internal ones left out), with their columns in order. */
export async function tablesOf(sql: SqlExecutor): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (sql.dialect === 'sqlite') {
    const names = await sql.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    for (const { name } of names) {
      if (INTERNAL_TABLES.has(name)) continue;
      out.set(name, (await sql.all<{ name: string }>('SELECT name FROM pragma_table_info(?) ORDER BY cid', [name])).map((c) => c.name));
    }
  } else {
    const cols = await sql.all<{ table_name: string; column_name: string }>(
      'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position',
    );
    for (const c of cols) {
      if (INTERNAL_TABLES.has(c.table_name)) continue;
      const list = out.get(c.table_name) ?? [];
      list.push(c.column_name);
      out.set(c.table_name, list);
    }
  }
  return out;
}

export async function schemaVersionOf(sql: SqlExecutor): Promise<number> {
  const r = await sql.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return Number(r?.v ?? 0);
}

/** Tables in the order a dump writes them; a table the catalog does not know stops the dump. */
function ordered(tables: Map<string, string[]>): string[] {
  const unknown = [...tables.keys()].filter((t) => !TABLES[t]);
  if (unknown.length) throw new BackupError(`table ${unknown[0]} is not in the backup catalog (src/store/tables.ts)`);
  return Object.keys(TABLES).filter((t) => tables.has(t));
}

/** Digest of one table: its name and columns, then each row as the dump writes it. */
class TableDigest {
  private readonly hash: Hash;
  rows = 0;
  constructor(table: string, columns: string[]) {
    this.hash = createHash('sha256').update(JSON.stringify({ table, columns }) + '\n');
  }
  row(values: Value[]): void {
    this.hash.update(JSON.stringify(values) + '\n');
    this.rows++;
  }
  hex(): string {
    return this.hash.digest('hex');
  }
}

function contentDigest(tables: Map<string, TableDigest>): string {
  const h = createHash('sha256');
  for (const name of [...tables.keys()].sort()) h.update(`${name} ${tables.get(name)!.hex()}\n`);
  return h.digest('hex');
}

const PAGE = 2000;

/**
 * Writes a backup of the database `sql` sees, line by line, to `write` (run it inside
 * `store.snapshot` so the rows are one consistent state). Returns what it wrote.
 */
export async function dump(
  sql: SqlExecutor,
  opts: { secrets: boolean; createdAt: Date },
  write: (line: string) => void | Promise<void>,
): Promise<DumpSummary> {
  const schemaVersion = await schemaVersionOf(sql);
  const tables = await tablesOf(sql);
  const file = createHash('sha256');
  const emit = async (value: unknown) => {
    const line = JSON.stringify(value) + '\n';
    file.update(line);
    await write(line);
  };
  const header: BackupHeader = { format: BACKUP_FORMAT, version: BACKUP_VERSION, schemaVersion, createdAt: opts.createdAt.toISOString(), source: sql.dialect, secrets: opts.secrets };
  await emit(header);
  const digests = new Map<string, TableDigest>();
  for (const table of ordered(tables)) {
    const spec = TABLES[table]!;
    const columns = tables.get(table)!;
    const digest = new TableDigest(table, columns);
    digests.set(table, digest);
    await emit({ table, columns });
    const key = spec.key;
    const list = columns.map(q).join(', ');
    const order = key.map(q).join(', ');
    const after = key.length === 1 ? `${q(key[0]!)} > ?` : `(${order}) > (${key.map(() => '?').join(', ')})`;
    let last: Row | undefined;
    for (;;) {
      const page = await sql.all<Row>(
        `SELECT ${list} FROM ${q(table)}${last ? ` WHERE ${after}` : ''} ORDER BY ${order} LIMIT ${PAGE}`,
        last ? key.map((k) => last![k]) : [],
      );
      for (const raw of page) {
        const row = opts.secrets || !spec.withoutSecrets ? raw : spec.withoutSecrets(raw);
        if (!row) continue;
        const values = columns.map((c) => (row[c] ?? null) as Value);
        digest.row(values);
        await emit(values);
      }
      if (page.length < PAGE) break;
      last = page[page.length - 1];
    }
  }
  const rows = Object.fromEntries([...digests].map(([t, d]) => [t, d.rows]));
  const contentSha256 = contentDigest(digests);
  const end = { end: { rows, contentSha256, sha256: file.digest('hex') } };
  await write(JSON.stringify(end) + '\n');
  return { schemaVersion, rows, contentSha256 };
}

/** Checks a backup's first line before anything is opened for writing. */
export function parseHeader(line: string | undefined): BackupHeader {
  let h: Partial<BackupHeader> | undefined;
  try {
    h = line === undefined ? undefined : (JSON.parse(line) as Partial<BackupHeader>);
  } catch {
    h = undefined;
  }
  if (!h || typeof h !== 'object' || h.format !== BACKUP_FORMAT) throw new BackupError('not an Entryway backup: the first line is not an entryway-backup header');
  if (h.version !== BACKUP_VERSION) throw new BackupError(`backup format version ${String(h.version)} is not supported (this Entryway reads version ${BACKUP_VERSION})`);
  if (!Number.isInteger(h.schemaVersion) || h.schemaVersion! < 1) throw new BackupError('the backup header has no valid schemaVersion');
  if (h.schemaVersion! > SCHEMA_VERSION) {
    throw new BackupError(`the backup is of schema version ${h.schemaVersion}, newer than this Entryway's ${SCHEMA_VERSION}: restore it with a newer Entryway`);
  }
  if (typeof h.secrets !== 'boolean' || (h.source !== 'sqlite' && h.source !== 'postgres') || typeof h.createdAt !== 'string') {
    throw new BackupError('the backup header is incomplete (secrets, source, createdAt)');
  }
  return h as BackupHeader;
}

/** Deletes every row of the target, or refuses if it has any (`replace` false). */
export async function prepareTarget(sql: SqlExecutor, replace: boolean): Promise<void> {
  const tables = await tablesOf(sql);
  for (const table of ordered(tables)) {
    if (replace) await sql.run(`DELETE FROM ${q(table)}`);
    else if (await sql.get(`SELECT 1 AS one FROM ${q(table)} LIMIT 1`)) {
      throw new BackupError(`the target store is not empty (table ${table} has rows): use an empty store, or pass --replace to delete what it holds first`);
    }
  }
}

interface Pending {
  table: string;
  columns: string[];
  rows: Value[][];
}

/**
 * Loads a backup, line by line, into the database `sql` writes (one transaction: the caller's;
 * any error must roll it back, so nothing is ever half-restored). Lines are given without their
 * `\n`. `finish` checks the end line was seen and matched.
 */
export async function createLoader(sql: SqlExecutor): Promise<{ line(text: string): Promise<void>; finish(): Promise<LoadSummary> }> {
  const target = await tablesOf(sql);
  const targetVersion = await schemaVersionOf(sql);
  const file = createHash('sha256');
  const digests = new Map<string, TableDigest>();
  let header: BackupHeader | undefined;
  let upgrades: NonNullable<(typeof MIGRATIONS)[number]['upgrade']>[] = [];
  let current: { table: string; columns: string[]; targetColumns: string[]; digest: TableDigest } | undefined;
  let pending: Pending | undefined;
  let lineNo = 0;
  let ended = false;
  let expectedContent: string | undefined;

  const flush = async () => {
    if (!pending || !pending.rows.length) return;
    const { table, columns, rows } = pending;
    const one = `(${columns.map(() => '?').join(', ')})`;
    await sql.run(`INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${rows.map(() => one).join(', ')}`, rows.flat());
    pending.rows = [];
  };
  const batchSize = (columns: number) => Math.max(1, Math.min(500, Math.floor(8000 / columns)));
  const fail = (why: string): never => {
    throw new BackupError(`backup line ${lineNo}: ${why}`);
  };

  const line = async (text: string) => {
    lineNo++;
    if (ended) fail('data after the end record');
    if (!header) {
      header = parseHeader(text);
      if (header.schemaVersion > targetVersion) fail(`the backup is of schema version ${header.schemaVersion} but the target store is at ${targetVersion}`);
      upgrades = MIGRATIONS.filter((m) => m.version > header!.schemaVersion && m.version <= targetVersion).flatMap((m) => (m.upgrade ? [m.upgrade] : []));
      file.update(text + '\n');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      fail('not valid JSON (the file is damaged)');
    }
    if (Array.isArray(value)) {
      file.update(text + '\n');
      if (!current) fail('a row before any table');
      const c = current!;
      if (value.length !== c.columns.length || !value.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) {
        fail(`a ${c.table} row does not match its ${c.columns.length} columns`);
      }
      let row: Row = Object.fromEntries(c.columns.map((col, i) => [col, value[i]]));
      const spec = TABLES[c.table]!;
      if (!header.secrets && spec.restoreWithoutSecrets) row = spec.restoreWithoutSecrets(row);
      for (const u of upgrades) row = u[c.table]?.(row) ?? row;
      const extra = Object.keys(row).find((k) => !c.targetColumns.includes(k));
      if (extra) fail(`column ${c.table}.${extra} does not exist in the target store`);
      const values = c.targetColumns.map((col) => (row[col] ?? null) as Value);
      c.digest.row(values);
      if (!pending || pending.table !== c.table) {
        await flush();
        pending = { table: c.table, columns: c.targetColumns, rows: [] };
      }
      pending.rows.push(values);
      if (pending.rows.length >= batchSize(c.targetColumns.length)) await flush();
      return;
    }
    if (value && typeof value === 'object' && 'table' in value) {
      file.update(text + '\n');
      const { table, columns } = value as { table: unknown; columns: unknown };
      if (typeof table !== 'string' || !Array.isArray(columns) || !columns.every((x) => typeof x === 'string')) fail('a malformed table record');
      const name = table as string;
      if (digests.has(name)) fail(`table ${name} appears twice`);
      if (!TABLES[name] || !target.has(name)) fail(`table ${name} does not exist in the target store`);
      const targetColumns = target.get(name)!;
      current = { table: name, columns: columns as string[], targetColumns, digest: new TableDigest(name, targetColumns) };
      digests.set(name, current.digest);
      return;
    }
    if (value && typeof value === 'object' && 'end' in value) {
      const end = (value as { end: { rows?: Record<string, unknown>; sha256?: unknown; contentSha256?: unknown } }).end;
      if (!end || typeof end.sha256 !== 'string') fail('a malformed end record');
      if (file.digest('hex') !== end.sha256) throw new BackupError('the backup is corrupted: its checksum does not match its contents');
      ended = true;
      const counts = end.rows ?? {};
      for (const [t, d] of digests) {
        if (counts[t] !== d.rows) throw new BackupError(`the backup is inconsistent: table ${t} has ${d.rows} rows but its end record says ${String(counts[t])}`);
      }
      const missing = Object.keys(counts).find((t) => !digests.has(t));
      if (missing) throw new BackupError(`the backup is inconsistent: its end record counts table ${missing}, which it does not hold`);
      // Tables the backup's schema did not have yet are empty in the restored store.
      for (const [t, cols] of target) if (!digests.has(t) && TABLES[t]) digests.set(t, new TableDigest(t, cols));
      // Rows that load unchanged (same schema, secrets included) must digest to the dump's value.
      if (header.secrets && header.schemaVersion === targetVersion && typeof end.contentSha256 === 'string') expectedContent = end.contentSha256;
      return;
    }
    fail('an unrecognised record');
  };
  const finish = async (): Promise<LoadSummary> => {
    // An empty file: refused like any file without a header.
    if (!header) return parseHeader(undefined) as never;
    if (!ended) throw new BackupError(`the backup is truncated: it ends after line ${lineNo} without its end record`);
    await flush();
    if (sql.dialect === 'postgres') {
      for (const [table, spec] of Object.entries(TABLES)) {
        if (!spec.serial || !target.has(table)) continue;
        // The next generated id continues after the restored ones.
        await sql.get(`SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT max(${q(spec.serial)}) FROM ${q(table)}), 0) + 1, false)`, [table, spec.serial]);
      }
    }
    const contentSha256 = contentDigest(digests);
    if (expectedContent !== undefined && contentSha256 !== expectedContent) throw new BackupError('the backup is inconsistent: its rows do not match its content checksum');
    const rows = Object.fromEntries([...digests].map(([t, d]) => [t, d.rows]));
    return { header, schemaVersion: targetVersion, rows, contentSha256 };
  };
  return { line, finish };
}
