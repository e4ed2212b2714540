/**
 * Backup, restore and copy between stores, over the format in backup.ts. Each load is one
 * transaction in the target (a failure leaves it as it was), and each ends by reading the target
 * back and comparing its content digest with what was loaded.
 */
import { createReadStream, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { DumpSummary, LoadSummary } from './backup.js';
import { BackupError, createLoader, dump, parseHeader, prepareTarget } from './backup.js';
import type { Store } from './store.js';

export interface BackupResult extends DumpSummary {
  file: string;
  secrets: boolean;
}

/** Writes a consistent snapshot of `store` to `file` (`-`: stdout), always owner-only (0600). */
export async function writeBackup(store: Store, file: string, opts: { secrets: boolean; now?: Date }): Promise<BackupResult> {
  const createdAt = opts.now ?? new Date();
  if (file === '-') {
    const summary = await store.snapshot((sql) =>
      dump(sql, { secrets: opts.secrets, createdAt }, (line) => new Promise<void>((resolve, reject) => process.stdout.write(line, (e) => (e ? reject(e) : resolve())))),
    );
    return { ...summary, file, secrets: opts.secrets };
  }
  // Written beside the target and renamed at the end, so an interrupted backup never leaves a
  // file that looks complete (and restore would refuse it anyway: no end record).
  const partial = `${file}.partial-${process.pid}`;
  const fd = openSync(partial, 'wx', 0o600);
  let buffered: string[] = [];
  let size = 0;
  const flush = () => {
    if (buffered.length) writeSync(fd, buffered.join(''));
    buffered = [];
    size = 0;
  };
  try {
    const summary = await store.snapshot((sql) =>
      dump(sql, { secrets: opts.secrets, createdAt }, (line) => {
        buffered.push(line);
        size += line.length;
        if (size > 1 << 20) flush();
      }),
    );
    flush();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(partial, file);
    return { ...summary, file, secrets: opts.secrets };
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(partial, { force: true });
    throw e;
  }
}

/** The first line of a backup file, to check its header before a target is opened. */
export async function readBackupHeader(file: string) {
  const lines = linesOf(createReadStream(file, { end: 64 * 1024 }));
  for await (const line of lines) return parseHeader(line);
  return parseHeader(undefined);
}

function linesOf(stream: Readable): AsyncIterable<string> {
  return createInterface({ input: stream, crlfDelay: Infinity });
}

async function readBack(store: Store): Promise<DumpSummary> {
  return store.snapshot((sql) => dump(sql, { secrets: true, createdAt: new Date(0) }, () => undefined));
}

function checkReadBack(loaded: DumpSummary, back: DumpSummary): void {
  if (back.contentSha256 !== loaded.contentSha256) {
    const differing = Object.keys(loaded.rows).find((t) => loaded.rows[t] !== back.rows[t]);
    throw new BackupError(`the target store does not read back what was loaded${differing ? ` (table ${differing})` : ''}: is another process writing to it?`);
  }
}

/** Loads a backup file into `store` (empty unless `replace`), in one transaction. */
export async function restoreBackup(store: Store, file: string, opts: { replace: boolean }): Promise<LoadSummary> {
  // The loader checks the header as its first line (callers that must not open a target for a
  // foreign file check it beforehand with readBackupHeader).
  const loaded = await store.transaction(async (tx) => {
    await prepareTarget(tx.sql, opts.replace);
    const loader = await createLoader(tx.sql);
    for await (const line of linesOf(createReadStream(file))) await loader.line(line);
    return loader.finish();
  });
  checkReadBack(loaded, await readBack(store));
  return loaded;
}

export interface CopyResult {
  source: DumpSummary;
  target: LoadSummary;
}

/**
 * Copies everything `from` holds, secrets included, into `to` (empty unless `replace`): the
 * source is read in one snapshot while it may keep serving; the target takes it in one
 * transaction. Ends by comparing both stores' content digests.
 */
export async function copyStore(from: Store, to: Store, opts: { replace: boolean }): Promise<CopyResult> {
  if (from.description === to.description) throw new BackupError('--from and --to are the same store');
  const result = await to.transaction(async (tx) => {
    await prepareTarget(tx.sql, opts.replace);
    const loader = await createLoader(tx.sql);
    const source = await from.snapshot((sql) => dump(sql, { secrets: true, createdAt: new Date() }, (line) => loader.line(line.slice(0, -1))));
    const target = await loader.finish();
    // Checked before commit: a copy that differs is rolled back, never left behind.
    if (target.contentSha256 !== source.contentSha256) {
      throw new BackupError(`the copy's content digest differs from the source's (schema ${source.schemaVersion} → ${target.schemaVersion})`);
    }
    return { source, target };
  });
  checkReadBack(result.target, await readBack(to));
  return result;
}
