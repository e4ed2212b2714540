import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ServerConfig, TlsConfig } from '../../server/config.js';
import { DEFAULTS, parseDuration, parseListen, resolveDataDir } from '../../server/config.js';
import { startServer, createLogger } from '../../server/app.js';
import { paths } from '../../server/datadir.js';
import { CliError } from '../client.js';
import { parseSigningAlgs } from '../../oidc/config.js';
import type { Command } from './types.js';

export const serveHelp = `Usage: entryway serve [flags]

Starts Entryway: the EKS-compatible API, Entryway's IAM/STS, the TokenReview and SubjectAccessReview
webhooks and the kubectl review endpoints, on one HTTPS endpoint.

  --listen HOST:PORT        address to listen on (default ${DEFAULTS.host}:${DEFAULTS.port})
  --data-dir DIR            data directory (default ./.entryway or ENTRYWAY_DATA_DIR)
  --store URL               postgres://user@host:5432/db for several replicas (or ENTRYWAY_STORE);
                            default: SQLite in the data directory
  --region REGION           the region Entryway presents (default ${DEFAULTS.region})
  --account-id ID           12-digit ID of the primary account, used on first start only
  --tls MODE                self-signed (default): a private CA and server certificate in DIR/tls;
                            none: plain HTTP (loopback only unless --allow-insecure-http)
  --tls-cert FILE --tls-key FILE [--tls-ca FILE]   serve your own certificate instead
  --tls-san NAME            extra DNS name or IP for the self-signed certificate (repeatable)
  --public-url URL          the URL clients use, e.g. behind a load balancer (default: derived)
  --allow-insecure-http     allow plain HTTP on a non-loopback address
  --connected-sts           verify tokens signed with keys Entryway does not hold against the real
                            AWS STS (off by default: fully offline)
  --sts-host HOST[:PORT]    accept tokens presigned for this extra STS host (repeatable)
  --aws-auth CLUSTER=FILE   watch an aws-auth ConfigMap YAML for a cluster (repeatable)
  --update-duration D       how long asynchronous EKS updates stay InProgress (default 1s)
  --cluster-create-duration D  how long a new cluster reports CREATING (default 0s)
  --body-limit BYTES        maximum request body (default ${DEFAULTS.bodyLimit})
  --request-timeout D       time a client has to send a whole request; slower ones get 408 (default 30s)
  --max-connections N       open connections at most; more are closed at once (default 10000, 0 = no cap)
  --management-rate-limit N requests per second per client on the management APIs (default ${DEFAULTS.managementRateLimit}, 0 = off)
  --webhook-rate-limit N    requests per second per client on the webhooks (default 0 = off)
  --audit-decisions RATE    also audit this fraction (0–1) of authentication/authorization decisions
  --audit-retention D       delete audit events older than this (default 365d; 0 keeps them forever)
  --audit-reads             also record successful read-only calls (failed calls and changes always are)
  --allow-unverifiable-principals  accept access entries for accounts Entryway's IAM does not hold
                            while --connected-sts is off (their tokens cannot be verified; doctor warns)
  --metrics-token-file FILE require 'Authorization: Bearer <token>' on /metrics (token in FILE)
  --oidc-ca-file FILE       PEM CA bundle trusted, besides the public CAs, for the discovery and JWKS
                            of OIDC identity providers (issuers with a private CA)
  --oidc-signing-algs ALGS  JWS algorithms accepted on OIDC ID tokens, comma-separated (default RS256;
                            RS256/384/512, ES256/384/512, PS256/384/512)
  --console-session D       how long a web console session lasts (default 12h; capped by the
                            expiry of the temporary credentials it was signed in with)
  --cloudformation-wait D   how long a CloudFormation call that starts a stack operation waits
                            for it before answering (default 2s, 0 = answer at once; the
                            operation runs in the background either way)
  --last-use-flush D        how often the last use of each access entry, aws-auth row and identity
                            provider is written to the store (default 1m; at most one write per
                            mapping per interval, shared by replicas)
  --unused-after D          a mapping not used for longer is reported as unused by doctor and
                            the entryway_unused_access_entries metric (default 90d)
  --log-level LEVEL         trace, debug, info (default), warn, error`;

export function parseServeArgs(args: string[]): ServerConfig {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      listen: { type: 'string' },
      'data-dir': { type: 'string' },
      store: { type: 'string' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      tls: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'tls-san': { type: 'string', multiple: true },
      'public-url': { type: 'string' },
      'allow-insecure-http': { type: 'boolean' },
      'connected-sts': { type: 'boolean' },
      'sts-host': { type: 'string', multiple: true },
      'aws-auth': { type: 'string', multiple: true },
      'update-duration': { type: 'string' },
      'cluster-create-duration': { type: 'string' },
      'body-limit': { type: 'string' },
      'request-timeout': { type: 'string' },
      'max-connections': { type: 'string' },
      'management-rate-limit': { type: 'string' },
      'webhook-rate-limit': { type: 'string' },
      'audit-decisions': { type: 'string' },
      'audit-retention': { type: 'string' },
      'audit-reads': { type: 'boolean' },
      'console-session': { type: 'string' },
      'cloudformation-wait': { type: 'string' },
      'last-use-flush': { type: 'string' },
      'unused-after': { type: 'string' },
      'allow-unverifiable-principals': { type: 'boolean' },
      'metrics-token-file': { type: 'string' },
      'oidc-ca-file': { type: 'string' },
      'oidc-signing-algs': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const { host, port } = parseListen(values.listen ?? `${DEFAULTS.host}:${DEFAULTS.port}`);
  let tls: TlsConfig;
  if (values['tls-cert'] || values['tls-key']) {
    if (!values['tls-cert'] || !values['tls-key']) throw new CliError('--tls-cert and --tls-key go together', 2);
    tls = { mode: 'provided', certPath: values['tls-cert'], keyPath: values['tls-key'], ...(values['tls-ca'] ? { caPath: values['tls-ca'] } : {}) };
  } else if (values.tls === undefined || values.tls === 'self-signed') {
    tls = { mode: 'self-signed', sans: values['tls-san'] ?? [] };
  } else if (values.tls === 'none') {
    tls = { mode: 'none' };
  } else {
    throw new CliError(`--tls must be self-signed or none (or use --tls-cert/--tls-key), not ${JSON.stringify(values.tls)}`, 2);
  }
  const accountId = values['account-id'];
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw new CliError('--account-id must be 12 digits', 2);
  const num = (v: string | undefined, def: number, name: string) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new CliError(`${name} must be a non-negative number`, 2);
    return n;
  };
  const awsAuthFiles = (values['aws-auth'] ?? []).map((s) => {
    const i = s.indexOf('=');
    if (i <= 0) throw new CliError(`--aws-auth takes CLUSTER=FILE, not ${JSON.stringify(s)}`, 2);
    return { cluster: s.slice(0, i), path: s.slice(i + 1) };
  });
  const auditDecisions = num(values['audit-decisions'], 0, '--audit-decisions');
  if (auditDecisions > 1) throw new CliError('--audit-decisions is a fraction between 0 and 1', 2);
  const storeUrl = values.store ?? process.env.ENTRYWAY_STORE;
  return {
    host,
    port,
    dataDir: resolveDataDir(values['data-dir']),
    region: values.region ?? DEFAULTS.region,
    ...(accountId ? { accountId } : {}),
    tls,
    allowInsecureHttp: values['allow-insecure-http'] ?? false,
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    ...(storeUrl ? { storeUrl } : {}),
    updateDurationMs: values['update-duration'] ? parseDuration(values['update-duration']) : DEFAULTS.updateDurationMs,
    clusterCreateDurationMs: values['cluster-create-duration'] ? parseDuration(values['cluster-create-duration']) : DEFAULTS.clusterCreateDurationMs,
    logLevel: values['log-level'] ?? DEFAULTS.logLevel,
    connectedSts: values['connected-sts'] ?? false,
    customStsHosts: values['sts-host'] ?? [],
    awsAuthFiles,
    bodyLimit: num(values['body-limit'], DEFAULTS.bodyLimit, '--body-limit'),
    ...(values['request-timeout'] ? { requestTimeoutMs: parseDuration(values['request-timeout']) } : {}),
    ...(values['max-connections'] ? { maxConnections: num(values['max-connections'], 10_000, '--max-connections') } : {}),
    managementRateLimit: num(values['management-rate-limit'], DEFAULTS.managementRateLimit, '--management-rate-limit'),
    webhookRateLimit: num(values['webhook-rate-limit'], DEFAULTS.webhookRateLimit, '--webhook-rate-limit'),
    auditDecisions,
    // 0 keeps events forever; the default keeps a year.
    auditRetentionMs: values['audit-retention'] !== undefined ? parseDuration(values['audit-retention']) : 365 * 86_400_000,
    auditReads: values['audit-reads'] ?? false,
    allowUnverifiablePrincipals: values['allow-unverifiable-principals'] ?? false,
    ...(values['metrics-token-file'] ? { metricsTokenFile: values['metrics-token-file'] } : {}),
    ...(values['oidc-ca-file'] ? { oidcCaFile: values['oidc-ca-file'] } : {}),
    ...(values['oidc-signing-algs'] ? { oidcSigningAlgs: parseSigningAlgs(values['oidc-signing-algs']) } : {}),
    ...(values['console-session'] ? { consoleSessionTtlMs: consoleSession(values['console-session']) } : {}),
    ...(values['cloudformation-wait'] !== undefined ? { cloudformationSettleMs: cloudformationWait(values['cloudformation-wait']) } : {}),
    ...(values['last-use-flush'] !== undefined ? { lastUseFlushMs: boundedDuration('--last-use-flush', values['last-use-flush'], 100, 3_600_000) } : {}),
    ...(values['unused-after'] !== undefined ? { unusedAfterMs: boundedDuration('--unused-after', values['unused-after'], 60_000, 3650 * 86_400_000) } : {}),
  };
}

/** Flags serve takes (its help is written by hand above; the test checks every flag is in it). */
const SERVE_FLAGS = [
  'listen', 'data-dir', 'store', 'region', 'account-id', 'tls', 'tls-cert', 'tls-key', 'tls-ca', 'tls-san', 'public-url', 'allow-insecure-http',
  'connected-sts', 'sts-host', 'aws-auth', 'update-duration', 'cluster-create-duration', 'body-limit', 'request-timeout', 'max-connections',
  'management-rate-limit', 'webhook-rate-limit', 'audit-decisions', 'audit-retention', 'audit-reads', 'allow-unverifiable-principals',
  'metrics-token-file', 'oidc-ca-file', 'oidc-signing-algs', 'console-session', 'cloudformation-wait', 'last-use-flush', 'unused-after', 'log-level',
] as const;

function boundedDuration(flag: string, v: string, min: number, max: number): number {
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch (e) {
    throw new CliError(`${flag}: ${(e as Error).message}`, 2);
  }
  if (ms < min || ms > max) throw new CliError(`${flag} must be between ${min < 1000 ? `${min}ms` : `${min / 1000}s`} and ${max >= 86_400_000 ? `${max / 86_400_000}d` : `${max / 1000}s`}`, 2);
  return ms;
}

function cloudformationWait(v: string): number {
  const ms = parseDuration(v);
  if (ms > 60_000) throw new CliError('--cloudformation-wait must be at most 1m', 2);
  return ms;
}

function consoleSession(v: string): number {
  const ms = parseDuration(v);
  if (ms < 60_000 || ms > 7 * 86_400_000) throw new CliError('--console-session must be between 1m and 7d', 2);
  return ms;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the Entryway server',
  help: serveHelp,
  flags: Object.fromEntries(SERVE_FLAGS.map((f) => [f, { type: 'string', help: '' }])),
  run: async (args) => {
    let cfg: ServerConfig;
    try {
      cfg = parseServeArgs(args);
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError((e as Error).message, 2);
    }
    const log = createLogger(cfg.logLevel);
    const server = await startServer(cfg, { logger: log });
    const dirArg = cfg.dataDir === resolveDataDir(undefined) ? '' : ` --data-dir ${cfg.dataDir}`;
    const creds = paths(cfg.dataDir).credentials;
    const hasCreds = existsSync(creds);
    const demoTaken = server.indexes.clusters.get('demo') !== undefined;
    const clusters = server.indexes.clusters.size;
    const lines = [
      '',
      `Entryway is running at ${server.url} (data in ${cfg.dataDir}, store ${server.store.description}).`,
      server.bootstrapped
        ? `Bootstrap administrator created in account ${server.bootstrapped.accountId}; credentials: ${server.bootstrapped.credentialsFile} (profile entryway-admin).`
        : hasCreds
          ? `Primary account ${server.accountId}; administrator credentials: ${creds} (profile entryway-admin).`
          : `Primary account ${server.accountId}. This replica did not create the administrator, so ${creds} does not exist: use the credentials file of the replica that bootstrapped the store, or an administrator's access key.`,
      '',
      `Next steps, in another shell (in this directory, or pass --data-dir ${cfg.dataDir}):`,
      `  eval "$(entryway env${dirArg})"`,
      ...(demoTaken || clusters > 0
        ? [`  aws eks list-clusters          # ${clusters} cluster(s) already here`]
        : [
            '  aws eks create-cluster --name demo --role-arn arn:aws:iam::' + server.accountId + ':role/eks \\',
            '      --resources-vpc-config subnetIds=subnet-1 --access-config authenticationMode=API_AND_CONFIG_MAP',
            '  aws eks list-clusters',
          ]),
      `  entryway console${dirArg}             # the web console: a single-use sign-in link`,
      '  (entryway not on your PATH? run `npm link` in the checkout, or use `npx entryway` inside it)',
      '',
    ];
    process.stderr.write(lines.join('\n') + '\n');
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down: draining in-flight requests');
        void server.close().then(resolve, (e) => {
          log.error({ err: e }, 'shutdown failed');
          resolve();
        });
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
    return 0;
  },
};
