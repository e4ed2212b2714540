/**
 * Composes Entryway: store, bootstrap, in-memory indexes, TLS, and the plugins (EKS API, IAM/STS,
 * webhooks, kubectl review endpoints, Entryway's own API), then listens. `startServer` is what
 * `entryway serve` runs and what tests start in-process.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Server as HttpServer } from 'node:http';
import pino from 'pino';
import rateLimit from '@fastify/rate-limit';
import { AwsError, eksError } from '../errors/aws-error.js';
import { restJsonError } from '../aws/error-tables.js';
import { sendAwsError } from '../aws/rest-json.js';
import { AuditRecorder } from '../audit/recorder.js';
import { Authenticator } from '../authn/authenticator.js';
import { startUpdateSweeper } from '../clusters/jobs.js';
import { startHousekeeping } from '../audit/housekeeping.js';
import { partitionOf } from '../rules/cluster.js';
import { eksApiPlugin, eksNotFoundHandler } from '../eks-api/plugin.js';
import type { ManagementDeps } from '../aws/management-call.js';
import type { ClusterEndpoint } from '../eks-api/shapes.js';
import { authenticateOrThrow, authorize as iamAuthorize, bootstrap } from '../iam/index.js';
import { awsQueryPlugin, unsupportedService } from '../aws-query/plugin.js';
import { Indexes } from '../index/indexes.js';
import type { AuditEvent, Caller } from '../model/types.js';
import { PostgresStore } from '../store/postgres.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../store/repo.js';
import { webhooksPlugin } from '../webhooks/plugin.js';
import { WebhookCore } from '../webhooks/core.js';
import type { DecisionEvent } from '../webhooks/core.js';
import { storeTransitions } from './store-watch.js';
import { webhookFastPath } from './webhook-fast-path.js';
import { liveAdminPaths, staleEntries } from '../doctor/doctor.js';
import { bearerMatches, readMetricsToken } from './metrics-auth.js';
import { signedService } from './signed-service.js';
import { kubeApiPlugin } from '../kube-api/plugin.js';
import { entrywayApiPlugin } from '../entryway-api/plugin.js';
import { oidcAuthenticatorFor } from './oidc.js';
import { watchAwsAuthFiles } from '../clusters/aws-auth-files.js';
import type { ServerConfig } from './config.js';
import { isLoopback, publicUrlOf } from './config.js';
import { ADMIN_PROFILE, ensureDataDir, paths, writeCredentialsProfile, writeServerInfo } from './datadir.js';
import { createBaseApp } from './http.js';
import type { RawRequest } from '../sigv4/index.js';
import { Metrics } from './metrics.js';
import type { TlsMaterial } from './tls.js';
import { ensureSelfSigned, loadProvided } from './tls.js';

export interface RunningServer {
  url: string;
  port: number;
  app: FastifyInstance;
  store: Store;
  indexes: Indexes;
  metrics: Metrics;
  tls?: TlsMaterial;
  /** Set when this start created the bootstrap administrator. */
  bootstrapped?: { accountId: string; accessKeyId: string; credentialsFile: string };
  accountId: string;
  /** Writes the queued audit events (refusals, reads) now rather than within 200 ms. */
  flushAudit(): Promise<void>;
  close(): Promise<void>;
}

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export function createLogger(level: string): pino.Logger {
  return pino({
    level,
    base: { service: 'entryway' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.secretAccessKey', '*.sessionToken', '*.password'],
      censor: '[redacted]',
    },
  });
}

export async function openStore(cfg: Pick<ServerConfig, 'storeUrl' | 'dataDir'>): Promise<Store> {
  if (cfg.storeUrl && /^postgres(ql)?:\/\//.test(cfg.storeUrl)) return PostgresStore.open(cfg.storeUrl);
  if (cfg.storeUrl && !cfg.storeUrl.startsWith('sqlite:')) throw new Error(`unsupported --store ${JSON.stringify(cfg.storeUrl.split(':')[0])}: use postgres://… or leave it unset for SQLite`);
  const path = cfg.storeUrl?.startsWith('sqlite:') ? cfg.storeUrl.slice('sqlite:'.length) : paths(cfg.dataDir).db;
  return new SqliteStore(path);
}

function tlsNames(cfg: ServerConfig): string[] {
  const names = ['localhost', '127.0.0.1', '::1', hostname()];
  if (cfg.host !== '0.0.0.0' && cfg.host !== '::') names.push(cfg.host);
  if (cfg.publicUrl) names.push(new URL(cfg.publicUrl).hostname.replace(/^\[|\]$/g, ''));
  if (cfg.tls.mode === 'self-signed') names.push(...cfg.tls.sans);
  return names;
}

export interface StartOptions {
  logger?: pino.Logger;
  now?: () => number;
  /** Replaces fetch for calls to the real STS (tests stand a loopback server in for AWS). */
  stsFetch?: typeof fetch;
}

export async function startServer(cfg: ServerConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const now = opts.now ?? Date.now;
  const log = opts.logger ?? createLogger(cfg.logLevel);
  if (cfg.tls.mode === 'none' && !isLoopback(cfg.host) && !cfg.allowInsecureHttp) {
    throw new Error(`refusing plain HTTP on ${cfg.host}: use --tls self-signed or --tls-cert/--tls-key, or pass --allow-insecure-http`);
  }
  ensureDataDir(cfg.dataDir);
  const store = await openStore(cfg);
  const metrics = new Metrics();
  let closed = false;
  const cleanups: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    const boot = await bootstrap(store, cfg.accountId ? { accountId: cfg.accountId } : {});
    let bootstrapped: RunningServer['bootstrapped'];
    let accountId: string;
    if (boot.created) {
      const c = boot.credentials;
      const file = writeCredentialsProfile(cfg.dataDir, ADMIN_PROFILE, c.accessKeyId, c.secretAccessKey);
      bootstrapped = { accountId: c.accountId, accessKeyId: c.accessKeyId, credentialsFile: file };
      accountId = c.accountId;
      log.info({ accountId, user: c.userArn, accessKeyId: c.accessKeyId, credentialsFile: file }, 'bootstrap administrator created');
    } else {
      accountId = boot.accountId;
      if (cfg.accountId && cfg.accountId !== accountId) log.warn({ existing: accountId, requested: cfg.accountId }, '--account-id ignored: the store already has a primary account');
    }
    // Shared secret kube-apiserver presents to the webhooks; one per installation (all replicas).
    const webhookToken = await store.transaction((tx) => tx.putSettingIfAbsent('webhookToken', randomBytes(32).toString('base64url')));

    let indexGeneration = 0;
    const indexes = new Indexes(store, now, {
      onReload: (kind) => {
        indexGeneration++;
        metrics.indexReloads.inc({ kind });
      },
      onResync: () => metrics.indexResyncs.inc(),
      onError: (e) => log.error({ err: e }, 'index update failed; serving the last good state'),
    });
    await indexes.start();
    cleanups.unshift(() => indexes.stop());

    const tls = cfg.tls.mode === 'self-signed' ? ensureSelfSigned(cfg.dataDir, tlsNames(cfg), now()) : cfg.tls.mode === 'provided' ? loadProvided(cfg.tls.certPath, cfg.tls.keyPath, cfg.tls.caPath) : undefined;
    const region = cfg.region;
    const partition = partitionOf(region);
    let publicUrl = '';
    const caData = tls ? Buffer.from(tls.ca).toString('base64') : undefined;
    const endpointFor = (name: string): ClusterEndpoint => ({ endpoint: `${publicUrl}/k8s/${name}`, ...(caData ? { caData } : {}) });

    const oidcCa = cfg.oidcCaFile ? readFileSync(cfg.oidcCaFile, 'utf8') : undefined;
    const auditRecorder = new AuditRecorder(store, { onError: (e) => log.error({ err: e }, 'audit events could not be written') });
    const audit = async (e: AuditEvent, tx?: Tx) => {
      metrics.apiRequests.inc({ service: e.service, operation: e.operation, result: e.result });
      await auditRecorder.record(e, tx);
    };

    // Tokens presigned for Entryway's own endpoint (AWS_ENDPOINT_URL) name this host.
    const ownStsHosts = (): string[] => {
      const u = new URL(publicUrl);
      const host = u.host;
      return [u.protocol === 'http:' ? `http://${host}` : host, ...cfg.customStsHosts];
    };
    const authenticator = new Authenticator({
      indexes,
      now,
      tokenConfig: () => ({ customStsHosts: ownStsHosts() }),
      connectedSts: cfg.connectedSts,
      ...(opts.stsFetch ? { fetchImpl: opts.stsFetch } : {}),
      onStsCall: (r, outcome) => {
        metrics.stsRequests.inc({ sts_region: r, outcome });
        if (outcome === 'throttled') metrics.stsThrottles.inc({ sts_region: r });
      },
      onCache: (outcome) => metrics.tokenCache.inc({ outcome }),
      onStale: (cluster, message) => log.warn({ cluster }, message),
      jwt: oidcAuthenticatorFor(cfg),
    });

    const webhooks = new WebhookCore({
      authenticator,
      indexes,
      now,
      metrics,
      webhookToken,
      log,
      // Sampled decision auditing (--audit-decisions); the principal and outcome, never the token.
      ...(cfg.auditDecisions > 0
        ? {
            onDecision: (d: DecisionEvent) => {
              if (Math.random() >= cfg.auditDecisions) return;
              void auditRecorder.record({
                at: now(),
                kind: d.kind,
                requestId: d.requestId,
                principalArn: d.principal,
                accessKeyId: '-',
                sourceIp: d.ip,
                service: 'webhook',
                operation: d.kind === 'authentication' ? 'TokenReview' : 'SubjectAccessReview',
                clusterName: d.cluster,
                resource: null,
                result: d.result,
                errorMessage: d.detail,
              });
            },
          }
        : {}),
    });
    // The webhooks skip Fastify (routing, hooks, per-request logger) unless a webhook rate limit is
    // set: that limiter is a Fastify hook, so the routes then run as a plugin instead.
    const app = createBaseApp({
      bodyLimit: cfg.bodyLimit,
      logger: log,
      ...(cfg.requestTimeoutMs ? { requestTimeoutMs: cfg.requestTimeoutMs } : {}),
      ...(cfg.maxConnections !== undefined ? { maxConnections: cfg.maxConnections } : {}),
      ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
      ...(cfg.webhookRateLimit > 0 ? {} : { fastPath: webhookFastPath(webhooks, cfg.bodyLimit) }),
    });

    // Registered before the plugins so that their routes inherit it (fastify binds handlers at registration).
    app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) =>
      sendAwsError(reply, restJsonError(err, { bodyLimit: app.initialConfig.bodyLimit, onUnexpected: (e) => log.error({ err: e, url: req.url }, 'unhandled error') })),
    );

    // Per-client rate limits (client = source IP), one budget per surface shared by all its routes.
    // Management calls answer AWS's ThrottlingException (clients back off and retry); the webhooks are
    // unlimited by default: kube-apiserver is one client that must never be throttled by accident.
    const surfaceOf = (url: string): 'webhook' | 'management' | 'none' => {
      const path = url.split('?')[0] ?? '';
      if (/^\/(healthz|readyz|metrics)$/.test(path)) return 'none';
      return /^\/clusters\/[^/]+\/(authenticate|authorize)$/.test(path) ? 'webhook' : 'management';
    };
    const limitOf = (surface: string) => (surface === 'webhook' ? cfg.webhookRateLimit : surface === 'management' ? cfg.managementRateLimit : 0);
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      timeWindow: 10_000,
      keyGenerator: (req) => `${surfaceOf(req.url)}:${req.ip}`,
      max: (req) => Math.max(1, Math.round(limitOf(surfaceOf(req.url)) * 10)),
      allowList: (req) => limitOf(surfaceOf(req.url)) <= 0,
      onExceeded: (req) => metrics.rateLimited.inc({ surface: surfaceOf(req.url) }),
      // An AwsError, so every plugin's error handler renders it in its own protocol.
      errorResponseBuilder: (_req, ctx) => Object.assign(eksError.throttling(`Rate exceeded; retry in ${ctx.after}.`, Math.ceil(ctx.ttl / 1000)), { statusCode: 429 }),
    });

    // Read-your-writes for reviews: a change is in this replica's index before its call returns,
    // so e.g. a deleted access entry stops its principal on the very next review.
    app.addHook('onSend', async (req) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') await indexes.settled();
    });
    app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok'));
    app.get('/readyz', async (req, reply) => {
      const s = store.status();
      const ready = indexes.loaded && s.connected && s.feed;
      const body = { status: ready ? 'ready' : 'degraded', store: { kind: store.kind, ...s }, index: { loaded: indexes.loaded, clusters: indexes.clusters.size, ...(indexes.lastError ? { lastError: indexes.lastError } : {}) } };
      const lenient = (req.query as Record<string, string>).allowDegraded === 'true';
      return reply.code(ready || (lenient && indexes.loaded) ? 200 : 503).send(body);
    });
    // Per-cluster health (stale entries, live admin paths, a rejected aws-auth) is recomputed only
    // after the index changed: it walks every entry.
    let health = -1;
    const clusterHealth = () => {
      if (health === indexGeneration) return;
      health = indexGeneration;
      metrics.staleEntries.reset();
      metrics.clusterAdminPaths.reset();
      metrics.clusterAwsAuthRejected.reset();
      const t = now();
      for (const slice of indexes.clusters.all()) {
        metrics.staleEntries.set({ cluster: slice.name }, staleEntries(slice, indexes.credentials).length);
        if (slice.mode(t) === 'API') metrics.clusterAdminPaths.set({ cluster: slice.name }, liveAdminPaths(slice, indexes.credentials, cfg.connectedSts).length);
        metrics.clusterAwsAuthRejected.set({ cluster: slice.name }, slice.awsAuth?.lastError ? 1 : 0);
      }
    };
    const metricsToken = cfg.metricsTokenFile ? readMetricsToken(cfg.metricsTokenFile) : undefined;
    app.get('/metrics', async (req, reply) => {
      if (metricsToken && !bearerMatches(req.headers.authorization, metricsToken)) {
        return reply.code(401).header('www-authenticate', 'Bearer').type('text/plain').send('metrics need the bearer token of --metrics-token-file\n');
      }
      const s = store.status();
      metrics.storeUp.set(s.connected ? 1 : 0);
      metrics.changeFeedUp.set(s.feed ? 1 : 0);
      metrics.tokenCacheSize.set(authenticator.cacheSize);
      metrics.auditDropped.set(auditRecorder.dropped);
      clusterHealth();
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });

    const authenticateRestJson = async (raw: RawRequest) => {
      const a = await authenticateOrThrow(store, raw, now(), 'rest-json');
      // EKS is regional: credentials scoped to another region are refused, as AWS does.
      if (a.region !== region) throw new AwsError('InvalidSignatureException', 403, `Credential should be scoped to a valid region, not '${a.region}'. `);
      return { caller: a.caller, service: a.service };
    };
    const authorizeIam = (tx: Tx, caller: Caller, req: { action: string; resource: string; context?: Record<string, string | string[]> }) =>
      iamAuthorize(tx, caller, { ...req, now: now() });
    const management: ManagementDeps = {
      store,
      region,
      partition,
      now,
      updateDurationMs: cfg.updateDurationMs,
      clusterCreateDurationMs: cfg.clusterCreateDurationMs,
      authenticate: authenticateRestJson,
      authorize: authorizeIam,
      audit,
      auditReads: cfg.auditReads ?? false,
      auditDecisions: cfg.auditDecisions,
      unheld: { connectedSts: cfg.connectedSts, accept: cfg.allowUnverifiablePrincipals ?? false },
    };
    await app.register(eksApiPlugin, { ...management, endpointFor });
    await app.register(awsQueryPlugin, {
      store,
      region,
      partition,
      now,
      onAudit: async (e, tx) => {
        await audit(e, tx);
      },
      auditReads: cfg.auditReads ?? false,
      unheld: management.unheld!,
      onError: (err) => log.error({ err }, 'IAM/STS request failed'),
    });
    await app.register(webhooksPlugin, { core: webhooks, reviews: cfg.webhookRateLimit > 0 });
    await app.register(kubeApiPlugin, { authenticator, indexes, now, onAuthentication: (result, reason) => metrics.tokenReviews.inc({ kind: 'kubectl', result, reason }) });

    await app.register(entrywayApiPlugin, {
      ...management,
      indexes,
      webhookConfig: () => ({ url: publicUrl, ...(tls ? { ca: tls.ca } : {}), token: webhookToken, ...(oidcCa ? { oidcCa } : {}) }),
    });

    app.setNotFoundHandler((req, reply) => {
      const path = (req.raw.url ?? '/').split('?')[0] ?? '/';
      const service = signedService(req.headers.authorization, req.raw.url ?? '');
      if (service && !['eks', 'iam', 'sts'].includes(service)) return sendAwsError(reply, unsupportedService(service));
      if (/^\/(clusters|access-policies|tags)(\/|$)/.test(path)) return eksNotFoundHandler(req, reply);
      return reply.code(404).send({ message: `Not found: ${req.method} ${path.slice(0, 200)}` });
    });

    // Domain jobs, each change through the operation path under its own system caller.
    const jobs = { store, audit, region, partition, updateDurationMs: cfg.updateDurationMs, clusterCreateDurationMs: cfg.clusterCreateDurationMs };
    const stopSweeper = startUpdateSweeper({
      ...jobs,
      now,
      clusters: () => indexes.clusters.all(),
      onError: (cluster, error) => log.warn({ cluster, error }, 'could not settle completed updates'),
    });
    const stopHousekeeping = startHousekeeping({
      store,
      audit,
      now,
      ...(cfg.auditRetentionMs ? { auditRetentionMs: cfg.auditRetentionMs } : {}),
      onError: (error) => log.warn({ error }, 'housekeeping failed'),
    });
    // Losing and regaining the database (or the change feed) is logged once per transition, as the
    // store notices it (a poll could miss a short outage).
    const stopStoreWatch = store.onStatus((s, before) => {
      for (const r of storeTransitions(s, before)) log[r.level]({ store: store.description, ...(s.lastError && !s.connected ? { error: s.lastError } : {}) }, r.msg);
    });
    cleanups.unshift(() => {
      stopSweeper();
      stopHousekeeping();
      stopStoreWatch();
    });

    // Fastify names the scheme from its own `https` option, which our server factory replaces.
    await app.listen({ host: cfg.host, port: cfg.port, listenTextResolver: (address) => `Entryway listening at ${tls ? address.replace(/^http:/, 'https:') : address}` });
    if (cfg.awsAuthFiles.length) {
      const stop = watchAwsAuthFiles({ files: cfg.awsAuthFiles, store, indexes, now, region, partition, log, audit, onRejected: () => metrics.awsAuthRejected.inc() });
      cleanups.unshift(stop);
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
    publicUrl = publicUrlOf(cfg, port);
    writeServerInfo(cfg.dataDir, {
      url: publicUrl,
      region,
      ...(tls?.caPath ? { caPath: tls.caPath } : {}),
      pid: process.pid,
      startedAt: new Date(now()).toISOString(),
      store: store.description,
    });
    log.info({ url: publicUrl, store: store.description, accountId }, 'Entryway is ready');

    return {
      url: publicUrl,
      port,
      app,
      store,
      indexes,
      metrics,
      ...(tls ? { tls } : {}),
      ...(bootstrapped ? { bootstrapped } : {}),
      accountId,
      flushAudit: () => auditRecorder.flush(),
      close: async () => {
        if (closed) return;
        closed = true;
        // Stop accepting, let in-flight requests (reviews) finish, then release the store. Node
        // closes idle keep-alive connections once, when close() starts; a connection that was busy
        // then goes idle only after its answer, so keep closing idle ones until the server is shut,
        // and after a grace period close whatever is left.
        const server = app.server as HttpServer;
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
          clearTimeout(deadline);
        }
        await auditRecorder.flush();
        for (const c of cleanups) await c();
      },
    };
  } catch (e) {
    for (const c of cleanups) await Promise.resolve(c()).catch(() => undefined);
    throw e;
  }
}
