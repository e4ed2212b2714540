/**
 * The housekeeping job: expired STS sessions and idempotency tokens go, and with
 * `serve --audit-retention` audit events older than the retention. Removing audit history is
 * itself recorded (DeleteExpiredRecords, by the system caller `housekeeping`, with the counts);
 * a run that removed no audit event leaves no record — expired sessions and tokens are not
 * changes anyone made.
 */
import type { AuditEvent } from '../model/types.js';
import type { OperationOutcome } from '../ops/operation.js';
import { runOperation, systemCaller } from '../ops/operation.js';
import type { Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';

export const HOUSEKEEPING = systemCaller('housekeeping');

export interface HousekeepingDeps {
  store: Store;
  audit: (event: AuditEvent, tx?: Tx) => Promise<void>;
  /** Keep audit events this long; absent: forever. */
  auditRetentionMs?: number;
}

export interface Swept {
  sessions: number;
  /** Console sign-in codes and sessions past their expiry. */
  consoleSessions: number;
  idempotencyTokens: number;
  auditEvents: number;
}

const IDEMPOTENCY_MS = 24 * 3600_000;

export async function runHousekeeping(d: HousekeepingDeps, now: number): Promise<OperationOutcome<Swept, { code: string; message: string }>> {
  const note = { clusterName: null, resource: null } as { clusterName: null; resource: string | null; after?: unknown };
  const errors = (e: unknown) => ({ code: 'InternalFailure', message: e instanceof Error ? e.message : String(e) });
  return runOperation({ store: d.store, audit: d.audit, errors }, { requestId: `housekeeping-${now}`, sourceIp: '-', at: now, service: 'entryway', operation: 'DeleteExpiredRecords', caller: HOUSEKEEPING, note }, async () => ({
    kind: 'write',
    caller: HOUSEKEEPING,
    run: async (tx: Tx) => {
      const swept: Swept = {
        sessions: await tx.deleteExpiredSessions(now),
        consoleSessions: await tx.deleteExpiredConsoleSessions(now),
        idempotencyTokens: await tx.deleteIdempotentBefore(now - IDEMPOTENCY_MS),
        auditEvents: d.auditRetentionMs ? await tx.deleteAuditBefore(now - d.auditRetentionMs) : 0,
      };
      if (swept.auditEvents) {
        note.resource = `audit events before ${new Date(now - (d.auditRetentionMs ?? 0)).toISOString()}`;
        note.after = swept;
      }
      return swept;
    },
    unchanged: (swept) => swept.auditEvents === 0,
  }));
}

export function startHousekeeping(d: HousekeepingDeps & { now: () => number; onError: (error: { code: string; message: string }) => void; intervalMs?: number }): () => void {
  const timer = setInterval(() => {
    void runHousekeeping(d, d.now()).then((out) => {
      if (!out.ok) d.onError(out.error);
    });
  }, d.intervalMs ?? 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
