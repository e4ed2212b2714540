/**
 * Audit trail writer. Changes are audited inside the transaction that makes them (a change and its
 * record commit together); reads and refused calls are queued and written in small batches so they
 * add no latency to the call. Events never carry secrets or tokens: callers pass ARNs and key IDs.
 */
import type { AuditEvent } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';

export class AuditRecorder {
  private queue: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Events dropped because the store was unreachable (exported as a metric). */
  dropped = 0;

  constructor(
    private readonly store: Store,
    private readonly opts: { flushMs?: number; maxQueue?: number; onError?: (e: unknown) => void } = {},
  ) {}

  async record(event: AuditEvent, tx?: Tx): Promise<void> {
    if (tx) {
      await tx.insertAudit(event);
      return;
    }
    if (this.queue.length >= (this.opts.maxQueue ?? 10_000)) {
      this.dropped++;
      return;
    }
    this.queue.push(event);
    this.timer ??= setTimeout(() => void this.flush(), this.opts.flushMs ?? 200);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) await this.flushing;
    const batch = this.queue;
    if (!batch.length) return;
    this.queue = [];
    this.flushing = this.store
      .transaction(async (tx) => {
        for (const e of batch) await tx.insertAudit(e);
      })
      .catch((e) => {
        this.dropped += batch.length;
        this.opts.onError?.(e);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }
}
