/**
 * A real `entryway serve` process for the benchmark (started with tsx from src/, the way a user
 * runs the CLI), plus the requests the benchmark sends to it: SigV4-signed EKS calls, webhook
 * bodies and genuine k8s-aws-v1 tokens.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ADMIN_PROFILE, paths, readCredentialsProfile, readServerInfo } from '../../src/server/datadir.js';
import { signRequest } from '../../src/sigv4/index.js';
import type { AwsCredentials } from '../../src/sigv4/index.js';
import { createToken } from '../../src/token/index.js';
import { ROOT, killAndWait, probe, sleep } from './proc.js';

export interface EntrywayProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  host: string;
  port: number;
  dataDir: string;
  ca: string;
  admin: AwsCredentials;
  /** Milliseconds from spawn to /readyz answering 200. */
  readyMs: number;
  stop(): Promise<void>;
}

export interface ServeOptions {
  dataDir: string;
  storeUrl?: string;
  /** Extra Node flags (e.g. --max-old-space-size, --cpu-prof). */
  nodeArgs?: string[];
  timeoutMs?: number;
  logLevel?: string;
  /** Extra `serve` flags. */
  serveArgs?: string[];
}

/** Spawns `entryway serve` on a free loopback port and waits until /readyz is 200. */
export async function startEntryway(o: ServeOptions): Promise<EntrywayProcess> {
  const args = [
    'serve',
    '--data-dir',
    o.dataDir,
    '--listen',
    '127.0.0.1:0',
    '--log-level',
    o.logLevel ?? 'warn',
    '--management-rate-limit',
    '0',
    '--update-duration',
    '0s',
    ...(o.storeUrl ? ['--store', o.storeUrl] : []),
    ...(o.serveArgs ?? []),
  ];
  const t0 = performance.now();
  // The built command, as `npx entryway` runs it (`npm run bench` builds first): no tsx loader or
  // its helpers on the measured path.
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), join(ROOT, 'dist/cli/main.js'), ...args], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout?.on('data', () => undefined);
  const info = paths(o.dataDir).serverInfo;
  const deadline = Date.now() + (o.timeoutMs ?? 600_000);
  let url: string | undefined;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new Error(`entryway serve exited with ${exited} before it was ready`);
    if (Date.now() > deadline) {
      await killAndWait(child);
      throw new Error('entryway serve was not ready in time');
    }
    if (!url && existsSync(info)) {
      const i = readServerInfo(o.dataDir);
      if (i && i.pid === child.pid) url = i.url;
    }
    if (url && (await probe(`${url}/readyz`)) === 200) break;
    await sleep(url ? 20 : 50);
  }
  const readyMs = performance.now() - t0;
  const u = new URL(url);
  const admin = readCredentialsProfile(paths(o.dataDir).credentials, ADMIN_PROFILE);
  if (!admin) throw new Error('no admin credentials in the data directory');
  return {
    child,
    pid: child.pid!,
    url,
    host: u.hostname,
    port: Number(u.port),
    dataDir: o.dataDir,
    ca: readFileSync(join(o.dataDir, 'tls', 'ca.crt'), 'utf8'),
    admin,
    readyMs,
    stop: () => killAndWait(child),
  };
}

export function sdkClients(e: Pick<EntrywayProcess, 'url' | 'ca' | 'admin'>, credentials: AwsCredentials = e.admin): { eks: EKSClient; iam: IAMClient; agent: Agent } {
  const agent = new Agent({ ca: e.ca, keepAlive: true });
  const cfg = { endpoint: e.url, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 };
  return { eks: new EKSClient(cfg), iam: new IAMClient(cfg), agent };
}

/** The webhook bearer token, read from the SQLite store of a data directory. */
export function webhookTokenOf(dataDir: string): string {
  const db = new Database(paths(dataDir).db, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT value FROM settings WHERE key = 'webhookToken'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}

/** A raw HTTP/1.1 request, as the load generator sends it. */
export function rawRequest(method: string, host: string, path: string, headers: Record<string, string>, body?: string | Uint8Array): string {
  const b = body === undefined ? undefined : Buffer.from(body);
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${host}`];
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') lines.push(`${k}: ${v}`);
  if (b) lines.push(`content-length: ${b.length}`);
  return `${lines.join('\r\n')}\r\n\r\n${b ? b.toString('latin1') : ''}`;
}

/** A SigV4-signed EKS REST call as raw bytes. */
export async function signedEksRequest(base: string, method: string, path: string, credentials: AwsCredentials, now: Date, body?: unknown): Promise<string> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const s = await signRequest({
    method,
    url: base + path,
    region: 'us-east-1',
    service: 'eks',
    credentials,
    now,
    ...(payload ? { body: payload, headers: { 'content-type': 'application/json' } } : {}),
  });
  const u = new URL(s.url);
  return rawRequest(method, u.host, u.pathname + u.search, s.headers, payload);
}

/**
 * `count` distinct genuine k8s-aws-v1 tokens for `cluster`, presigned for Entryway's own endpoint.
 * Tokens differ by X-Amz-Date (spread over [now-120 s, now+60 s], inside the accepted window) and
 * X-Amz-Expires (1..900), so none repeats and each is a verified-token cache miss.
 */
export async function freshTokens(base: string, cluster: string, credentials: AwsCredentials, count: number): Promise<string[]> {
  const now = Date.now();
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const secOffset = (i % 181) - 120;
    const expires = 1 + (Math.floor(i / 181) % 900);
    out.push(await createToken({ credentials, region: 'us-east-1', clusterId: cluster, now: new Date(now + secOffset * 1000), endpoint: base, expiresSeconds: expires }));
  }
  return out;
}
