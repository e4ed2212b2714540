/**
 * The operator's routes: `/healthz` (the process answers), `/readyz` (store, change feed and index;
 * 503 when degraded unless `?allowDegraded=true` and the index is loaded) and `/metrics`
 * (Prometheus, behind `--metrics-token-file` when set).
 */
import type { FastifyInstance } from 'fastify';
import { liveAdminPaths, staleEntries, unusedEntries } from '../doctor/doctor.js';
import type { LastUseRecorder } from '../authn/last-use.js';
import { lastUseOf } from '../authn/last-use.js';
import type { Indexes } from '../index/indexes.js';
import type { Store } from '../store/store.js';
import { bearerMatches } from './metrics-auth.js';
import type { Metrics } from './metrics.js';

export interface OpsRoutesOptions {
  store: Store;
  indexes: Indexes;
  metrics: Metrics;
  now: () => number;
  connectedSts: boolean;
  /** Counts index reloads: per-cluster health is recomputed only after it moved. */
  indexGeneration: () => number;
  tokenCacheSize: () => number;
  auditDropped: () => number;
  metricsToken?: string;
  /** Unused-entry counts per cluster (entryway_unused_access_entries). */
  unused?: { lastUse: LastUseRecorder; afterMs: number };
}

export function registerOpsRoutes(app: FastifyInstance, o: OpsRoutesOptions): void {
  const { store, indexes, metrics } = o;
  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/readyz', async (req, reply) => {
    const s = store.status();
    const ready = indexes.loaded && s.connected && s.feed;
    const body = { status: ready ? 'ready' : 'degraded', store: { kind: store.kind, ...s }, index: { loaded: indexes.loaded, clusters: indexes.clusters.size, ...(indexes.lastError ? { lastError: indexes.lastError } : {}) } };
    const lenient = (req.query as Record<string, string>).allowDegraded === 'true';
    return reply.code(ready || (lenient && indexes.loaded) ? 200 : 503).send(body);
  });
  // Per-cluster health (stale entries, live admin paths, a rejected aws-auth) walks every entry,
  // so it is recomputed only after the index changed.
  let health = -1;
  const clusterHealth = () => {
    if (health === o.indexGeneration()) return;
    health = o.indexGeneration();
    metrics.staleEntries.reset();
    metrics.clusterAdminPaths.reset();
    metrics.clusterAwsAuthRejected.reset();
    const t = o.now();
    for (const slice of indexes.clusters.all()) {
      metrics.staleEntries.set({ cluster: slice.name }, staleEntries(slice, indexes.credentials).length);
      if (slice.mode(t) === 'API') metrics.clusterAdminPaths.set({ cluster: slice.name }, liveAdminPaths(slice, indexes.credentials, o.connectedSts).length);
      metrics.clusterAwsAuthRejected.set({ cluster: slice.name }, slice.awsAuth?.lastError ? 1 : 0);
    }
  };
  // Unused entries read last uses from the store: recomputed at most once a minute (uses move slowly).
  let unusedAt = -Infinity;
  const unusedHealth = async () => {
    const u = o.unused;
    const t = o.now();
    if (!u || t - unusedAt < 60_000) return;
    unusedAt = t;
    metrics.unusedEntries.reset();
    for (const slice of indexes.clusters.all()) {
      const uses = await u.lastUse.lastUses(slice.name);
      metrics.unusedEntries.set({ cluster: slice.name }, unusedEntries(slice, (arn) => lastUseOf(uses, slice.name, 'entry', arn)?.lastUsedAt, t, u.afterMs).length);
    }
  };
  app.get('/metrics', async (req, reply) => {
    if (o.metricsToken && !bearerMatches(req.headers.authorization, o.metricsToken)) {
      return reply.code(401).header('www-authenticate', 'Bearer').type('text/plain').send('metrics need the bearer token of --metrics-token-file\n');
    }
    const s = store.status();
    metrics.storeUp.set(s.connected ? 1 : 0);
    metrics.changeFeedUp.set(s.feed ? 1 : 0);
    metrics.tokenCacheSize.set(o.tokenCacheSize());
    metrics.auditDropped.set(o.auditDropped());
    clusterHealth();
    await unusedHealth().catch(() => undefined);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
