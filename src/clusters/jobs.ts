/**
 * Background work on clusters, as domain jobs: each change runs through the same operation path as
 * an API call (ops/operation.ts) under a named system caller, so it commits with its own audit
 * record. The server starts them; nothing here knows about HTTP.
 */
import type { AuditEvent, ClusterRecord, UpdateRecord } from '../model/types.js';
import type { OpContext } from '../ops/context.js';
import type { OperationOutcome } from '../ops/operation.js';
import { runOperation, systemCaller } from '../ops/operation.js';
import { AwsError } from '../errors/aws-error.js';
import { effectiveCluster } from '../rules/cluster.js';
import type { Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';
import { settleUpdates } from './updates.js';
import { loadCluster } from './view.js';

export interface JobDeps {
  store: Store;
  audit: (event: AuditEvent, tx?: Tx) => Promise<void>;
  region: string;
  partition: string;
  updateDurationMs: number;
  clusterCreateDurationMs: number;
}

export interface JobError {
  code: string;
  message: string;
}

/** A job's failures, as the audit trail records them. */
export function jobError(e: unknown): JobError {
  if (e instanceof AwsError) return { code: e.code, message: e.message };
  return { code: 'InternalFailure', message: e instanceof Error ? e.message : String(e) };
}

/** The caller of the update sweeper (and of a read that settles updates on its way). */
export const UPDATE_SWEEPER = systemCaller('update-sweeper');

/** The OpContext a job's operation runs with. */
export function jobContext(d: JobDeps, tx: Tx, caller: OpContext['caller'], now: number, audit: OpContext['audit']): OpContext {
  return { tx, caller, now, region: d.region, partition: d.partition, updateDurationMs: d.updateDurationMs, clusterCreateDurationMs: d.clusterCreateDurationMs, audit };
}

/**
 * Writes the effects of a cluster's completed updates (SettleUpdates), audited as the update
 * sweeper. A cluster with nothing due (another replica settled it first) writes nothing and
 * leaves no record. The value is the number of updates settled.
 */
export async function settleCluster(d: JobDeps, name: string, now: number, requestId = `settle-${now}`): Promise<OperationOutcome<number, JobError>> {
  const note: OpContext['audit'] = { clusterName: name, resource: null };
  return runOperation({ store: d.store, audit: d.audit, errors: jobError }, { requestId, sourceIp: '-', at: now, service: 'entryway', operation: 'SettleUpdates', caller: UPDATE_SWEEPER, note }, async () => ({
    kind: 'write',
    caller: UPDATE_SWEEPER,
    run: async (tx: Tx) => {
      const view = await loadCluster(tx, name, { forUpdate: true });
      const due = effectiveCluster(view.record, view.updates, now).due;
      if (!due.length) return 0;
      note.resource = due.map((u) => u.id).join(' ');
      note.before = { authenticationMode: view.record.authenticationMode };
      await settleUpdates(jobContext(d, tx, UPDATE_SWEEPER, now, note), view);
      note.after = { authenticationMode: view.record.authenticationMode, updates: due.map((u) => ({ id: u.id, type: u.type, status: u.finalStatus })) };
      return due.length;
    },
    unchanged: (settled) => settled === 0,
  }));
}

/**
 * Completed asynchronous updates take effect by the clock; the sweeper writes their effects (e.g.
 * the creator's entry when a cluster leaves CONFIG_MAP) without waiting for the next API call.
 * `clusters` lists what the in-memory index holds, so finding due updates costs no query.
 */
export function startUpdateSweeper(
  d: JobDeps & {
    now: () => number;
    clusters: () => Iterable<{ name: string; record: ClusterRecord; updates: readonly UpdateRecord[] }>;
    onError: (cluster: string, error: JobError) => void;
    intervalMs?: number;
  },
): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const t = d.now();
    const due = [...d.clusters()].filter((c) => effectiveCluster(c.record, c.updates, t).due.length);
    void (async () => {
      for (const c of due) {
        const out = await settleCluster(d, c.name, t);
        if (!out.ok) d.onError(c.name, out.error);
      }
    })().finally(() => {
      busy = false;
    });
  }, d.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
