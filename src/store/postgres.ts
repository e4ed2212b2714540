/**
 * PostgreSQL store for several replicas sharing one database. Same repositories as SQLite; each
 * transaction runs on one pooled connection (READ COMMITTED; writers lock the cluster row they
 * change with SELECT … FOR UPDATE, which serialises writes per cluster across replicas).
 * Change feed: every committing transaction sends NOTIFY with what it changed; each replica LISTENs
 * on a dedicated connection. If that connection drops, the replica reports the feed down, keeps
 * serving its last good state, reconnects with backoff and then asks its listeners to resync.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { MIGRATIONS } from './schema.js';
import { Tx } from './repo.js';
import type { Change } from './repo.js';
import type { SqlExecutor } from './sql.js';
import { StoreConflictError, StoreUnavailableError } from './sql.js';
import type { ChangeListener, StatusListener, Store, StoreOpenOptions, StoreStatus } from './store.js';
import { ChangeHub } from './store.js';

// BIGINT columns hold epoch milliseconds and counters, all far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

const placeholderCache = new Map<string, string>();
function toPg(sql: string): string {
  let out = placeholderCache.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    placeholderCache.set(sql, out);
  }
  return out;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

function mapError(e: unknown): unknown {
  if (e instanceof StoreConflictError || e instanceof StoreUnavailableError) return e;
  const code = (e as { code?: string }).code;
  if (code === '23505') return new StoreConflictError((e as Error).message);
  if ((code && CONNECTION_ERRORS.has(code)) || /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(String((e as Error)?.message))) {
    return new StoreUnavailableError(`PostgreSQL is unavailable: ${(e as Error).message}`);
  }
  return e;
}

class PgExecutor implements SqlExecutor {
  readonly dialect = 'postgres' as const;
  constructor(private readonly client: pg.PoolClient | pg.Pool) {}
  private async q(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.client.query(toPg(sql), (params ?? []).map((v) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v)));
    } catch (e) {
      throw mapError(e);
    }
  }
  async all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return (await this.q(sql, params)).rows as T[];
  }
  async get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return (await this.q(sql, params)).rows[0] as T | undefined;
  }
  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    return (await this.q(sql, params)).rowCount ?? 0;
  }
}

const applicationName = () => process.env.ENTRYWAY_PG_APPLICATION_NAME ?? `entryway-${process.pid}`;

export interface PostgresOptions extends StoreOpenOptions {
  /** Schema to use (created if missing); default `public`. Tests use one schema each. */
  schema?: string;
  poolSize?: number;
  /** Base delay for reconnecting the change feed. */
  reconnectMs?: number;
}

/** Splits `?schema=` off a connection URL (pg would pass unknown parameters to the server). */
export function parsePostgresUrl(url: string): { connectionString: string; schema?: string } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? undefined;
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), ...(schema ? { schema } : {}) };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly description: string;
  private readonly pool: pg.Pool;
  private readonly hub = new ChangeHub();
  private readonly statusListeners = new Set<StatusListener>();
  private readonly replicaId = randomUUID();
  private readonly schema: string;
  private readonly channel: string;
  private listener: pg.Client | undefined;
  private closed = false;
  private connected = true;
  private feed = false;
  private lastError: string | undefined;
  private since = Date.now();
  private reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly connectionString: string,
    private readonly opts: PostgresOptions,
  ) {
    this.schema = opts.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new Error(`invalid schema name ${JSON.stringify(this.schema)}`);
    this.channel = `entryway_${this.schema}`;
    this.description = redactUrl(connectionString) + (opts.schema ? ` (schema ${opts.schema})` : '');
    this.pool = new pg.Pool({
      connectionString,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      options: `-c search_path=${this.schema}`,
      // Names this replica's sessions in pg_stat_activity (operators, and tests that cut one replica off).
      application_name: applicationName(),
    });
    // An idle pooled connection that dies says nothing yet about the database: the next query does.
    this.pool.on('error', (e) => (this.lastError = e.message));
  }

  static async open(url: string, opts: PostgresOptions = {}): Promise<PostgresStore> {
    const parsed = parsePostgresUrl(url);
    const store = new PostgresStore(parsed.connectionString, { ...opts, ...(parsed.schema && !opts.schema ? { schema: parsed.schema } : {}) });
    try {
      await store.migrate();
      await store.startListener();
    } catch (e) {
      await store.close();
      throw mapError(e);
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      // One replica migrates at a time; the others wait and then see the migrations applied.
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`entryway-migrate-${this.schema}`]);
      try {
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)');
        const done = new Set((await client.query('SELECT version FROM schema_migrations')).rows.map((r: { version: number }) => r.version));
        for (const m of MIGRATIONS) {
          if (done.has(m.version) || m.version > (this.opts.schemaVersion ?? Infinity)) continue;
          await client.query('BEGIN');
          try {
            for (const s of m.statements('postgres')) await client.query(s);
            await client.query('INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)', [m.version, m.description, Date.now()]);
            await client.query('COMMIT');
          } catch (e) {
            await client.query('ROLLBACK');
            throw e;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`entryway-migrate-${this.schema}`]);
      }
    } finally {
      client.release();
    }
  }

  private async startListener(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 5000, keepAlive: true, application_name: applicationName() });
    client.on('error', (e) => this.onListenerLost(client, e));
    client.on('end', () => this.onListenerLost(client, new Error('change feed connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel || !msg.payload) return;
      try {
        const body = JSON.parse(msg.payload) as { r: string; c?: Change[]; resync?: boolean };
        if (body.r === this.replicaId) return; // local changes were already published after commit
        if (body.resync || !body.c) this.hub.emit({ type: 'resync' });
        else this.hub.emit({ type: 'changes', changes: body.c, origin: 'remote' });
      } catch {
        this.hub.emit({ type: 'resync' });
      }
    });
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.listener = client;
    this.lastError = undefined;
    this.setState({ connected: true, feed: true });
  }

  private onListenerLost(client: pg.Client, e: Error): void {
    if (this.listener !== client || this.closed) return;
    this.listener = undefined;
    this.markDown(e);
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    this.scheduleReconnect(1);
  }

  /** The change feed connection is gone (the database may still answer). */
  private markDown(e: unknown): void {
    this.lastError = (e as Error)?.message ?? String(e);
    this.setState({ feed: false });
  }

  /** A query could not reach the database: probe until it answers again. */
  private markUnreachable(e: unknown): void {
    this.lastError = (e as Error)?.message ?? String(e);
    this.setState({ connected: false });
    this.scheduleReconnect(1);
  }

  /** Every change of `connected` or `feed` goes through here, so listeners see each transition once. */
  private setState(next: { connected?: boolean; feed?: boolean }): void {
    const before = this.status();
    this.connected = next.connected ?? this.connected;
    this.feed = next.feed ?? this.feed;
    if (this.connected === before.connected && this.feed === before.feed) return;
    this.since = Date.now();
    const now = this.status();
    for (const l of this.statusListeners) {
      try {
        l(now, before);
      } catch {
        // A listener's failure must not break the query that noticed the change.
      }
    }
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Brings back what is down: the change feed (then everyone resyncs, since events may have been
   * missed) or, with the feed still up, the pool's connection to the database.
   */
  private scheduleReconnect(attempt: number): void {
    if (this.closed || this.reconnectTimer) return;
    const base = this.opts.reconnectMs ?? 250;
    const delay = Math.min(base * 2 ** Math.min(attempt - 1, 5), 5000);
    this.reconnectTimer = setTimeout(async () => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      try {
        if (!this.listener) {
          await this.startListener();
          this.hub.emit({ type: 'resync' });
        } else if (!this.connected) {
          await this.pool.query('SELECT 1');
          this.setState({ connected: true });
        }
      } catch (e) {
        this.lastError = (e as Error)?.message ?? String(e);
        this.setState({ connected: false });
        this.scheduleReconnect(attempt + 1);
      }
    }, delay);
    this.reconnectTimer.unref?.();
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      this.markUnreachable(e);
      throw mapError(e);
    }
    const tx = new Tx(new PgExecutor(client));
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const out = await fn(tx);
      if (tx.changes.length) {
        const payload = JSON.stringify({ r: this.replicaId, c: tx.changes });
        // NOTIFY payloads are limited to 8000 bytes: a very large change set asks everyone to resync.
        await client.query('SELECT pg_notify($1, $2)', [this.channel, payload.length < 7900 ? payload : JSON.stringify({ r: this.replicaId, resync: true })]);
      }
      await client.query('COMMIT');
      this.setState({ connected: true });
      if (tx.changes.length) this.hub.emit({ type: 'changes', changes: tx.changes, origin: 'local' });
      return out;
    } catch (e) {
      const mapped = mapError(e);
      if (mapped instanceof StoreUnavailableError) {
        // The connection itself failed: the pool must not hand it out again.
        broken = e as Error;
        this.markUnreachable(e);
      } else await client.query('ROLLBACK').catch(() => undefined);
      throw mapped;
    } finally {
      client.release(broken);
    }
  }

  async read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      const out = await fn(new Tx(new PgExecutor(this.pool)));
      this.setState({ connected: true });
      return out;
    } catch (e) {
      const mapped = mapError(e);
      if (mapped instanceof StoreUnavailableError) this.markUnreachable(e);
      throw mapped;
    }
  }

  async snapshot<T>(fn: (sql: SqlExecutor) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      this.markUnreachable(e);
      throw mapError(e);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const out = await fn(new PgExecutor(client));
      await client.query('COMMIT');
      return out;
    } catch (e) {
      const mapped = mapError(e);
      if (mapped instanceof StoreUnavailableError) broken = e as Error;
      else await client.query('ROLLBACK').catch(() => undefined);
      throw mapped;
    } finally {
      client.release(broken);
    }
  }

  onChange(listener: ChangeListener): () => void {
    return this.hub.on(listener);
  }

  status(): StoreStatus {
    return { connected: this.connected, feed: this.feed, since: this.since, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  /** For tests and operators: drop the change-feed connection as a network failure would. */
  async dropFeedConnectionForTest(): Promise<void> {
    const l = this.listener;
    if (!l) return;
    const pid = (l as unknown as { processID?: number }).processID;
    if (pid) await this.pool.query('SELECT pg_terminate_backend($1)', [pid]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const l = this.listener;
    this.listener = undefined;
    if (l) await l.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
