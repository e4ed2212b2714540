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
import { AwsError } from '../errors/aws-error.js';
import { restJsonError } from '../aws/error-tables.js';
import { sendAwsError } from '../aws/rest-json.js';
import { AuditRecorder } from '../audit/recorder.js';
import { Authenticator } from '../authn/authenticator.js';
import { LastUseRecorder } from '../authn/last-use.js';

/** A mapping unused for longer is reported (doctor, metric) unless --unused-after says otherwise. */
export const DEFAULT_UNUSED_AFTER_MS = 90 * 86_400_000;
import { partitionOf } from '../rules/cluster.js';
import { eksApiPlugin, eksNotFoundHandler } from '../eks-api/plugin.js';
import type { ManagementDeps } from '../aws/management-call.js';
import type { ClusterEndpoint } from '../eks-api/shapes.js';
import { authenticateOrThrow, authorize as iamAuthorize, bootstrap } from '../iam/index.js';
import { SERVED_SERVICES, awsQueryPlugin, unsupportedService } from '../aws-query/plugin.js';
import { StackExecutor } from '../cloudformation/executor.js';
import { Indexes } from '../index/indexes.js';
import type { AuditEvent, Caller } from '../model/types.js';
import { PostgresStore } from '../store/postgres.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../store/repo.js';
import { webhooksPlugin } from '../webhooks/plugin.js';
import { WebhookCore } from '../webhooks/core.js';
import { storeTransitions } from './store-watch.js';
import { webhookFastPath } from './webhook-fast-path.js';
import { readMetricsToken } from './metrics-auth.js';
import { registerOpsRoutes } from './ops-routes.js';
import { registerRateLimits } from './rate-limit.js';
import { decisionSampler } from './decision-audit.js';
import { signedService } from './signed-service.js';
import { kubeApiPlugin } from '../kube-api/plugin.js';
import { entrywayApiPlugin } from '../entryway-api/plugin.js';
import { oidcAuthenticatorFor } from './oidc.js';
import { browserRedirect, consolePlugin } from '../console/plugin.js';
import { sessionAuthenticator, sessionLookup } from '../console/session-auth.js';
import { DEFAULT_SESSION_TTL_MS } from '../iam/console-sessions.js';
import { startJobs } from './jobs.js';
import { auditEventOf, systemCaller } from '../ops/operation.js';
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
    const webhookToken = await store.transaction(async (tx) => {
      const candidate = randomBytes(32).toString('base64url');
      const token = await tx.putSettingIfAbsent('webhookToken', candidate);
      // Recorded when this start made it (its existence, never its value).
      if (token === candidate) {
        const note = { clusterName: null, resource: 'webhookToken' };
        await tx.insertAudit(auditEventOf({ requestId: `start-${process.pid}-${now()}`, sourceIp: '-', at: now(), service: 'entryway', operation: 'CreateWebhookToken', caller: systemCaller('server'), note }, 'Success'));
      }
      return token;
    });

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
    // The public URL is known once the listener has its port (port 0 in tests); everything that
    // reads it runs inside a request, after listen — publicUrl() says so if that ever changes.
    const listening: { url?: string } = {};
    const publicUrl = (): string => {
      if (listening.url === undefined) throw new Error('the public URL was read before the server listened');
      return listening.url;
    };
    const caData = tls ? Buffer.from(tls.ca).toString('base64') : undefined;
    const endpointFor = (name: string): ClusterEndpoint => ({ endpoint: `${publicUrl()}/k8s/${name}`, ...(caData ? { caData } : {}) });

    const oidcCa = cfg.oidcCaFile ? readFileSync(cfg.oidcCaFile, 'utf8') : undefined;
    const auditRecorder = new AuditRecorder(store, { onError: (e) => log.error({ err: e }, 'audit events could not be written') });
    const audit = async (e: AuditEvent, tx?: Tx) => {
      metrics.apiRequests.inc({ service: e.service, operation: e.operation, result: e.result });
      await auditRecorder.record(e, tx);
    };

    // Tokens presigned for Entryway's own endpoint (AWS_ENDPOINT_URL) name this host.
    const ownStsHosts = (): string[] => {
      const u = new URL(publicUrl());
      const host = u.host;
      return [u.protocol === 'http:' ? `http://${host}` : host, ...cfg.customStsHosts];
    };
    // Last use of each mapping: coalesced here, written once per interval (authn/last-use.ts).
    const lastUse = new LastUseRecorder(store, {
      ...(cfg.lastUseFlushMs !== undefined ? { flushMs: cfg.lastUseFlushMs } : {}),
      onError: (err) => log.warn({ err }, 'last use could not be written; kept for the next flush'),
    });
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
      onUse: (cluster, use, at, ip) => lastUse.record(cluster, use, at, ip),
      jwt: oidcAuthenticatorFor(cfg),
    });

    // Sampled decision auditing (--audit-decisions).
    const onDecision = decisionSampler(cfg.auditDecisions, (e) => void auditRecorder.record(e), now);
    const webhooks = new WebhookCore({
      authenticator,
      indexes,
      now,
      metrics,
      webhookToken,
      log,
      ...(onDecision ? { onDecision } : {}),
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

    await registerRateLimits(app, { webhook: cfg.webhookRateLimit, management: cfg.managementRateLimit, onExceeded: (surface) => metrics.rateLimited.inc({ surface }) });

    // Read-your-writes for reviews: a change is in this replica's index before its call returns,
    // so e.g. a deleted access entry stops its principal on the very next review.
    app.addHook('onSend', async (req) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') await indexes.settled();
    });
    app.addHook('onRequest', browserRedirect);
    registerOpsRoutes(app, {
      store,
      indexes,
      metrics,
      now,
      connectedSts: cfg.connectedSts,
      indexGeneration: () => indexGeneration,
      tokenCacheSize: () => authenticator.cacheSize,
      auditDropped: () => auditRecorder.dropped,
      unused: { lastUse, afterMs: cfg.unusedAfterMs ?? DEFAULT_UNUSED_AFTER_MS },
      ...(cfg.metricsTokenFile ? { metricsToken: readMetricsToken(cfg.metricsTokenFile) } : {}),
    });

    // The web console's session cookie authenticates the same API calls a signature does.
    const sessions = sessionLookup({ store, now });
    const sessionCaller = sessionAuthenticator(sessions);
    const authenticateRestJson = async (raw: RawRequest) => {
      const viaSession = await sessionCaller(raw, 'rest-json');
      if (viaSession) return { caller: viaSession, service: 'eks' };
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
    // CloudFormation's stack operations run here, in the background, through the same services.
    const stacks = new StackExecutor({
      store,
      region,
      partition,
      now,
      updateDurationMs: cfg.updateDurationMs,
      clusterCreateDurationMs: cfg.clusterCreateDurationMs,
      unheld: management.unheld!,
      audit,
      endpointFor,
      onError: (err, stackId) => log.error({ err, stackId }, 'stack operation step failed; retrying'),
    });
    await app.register(awsQueryPlugin, {
      cloudformation: { executor: stacks, settleMs: cfg.cloudformationSettleMs ?? 2000 },
      store,
      region,
      partition,
      now,
      onAudit: async (e, tx) => {
        await audit(e, tx);
      },
      auditReads: cfg.auditReads ?? false,
      unheld: management.unheld!,
      sessionCaller: (raw) => sessionCaller(raw, 'query'),
      onError: (err) => log.error({ err }, 'IAM/STS request failed'),
    });
    await app.register(webhooksPlugin, { core: webhooks, reviews: cfg.webhookRateLimit > 0 });
    await app.register(kubeApiPlugin, { authenticator, indexes, now, onAuthentication: (result, reason) => metrics.tokenReviews.inc({ kind: 'kubectl', result, reason }) });

    await app.register(entrywayApiPlugin, {
      ...management,
      indexes,
      lastUse,
      unusedAfterMs: cfg.unusedAfterMs ?? DEFAULT_UNUSED_AFTER_MS,
      webhookConfig: () => ({ url: publicUrl(), ...(tls ? { ca: tls.ca } : {}), token: webhookToken, ...(oidcCa ? { oidcCa } : {}) }),
    });

    await app.register(consolePlugin, { ...management, lookup: sessions, publicUrl, sessionTtlMs: cfg.consoleSessionTtlMs ?? DEFAULT_SESSION_TTL_MS });

    app.setNotFoundHandler((req, reply) => {
      const path = (req.raw.url ?? '/').split('?')[0] ?? '/';
      const service = signedService(req.headers.authorization, req.raw.url ?? '');
      if (service && !SERVED_SERVICES.includes(service)) return sendAwsError(reply, unsupportedService(service));
      if (/^\/(clusters|access-policies|tags)(\/|$)/.test(path)) return eksNotFoundHandler(req, reply);
      return reply.code(404).send({ message: `Not found: ${req.method} ${path.slice(0, 200)}` });
    });

    // Losing and regaining the database (or the change feed) is logged once per transition, as the
    // store notices it (a poll could miss a short outage).
    const stopStoreWatch = store.onStatus((s, before) => {
      for (const r of storeTransitions(s, before)) log[r.level]({ store: store.description, ...(s.lastError && !s.connected ? { error: s.lastError } : {}) }, r.msg);
    });
    cleanups.unshift(stopStoreWatch);

    // Fastify names the scheme from its own `https` option, which our server factory replaces.
    await app.listen({ host: cfg.host, port: cfg.port, listenTextResolver: (address) => `Entryway listening at ${tls ? address.replace(/^http:/, 'https:') : address}` });
    cleanups.unshift(() => stacks.stop());
    // After the listener closed (cleanups run then): the last reviews' uses are written.
    cleanups.unshift(() => lastUse.stop());
    lastUse.start();
    cleanups.unshift(startJobs({ store, indexes, audit, now, region, partition, log, cfg, onAwsAuthRejected: () => metrics.awsAuthRejected.inc() }));
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
    const url = publicUrlOf(cfg, port);
    listening.url = url;
    // Resumes (or rolls back) what a stopped process left in flight, then takes new operations.
    stacks.start();
    writeServerInfo(cfg.dataDir, {
      url,
      region,
      ...(tls?.caPath ? { caPath: tls.caPath } : {}),
      pid: process.pid,
      startedAt: new Date(now()).toISOString(),
      store: store.description,
    });
    log.info({ url, store: store.description, accountId }, 'Entryway is ready');

    return {
      url,
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
