/**
 * Test harness: an Entryway server in this process on a loopback port with TLS (self-signed CA in a
 * temporary data dir), plus clients that talk to it the way users do — the real AWS CLI, the AWS
 * SDK for JavaScript v3, and plain HTTPS for the webhooks.
 * Store: SQLite by default; ENTRYWAY_TEST_STORE=postgres runs the same tests on PostgreSQL
 * (a fresh schema per server; see src/store/testing.ts for how availability is enforced).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pg from 'pg';
import type { ServerConfig } from '../../src/server/config.js';
import { DEFAULTS } from '../../src/server/config.js';
import type { RunningServer } from '../../src/server/app.js';
import { createLogger, startServer } from '../../src/server/app.js';
import { ADMIN_PROFILE, paths, readCredentialsProfile } from '../../src/server/datadir.js';
import { postgresTestUrl, requirePostgres } from '../../src/store/testing.js';
import { rawHttp } from '../../src/cli/client.js';

const run = promisify(execFile);

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestServer {
  url: string;
  dataDir: string;
  accountId: string;
  region: string;
  admin: Credentials;
  webhookToken: string;
  caPath: string;
  ca: string;
  server: RunningServer;
  storeKind: 'sqlite' | 'postgres';
  /** Environment for the AWS CLI (isolated from the user's ~/.aws), as the admin or given credentials. */
  awsEnv(credentials?: Credentials, extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** Runs the real `aws` CLI; never throws on a non-zero exit. */
  aws(args: string[], opts?: { credentials?: Credentials; env?: Record<string, string> }): Promise<CliResult>;
  eks(credentials?: Credentials): EKSClient;
  iam(credentials?: Credentials): IAMClient;
  sts(credentials?: Credentials): STSClient;
  /** POSTs JSON to a path with the webhook bearer token (or none/another token). */
  post(path: string, body: unknown, opts?: { token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; json: any; text: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export function testStoreKind(): 'sqlite' | 'postgres' {
  return process.env.ENTRYWAY_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
}

export async function startTestServer(opts: { config?: Partial<ServerConfig>; store?: 'sqlite' | 'postgres'; now?: () => number; stsFetch?: typeof fetch; keepDataDir?: boolean } = {}): Promise<TestServer> {
  const storeKind = opts.store ?? testStoreKind();
  const dataDir = opts.config?.dataDir ?? mkdtempSync(join(tmpdir(), 'entryway-test-'));
  let schema: string | undefined;
  let storeUrl: string | undefined;
  if (storeKind === 'postgres') {
    if (!(await requirePostgres())) throw new Error('ENTRYWAY_TEST_STORE=postgres but PostgreSQL is unreachable');
    schema = `t_${Math.random().toString(36).slice(2, 12)}`;
    const u = new URL(postgresTestUrl());
    u.searchParams.set('schema', schema);
    storeUrl = u.toString();
  }
  const config: ServerConfig = {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    region: 'us-east-1',
    tls: { mode: 'self-signed', sans: [] },
    allowInsecureHttp: false,
    updateDurationMs: 0,
    clusterCreateDurationMs: 0,
    logLevel: process.env.ENTRYWAY_TEST_LOG ?? 'silent',
    connectedSts: false,
    customStsHosts: [],
    awsAuthFiles: [],
    bodyLimit: DEFAULTS.bodyLimit,
    managementRateLimit: 0,
    webhookRateLimit: 0,
    auditDecisions: 0,
    // Most suites use principals of accounts the test server does not hold (cross-account entries)
    // and are about other things; the default refusal has its own tests (first-contact.test.ts).
    allowUnverifiablePrincipals: true,
    ...(storeUrl ? { storeUrl } : {}),
    ...opts.config,
  };
  const server = await startServer(config, { logger: createLogger(config.logLevel), ...(opts.now ? { now: opts.now } : {}), ...(opts.stsFetch ? { stsFetch: opts.stsFetch } : {}) });
  const p = paths(dataDir);
  const admin = readCredentialsProfile(p.credentials, ADMIN_PROFILE);
  if (!admin) throw new Error('bootstrap credentials missing');
  const webhookToken = await server.store.read(async (tx) => (await tx.getSetting('webhookToken')) as string);
  const caPath = p.caCert;
  const ca = readFileSync(caPath, 'utf8');
  const agent = new Agent({ ca, keepAlive: true });
  const handler = () => new NodeHttpHandler({ httpsAgent: agent });
  const clientConfig = (c: Credentials = admin) => ({ endpoint: server.url, region: config.region, credentials: c, requestHandler: handler(), maxAttempts: 1 });

  const awsEnv = (credentials?: Credentials, extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
    Object.assign(env, {
      AWS_CONFIG_FILE: '/dev/null',
      AWS_ENDPOINT_URL: server.url,
      AWS_CA_BUNDLE: caPath,
      AWS_DEFAULT_REGION: config.region,
      AWS_PAGER: '',
      AWS_RETRY_MODE: 'standard',
      AWS_MAX_ATTEMPTS: '1',
    });
    if (credentials) {
      Object.assign(env, { AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey });
      if (credentials.sessionToken) env.AWS_SESSION_TOKEN = credentials.sessionToken;
    } else {
      Object.assign(env, { AWS_SHARED_CREDENTIALS_FILE: p.credentials, AWS_PROFILE: ADMIN_PROFILE });
    }
    return Object.assign(env, extra);
  };

  const http = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.from(body as string) : Buffer.from(JSON.stringify(body));
    const res = await rawHttp(server.url + path, { method, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers }, ...(payload ? { body: payload } : {}), ca });
    const text = res.body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };

  return {
    url: server.url,
    dataDir,
    accountId: server.accountId,
    region: config.region,
    admin,
    webhookToken,
    caPath,
    ca,
    server,
    storeKind,
    awsEnv,
    aws: async (args, o = {}) => {
      try {
        const { stdout, stderr } = await run('aws', [...args, '--output', 'json'], { env: awsEnv(o.credentials, o.env), maxBuffer: 16 * 1024 * 1024 });
        let json: unknown;
        try {
          json = stdout.trim() ? JSON.parse(stdout) : undefined;
        } catch {
          json = undefined;
        }
        return { code: 0, stdout, stderr, json };
      } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e), json: undefined };
      }
    },
    eks: (c) => new EKSClient(clientConfig(c)),
    iam: (c) => new IAMClient(clientConfig(c)),
    sts: (c) => new STSClient(clientConfig(c)),
    post: (path, body, o = {}) => {
      const token = o.token === undefined ? webhookToken : o.token;
      return http('POST', path, body, { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(o.headers ?? {}) });
    },
    get: (path, headers = {}) => http('GET', path, undefined, headers),
    close: async () => {
      agent.destroy();
      await server.close();
      if (!opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
      if (schema) {
        const c = new pg.Client({ connectionString: postgresTestUrl() });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      }
    },
  };
}
