import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './schema.js';
import { Tx } from './repo.js';
import type { SqlExecutor } from './sql.js';
import { StoreConflictError } from './sql.js';
import type { ChangeListener, Store, StoreOpenOptions, StoreStatus } from './store.js';
import { AsyncMutex, ChangeHub } from './store.js';

type Stmt = Database.Statement<unknown[], unknown>;

function toParams(params: readonly unknown[] | undefined): unknown[] {
  return (params ?? []).map((v) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v));
}

class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  private readonly cache = new Map<string, Stmt>();
  constructor(private readonly db: Database.Database) {}
  private stmt(sql: string): Stmt {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
  async all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.stmt(sql).all(...toParams(params)) as T[];
  }
  async get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.stmt(sql).get(...toParams(params)) as T | undefined;
  }
  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    try {
      return this.stmt(sql).run(...toParams(params)).changes;
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new StoreConflictError((e as Error).message);
      throw e;
    }
  }
}

/**
 * Embedded store: one writer connection (transactions serialised by a mutex, BEGIN IMMEDIATE),
 * one read-only connection (WAL lets it read committed data while a write is in flight).
 * synchronous=FULL: an acknowledged write survives a crash of the process or the machine.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly description: string;
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly w: SqliteExecutor;
  private readonly r: SqliteExecutor;
  private readonly mutex = new AsyncMutex();
  private readonly hub = new ChangeHub();
  private readonly since = Date.now();

  constructor(
    readonly path: string,
    private readonly opts: StoreOpenOptions = {},
  ) {
    this.description = `sqlite:${path}`;
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Create the file owner-only before SQLite opens it: it holds access keys.
      if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    this.writer = new Database(path);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma('synchronous = FULL');
    this.writer.pragma('busy_timeout = 5000');
    this.migrate();
    this.reader = path === ':memory:' ? this.writer : new Database(path, { readonly: true });
    this.reader.pragma('busy_timeout = 5000');
    this.w = new SqliteExecutor(this.writer);
    this.r = path === ':memory:' ? this.w : new SqliteExecutor(this.reader);
  }

  private migrate(): void {
    this.writer.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const done = new Set((this.writer.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (done.has(m.version) || m.version > (this.opts.schemaVersion ?? Infinity)) continue;
      this.writer.transaction(() => {
        for (const s of m.statements('sqlite')) this.writer.exec(s);
        this.writer.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(m.version, m.description, Date.now());
      })();
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const tx = new Tx(this.w);
    const result = await this.mutex.run(async () => {
      this.writer.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(tx);
        this.writer.exec('COMMIT');
        return out;
      } catch (e) {
        if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
        throw e;
      }
    });
    if (tx.changes.length) this.hub.emit({ type: 'changes', changes: tx.changes, origin: 'local' });
    return result;
  }

  async read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    // The in-memory database has a single connection: serialise reads with writes there.
    if (this.r === this.w) return this.mutex.run(() => fn(new Tx(this.r)));
    return fn(new Tx(this.r));
  }

  async snapshot<T>(fn: (sql: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.r === this.w) return this.mutex.run(() => fn(this.w));
    // A connection of its own: its read transaction pins one WAL snapshot until COMMIT, and no
    // other read of this process can end it early.
    const db = new Database(this.path, { readonly: true });
    try {
      db.pragma('busy_timeout = 5000');
      db.exec('BEGIN');
      // The snapshot starts at the first read, not at BEGIN: take it now.
      db.prepare('SELECT count(*) FROM schema_migrations').get();
      const out = await fn(new SqliteExecutor(db));
      db.exec('COMMIT');
      return out;
    } finally {
      db.close();
    }
  }

  onChange(listener: ChangeListener): () => void {
    return this.hub.on(listener);
  }

  status(): StoreStatus {
    return { connected: this.writer.open, feed: true, since: this.since };
  }

  onStatus(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.reader !== this.writer && this.reader.open) this.reader.close();
      if (this.writer.open) this.writer.close();
    });
  }
}
