/**
 * Shared plumbing of the property tests: run counts (CI-sized, scaled by `FUZZ_RUNS`), the
 * per-property report `npm run fuzz` prints, a keep-alive HTTPS client that sends headers and paths
 * exactly as given, a raw TLS writer for what no HTTP client will send, store snapshots for the
 * "never a partial write" checks, and a guard that fails the file on any uncaught error.
 *
 * `FUZZ_RUNS=<n>` multiplies every property's CI run count by n (default 1). `FUZZ_SEED` fixes
 * fast-check's seed. `FUZZ_REPORT=<file>` appends one JSON line per property (name, runs, requests,
 * failures, duration); scripts/fuzz.ts sets it and prints the table that goes into docs/security.md.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import { connect } from 'node:tls';
import fc from 'fast-check';
import type { Store } from '../../src/store/store.js';
import type { TestServer } from '../helpers/server.js';

/** Multiplier of every CI run count (`FUZZ_RUNS`, default 1). */
export const SCALE = Math.max(1, Number(process.env.FUZZ_RUNS ?? '1') || 1);

/** The run count of a property: its CI size times FUZZ_RUNS. */
export const runs = (ci: number): number => Math.max(1, Math.round(ci * SCALE));

/** Requests (or calls) made inside properties, per property name; reported with the run counts. */
const requestCounts = new Map<string, number>();
export function countRequest(property: string, n = 1): void {
  requestCounts.set(property, (requestCounts.get(property) ?? 0) + n);
}

/** Outcome tallies per property (e.g. how many mutants were accepted), reported alongside. */
const notes = new Map<string, Record<string, number>>();
export function note(property: string, key: string): void {
  const n = notes.get(property) ?? {};
  n[key] = (n[key] ?? 0) + 1;
  notes.set(property, n);
}

/** One property's result line; scripts/fuzz.ts reads these. */
export interface ReportLine {
  file: string;
  property: string;
  numRuns: number;
  ran: number;
  requests: number;
  notes: Record<string, number>;
  failed: boolean;
  seed: number;
  ms: number;
}

function report(line: ReportLine): void {
  const file = process.env.FUZZ_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(line)}\n`);
}

export interface CheckOptions {
  /** CI run count (scaled by FUZZ_RUNS). */
  ci: number;
  /** Name of the test file, for the report. */
  file: string;
  /** Per-run timeout in ms (fast-check's `timeout`), for network properties. */
  timeoutMs?: number;
  examples?: unknown[][];
}

/**
 * Runs a property with fast-check (sync or async), records its counts for the fuzz report, and
 * throws fast-check's report (seed, counterexample, shrunk path) when it fails.
 */
export async function check<Ts extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  o: CheckOptions,
): Promise<void> {
  const numRuns = runs(o.ci);
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
  const started = Date.now();
  const params: fc.Parameters<Ts> = {
    numRuns,
    seed,
    endOnFailure: SCALE > 1, // long runs: report the first failure without spending hours shrinking
    ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}),
    ...(o.examples ? { examples: o.examples as Ts[] } : {}),
  };
  const out = await fc.check(property as fc.IAsyncProperty<Ts>, params);
  report({ file: o.file, property: name, numRuns, ran: out.numRuns, requests: requestCounts.get(name) ?? 0, notes: notes.get(name) ?? {}, failed: out.failed, seed, ms: Date.now() - started });
  if (out.failed) {
    const cause = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
    throw new Error(`property "${name}" failed: ${cause}\n${fc.defaultReportMessage(out)}`);
  }
}

/** Fails the current file if anything escaped as an uncaught exception or unhandled rejection. */
export function guardProcess(): { assertClean(): void } {
  const escaped: string[] = [];
  const onError = (e: unknown) => escaped.push(e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e));
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    assertClean() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
      assert.deepEqual(escaped, [], 'nothing escaped as an uncaught exception or unhandled rejection');
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Header list sent in this order and case, duplicates allowed. */
export type HeaderList = Array<[string, string]>;

const toReply = (status: number, headers: IncomingHttpHeaders, body: Buffer): Reply => {
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
};

/** A keep-alive HTTPS client for one test server; paths and header case are sent exactly as given. */
export class Client {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly s: Pick<TestServer, 'url' | 'ca'>) {
    const u = new URL(s.url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new Agent({ ca: s.ca, keepAlive: true, maxSockets: 4 });
  }

  /**
   * Sends one request. A keep-alive socket the server closed between requests fails with a reset;
   * that one case is retried once on a fresh connection. A second failure is reported with the
   * request, as the server dropping a request without an answer.
   */
  async send(method: string, path: string, headers: HeaderList | Record<string, string>, body?: Uint8Array): Promise<Reply> {
    try {
      return await this.once(method, path, headers, body, this.agent);
    } catch {
      try {
        return await this.once(method, path, headers, body, false);
      } catch (e) {
        throw new Error(`${method} ${path.slice(0, 120)} got no answer: ${(e as Error).message} (headers ${JSON.stringify(headers).slice(0, 300)})`);
      }
    }
  }

  private once(method: string, path: string, headers: HeaderList | Record<string, string>, body: Uint8Array | undefined, agent: Agent | false): Promise<Reply> {
    const list: HeaderList = Array.isArray(headers) ? headers : Object.entries(headers);
    const raw: string[] = [];
    // Node adds no Host header to an array of raw headers.
    if (!list.some(([k]) => k.toLowerCase() === 'host')) raw.push('host', `${this.host}:${this.port}`);
    for (const [k, v] of list) raw.push(k, v);
    if (body && body.length && !list.some(([k]) => k.toLowerCase() === 'content-length')) raw.push('content-length', String(body.length));
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.host, port: this.port, method, path, headers: raw as unknown as Record<string, string>, agent, ca: this.s.ca, timeout: 60_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(toReply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path.slice(0, 80)} timed out`)));
      req.on('error', reject);
      if (body && body.length) req.write(body);
      req.end();
    });
  }

  /** POSTs a JSON value (or raw bytes) to a webhook with the webhook bearer token. */
  webhook(path: string, body: unknown, token: string): Promise<Reply> {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return this.send('POST', path, [['content-type', 'application/json'], ['authorization', `Bearer ${token}`]], bytes);
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Writes bytes on a fresh TLS connection and returns what comes back until the server closes or
 * `waitMs` passes: for request lines and headers no HTTP client will send.
 */
export function rawExchange(s: Pick<TestServer, 'url' | 'ca'>, bytes: Buffer, waitMs = 5_000): Promise<{ response: string; closed: boolean }> {
  const u = new URL(s.url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const sock = connect({ host: u.hostname, port: Number(u.port), ca: s.ca, servername: 'localhost' }, () => sock.end(bytes));
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ response: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
  });
}

/** Status code of a raw HTTP/1.1 response, 0 when there was none. */
export const rawStatus = (response: string): number => Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0);

/**
 * Everything a management call may change, read straight from the store: accounts, IAM users,
 * roles, keys, policies, sessions, clusters (records and updates), entries, associations, aws-auth
 * mappings, identity providers, EC2 instances. Audit events and idempotency records are left out
 * (refused calls are audited by design); so is an aws-auth document's `lastError`, which records a
 * rejection on purpose while the mapping stays.
 */
export async function snapshot(store: Store): Promise<string> {
  return store.read(async (tx) => {
    const out: Record<string, unknown> = {};
    const accounts = await tx.listAccounts();
    out.accounts = accounts;
    for (const a of accounts) {
      const users = await tx.listUsers(a.accountId);
      const roles = await tx.listRoles(a.accountId);
      const principals: Record<string, unknown> = {};
      for (const u of users) {
        principals[`user/${u.userName}`] = {
          attached: await tx.listAttachedPolicies(a.accountId, 'user', u.userName),
          inline: await tx.listInlinePolicies(a.accountId, 'user', u.userName),
        };
      }
      for (const r of roles) {
        principals[`role/${r.roleName}`] = {
          attached: await tx.listAttachedPolicies(a.accountId, 'role', r.roleName),
          inline: await tx.listInlinePolicies(a.accountId, 'role', r.roleName),
        };
      }
      out[`account/${a.accountId}`] = {
        users,
        roles,
        principals,
        keys: await tx.listAccessKeys(a.accountId),
        managedPolicies: await tx.listManagedPolicies(a.accountId),
        sessions: (await tx.listSessions(a.accountId, 0)).length,
      };
    }
    // Records without their revision counters (a recorded aws-auth rejection bumps the revision).
    const clusters = (await tx.listAllClusters()).map((row) => row.record);
    out.clusters = clusters;
    for (const c of clusters) {
      const name = c.name;
      const awsAuth = await tx.getAwsAuth(name);
      out[`cluster/${name}`] = {
        updates: await tx.listUpdates(name),
        entries: await tx.listEntries(name),
        associations: await tx.listClusterAssociations(name),
        awsAuth: awsAuth ? { ...awsAuth, lastError: undefined } : undefined,
        identityProviders: await tx.listIdentityProviders(name),
      };
    }
    out.ec2 = await tx.listEc2Instances();
    return JSON.stringify(out);
  });
}

/** Random casing of a string (`x-amz-date` → `X-aMz-DaTe`). */
export const caseVariant = (s: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((flips) => [...s].map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

/** Strings that tend to break parsers: control bytes, separators, unicode, escapes, long runs. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', '\r\n', '%', '%00', '%ZZ', '%E0%A4%A', '%C0%AF', '..', '../..', '/', '//', '\\', '?', '#', '&', '=', ';', '@', ':', '*', '"', "'", '<x>', '{{SessionName}}', 'system:masters', '\u202e', '\ud800', '\uffff', 'é', '☃', '𝕏', 'null', 'true', '[]', '{}', '__proto__', 'constructor', 'prototype', 'toString'),
  fc.tuple(fc.constantFrom('a', '%', '\u0000', 'é', '/'), fc.integer({ min: 100, max: 70_000 })).map(([c, n]) => c.repeat(n)),
);
