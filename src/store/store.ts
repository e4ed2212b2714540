import type { Change } from './repo.js';
import { Tx } from './repo.js';
import type { SqlExecutor } from './sql.js';

/**
 * The store contract. SQLite (embedded, one process) and PostgreSQL (several replicas) implement it
 * with the same repositories (repo.ts). Every API call is one `transaction`; reads that need no
 * isolation from concurrent writers use `read`.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the data lives, with any password removed (safe to log). */
  readonly description: string;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * One consistent, read-only view of the whole database while writers go on (backups, copies):
   * SQLite reads a WAL snapshot on a connection of its own, PostgreSQL a REPEATABLE READ transaction.
   */
  snapshot<T>(fn: (sql: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Change feed. `changes` arrive after commit, from this process ('local') or another replica
   * ('remote'); 'resync' means events may have been lost and everything should be reloaded.
   */
  onChange(listener: ChangeListener): () => void;
  status(): StoreStatus;
  /** Called on each change of `connected` or `feed` (never for SQLite, whose file is always there). */
  onStatus(listener: StatusListener): () => void;
  close(): Promise<void>;
}

/** Options both drivers take. */
export interface StoreOpenOptions {
  /**
   * Apply migrations only up to this version (default: all). Only for tests that need a store as
   * an older Entryway left it (restoring older backups); a server never opens a store this way.
   */
  schemaVersion?: number;
}

export type ChangeListener = (event: { type: 'changes'; changes: Change[]; origin: 'local' | 'remote' } | { type: 'resync' }) => void;

export type StatusListener = (now: StoreStatus, before: StoreStatus) => void;

export interface StoreStatus {
  /** The database answers queries. */
  connected: boolean;
  /** The change feed is live (always true for SQLite). */
  feed: boolean;
  lastError?: string;
  since: number;
}

/** Fan-out helper shared by the drivers. */
export class ChangeHub {
  private readonly listeners = new Set<ChangeListener>();
  on(l: ChangeListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(event: Parameters<ChangeListener>[0]): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure must not break the writer that committed.
      }
    }
  }
}

/** Serialises async critical sections (SQLite has one writer connection). */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

export { Tx };
export type { Change };
