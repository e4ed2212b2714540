/** Server configuration: flags, environment, defaults. */
import { isIP } from 'node:net';
import { resolve } from 'node:path';

export type TlsConfig =
  | { mode: 'self-signed'; sans: string[] }
  | { mode: 'provided'; certPath: string; keyPath: string; caPath?: string }
  | { mode: 'none' };

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  region: string;
  /** Account ID of the primary account, used only when the store is empty. */
  accountId?: string;
  tls: TlsConfig;
  /** Plain HTTP on a non-loopback address must be asked for explicitly. */
  allowInsecureHttp: boolean;
  /** The URL clients use to reach this server (behind a load balancer, say); derived when unset. */
  publicUrl?: string;
  /** `postgres://…` for several replicas; SQLite in the data dir when unset. */
  storeUrl?: string;
  updateDurationMs: number;
  clusterCreateDurationMs: number;
  logLevel: string;
  /** Replay tokens signed with keys Entryway does not hold to the real AWS STS. */
  connectedSts: boolean;
  /** Extra STS hosts (`host[:port]`) whose tokens Entryway accepts, beyond AWS's and its own. */
  customStsHosts: string[];
  /** aws-auth ConfigMap files watched per cluster: `cluster=path`. */
  awsAuthFiles: { cluster: string; path: string }[];
  /** Request body limit for every endpoint (bytes). */
  bodyLimit: number;
  /** Time a client has to send a whole request (headers and body); default 30 s. */
  requestTimeoutMs?: number;
  /** Open connections at most (default 10,000; 0 = no cap); connections beyond it are closed at once. */
  maxConnections?: number;
  /** Per-client request rate limits (requests per second; 0 disables). */
  managementRateLimit: number;
  webhookRateLimit: number;
  /** Sample rate (0–1) of authentication/authorization decisions written to the audit trail. */
  auditDecisions: number;
  /** Record successful read-only management calls too (failed calls and changes always are). */
  auditReads?: boolean;
  /** Accept access entries for accounts Entryway does not hold while connected STS is off. */
  allowUnverifiablePrincipals?: boolean;
  /** A file holding the bearer token /metrics requires. */
  metricsTokenFile?: string;
  /** Audit events older than this are deleted (ms; 0 keeps them forever). */
  auditRetentionMs?: number;
  /** PEM bundle trusted besides the public CAs when fetching OIDC discovery and JWKS (private-CA issuers). */
  oidcCaFile?: string;
  /** JWS algorithms accepted on OIDC ID tokens (default RS256, like kube-apiserver). */
  oidcSigningAlgs?: string[];
  /** How long a console session lasts (default 12 h; never longer than the credentials it came from). */
  consoleSessionTtlMs?: number;
  /**
   * How long a CloudFormation call that starts a stack operation waits for it to finish before it
   * answers (default 2 s; 0 answers at once). The operation runs in the background either way.
   */
  cloudformationSettleMs?: number;
  /** How often last uses of mappings are written (default 60 s: at most one write per mapping per interval). */
  lastUseFlushMs?: number;
  /** A mapping not used for longer is "unused" (doctor, the unused-entries metric; default 90 days). */
  unusedAfterMs?: number;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8443,
  dataDir: '.entryway',
  region: 'us-east-1',
  updateDurationMs: 1000,
  clusterCreateDurationMs: 0,
  logLevel: 'info',
  bodyLimit: 1024 * 1024,
  managementRateLimit: 50,
  webhookRateLimit: 0,
} as const;

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** Parses a duration such as `1500ms`, `2s`, `1m`, or a bare number of milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(s)} (use e.g. 500ms, 2s, 1m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!);
}

export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  if (!m) throw new Error(`invalid --listen ${JSON.stringify(s)} (use HOST:PORT, e.g. 127.0.0.1:8443)`);
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in --listen ${JSON.stringify(s)}`);
  return { host: host || '0.0.0.0', port };
}

export function resolveDataDir(dir: string | undefined): string {
  return resolve(dir ?? process.env.ENTRYWAY_DATA_DIR ?? DEFAULTS.dataDir);
}

/** The URL clients should use, e.g. https://127.0.0.1:8443. */
export function publicUrlOf(cfg: Pick<ServerConfig, 'publicUrl' | 'host' | 'tls'>, port: number): string {
  if (cfg.publicUrl) return cfg.publicUrl.replace(/\/+$/, '');
  const scheme = cfg.tls.mode === 'none' ? 'http' : 'https';
  const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
  return `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
