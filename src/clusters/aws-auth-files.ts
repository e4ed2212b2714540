/**
 * `serve --aws-auth CLUSTER=FILE`: the aws-auth ConfigMap kept in a file (a mounted ConfigMap, a
 * GitOps checkout). Polled once a second — robust to editors and atomic renames; the document is
 * applied through the same code as the API, so a broken edit is refused, logged, counted in
 * `entryway_aws_auth_rejected_total`, and the last good mapping stays in force. Each apply is an
 * operation of its own (ops/operation.ts), the file its caller, audited in its transaction.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type pino from 'pino';
import { applyAwsAuth } from './aws-auth.js';
import { jobContext, jobError } from './jobs.js';
import type { OpContext } from '../ops/context.js';
import { runOperation } from '../ops/operation.js';
import type { Indexes } from '../index/indexes.js';
import type { AuditEvent } from '../model/types.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../store/repo.js';

export interface AwsAuthFileOptions {
  files: { cluster: string; path: string }[];
  store: Store;
  indexes: Indexes;
  now: () => number;
  region: string;
  partition: string;
  log: pino.Logger;
  audit: (e: AuditEvent, tx?: Tx) => Promise<void>;
  onRejected?: () => void;
  intervalMs?: number;
}

export function watchAwsAuthFiles(o: AwsAuthFileOptions): () => void {
  const state = new Map<string, { applied?: string; reported?: string }>();
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      for (const f of o.files) await check(f);
    } finally {
      busy = false;
    }
  };
  const check = async (f: { cluster: string; path: string }) => {
    const key = `${f.cluster}\u0000${f.path}`;
    const s = state.get(key) ?? {};
    state.set(key, s);
    let text: string;
    try {
      text = await readFile(f.path, 'utf8');
    } catch (e) {
      const msg = `cannot read aws-auth file ${f.path}: ${(e as Error).message}`;
      if (s.reported !== msg) o.log.warn({ cluster: f.cluster }, `${msg}; keeping the last good mapping`);
      s.reported = msg;
      return;
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (s.applied === hash) return;
    const slice = o.indexes.clusters.get(f.cluster);
    if (!slice) {
      const msg = `cluster ${f.cluster} does not exist (yet); ${f.path} will be applied when it does`;
      if (s.reported !== msg) o.log.info(msg);
      s.reported = msg;
      return;
    }
    const now = o.now();
    // The file is the caller: the audit trail names it, and it may change only this cluster.
    const principal = `file:${f.path}`;
    const caller = { accountId: slice.record.accountId, arn: principal, principalArn: principal, principalId: 'ENTRYWAYFILE', accessKeyId: '-', kind: 'user' as const };
    const note: OpContext['audit'] = { clusterName: f.cluster, resource: null };
    const out = await runOperation(
      { store: o.store, audit: o.audit, errors: jobError },
      { requestId: `file-${hash.slice(0, 16)}`, sourceIp: '-', at: now, service: 'entryway', operation: 'PutAwsAuth', caller, note },
      async () => ({
        kind: 'write',
        caller,
        run: (tx: Tx) => applyAwsAuth(jobContext({ ...o, updateDurationMs: 0, clusterCreateDurationMs: 0 }, tx, caller, now, note), f.cluster, text),
        rejected: (r) => (r.ok ? undefined : r.error.message),
      }),
    );
    if (!out.ok) {
      o.log.error({ cluster: f.cluster, error: out.error }, 'could not apply the aws-auth file; will retry');
      return;
    }
    const r = out.value;
    s.applied = hash;
    s.reported = undefined;
    if (r.ok) {
      if (!r.unchanged) o.log.info({ cluster: f.cluster, file: f.path, mapRoles: r.record.mapRoles.length, mapUsers: r.record.mapUsers.length, mapAccounts: r.record.mapAccounts.length, warnings: r.record.warnings }, 'aws-auth applied from file');
    } else {
      o.onRejected?.();
      o.log.error({ cluster: f.cluster, file: f.path, error: r.error }, `aws-auth file rejected, the last good mapping stays in force: ${r.error.message}`);
    }
  };
  const timer = setInterval(() => void tick(), o.intervalMs ?? 1000);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
