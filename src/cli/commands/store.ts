/**
 * `entryway backup`, `entryway restore` and `entryway store copy`: local commands that open the
 * store directly (like `serve`), so they need the database's access, not an IAM identity. A backup
 * or copy reads one consistent snapshot while servers keep running; a restore or copy writes its
 * target in one transaction and refuses a target that holds anything unless --replace.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { issueRecoveryKey } from '../../iam/accounts.js';
import { resolveDataDir } from '../../server/config.js';
import { ADMIN_PROFILE, ensureDataDir, paths, writeCredentialsProfile } from '../../server/datadir.js';
import { PostgresStore } from '../../store/postgres.js';
import { SqliteStore } from '../../store/sqlite.js';
import type { Store } from '../../store/store.js';
import type { DumpSummary } from '../../store/backup.js';
import { BackupError } from '../../store/backup.js';
import { copyStore, readBackupHeader, restoreBackup, writeBackup } from '../../store/transfer.js';
import { CliError } from '../client.js';
import { defineCommand } from './types.js';

const STORE_FLAGS = {
  store: { type: 'string', arg: 'URL', help: 'postgres://… or sqlite:FILE (default: ENTRYWAY_STORE, then SQLite in the data directory)' },
  'data-dir': { type: 'string', arg: 'DIR', help: 'the data directory whose SQLite store is meant (default ./.entryway or ENTRYWAY_DATA_DIR)' },
} as const;

/**
 * A store by URL: `postgres://…`, `sqlite:FILE`, or a plain path (a SQLite file, or a data
 * directory holding one). `mustExist` refuses a SQLite file that is not there rather than
 * creating an empty one.
 */
async function openByUrl(url: string, mustExist: boolean): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresStore.open(url);
  let path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) throw new CliError(`unsupported store ${JSON.stringify(url.split(':')[0])}: use postgres://…, sqlite:FILE or a path`, 2);
  if (existsSync(path) && statSync(path).isDirectory()) path = paths(path).db;
  if (mustExist && !existsSync(path)) throw new CliError(`no store at ${resolve(path)}`, 1);
  return new SqliteStore(resolve(path));
}

function storeUrlOf(values: { store?: string | undefined; 'data-dir'?: string | undefined }): string {
  return values.store ?? process.env.ENTRYWAY_STORE ?? paths(resolveDataDir(values['data-dir'])).db;
}

const total = (s: DumpSummary) => Object.values(s.rows).reduce((a, b) => a + b, 0);
const counts = (s: DumpSummary) =>
  Object.entries(s.rows)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `  ${t.padEnd(28)} ${n}`)
    .join('\n');

async function withStores<T>(opens: (() => Promise<Store>)[], fn: (stores: Store[]) => Promise<T>): Promise<T> {
  const stores: Store[] = [];
  try {
    for (const open of opens) stores.push(await open());
    return await fn(stores);
  } catch (e) {
    if (e instanceof BackupError) throw new CliError(e.message, 1);
    throw e;
  } finally {
    for (const s of stores) await s.close();
  }
}

export const backupCommand = defineCommand({
  name: 'backup',
  summary: "write a consistent snapshot of the store to a file (the server may keep running)",
  usage: '--out FILE [--include-secrets] [--store URL | --data-dir DIR]',
  description: `Reads one consistent snapshot of every table (SQLite: a WAL snapshot; PostgreSQL: a REPEATABLE READ
transaction), so it can run beside live servers, and writes it in Entryway's versioned, line-oriented
backup format with a SHA-256 checksum (docs/operations.md). The file is written owner-only (0600) and
appears only when complete.

Without --include-secrets the backup holds no access key secrets, session credentials or webhook
token: a restore of it brings keys back Inactive and gives the bootstrap administrator a new key.`,
  client: false,
  flags: {
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'where to write the backup (- for stdout)' },
    'include-secrets': { type: 'boolean', help: 'also write access key secrets, session credentials and the webhook token' },
    ...STORE_FLAGS,
  },
  run: async (values) => {
    if (!values.out) throw new CliError('--out FILE is required', 2);
    const out = values.out === '-' ? '-' : resolve(values.out);
    if (out !== '-' && existsSync(out)) throw new CliError(`${out} exists: choose a new file name`, 1);
    const url = storeUrlOf(values);
    return withStores([() => openByUrl(url, true)], async ([store]) => {
      const secrets = values['include-secrets'] ?? false;
      const r = await writeBackup(store!, out, { secrets });
      process.stderr.write(
        `backup of ${store!.description} (schema ${r.schemaVersion}) written to ${out === '-' ? 'stdout' : out}: ${total(r)} rows in ${Object.keys(r.rows).length} tables, ` +
          `${secrets ? 'secrets included' : 'without secrets (access key secrets, sessions, webhook token)'}\n${counts(r)}\n  content sha256 ${r.contentSha256}\n`,
      );
      return 0;
    });
  },
});

export const restoreCommand = defineCommand({
  name: 'restore',
  summary: 'load a backup file into an empty store',
  usage: 'FILE [--replace] [--store URL | --data-dir DIR]',
  description: `Checks the file's header, then loads every row in one transaction, verifying the checksum and row
counts as it goes: a damaged, truncated or newer-schema backup is refused and the store is left as it
was. Backups of older schema versions are upgraded as they load. Stop the servers of a store before
restoring into it with --replace; start them after.

A backup made without secrets restores every access key Inactive; the bootstrap administrator gets one
new key, written to the data directory's credentials file as the ${ADMIN_PROFILE} profile, and servers
create a new webhook token at start (write the webhook kubeconfig again: entryway kubeconfig webhooks).`,
  client: false,
  positionals: true,
  flags: {
    replace: { type: 'boolean', help: 'delete what the target store holds first (in the same transaction)' },
    ...STORE_FLAGS,
  },
  run: async (values, positionals) => {
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new CliError('usage: entryway restore FILE [--replace] [--store URL | --data-dir DIR]', 2);
    if (!existsSync(file)) throw new CliError(`no such file: ${resolve(file)}`, 1);
    try {
      await readBackupHeader(file);
    } catch (e) {
      if (e instanceof BackupError) throw new CliError(`${resolve(file)}: ${e.message}`, 1);
      throw e;
    }
    const dataDir = resolveDataDir(values['data-dir']);
    const url = storeUrlOf(values);
    if (!values.store && !process.env.ENTRYWAY_STORE) ensureDataDir(dataDir);
    return withStores([() => openByUrl(url, false)], async ([store]) => {
      const r = await restoreBackup(store!, file, { replace: values.replace ?? false });
      const from = r.header.schemaVersion === r.schemaVersion ? `schema ${r.schemaVersion}` : `schema ${r.header.schemaVersion} upgraded to ${r.schemaVersion}`;
      process.stderr.write(`restored ${resolve(file)} (a ${r.header.source} backup of ${r.header.createdAt}, ${from}) into ${store!.description}: ${total(r)} rows\n${counts(r)}\n  read back: content sha256 ${r.contentSha256} matches\n`);
      if (!r.header.secrets) {
        const key = await issueRecoveryKey(store!);
        if (key) {
          ensureDataDir(dataDir);
          const where = writeCredentialsProfile(dataDir, ADMIN_PROFILE, key.accessKeyId, key.secretAccessKey);
          process.stderr.write(`the backup held no secrets: every access key is Inactive. New key ${key.accessKeyId} for ${key.userArn} written to ${where} (profile ${ADMIN_PROFILE}).\n`);
        } else process.stderr.write('the backup held no secrets: every access key is Inactive, and the bootstrap administrator no longer exists.\n');
        process.stderr.write('A server on this store creates a new webhook token at start: write the webhook kubeconfig again (entryway kubeconfig webhooks).\n');
      }
      return 0;
    });
  },
});

export const storeCopyCommand = defineCommand({
  name: 'store copy',
  summary: 'copy an installation from one store to another (SQLite ⇄ PostgreSQL)',
  usage: '--from URL --to URL [--replace]',
  description: `Copies every table, secrets included, from one consistent snapshot of the source (which may keep
serving) into the target in one transaction, then compares row counts and content digests of both.
URL: postgres://user@host:5432/db[?schema=NAME], sqlite:FILE, or a path (a SQLite file or a data
directory). The target must be empty unless --replace; no server should use it while it is written.`,
  client: false,
  flags: {
    from: { type: 'string', arg: 'URL', help: 'the store to copy' },
    to: { type: 'string', arg: 'URL', help: 'the store to fill' },
    replace: { type: 'boolean', help: 'delete what the target holds first (in the same transaction)' },
  },
  run: async (values) => {
    if (!values.from || !values.to) throw new CliError('--from URL and --to URL are required', 2);
    const from = values.from;
    const to = values.to;
    return withStores([() => openByUrl(from, true), () => openByUrl(to, false)], async ([source, target]) => {
      const r = await copyStore(source!, target!, { replace: values.replace ?? false });
      process.stderr.write(
        `copied ${source!.description} → ${target!.description}: ${total(r.target)} rows in ${Object.keys(r.target.rows).length} tables (schema ${r.target.schemaVersion})\n${counts(r.target)}\n  content sha256 ${r.target.contentSha256} on both\n`,
      );
      return 0;
    });
  },
});
