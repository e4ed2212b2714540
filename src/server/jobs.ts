/**
 * The background jobs `serve` runs, all domain code (clusters/jobs.ts, clusters/aws-auth-files.ts,
 * audit/housekeeping.ts) whose changes go through the operation path under named system callers.
 * Returns the function that stops them.
 */
import type pino from 'pino';
import { watchAwsAuthFiles } from '../clusters/aws-auth-files.js';
import { startUpdateSweeper } from '../clusters/jobs.js';
import { startHousekeeping } from '../audit/housekeeping.js';
import type { Indexes } from '../index/indexes.js';
import type { AuditEvent } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';
import type { ServerConfig } from './config.js';

export interface JobsOptions {
  store: Store;
  indexes: Indexes;
  audit: (event: AuditEvent, tx?: Tx) => Promise<void>;
  now: () => number;
  region: string;
  partition: string;
  log: pino.Logger;
  cfg: Pick<ServerConfig, 'updateDurationMs' | 'clusterCreateDurationMs' | 'auditRetentionMs' | 'awsAuthFiles'>;
  onAwsAuthRejected: () => void;
}

export function startJobs(o: JobsOptions): () => void {
  const { store, audit, now, region, partition, log, cfg } = o;
  const stops = [
    startUpdateSweeper({
      store,
      audit,
      region,
      partition,
      updateDurationMs: cfg.updateDurationMs,
      clusterCreateDurationMs: cfg.clusterCreateDurationMs,
      now,
      clusters: () => o.indexes.clusters.all(),
      onError: (cluster, error) => log.warn({ cluster, error }, 'could not settle completed updates'),
    }),
    startHousekeeping({
      store,
      audit,
      now,
      ...(cfg.auditRetentionMs ? { auditRetentionMs: cfg.auditRetentionMs } : {}),
      onError: (error) => log.warn({ error }, 'housekeeping failed'),
    }),
  ];
  if (cfg.awsAuthFiles.length) {
    stops.push(watchAwsAuthFiles({ files: cfg.awsAuthFiles, store, indexes: o.indexes, now, region, partition, log, audit, onRejected: o.onAwsAuthRejected }));
  }
  return () => {
    for (const stop of stops) stop();
  };
}
