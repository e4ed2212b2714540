/**
 * `npm run bench [-- --quick] [-- --only http,decision,scale] [-- --out FILE] [-- --render]`
 *
 * Measures, side by side in one run, and writes docs/benchmarks.md:
 *   1. the ceiling: bare node:http and node:https servers answering a fixed small JSON body;
 *   2. Entryway over HTTPS: SubjectAccessReview, TokenReview (cache miss and hit), DescribeAccessEntry
 *      — closed loop at fixed concurrency and open loop at half the TLS ceiling's rate;
 *   3. in-process decision cost at 1,000 clusters × 3,000 entries, against casbin (RBAC with domains);
 *   4. scale: 3 million entries in SQLite and PostgreSQL — load time, cold start, memory,
 *      ListAccessEntries latency, CreateAccessEntry throughput.
 * `--quick` runs everything smaller and shorter (under two minutes on 2 cores). `--render` rewrites
 * the page from the JSON the last run left next to it, without measuring.
 * Never used by tests; nothing here asserts on time.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { H2_SESSIONS, H2_STREAMS, runHttp } from './http.js';
import type { HttpResults } from './http.js';
import { runScale } from './scale.js';
import type { StoreScale } from './scale.js';
import { ROOT, hasTaskset, machine } from './lib/proc.js';
import { requirePostgres } from '../src/store/testing.js';

interface DecisionResult {
  engine?: Record<string, number | number[] | boolean[] | string>;
  casbin?: Record<string, number | number[] | boolean[] | string>;
  agreement?: number;
  error?: string;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = new Set((onlyArg?.includes('=') ? onlyArg.split('=')[1] : onlyArg ? args[args.indexOf(onlyArg) + 1] : 'http,decision,scale')!.split(','));
const outArg = args.find((a) => a.startsWith('--out'));
const DEFAULT_OUT = join(ROOT, 'docs', 'benchmarks.md');
const out = outArg ? (outArg.includes('=') ? outArg.split('=')[1]! : args[args.indexOf(outArg) + 1]!) : DEFAULT_OUT;

const PARAMS = {
  quick: { http: { durationMs: 2000, warmupMs: 500, connections: 32, rounds: 1 }, decision: { clusters: 30, entries: 3000, casbinClusters: 30, casbinQueries: 150 }, scale: { clusters: 20, entries: 3000, createSeconds: 2, listRequests: 40, settleMs: 1000 } },
  full: { http: { durationMs: 10_000, warmupMs: 2000, connections: 32, rounds: 3 }, decision: { clusters: 1000, entries: 3000, casbinClusters: 1000, casbinQueries: 1000 }, scale: { clusters: 1000, entries: 3000, createSeconds: 10, listRequests: 300, settleMs: 5000 } },
};
const P = quick ? PARAMS.quick : PARAMS.full;

const started = Date.now();
/** Raw results: bench/results/benchmarks.json for the default page, else next to the page. */
const jsonOf = (md: string) => (md === DEFAULT_OUT ? join(ROOT, 'bench', 'results', 'benchmarks.json') : `${md.replace(/\.md$/, '')}.json`);
const log = (s: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);

function runChild(nodeArgs: string[], file: string, childArgs: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...childArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    c.stdout.on('data', (d: Buffer) => (buf += d.toString()));
    c.on('exit', (code) => {
      const line = buf.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch (e) {
        reject(new Error(`${file} ${childArgs.join(' ')} failed (${(e as Error).message}): ${buf.slice(-500)}`));
      }
    });
  });
}

async function runDecision(): Promise<DecisionResult> {
  const d = P.decision;
  const r: DecisionResult = {};
  try {
    log(`decision: engine at ${d.clusters} × ${d.entries}`);
    r.engine = (await runChild(['--expose-gc', '--max-old-space-size=16000'], join(ROOT, 'bench/decision.ts'), ['engine', String(d.clusters), String(d.entries)])) as DecisionResult['engine'];
    log(`decision: engine warm ${Number(r.engine!.warmNs).toFixed(0)} ns, ${Number(r.engine!.bytesPerEntry).toFixed(0)} B/entry`);
    log(`decision: casbin at ${d.casbinClusters} × ${d.entries}`);
    r.casbin = (await runChild(['--expose-gc', '--max-old-space-size=16000'], join(ROOT, 'bench/decision.ts'), ['casbin', String(d.casbinClusters), String(d.entries), String(d.casbinQueries)])) as DecisionResult['casbin'];
    log(`decision: casbin ${(Number(r.casbin!.ns) / 1000).toFixed(0)} µs`);
    const a = r.engine!.answers as boolean[];
    const b = r.casbin!.answers as boolean[];
    r.agreement = a.filter((x, i) => x === b[i]).length / a.length;
  } catch (e) {
    r.error = (e as Error).message;
    log(`decision failed: ${r.error}`);
  }
  return r;
}

// ------------------------------------------------------------------ report
/**
 * Hand-written: how to read the tables, where the time goes (from CPU profiles), what changed in
 * the index and what is proposed elsewhere. Kept here so the generated page always carries it;
 * numbers in it are from the profiling session named, not from this run.
 */
const ANALYSIS = `## Targets not met, and why

- **Webhooks vs the TLS ceiling (70% / 60%) and p99 at half the ceiling's rate.** Per request the ceiling costs ~96 µs of server CPU on a quiet run; a SubjectAccessReview ~200 µs and a cached TokenReview ~300 µs, most of it Node's HTTP/1.1 and TLS work around a larger request and answer (see "Where the time goes"); the decision itself is well under 1 µs. Half the TLS ceiling is then above what one core sustains for these endpoints, so the first open-loop table measures a growing queue rather than tail latency; at half their own rate (second table) is the tail a webhook shows under a load it carries. In open loop the generator uses its whole core (its CPU column in the log is ~100%), so a slip in its own schedule is counted as latency too. **Open question:** in that table the TokenReview cache-hit row costs the server far more per request than in closed loop (this run: 0.89 of a core for 1,586 req/s, ~560 µs per request, against ~315 µs closed-loop), close to the cache-miss cost, so near its capacity it queues (p99 7.8 ms in the first full run of this session, 272 ms and 315 ms in the next two). SubjectAccessReview does not show this (~220 µs per request in both modes). Not explained yet; the closed-loop numbers above are the ones to compare.
- **In-process decision < 2 µs.** Met for a busy principal (the "one busy principal" row), not over 50,000 principals drawn at random from 3 million entries: each decision then starts from a principal whose compiled grants are not in the CPU caches, and the cost is memory latency. Sharing compiled bindings between principals with the same policies (proposal 8) is the way to shrink that working set.
- **Cold start < 60 s on PostgreSQL.** Rows arrive slower than from a local SQLite file and the server waits for them (a quarter of the CPU profile is idle); see proposal 7 for what was tried.

## How to read this

- **Two cores, shared.** Server and load generator get one core each (taskset). The "other load" column is CPU used by everything else on the machine during the window, in cores: on a shared machine it is rarely zero and it also lands on the server's core, so absolute numbers are floors and vary between runs (the same build measured 2,400–4,400 SubjectAccessReviews/s on different runs of this session). The closed-loop rounds interleave the ceilings and Entryway so interference hits them alike; compare ratios and CPU per request rather than absolutes.
- **CPU per request** = server CPU ÷ req/s. On a quiet round of the profiling session before the webhook fast path: bare node:https ~77 µs, Entryway's Fastify base with a fixed body ~105–130 µs, SubjectAccessReview ~250 µs, TokenReview (hit) ~310 µs. The TLS ceiling itself costs ~1.3× node:http here.
- **Open loop** sends at a fixed rate whatever the answers do, and measures latency from when each request was due. When the server cannot sustain the rate the queue grows and p99 is the length of the run: a capacity miss, not a tail-latency one. The second open-loop table shows tail latency at a load each endpoint can carry. Half the TLS ceiling is above what SubjectAccessReview and TokenReview sustain on one core here, so the first table measures queueing, and the p99 targets, which assume an endpoint at 70%/60% of the ceiling, cannot be met while the throughput targets are not; at half their own rate the webhooks' p99 is in the second table.
- **casbin** is node-casbin 5.51 with RBAC-with-domains; its enforcer evaluates the matcher against every policy line for each request, hence milliseconds. Its own loaders check each new rule against all existing ones (quadratic), so the benchmark puts the 3 million role links into the model directly and builds the role links once.

## Where the time goes

**Now (webhooks on the fast path).** A CPU profile of \`entryway serve\` (built, as \`npx entryway\` runs it) under closed-loop SubjectAccessReview load (\`node --import tsx bench/profile.ts SubjectAccessReview incl …\`, this session) puts ~28% of the server's busy CPU in writing the answer (\`Socket._writev\`: TLS encryption and the syscall), ~9% in Node's HTTP parser handing over the request, ~9% in \`JSON.parse\` of the ~700-byte body, and ~20–25% in the review itself (parse, principal, decision, response, metrics); the rest is Node's HTTP/TLS machinery and GC that the ceiling pays too. On a quiet run the TLS ceiling costs ~96 µs of server CPU per request and a SubjectAccessReview ~200 µs; 70% of the ceiling would need ≤ ~140 µs. The decision itself (\`authorize\`) is under 1% of it. What is left to gain is in Node's HTTP/1.1 + TLS per-request cost (HTTP/2 from kube-apiserver, proposal 9) rather than in Entryway's code; the targets are reported as not met.

**Before the fast path** (the profiling that led to it; numbers from that session, Fastify in front of the webhooks):

Per request, in process (\`node --import tsx bench/handler-costs.ts\`, hot, µs per call, this session):

| SubjectAccessReview part | µs |
|---|---:|
| \`callerAllowed\`: two SHA-256 (\`createHash\`) + \`timingSafeEqual\` | 8.4 |
| \`JSON.parse\` of the ~1 KB body | 6–7 |
| \`parseSubjectAccessReview\` beyond the parse (freezes, Map of extra, an error-path string per extra key) | 2.8 |
| \`buildSubjectAccessReviewResponse\` + \`JSON.stringify\` | 4.6 |
| prom-client counter + histogram with labels | 1.0 |
| \`principalIdFromReview\` | 0.6 |
| \`authorize\` (cluster lookup, compiled grants, decide) | 0.3 |
| Fastify's per-request child logger (pino with redaction; the base app has no logger) | 2.1 |
| rate-limit \`allowList\`/\`keyGenerator\`/\`max\`: \`surfaceOf\` three times (two regexes each) | 1.0 |

| TokenReview (cache hit) part | µs |
|---|---:|
| \`TokenCache.keyOf\` (HMAC-SHA256 of cluster and token) | 5.1 |
| \`mapIdentity\`, of which \`entriesFor\` (materialise the entry) 2.5 and \`matchEntry\` 3.7 (\`principalArnKey\` — the general ARN parser — 2.2 per call, called for the caller and each candidate) | 7.7–11.6 |
| \`tokenReviewAllowed\` + \`JSON.stringify\` | 3.2 |

Server CPU per request for the same ~1 KB POST and fixed answer, interleaved, median of 3 (this session; ENTRYWAY_BENCH_HOOKS picks the additions in bench/ceiling-server.ts \`fastify-app\` mode):

| Server | µs CPU per request |
|---|---:|
| bare node:https | 87 |
| Entryway's HTTP base (createBaseApp: Fastify, raw-body parser, request-ID hook) | 116 |
| … + the pino logger (Fastify builds a child logger per request) | 132 |
| … + the global @fastify/rate-limit hook (webhooks allow-listed) | 145 |
| … + the async onSend hook | 122 |
| … + all three, as src/server/app.ts has them | 147 |

The decision itself is noise at the HTTP level. A SubjectAccessReview costs ~250–300 µs of server CPU on a quiet round: ~116 µs Fastify base, ~30 µs app-wide hooks (rate limiter first), ~35 µs of handler parts measured hot (more in situ: colder caches, GC), and Node's HTTP/TLS work that grows with the body. 70% of the TLS ceiling means ≤ ~125 µs per review, which is about what Fastify alone costs here: the target needs the webhooks off the general Fastify pipeline (proposal 10), not a faster decision.

Cold start per entry (SQLite, this session): reading rows ~5.4 µs and \`JSON.parse\` of entry and association ~4.7 µs (both in src/store), building the compact index ~2.6–3.3 µs; the rest is GC. The 3 million entry cold start is ~28–35 µs per entry on this machine under the other load, hence 85–105 s.

## What changed in the index (src/index/)

| | Before | After |
|---|---:|---:|
| Heap per entry with one association (50 × 3,000, in-process) | 2,342 B | ~405 B |
| Server RSS at ready, 300,000 entries (SQLite) | 612 MiB | 376 MiB |
| 3,000,000 entries | ~7 GB of heap needed, past Node's default 4 GB heap limit: out of memory | 1.07 GB RSS (sequential start-up load) |
| \`grantsFor\`, one principal (micro-benchmark) | 164 ns | 38 ns |
| \`authorize()\`, 50,000 principals over 150,000 entries | 8.1 µs | 2.8–3.9 µs |
| \`grantsFor()\` + \`decide()\`, same | 6.7 µs | 2.4–2.5 µs |
| \`authorize()\`, one busy principal | 1.96 µs | 0.6–0.74 µs |

- Entries live in columns (src/index/compact.ts): ARN and unique-ID strings; type, username, groups and tags as indexes into per-slice tables of distinct values; timestamps in Float64Arrays; the UUID as 16 bytes; the access-entry ARN and default usernames not stored when they are the derived ones (anything that does not round-trip is kept verbatim). Records are materialised on demand; \`entryList\` and \`associationsOf\` give back exactly what was stored (unit-tested in src/index/compact.test.ts).
- Lookups by unique ID and by lower-cased path-stripped ARN are maps to entry indexes (the ARN string doubles as its own key when it is already lower-case and path-free); \`entriesFor\` answers exactly what mapping's EntryIndex answers (unit-tested). The ARN key is computed without the general ARN parser for the aws, aws-cn and aws-us-gov partitions.
- Compiled grants are kept per entry index (no string keys built per request), compiled on first use, at most 100,000 principals across all clusters (oldest dropped, recompiled on return: ~10–20 µs).
- The cluster mode and mapping view are computed once per slice when no unapplied update can change them with time.
- Tried and reverted: loading four clusters at a time at start-up. Their parsed rows lived long enough to be promoted to the old generation: 3 million entries then needed 1.8–1.9 GB RSS instead of 1.07 GB and started slower.

## The profiling's proposals and where they stand

The profile above was taken before the webhooks left Fastify; it is why they did. Status of each proposal:

1. **Done** — the webhook caller check compares the whole \`Authorization\` header with \`timingSafeEqual\` after an equal-length check (src/webhooks/core.ts), no hashing per request; metric children are made once per label set.
2. **Done** — \`parseSubjectAccessReview\` formats the \`spec.extra[…]\` error path only when a value is invalid.
3. **Done** — the no-opinion explanation is built only when read (sampled audit, \`entryway can-i\`).
4. **Done for the webhooks** — they are served ahead of Fastify (10), so no rate-limit hook, child logger or \`onSend\` wait runs for a review unless \`--webhook-rate-limit\` is set (the limiter is a Fastify hook, so the webhooks then go through Fastify).
5. **Done after the run above** — \`principalArnKey\` (src/mapping/identity.ts) takes IAM user/role ARNs in the common partitions without the general ARN parser, for every caller (it was a fast path inside src/index only, so TokenReview's identity mapping still paid ~2 µs per review).
6. Open — a write reloads its whole cluster slice before the call returns (30–50 ms for a 2,000–3,000-entry cluster), which is what bounds CreateAccessEntry to tens per second on full clusters; entry-level patches of the slice would lift it. Small clusters are not affected.
7. Open — start-up reads. Tried in this session: fetching the next cluster from PostgreSQL while the current one is built took a 600,000-entry cold start from 13.4–15.2 s to 12.5 s but raised RSS at ready from 313 to 471 MiB (two clusters' rows alive at once get promoted), so it was not kept. A CPU profile of that cold start (PostgreSQL, 200 × 3,000): 25% waiting for the database, 21% parsing rows in src/store/repo.ts, 11–18% building the compact columns, 8% GC.
8. Open — shared compiled bindings per distinct (policy, scope) set.
9. **Done for serving, targets not met** — the TLS listener speaks HTTP/2 (ALPN h2 next to http/1.1; src/server/http.ts), and the webhooks are measured over h2 above. On Node 20 a bare node:http2 server costs about as much server CPU per request as a bare node:https one, or more (the HTTP/2 table's last line; 42 against 39 µs in the run of 2026-12-07, 43 against 28 µs in a quick run the same evening), so h2 does not make a review cheaper here; what it gives kube-apiserver is one multiplexed connection instead of one per concurrent review (no TLS handshake per new connection as concurrency grows). Over h2 a SubjectAccessReview costs about twice the ceiling's CPU per request and a cached TokenReview about five times: the cached-token path (issue 14's "find and fix why it costs more than a SubjectAccessReview") is the largest gap, and it is in Entryway's code, not the transport. Open.
10. **Done** — \`POST /clusters/{name}/authenticate|authorize\` are answered by a plain \`node:http(s)\` request listener ahead of Fastify (src/server/webhook-fast-path.ts, framework-free src/webhooks/core.ts); everything else goes to Fastify. Section 1–2 above is measured with it.
`;

const f0 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const f1 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(1));
const f2 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(2));
const pct = (n: number) => `${Math.round(n * 100)}%`;
const mark = (ok: boolean) => (ok ? 'met' : '**not met**');

interface RunInfo {
  started: number;
  quick: boolean;
  seconds: number;
  machine: ReturnType<typeof machine>;
}

function report(h: HttpResults | undefined, d: DecisionResult | undefined, s: StoreScale[] | undefined, run: RunInfo): string {
  const { started, quick, seconds } = run;
  const m = run.machine;
  const P = quick ? PARAMS.quick : PARAMS.full;
  const lines: string[] = [];
  const L = (x = '') => lines.push(x);
  L('# Benchmarks');
  L();
  L(`Generated by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date(started).toISOString()} in ${(seconds / 60).toFixed(1)} min. Re-run it to reproduce; \`npm run bench -- --quick\` (smaller scale, shorter runs) takes under two minutes.`);
  L();
  L(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}.`);
  L();
  const targets: string[] = [];
  if (h) {
    const ceil = h.scenarios.find((x) => x.server === 'ceiling-https')!.closed.rps;
    const get = (p: string) => h.scenarios.find((x) => x.name.startsWith(p));
    L('## 1–2. HTTP: the ceiling and Entryway');
    L();
    L(
      `Loopback, HTTP/1.1 keep-alive, ${h.connections} connections (closed loop), ${h.durationMs / 1000} s measured after a warm-up, one request in flight per connection. ` +
        `Load generator: bench/lib/loadgen.ts (raw node:net/node:tls sockets, pre-serialised requests, no autocannon/wrk). ` +
        (h.pinned ? 'Server pinned to CPU 0 and generator to CPU 1 with taskset, so each has one core.' : 'No CPU pinning (taskset unavailable or one CPU).') +
        ' Entryway is a real `entryway serve` process (SQLite, self-signed TLS); the ceilings use the same certificate. Ratios are to the TLS ceiling.',
    );
    L();
    const others = h.scenarios.map((x) => x.closed.otherCpu).filter((x) => !Number.isNaN(x));
    if (others.length) L(`Other load on the machine during the closed-loop windows: mean ${f2(others.reduce((a, b) => a + b, 0) / others.length)} cores, max ${f2(Math.max(...others))} (of ${m.cores}). Each row is the median of ${h.scenarios[0]?.rounds.length ?? 1} round(s); all rounds' req/s are in the raw results (${out === DEFAULT_OUT ? 'bench/results/benchmarks.json' : 'the JSON file next to this page'}).`);
    L();
    L('| Scenario | req/s | p50 ms | p99 ms | vs TLS ceiling | server CPU | generator CPU | other load (cores) | errors |');
    L('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of h.scenarios.filter((y) => !y.h2)) {
      const c = x.closed;
      L(`| ${x.name} | ${f0(c.rps)} | ${f2(c.latency.p50)} | ${f2(c.latency.p99)} | ${x.server === 'ceiling-http' ? '—' : pct(c.rps / ceil)} | ${pct(c.serverCpu)} | ${pct(c.cpu)} | ${f2(c.otherCpu)} | ${c.errors} |`);
    }
    L();
    const h2 = h.scenarios.filter((y) => y.h2);
    const h2Ceiling = h2.find((x) => x.server === 'ceiling-h2');
    const ceilH2 = h2Ceiling?.closed.rps;
    /** Server CPU per request in µs (the server's CPU over the window ÷ requests answered). */
    const perReq = (c: { serverCpu: number; rps: number }) => (c.serverCpu * 1e6) / c.rps;
    if (h2.length && ceilH2) {
      L(
        `Over HTTP/2 (TLS, ALPN h2), as kube-apiserver's client-go sends reviews: ${H2_SESSIONS} sessions with ${H2_STREAMS} streams in flight on each (the same ${H2_SESSIONS * H2_STREAMS} requests in flight as above), closed loop, interleaved in the same rounds. ` +
          "Generator: node:http2's client (bench/lib/loadgen.ts runLoadH2), for the ceiling and Entryway alike. The ceiling is a bare node:http2 secure server (with HTTP/1.1 fallback, as Entryway's listener) answering the fixed body. " +
          "node:http2's client costs more per request than the raw-socket HTTP/1.1 generator, so on one core it cannot saturate the bare h2 server (see the ceiling's server CPU): the comparison that holds is **server CPU per request**, which does not depend on how fast requests arrive; the req/s ratio is shown too.",
      );
      L();
      L('| Scenario | req/s | p50 ms | p99 ms | server µs/request | vs h2 ceiling (CPU/request) | vs h2 ceiling (req/s) | server CPU | generator CPU | other load (cores) | errors |');
      L('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const x of h2) {
        const c = x.closed;
        const ceiling = x.server === 'ceiling-h2';
        L(`| ${x.name} | ${f0(c.rps)} | ${f2(c.latency.p50)} | ${f2(c.latency.p99)} | ${f0(perReq(c))} | ${ceiling ? '—' : pct(perReq(h2Ceiling!.closed) / perReq(c))} | ${ceiling ? '—' : pct(c.rps / ceilH2)} | ${pct(c.serverCpu)} | ${pct(c.cpu)} | ${f2(c.otherCpu)} | ${c.errors} |`);
      }
      L();
      const h1c = h.scenarios.find((x) => x.server === 'ceiling-https');
      if (h1c) L(`For reference, the bare node:https ceiling above costs ${f0(perReq(h1c.closed))} µs of server CPU per request over HTTP/1.1, against ${f0(perReq(h2Ceiling!.closed))} µs for the bare node:http2 server over h2.`);
      L();
    }
    const half = h.scenarios.find((x) => x.open)?.open?.rate ?? 0;
    L(`Open loop at a fixed arrival rate of ${f0(half)} req/s (half the TLS ceiling), latency from each request's scheduled send time (coordinated omission corrected), up to 64 connections:`);
    L();
    L('| Scenario | offered req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | still queued at end | other load (cores) |');
    L('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of h.scenarios.filter((y) => y.open)) {
      const o = x.open!;
      L(`| ${x.name} | ${f0(o.rate)} | ${f0(o.rps)} | ${f2(o.latency.p50)} | ${f2(o.latency.p99)} | ${f2(o.latency.p999)} | ${o.backlog ?? 0} | ${f2(o.otherCpu)} |`);
    }
    L();
    L("The same, at half of each scenario's own closed-loop req/s (a load it can carry):");
    L();
    L('| Scenario | offered req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | other load (cores) |');
    L('|---|---:|---:|---:|---:|---:|---:|');
    for (const x of h.scenarios.filter((y) => y.openOwn)) {
      const o = x.openOwn!;
      L(`| ${x.name} | ${f0(o.rate)} | ${f0(o.rps)} | ${f2(o.latency.p50)} | ${f2(o.latency.p99)} | ${f2(o.latency.p999)} | ${f2(o.otherCpu)} |`);
    }
    L();
    for (const n of h.notes) L(`- ${n}`);
    const sar = get('SubjectAccessReview');
    const hit = get('TokenReview, cache hit');
    if (sar) targets.push(`| SubjectAccessReview ≥ 70% of the TLS ceiling | ${pct(sar.closed.rps / ceil)} | ${mark(sar.closed.rps / ceil >= 0.7)} |`);
    if (ceilH2) {
      for (const [name, want] of [
        ['SubjectAccessReview (v1, 3 associations), h2', 0.85],
        ['TokenReview, cache hit, h2', 0.8],
        ['TokenReview, cache miss (fresh token each request), h2', 0.5],
      ] as const) {
        const x = h2.find((y) => y.name === name);
        if (x) {
          const r = perReq(h2Ceiling!.closed) / perReq(x.closed);
          targets.push(`| ${name} ≥ ${pct(want)} of the bare node:http2 TLS ceiling (server CPU per request) | ${pct(r)} (req/s: ${pct(x.closed.rps / ceilH2)}) | ${mark(r >= want)} |`);
        }
      }
    }
    if (hit) targets.push(`| TokenReview cache hit ≥ 60% of the TLS ceiling | ${pct(hit.closed.rps / ceil)} | ${mark(hit.closed.rps / ceil >= 0.6)} |`);
    if (sar?.open) targets.push(`| SubjectAccessReview p99 < 5 ms at half the ceiling's rate | ${f2(sar.open.latency.p99)} ms | ${mark(sar.open.latency.p99 < 5)} |`);
    if (hit?.open) targets.push(`| TokenReview (hit) p99 < 5 ms at half the ceiling's rate | ${f2(hit.open.latency.p99)} ms | ${mark(hit.open.latency.p99 < 5)} |`);
  }
  if (d) {
    L('## 3. In-process decision cost');
    L();
    if (d.error) L(`Failed: ${d.error}`);
    const e = d.engine;
    const c = d.casbin;
    if (e) {
      L(
        `${f0(Number(e.clusters))} clusters × ${f0(Number(e.entries))} entries (${f0(Number(e.clusters) * Number(e.entries))} entries, one association each: View at cluster scope, Edit in \`dev-*\`, Admin in \`team-a\`), built with the server's ClusterSlice. ` +
          `Requests: 14 resource requests (${pct(Number(e.allowedShare))} allowed), fresh attribute objects as after JSON.parse, spread over ${f0(Number(e.workingSet))} principals in random clusters.`,
      );
      L();
      L('| Measure | ns per decision |');
      L('|---|---:|');
      L(`| Entryway \`authorize()\` (what the webhook calls: cluster, mode, compiled grants, decide, explanation), grants compiled | ${f0(Number(e.warmNs))} |`);
      L(`| Entryway \`grantsFor()\` + \`decide()\` (no explanation strings) | ${f0(Number(e.decideNs))} |`);
      L(`| Entryway \`authorize()\`, one busy principal (hot caches) | ${f0(Number(e.hotNs))} |`);
      L(`| Entryway first decision of a principal (compiles its grants) | ${f0(Number(e.coldNs))} |`);
      if (c) L(`| casbin ${'5.51'} RBAC with domains, same grants (${f0(Number(c.clusters))} × ${f0(Number(c.entries))} role links, ${f0(Number(c.pLines))} policy lines), \`enforceSync\` | ${f0(Number(c.ns))} |`);
      L();
      L(`Index memory for those entries: ${f1(Number(e.heapMiB))} MiB of heap (${f0(Number(e.bytesPerEntry))} bytes per entry with its association), built in ${f1(Number(e.buildMs) / 1000)} s including generating the records.` + (c ? ` casbin: ${f1(Number(c.heapMiB))} MiB, loaded in ${f1(Number(c.loadMs) / 1000)} s.` : ''));
      if (d.agreement !== undefined) L(`Entryway and casbin agree on ${pct(d.agreement)} of 500 random (principal, request) pairs.`);
      L();
      targets.push(`| In-process decision < 2 µs | ${f0(Number(e.warmNs))} ns | ${mark(Number(e.warmNs) < 2000)} |`);
      if (c) targets.push(`| ≥ 20× faster than casbin | ${f0(Number(c.ns) / Number(e.warmNs))}× | ${mark(Number(c.ns) / Number(e.warmNs) >= 20)} |`);
    }
  }
  if (s) {
    L('## 4. Scale');
    L();
    const x0 = s[0];
    if (x0) L(`${f0(x0.clusters)} clusters × ${f0(x0.entries)} entries = ${f0(x0.clusters * x0.entries)} access entries, each with one policy association, bulk-loaded through the store's SQL executor (multi-row INSERTs, one transaction per cluster). Then a real \`entryway serve\` process starts on that data.`);
    L();
    L(`| Store | load | cold start to /readyz 200 | RSS at ready | RSS ${P.scale.settleMs / 1000} s later | ListAccessEntries (100) p50 / p99 | CreateAccessEntry | CreateAccessEntry p50 / p99 |`);
    L('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of s) {
      if (x.error) L(`| ${x.store} | failed: ${x.error} | | | | | | |`);
      else L(`| ${x.store} | ${f1(x.loadSeconds)} s | ${f1(x.readySeconds)} s | ${f0(x.rssMiB)} MiB | ${f0(x.rssSettledMiB)} MiB | ${f1(x.list.p50)} / ${f1(x.list.p99)} ms | ${f1(x.create.perSecond)}/s (${x.create.concurrency} concurrent) | ${f1(x.create.latency.p50)} / ${f1(x.create.latency.p99)} ms |`);
    }
    L();
    L('ListAccessEntries: first page of a random cluster, one request at a time, SigV4-signed. CreateAccessEntry: new principals in 10 extra clusters of 2,000 entries (clusters at the 3,000-entry limit take no more), 4 requests in flight.');
    L();
    for (const x of s.filter((y) => !y.error)) {
      const n = x.clusters * x.entries;
      targets.push(`| ${f0(n)} entries (${x.store}) in < 2 GB | ${f0(x.rssMiB)} MiB | ${mark(x.rssMiB < 2048)} |`);
      targets.push(`| Cold start < 60 s (${x.store}) | ${f1(x.readySeconds)} s | ${mark(x.readySeconds < 60)} |`);
    }
  }
  if (targets.length) {
    L('## Targets');
    L();
    L('| Target | Measured | |');
    L('|---|---:|---|');
    for (const t of targets) L(t);
    L();
  }
  L(ANALYSIS);
  return lines.join('\n') + '\n';
}

/** Writes the page, keeping the soak section `npm run soak` wrote between its markers. */
function writePage(file: string, text: string): void {
  let soak = '';
  try {
    soak = /<!-- soak:begin -->[\s\S]*<!-- soak:end -->/.exec(readFileSync(file, 'utf8'))?.[0] ?? '';
  } catch {
    // no page yet
  }
  writeFileSync(file, soak ? `${text.trimEnd()}\n\n${soak}\n` : text);
}

async function main(): Promise<void> {
  if (args.includes('--render')) {
    // Re-render the page from the JSON of the last run (e.g. after editing the analysis text).
    const j = JSON.parse(readFileSync(jsonOf(out), 'utf8')) as { started: string; quick: boolean; seconds: number; machine: RunInfo['machine']; http?: HttpResults; decision?: DecisionResult; scale?: StoreScale[] };
    writePage(out, report(j.http, j.decision, j.scale, { started: Date.parse(j.started), quick: j.quick, seconds: j.seconds, machine: j.machine }));
    log(`re-rendered ${out} from ${jsonOf(out)}`);
    return;
  }
  log(`${quick ? 'quick' : 'full'} run: ${[...only].join(', ')}${hasTaskset() ? '' : ' (no taskset: server and generator share CPUs)'}`);
  let h: HttpResults | undefined;
  let d: DecisionResult | undefined;
  let s: StoreScale[] | undefined;
  if (only.has('http')) h = await runHttp({ quick, ...P.http, log: (x) => log(`http: ${x}`) });
  if (only.has('decision')) d = await runDecision();
  if (only.has('scale')) {
    const stores: ('sqlite' | 'postgres')[] = ['sqlite'];
    if (await requirePostgres().catch(() => false)) stores.push('postgres');
    else log('scale: PostgreSQL unreachable, SQLite only');
    s = await runScale({ ...P.scale, stores, log: (x) => log(`scale: ${x}`) });
  }
  const seconds = (Date.now() - started) / 1000;
  mkdirSync(dirname(out), { recursive: true });
  mkdirSync(dirname(jsonOf(out)), { recursive: true });
  writePage(out, report(h, d, s, { started, quick, seconds, machine: machine() }));
  writeFileSync(jsonOf(out), JSON.stringify({ started: new Date(started).toISOString(), quick, seconds, machine: machine(), http: h, decision: d && { ...d, engine: d.engine && { ...d.engine, answers: undefined }, casbin: d.casbin && { ...d.casbin, answers: undefined } }, scale: s }, null, 2) + '\n');
  log(`wrote ${out} (${(seconds / 60).toFixed(1)} min)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
