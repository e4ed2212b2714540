/**
 * The load generator (HTTP/1.1 here; HTTP/2 in runLoadH2 below). Written here (no autocannon/wrk dependency) on raw `node:net` /
 * `node:tls` sockets: each connection is a persistent keep-alive socket that writes pre-serialised
 * request bytes and parses just enough of the response (status line, Content-Length or chunked end)
 * to know it is complete. That costs far less CPU per request than `http.request`, so on a 2-core
 * machine the generator (pinned to its own core) is not what limits the server it measures.
 *
 * Two modes:
 * - closed loop: `connections` sockets, each sends its next request when the previous answer is in
 *   (fixed concurrency); latency = write → last byte of the answer.
 * - open loop: requests are scheduled at a fixed arrival rate; each is sent on an idle connection
 *   or queued until one frees up, and its latency is measured from its *scheduled* time, so a
 *   server stall is not hidden by the generator waiting (coordinated omission corrected).
 *
 * Runs in a child process (`fork`) so it can be pinned to a CPU; the parent sends one job and gets
 * one result.
 */
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { Samples, summarize } from './stats.js';
import type { LatencySummary } from './stats.js';

export interface Target {
  host: string;
  port: number;
  tls: boolean;
  /** PEM CA to verify the server with; without it the certificate is not verified. */
  ca?: string;
}

export interface LoadJob {
  target: Target;
  /** Raw HTTP/1.1 requests (with Connection keep-alive semantics), used round-robin. */
  requestsFile: string;
  /** Every request is used at most once (e.g. fresh tokens); the run stops early if they run out. */
  unique?: boolean;
  /** Each response body must contain this (e.g. `"allowed":true`), else it counts as an error. */
  expectBody?: string;
  mode: 'closed' | 'open';
  connections: number;
  durationMs: number;
  warmupMs: number;
  /** Open loop: requests per second. */
  rate?: number;
  /** Open loop: poll with setImmediate (precise, burns this process's core) instead of 1 ms timers. */
  spin?: boolean;
  /** Measure this process's CPU over the window (Linux /proc). */
  serverPid?: number;
  /**
   * `h2`: HTTP/2 over TLS (ALPN), `connections` sessions with `streams` requests in flight on each,
   * as client-go multiplexes reviews; closed loop only. Default `h1` (the raw-socket generator).
   */
  protocol?: 'h1' | 'h2';
  streams?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  rps: number;
  latency: LatencySummary;
  /** CPU this generator used during the measured window, as a fraction of one core. */
  cpu: number;
  /** CPU the server used during the window, fraction of one core (Linux only, else NaN). */
  serverCpu: number;
  /** CPU used by everything else on the machine during the window, in cores (interference). */
  otherCpu: number;
  /** Open loop: requests still queued or in flight when the window closed. */
  backlog?: number;
  ranOut?: boolean;
  firstError?: string;
}

interface Conn {
  socket: net.Socket;
  buf: Buffer | null;
  busy: boolean;
  startedAt: number;
  measured: boolean;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** Length of a complete response at the head of `b`, or -1 if incomplete; also the status and body range. */
function parseResponse(b: Buffer): { total: number; status: number; bodyStart: number; bodyEnd: number } | null {
  const he = b.indexOf(CRLF2);
  if (he < 0) return null;
  const head = b.toString('latin1', 0, he);
  const status = Number(head.slice(9, 12));
  const lower = head.toLowerCase();
  const cl = lower.indexOf('\r\ncontent-length:');
  const bodyStart = he + 4;
  if (cl >= 0) {
    const end = lower.indexOf('\r\n', cl + 17);
    const len = Number(lower.slice(cl + 17, end < 0 ? undefined : end).trim());
    if (b.length < bodyStart + len) return null;
    return { total: bodyStart + len, status, bodyStart, bodyEnd: bodyStart + len };
  }
  if (lower.includes('\r\ntransfer-encoding: chunked')) {
    const z = b.indexOf('\r\n0\r\n\r\n', bodyStart - 2);
    if (z < 0) return null;
    return { total: z + 7, status, bodyStart, bodyEnd: z };
  }
  return { total: bodyStart, status, bodyStart, bodyEnd: bodyStart };
}

function connect(t: Target): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = t.tls
      ? tls.connect({ host: t.host, port: t.port, ...(t.ca ? { ca: t.ca } : { rejectUnauthorized: false }), ...(net.isIP(t.host) ? {} : { servername: t.host }) }, () => resolve(s))
      : net.connect({ host: t.host, port: t.port }, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  if (job.protocol === 'h2') return runLoadH2(job);
  const requests = (JSON.parse(readFileSync(job.requestsFile, 'utf8')) as string[]).map((r) => Buffer.from(r, 'latin1'));
  if (requests.length === 0) throw new Error('no requests');
  const expect = job.expectBody ? Buffer.from(job.expectBody) : undefined;
  let next = 0;
  let ranOut = false;
  const take = (): Buffer | undefined => {
    if (job.unique && next >= requests.length) {
      ranOut = true;
      return undefined;
    }
    const r = requests[next % requests.length]!;
    next++;
    return r;
  };

  const conns: Conn[] = [];
  for (let i = 0; i < job.connections; i++) conns.push({ socket: await connect(job.target), buf: null, busy: false, startedAt: 0, measured: false });

  const samples = new Samples();
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstError: string | undefined;
  let measuring = false;
  let stopped = false;
  let inWindow = 0;
  const now = () => performance.now();
  // Open loop: scheduled times of requests waiting for a free connection.
  const queue: number[] = [];
  const idle: Conn[] = [];

  const send = (c: Conn, scheduled?: number): boolean => {
    const r = take();
    if (!r) return false;
    c.busy = true;
    c.measured = measuring;
    c.startedAt = scheduled ?? now();
    c.socket.write(r);
    return true;
  };

  const onDone = (c: Conn, status: number, body: Buffer) => {
    const t = now();
    if (c.measured && measuring) {
      inWindow++;
      samples.push(t - c.startedAt);
      statuses[status] = (statuses[status] ?? 0) + 1;
      const bad = status >= 400 || (expect !== undefined && body.indexOf(expect) < 0);
      if (bad) {
        errors++;
        firstError ??= `${status} ${body.toString('utf8', 0, Math.min(body.length, 300))}`;
      }
    }
    c.busy = false;
    if (stopped) return;
    if (job.mode === 'closed') {
      send(c);
    } else {
      const s = queue.shift();
      if (s !== undefined) send(c, s);
      else idle.push(c);
    }
  };

  for (const c of conns) {
    c.socket.on('data', (chunk: Buffer) => {
      c.buf = c.buf ? Buffer.concat([c.buf, chunk]) : chunk;
      for (;;) {
        const p = parseResponse(c.buf);
        if (!p) return;
        const body = c.buf.subarray(p.bodyStart, p.bodyEnd);
        c.buf = p.total === c.buf.length ? null : c.buf.subarray(p.total);
        onDone(c, p.status, body);
        if (!c.buf) return;
      }
    });
    c.socket.on('error', (e) => {
      errors++;
      firstError ??= `socket: ${e.message}`;
    });
    c.socket.on('close', () => {
      if (!stopped) {
        errors++;
        firstError ??= 'connection closed by the server';
      }
    });
  }

  const cpu0 = { v: process.cpuUsage(), server: 0, machine: 0 };
  let t0 = 0;
  const startWindow = () => {
    measuring = true;
    t0 = now();
    cpu0.v = process.cpuUsage();
    cpu0.server = job.serverPid ? procCpuSeconds(job.serverPid) : NaN;
    cpu0.machine = machineBusySeconds();
  };

  if (job.mode === 'closed') {
    for (const c of conns) send(c);
    await sleep(job.warmupMs);
    startWindow();
    await sleep(job.durationMs);
  } else {
    const rate = job.rate ?? 1000;
    for (const c of conns) idle.push(c);
    const begin = now();
    let issued = 0;
    const warmEnd = begin + job.warmupMs;
    const end = warmEnd + job.durationMs;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const t = now();
        if (!measuring && t >= warmEnd) startWindow();
        if (t >= end) return resolve();
        const due = Math.floor(((t - begin) * rate) / 1000);
        while (issued < due) {
          const scheduled = begin + (issued * 1000) / rate;
          issued++;
          const c = idle.pop();
          if (c) {
            if (!send(c, scheduled)) idle.push(c);
          } else queue.push(scheduled);
        }
        if (job.spin) setImmediate(tick);
        else setTimeout(tick, 1);
      };
      tick();
    });
  }
  const elapsedMs = now() - t0;
  const cpu = process.cpuUsage(cpu0.v);
  const serverSec = job.serverPid ? procCpuSeconds(job.serverPid) - cpu0.server : NaN;
  const machineSec = machineBusySeconds() - cpu0.machine;
  const genSec = (cpu.user + cpu.system) / 1e6;
  measuring = false;
  stopped = true;
  const backlog = queue.length + conns.filter((c) => c.busy).length;
  for (const c of conns) c.socket.destroy();
  return {
    requests: inWindow,
    errors,
    statuses,
    elapsedMs,
    rps: (inWindow * 1000) / elapsedMs,
    latency: summarize(samples.view()),
    cpu: (genSec * 1000) / elapsedMs,
    serverCpu: (serverSec * 1000) / elapsedMs,
    otherCpu: Number.isNaN(machineSec) ? NaN : Math.max(0, ((machineSec - genSec - (Number.isNaN(serverSec) ? 0 : serverSec)) * 1000) / elapsedMs),
    ...(job.mode === 'open' ? { backlog } : {}),
    ...(ranOut ? { ranOut } : {}),
    ...(firstError ? { firstError } : {}),
  };
}

/** A pre-serialised HTTP/1.1 request as HTTP/2 headers and body (connection-specific headers dropped). */
function toH2(raw: string): { headers: http2.OutgoingHttpHeaders; body: Buffer } {
  const he = raw.indexOf('\r\n\r\n');
  const lines = raw.slice(0, he).split('\r\n');
  const [method, path] = lines[0]!.split(' ');
  const headers: http2.OutgoingHttpHeaders = { ':method': method!, ':path': path! };
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    if (k === 'host') headers[':authority'] = l.slice(i + 1).trim();
    else if (k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding') headers[k] = l.slice(i + 1).trim();
  }
  return { headers, body: Buffer.from(raw.slice(he + 4), 'latin1') };
}

/**
 * Closed loop over HTTP/2 with node:http2's client (the h2 framing is not worth re-implementing
 * here; the generator has its own core, and the ceiling row is measured with the same client).
 */
async function runLoadH2(job: LoadJob): Promise<LoadResult> {
  const requests = (JSON.parse(readFileSync(job.requestsFile, 'utf8')) as string[]).map(toH2);
  if (requests.length === 0) throw new Error('no requests');
  if (job.mode !== 'closed') throw new Error('the h2 generator runs closed loop only');
  const expect = job.expectBody ? Buffer.from(job.expectBody) : undefined;
  const t = job.target;
  const authority = `https://${t.host}:${t.port}`;
  const sessions: http2.ClientHttp2Session[] = [];
  for (let i = 0; i < job.connections; i++) {
    sessions.push(
      await new Promise<http2.ClientHttp2Session>((resolve, reject) => {
        const c = http2.connect(authority, { ...(t.ca ? { ca: t.ca } : { rejectUnauthorized: false }) });
        c.once('connect', () => resolve(c));
        c.once('error', reject);
      }),
    );
  }
  const samples = new Samples();
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstError: string | undefined;
  let measuring = false;
  let stopped = false;
  let inWindow = 0;
  let next = 0;
  let ranOut = false;
  const now = () => performance.now();
  const send = (sess: http2.ClientHttp2Session): void => {
    if (stopped) return;
    if (job.unique && next >= requests.length) {
      ranOut = true;
      return;
    }
    const r = requests[next++ % requests.length]!;
    const measured = measuring;
    const started = now();
    const stream = sess.request(r.headers);
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (measured && measuring) {
        inWindow++;
        samples.push(now() - started);
        statuses[status] = (statuses[status] ?? 0) + 1;
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (status >= 400 || (expect !== undefined && body.indexOf(expect) < 0)) {
          errors++;
          firstError ??= `${status} ${body.toString('utf8', 0, Math.min(body.length, 300))}`;
        }
      }
      send(sess);
    });
    stream.on('error', (e) => {
      if (stopped) return;
      errors++;
      firstError ??= `stream: ${e.message}`;
    });
    stream.end(r.body);
  };
  const streams = job.streams ?? 8;
  for (const sess of sessions) for (let k = 0; k < streams; k++) send(sess);
  await sleep(job.warmupMs);
  measuring = true;
  const t0 = now();
  const cpu0 = process.cpuUsage();
  const server0 = job.serverPid ? procCpuSeconds(job.serverPid) : NaN;
  const machine0 = machineBusySeconds();
  await sleep(job.durationMs);
  const elapsedMs = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const serverSec = job.serverPid ? procCpuSeconds(job.serverPid) - server0 : NaN;
  const machineSec = machineBusySeconds() - machine0;
  const genSec = (cpu.user + cpu.system) / 1e6;
  measuring = false;
  stopped = true;
  for (const sess of sessions) sess.destroy();
  return {
    requests: inWindow,
    errors,
    statuses,
    elapsedMs,
    rps: (inWindow * 1000) / elapsedMs,
    latency: summarize(samples.view()),
    cpu: (genSec * 1000) / elapsedMs,
    serverCpu: (serverSec * 1000) / elapsedMs,
    otherCpu: Number.isNaN(machineSec) ? NaN : Math.max(0, ((machineSec - genSec - (Number.isNaN(serverSec) ? 0 : serverSec)) * 1000) / elapsedMs),
    ...(ranOut ? { ranOut } : {}),
    ...(firstError ? { firstError } : {}),
  };
}

function procCpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function machineBusySeconds(): number {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + v[7]!) / 100;
  } catch {
    return NaN;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Child-process entry: one job in, one result out.
if (process.argv[1]?.endsWith('loadgen.ts') && process.send) {
  process.once('message', (job: LoadJob) => {
    runLoad(job).then(
      (r) => process.send!({ ok: true, result: r }, () => process.exit(0)),
      (e: unknown) => process.send!({ ok: false, error: (e as Error).stack ?? String(e) }, () => process.exit(1)),
    );
  });
}
