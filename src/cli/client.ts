/**
 * Entryway's CLI talks to a running server over its API (so changes reach the server's in-memory
 * index and every replica at once), signing requests with SigV4 like any AWS client.
 * Endpoint, credentials and CA come from flags, the AWS environment variables, or the data dir.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { signRequest } from '../sigv4/index.js';
import type { AwsCredentials } from '../sigv4/index.js';
import { ADMIN_PROFILE, paths, readCredentialsProfile, readServerInfo } from '../server/datadir.js';
import { resolveDataDir } from '../server/config.js';

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

/** Finds where and as whom to call. Precedence: flags, AWS_* environment, the data dir. */
export function resolveClientConfig(flags: { endpoint?: string; dataDir?: string; region?: string; profile?: string }): ClientConfig {
  const dir = resolveDataDir(flags.dataDir);
  const info = readServerInfo(dir);
  const endpoint = flags.endpoint ?? process.env.AWS_ENDPOINT_URL_EKS ?? process.env.AWS_ENDPOINT_URL ?? info?.url;
  if (!endpoint) throw new CliError(`No Entryway endpoint: start the server (entryway serve --data-dir ${dir}), or pass --endpoint / set AWS_ENDPOINT_URL.`);
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? info?.region ?? 'us-east-1';
  let credentials: AwsCredentials | undefined;
  if (!flags.profile && process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) {
    credentials = {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID,
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
      ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}),
    };
  } else {
    const profile = flags.profile ?? process.env.AWS_PROFILE ?? ADMIN_PROFILE;
    const files = [process.env.AWS_SHARED_CREDENTIALS_FILE, paths(dir).credentials, join(homedir(), '.aws', 'credentials')].filter((f): f is string => !!f);
    for (const f of files) {
      credentials = readCredentialsProfile(f, profile);
      if (credentials) break;
    }
    if (!credentials) throw new CliError(`No credentials: profile ${profile} not found in ${files.join(', ')}, and AWS_ACCESS_KEY_ID is not set.`);
  }
  const caPath = process.env.AWS_CA_BUNDLE && endpoint.startsWith('https:') ? process.env.AWS_CA_BUNDLE : info?.caPath;
  let ca: string | undefined;
  if (caPath && endpoint.startsWith('https:')) {
    try {
      ca = readFileSync(caPath, 'utf8');
    } catch {
      ca = undefined;
    }
  }
  return { endpoint: endpoint.replace(/\/+$/, ''), region, credentials, ...(ca ? { ca } : {}) };
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
