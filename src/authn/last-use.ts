/**
 * When each access entry, aws-auth row, creator grant and identity provider was last used to
 * authenticate. Token reviews are hot and frequent, so uses are coalesced in memory (one slot per
 * cluster and mapping, keeping the latest time and source address) and written in one transaction
 * per flush interval (default 60 s): at most one write per mapping per interval, whatever the review
 * rate. Rows only move forward in time (Tx.recordLastUse), so replicas sharing a PostgreSQL store
 * flush independently and readers see the latest use from any of them. Pending uses are flushed at
 * shutdown; a crash loses at most one interval. Reads merge what is pending here, so the replica
 * that saw a use shows it at once; others show it after the next flush.
 */
import type { LastUseKind, LastUseRecord } from '../model/last-use.js';
import type { Store } from '../store/store.js';
import type { UseKey } from './authenticator.js';

export const DEFAULT_LAST_USE_FLUSH_MS = 60_000;
/** Distinct pending mappings before a flush is brought forward (bounds memory under a flood of principals). */
export const MAX_PENDING_USES = 100_000;

export interface LastUseOptions {
  flushMs?: number;
  maxPending?: number;
  onError?: (e: unknown) => void;
  onFlush?: (rows: number) => void;
}

const slot = (cluster: string, kind: LastUseKind, key: string) => `${cluster}\u0000${kind}\u0000${key}`;

export class LastUseRecorder {
  private pending = new Map<string, LastUseRecord>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  readonly flushMs: number;

  constructor(
    private readonly store: Store,
    private readonly o: LastUseOptions = {},
  ) {
    this.flushMs = o.flushMs ?? DEFAULT_LAST_USE_FLUSH_MS;
  }

  /** Cheap and synchronous: the token review path calls this for every success. */
  record(clusterName: string, use: UseKey, at: number, sourceIp: string): void {
    const k = slot(clusterName, use.kind, use.key);
    const p = this.pending.get(k);
    if (p) {
      if (at >= p.lastUsedAt) {
        p.lastUsedAt = at;
        p.sourceIp = sourceIp;
      }
      return;
    }
    this.pending.set(k, { clusterName, kind: use.kind, key: use.key, lastUsedAt: at, sourceIp });
    if (this.pending.size >= (this.o.maxPending ?? MAX_PENDING_USES)) void this.flush();
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Writes what is pending in one transaction; on failure the uses are kept for the next try. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      const rows = [...batch.values()];
      try {
        await this.store.transaction((tx) => tx.recordLastUse(rows));
        this.o.onFlush?.(rows.length);
      } catch (e) {
        // Put them back unless newer uses came in meanwhile.
        for (const [k, r] of batch) {
          const now = this.pending.get(k);
          if (!now || now.lastUsedAt < r.lastUsedAt) this.pending.set(k, r);
        }
        this.o.onError?.(e);
      }
    });
    return this.flushing;
  }

  /** The cluster's last uses: the store's rows with this replica's pending ones merged in. */
  async lastUses(clusterName: string): Promise<Map<string, LastUseRecord>> {
    const rows = await this.store.read((tx) => tx.listLastUse(clusterName));
    const out = new Map<string, LastUseRecord>(rows.map((r) => [slot(r.clusterName, r.kind, r.key), r]));
    for (const [k, p] of this.pending) {
      if (p.clusterName !== clusterName) continue;
      const have = out.get(k);
      if (!have || have.lastUsedAt < p.lastUsedAt) out.set(k, { ...p });
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

/** Looks a mapping up in what `lastUses` returned. */
export function lastUseOf(uses: ReadonlyMap<string, LastUseRecord>, clusterName: string, kind: LastUseKind, key: string): LastUseRecord | undefined {
  return uses.get(slot(clusterName, kind, key));
}
