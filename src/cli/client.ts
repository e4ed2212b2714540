/**
 * Entryway's CLI talks to a running server over its API (so changes reach the server's in-memory
 * index and every replica at once), signing requests with SigV4 like any AWS client.
 * Endpoint, credentials and CA come from flags, the AWS environment variables, or the data dir.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { signRequest } from '../sigv4/index.js';
import type { AwsCredentials } from '../sigv4/index.js';
import type { ServerInfo } from '../server/datadir.js';
import { ADMIN_PROFILE, paths, readCredentialsProfile, readServerInfo } from '../server/datadir.js';
import { resolveDataDir } from '../server/config.js';
import type { ClientFlagValues } from './commands/types.js';

export interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: AwsCredentials;
  ca?: string;
}

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Finds where and as whom to call. Endpoint: flag, AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL, then the
 * data dir's server.json. Credentials: the AWS SDK's own provider chain (environment, profiles in
 * ~/.aws/config and credentials with role_arn/source_profile, credential_process, SSO, web
 * identity) — what the AWS CLI would use — and, when nothing names a profile or keys, the bootstrap
 * administrator written into the data dir by `entryway serve`.
 */
export async function resolveClientConfig(flags: ClientFlagValues): Promise<ClientConfig> {
  const dir = resolveDataDir(flags['data-dir']);
  const info = readServerInfo(dir);
  const endpoint = flags['endpoint-url'] ?? process.env.AWS_ENDPOINT_URL_EKS ?? process.env.AWS_ENDPOINT_URL ?? info?.url;
  if (!endpoint) throw new CliError(`No Entryway endpoint: ${dir} holds no server.json. Start the server (entryway serve --data-dir ${dir}), pass --data-dir of a running one, or --endpoint-url / AWS_ENDPOINT_URL_EKS.`);
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? info?.region ?? 'us-east-1';
  const credentials = await resolveCredentials(flags.profile, dir);
  return { endpoint: endpoint.replace(/\/+$/, ''), region, credentials, ...trustFor(endpoint, info) };
}

async function resolveCredentials(profileFlag: string | undefined, dir: string): Promise<AwsCredentials> {
  const own = paths(dir).credentials;
  const named = profileFlag ?? process.env.AWS_PROFILE;
  const fromEnv = !profileFlag && !!process.env.AWS_ACCESS_KEY_ID;
  // A new user right after `npm start`: nothing set, the admin's keys are in the data dir.
  if (!named && !fromEnv) {
    const admin = readCredentialsProfile(process.env.AWS_SHARED_CREDENTIALS_FILE ?? own, ADMIN_PROFILE) ?? readCredentialsProfile(own, ADMIN_PROFILE);
    if (admin) return admin;
  }
  try {
    const c = await defaultProvider(named ? { profile: named } : {})();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
  } catch (e) {
    // A profile `entryway accounts create` wrote into the data dir, not into ~/.aws.
    const local = named ? readCredentialsProfile(own, named) : undefined;
    if (local) return local;
    const what = named ? `profile ${named}` : 'the environment, the default profile';
    throw new CliError(`No credentials from ${what} (${(e as Error).message.split('\n')[0]}), and ${own} has no profile ${named ?? ADMIN_PROFILE}. Run eval "$(entryway env --data-dir DIR)" or set AWS_PROFILE / AWS_ACCESS_KEY_ID.`);
  }
}

/**
 * Which CAs to trust for the endpoint. Entryway's own CA (from server.json) is trusted together
 * with AWS_CA_BUNDLE when both exist: a corporate proxy's bundle preset in the environment must
 * not make Entryway's certificate untrusted, nor the other way round.
 */
function trustFor(endpoint: string, info: ServerInfo | undefined): { ca?: string } {
  if (!endpoint.startsWith('https:')) return {};
  const pems: string[] = [];
  for (const f of [process.env.AWS_CA_BUNDLE, info?.caPath]) {
    if (!f) continue;
    try {
      pems.push(readFileSync(f, 'utf8'));
    } catch {
      if (f === process.env.AWS_CA_BUNDLE) throw new CliError(`AWS_CA_BUNDLE names ${f}, which cannot be read`);
    }
  }
  if (!pems.length) return {};
  // Node's `ca` replaces the default roots: keep them when only a private CA is added.
  if (!process.env.AWS_CA_BUNDLE) pems.unshift(...rootCertificates);
  return { ca: [...new Set(pems)].join('\n') };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP(S) request with an optional private CA; no redirects, bounded time. */
export function rawHttp(url: string, opts: { method: string; headers?: Record<string, string>; body?: Uint8Array; ca?: string; timeoutMs?: number; agent?: HttpsAgent }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = fn(
      u,
      { method: opts.method, headers: opts.headers, ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.agent ? { agent: opts.agent } : {}), timeout: opts.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${u.host} timed out`)));
    req.on('error', reject);
    if (opts.body && opts.body.length) req.write(opts.body);
    req.end();
  });
}

/** A SigV4-signed JSON call to Entryway (service `eks`, as the EKS API and Entryway's own API are). */
export async function callApi<T = Record<string, unknown>>(cfg: ClientConfig, method: string, path: string, body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const signed = await signRequest({
    method,
    url: cfg.endpoint + path,
    headers: payload === undefined ? {} : { 'content-type': 'application/json' },
    ...(payload === undefined ? {} : { body: payload }),
    region: cfg.region,
    service: 'eks',
    credentials: cfg.credentials,
    now: new Date(),
  });
  let res: HttpResult;
  try {
    res = await rawHttp(signed.url, { method, headers: signed.headers, body: signed.body, ...(cfg.ca ? { ca: cfg.ca } : {}) });
  } catch (e) {
    throw new CliError(`Cannot reach Entryway at ${cfg.endpoint}: ${(e as Error).message}`);
  }
  const text = res.body.toString('utf8');
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = undefined;
  }
  if (res.status >= 400) {
    const code = String(res.headers['x-amzn-errortype'] ?? 'Error').split(':')[0] ?? 'Error';
    const message = (parsed as { message?: string } | undefined)?.message ?? text.slice(0, 500);
    throw new ApiError(res.status, code, message);
  }
  return (parsed ?? {}) as T;
}
