/**
 * Section 1–2: the node:http / node:https ceiling and Entryway's hot endpoints over HTTPS, side by
 * side in one run: SubjectAccessReview, TokenReview (verified-token cache miss and hit) and the
 * SigV4-signed DescribeAccessEntry — closed loop at fixed concurrency, then open loop at half the
 * TLS ceiling's rate. Server on CPU 0, load generator on CPU 1 (taskset) when there are 2+ CPUs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, CreateClusterCommand } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import type { LoadJob, LoadResult, Target } from './lib/loadgen.js';
import { ROOT, hasTaskset, killAndWait, pin, runLoadChild, spawnTs } from './lib/proc.js';
import { freshTokens, rawRequest, sdkClients, signedEksRequest, startEntryway, webhookTokenOf } from './lib/entryway.js';

export interface HttpOptions {
  quick: boolean;
  durationMs: number;
  warmupMs: number;
  connections: number;
  /** Closed-loop rounds (ceilings and Entryway interleaved); the median is reported. */
  rounds: number;
  log: (s: string) => void;
  /** Profiling: extra Node flags for the Entryway process, and only scenarios starting with these names. */
  serverNodeArgs?: string[];
  scenarios?: string[];
  skipCeiling?: boolean;
  skipOpen?: boolean;
}

export interface Scenario {
  name: string;
  server: 'ceiling-http' | 'ceiling-https' | 'ceiling-h2' | 'floor-fastify' | 'floor-app' | 'entryway';
  /** HTTP/2 (H2_SESSIONS sessions × H2_STREAMS streams in flight) instead of HTTP/1.1. */
  h2?: boolean;
  /** The median of the rounds (by req/s). */
  closed: LoadResult;
  /** req/s of every round. */
  rounds: number[];
  open?: LoadResult & { rate: number };
  /** Open loop at half this scenario's own closed-loop req/s. */
  openOwn?: LoadResult & { rate: number };
}

export interface HttpResults {
  pinned: boolean;
  connections: number;
  durationMs: number;
  scenarios: Scenario[];
  notes: string[];
}

/** h2 closed loop: as many requests in flight as HTTP/1.1's connections, on a few sessions. */
export const H2_SESSIONS = 4;
export const H2_STREAMS = 8;

const SERVER_CPU = 0;
const GEN_CPU = 1;

const POLICY = (n: string) => `arn:aws:eks::aws:cluster-access-policy/${n}`;

async function startCeiling(mode: 'http' | 'https' | 'http2' | 'fastify' | 'fastify-app', tlsFiles?: { key: string; cert: string }): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const child = spawnTs(join(ROOT, 'bench/ceiling-server.ts'), [mode, ...(tlsFiles ? [tlsFiles.key, tlsFiles.cert] : [])]);
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (c) => reject(new Error(`ceiling server exited with ${c}`)));
  });
  pin(child.pid!, SERVER_CPU);
  return { port, pid: child.pid!, stop: () => killAndWait(child) };
}

/** One HTTPS request through node:https, to check a scenario answers what it should before loading it. */
function once(target: Target, raw: string): Promise<{ status: number; body: string }> {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  const [method, path] = head.split('\r\n')[0]!.split(' ');
  const headers: Record<string, string> = {};
  for (const l of head.split('\r\n').slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i)] = l.slice(i + 1).trim();
  }
  return new Promise((resolve, reject) => {
    const req = https.request({ host: target.host, port: target.port, method, path, headers, ...(target.ca ? { ca: target.ca } : { rejectUnauthorized: false }) }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(Buffer.from(body, 'latin1'));
  });
}

export async function runHttp(o: HttpOptions): Promise<HttpResults> {
  const pinned = hasTaskset();
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'entryway-bench-http-'));
  const reqDir = mkdtempSync(join(tmpdir(), 'entryway-bench-req-'));
  let fileNo = 0;
  const writeRequests = (reqs: string[]): string => {
    const f = join(reqDir, `r${fileNo++}.json`);
    writeFileSync(f, JSON.stringify(reqs));
    return f;
  };
  const scenarios: Scenario[] = [];
  const run = async (job: Omit<LoadJob, 'durationMs' | 'warmupMs' | 'connections'> & Partial<LoadJob>, serverPid: number): Promise<LoadResult> => {
    return runLoadChild({ durationMs: o.durationMs, warmupMs: o.warmupMs, connections: o.connections, serverPid, ...job } as LoadJob, pinned ? GEN_CPU : undefined);
  };
  const fmt = (r: LoadResult) => `other cpu ${r.otherCpu.toFixed(2)} server cpu ${r.serverCpu.toFixed(2)} gen cpu ${r.cpu.toFixed(2)} ${Math.round(r.rps)} req/s p50 ${r.latency.p50.toFixed(2)} ms p99 ${r.latency.p99.toFixed(2)} ms errors ${r.errors}${r.firstError ? ` (${r.firstError.slice(0, 200)})` : ''}`;

  o.log('starting entryway serve (SQLite) for the HTTP scenarios');
  const ew = await startEntryway({ dataDir: dir, ...(o.serverNodeArgs ? { nodeArgs: o.serverNodeArgs } : {}) });
  try {
    pin(ew.pid, SERVER_CPU);
    const { eks, iam, agent } = sdkClients(ew);
    await iam.send(new CreateUserCommand({ UserName: 'bench' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bench' }))).AccessKey!;
    const creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const user = (await iam.send(new GetUserCommand({ UserName: 'bench' }))).User!;
    const account = user.Arn!.split(':')[4]!;
    await eks.send(new CreateClusterCommand({ name: 'bench', roleArn: `arn:aws:iam::${account}:role/eks`, resourcesVpcConfig: { subnetIds: ['subnet-1'] }, accessConfig: { authenticationMode: 'API' } }));
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'bench', principalArn: user.Arn!, kubernetesGroups: ['readers'] }));
    const three: [string, { type: 'cluster' | 'namespace'; namespaces?: string[] }][] = [
      ['AmazonEKSViewPolicy', { type: 'cluster' }],
      ['AmazonEKSEditPolicy', { type: 'namespace', namespaces: ['dev-*'] }],
      ['AmazonEKSAdminPolicy', { type: 'namespace', namespaces: ['team-a'] }],
    ];
    for (const [policy, scope] of three) {
      await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'bench', principalArn: user.Arn!, policyArn: POLICY(policy), accessScope: scope }));
    }
    agent.destroy();
    const webhookToken = webhookTokenOf(dir);
    const host = `${ew.host}:${ew.port}`;
    const target: Target = { host: ew.host, port: ew.port, tls: true, ca: ew.ca };
    const hook = { authorization: `Bearer ${webhookToken}`, 'content-type': 'application/json', accept: 'application/json, */*' };

    // SubjectAccessReview v1 as kube-apiserver sends it for the user the TokenReview authenticated.
    const sar = (attrs: Record<string, string>) =>
      rawRequest('POST', host, '/clusters/bench/authorize', hook, JSON.stringify({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        metadata: { creationTimestamp: null },
        spec: {
          resourceAttributes: attrs,
          user: user.Arn!,
          groups: ['readers', 'system:authenticated'],
          extra: {
            accessKeyId: [creds.accessKeyId],
            arn: [user.Arn!],
            canonicalArn: [user.Arn!],
            principalId: [user.UserId!],
            sessionName: [''],
            'sigs.k8s.io/aws-iam-authenticator/principalId': [user.UserId!],
          },
          uid: `aws-iam-authenticator:${account}:${user.UserId!}`,
        },
        status: { allowed: false },
      }));
    // Allowed by each of the three associations in turn (cluster View, Edit in dev-*, Admin in team-a).
    const sarRequests = [
      sar({ namespace: 'default', verb: 'list', group: '', version: 'v1', resource: 'pods' }),
      sar({ namespace: 'dev-1', verb: 'create', group: 'apps', version: 'v1', resource: 'deployments' }),
      sar({ namespace: 'team-a', verb: 'create', group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' }),
    ];
    const tr = (token: string) =>
      rawRequest('POST', host, '/clusters/bench/authenticate', hook, JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: { token, audiences: ['https://kubernetes.default.svc'] }, status: { user: {} } }));
    const hitTokens = (await freshTokens(ew.url, 'bench', creds, 1)).map(tr);
    const describe = async () => {
      const reqs: string[] = [];
      for (let i = 0; i < 20; i++) reqs.push(await signedEksRequest(ew.url, 'GET', `/clusters/bench/access-entries/${encodeURIComponent(user.Arn!)}`, ew.admin, new Date(Date.now() - i * 1000)));
      return reqs;
    };

    // Check each scenario answers what it should.
    for (const [name, raw, want] of [
      ['SubjectAccessReview', sarRequests[1]!, '"allowed":true'],
      ['TokenReview', hitTokens[0]!, '"authenticated":true'],
      ['DescribeAccessEntry', (await describe())[0]!, '"accessEntry"'],
    ] as const) {
      const r = await once(target, raw);
      if (r.status !== 200 || !r.body.includes(want)) throw new Error(`${name} check failed: ${r.status} ${r.body.slice(0, 300)}`);
    }

    // ---- closed loop: ceilings and Entryway interleaved, ROUNDS times; the median round is reported,
    // so load from anything else on the machine falls on all of them alike.
    const tlsFiles = { key: join(dir, 'tls', 'server.key'), cert: join(dir, 'tls', 'server.crt') };
    const ceilingReq = writeRequests([sarRequests[1]!]);
    const ceilingHttp = o.skipCeiling ? undefined : await startCeiling('http');
    const ceilingHttps = o.skipCeiling ? undefined : await startCeiling('https', tlsFiles);
    const floorFastify = o.skipCeiling ? undefined : await startCeiling('fastify', tlsFiles);
    const floorApp = o.skipCeiling ? undefined : await startCeiling('fastify-app', tlsFiles);
    const ceilingH2 = o.skipCeiling ? undefined : await startCeiling('http2', tlsFiles);
    const sarFile = writeRequests(sarRequests);
    const hitFile = writeRequests(hitTokens);
    interface Spec {
      name: string;
      server: Scenario['server'];
      target: Target;
      pid: number;
      file: () => Promise<string>;
      expect: string;
      unique?: boolean;
      h2?: boolean;
    }
    const specs: Spec[] = [];
    if (ceilingHttp && ceilingHttps) {
      specs.push({ name: 'Bare node:http (ceiling)', server: 'ceiling-http', target: { host: '127.0.0.1', port: ceilingHttp.port, tls: false }, pid: ceilingHttp.pid, file: async () => ceilingReq, expect: '"allowed":true' });
      specs.push({ name: 'Bare node:https (ceiling)', server: 'ceiling-https', target: { host: '127.0.0.1', port: ceilingHttps.port, tls: true }, pid: ceilingHttps.pid, file: async () => ceilingReq, expect: '"allowed":true' });
    }
    if (floorFastify) {
      specs.push({ name: "Entryway's HTTP base alone (Fastify, createBaseApp, fixed body, TLS)", server: 'floor-fastify', target: { host: '127.0.0.1', port: floorFastify.port, tls: true }, pid: floorFastify.pid, file: async () => ceilingReq, expect: '"allowed":true' });
    }
    if (floorApp) {
      specs.push({ name: '… plus app.ts hooks (pino child logger, rate-limit hook, async onSend)', server: 'floor-app', target: { host: '127.0.0.1', port: floorApp.port, tls: true }, pid: floorApp.pid, file: async () => ceilingReq, expect: '"allowed":true' });
    }
    const entry: Spec[] = [
      { name: 'SubjectAccessReview (v1, 3 associations)', server: 'entryway', target, pid: ew.pid, file: async () => sarFile, expect: '"allowed":true' },
      { name: 'TokenReview, cache hit', server: 'entryway', target, pid: ew.pid, file: async () => hitFile, expect: '"authenticated":true' },
      {
        name: 'TokenReview, cache miss (fresh token each request)',
        server: 'entryway',
        target,
        pid: ew.pid,
        // Enough fresh tokens for a generous rate; the run stops early (and says so) if they run out.
        file: async () => writeRequests((await freshTokens(ew.url, 'bench', creds, o.quick ? 12_000 : 60_000)).map(tr)),
        expect: '"authenticated":true',
        unique: true,
      },
      { name: 'DescribeAccessEntry (SigV4)', server: 'entryway', target, pid: ew.pid, file: async () => writeRequests(await describe()), expect: '"accessEntry"' },
    ];
    const selected = entry.filter((x) => !o.scenarios || o.scenarios.some((p) => x.name.startsWith(p)));
    specs.push(...selected);
    // HTTP/2, as kube-apiserver's client-go sends reviews: the bare node:http2 TLS ceiling, then the
    // webhooks (closed loop only).
    if (ceilingH2) specs.push({ name: 'Bare node:http2 TLS (ceiling, h2)', server: 'ceiling-h2', target: { host: '127.0.0.1', port: ceilingH2.port, tls: true }, pid: ceilingH2.pid, file: async () => ceilingReq, expect: '"allowed":true', h2: true });
    for (const e of selected.filter((x) => !x.name.startsWith('DescribeAccessEntry'))) specs.push({ ...e, name: `${e.name}, h2`, h2: true });
    const results = new Map<string, LoadResult[]>();
    for (let round = 0; round < o.rounds; round++) {
      for (const sp of specs) {
        const closed = await run(
          { target: sp.target, requestsFile: await sp.file(), mode: 'closed', expectBody: sp.expect, ...(sp.unique ? { unique: true } : {}), ...(sp.h2 ? { protocol: 'h2' as const, connections: H2_SESSIONS, streams: H2_STREAMS } : {}) },
          sp.pid,
        );
        if (closed.ranOut) notes.push(`${sp.name}: ran out of fresh tokens before the end of the window (round ${round + 1})`);
        o.log(`round ${round + 1} ${sp.name}: ${fmt(closed)}`);
        results.set(sp.name, [...(results.get(sp.name) ?? []), closed]);
      }
    }
    for (const sp of specs) {
      const rs = [...results.get(sp.name)!].sort((a, b) => a.rps - b.rps);
      const med = rs[(rs.length - 1) >> 1]!;
      scenarios.push({ name: sp.name, server: sp.server, closed: med, rounds: rs.map((r) => r.rps), ...(sp.h2 ? { h2: true } : {}) });
    }
    await ceilingHttp?.stop();
    await ceilingHttps?.stop();
    await floorFastify?.stop();
    await floorApp?.stop();
    await ceilingH2?.stop();
    const ceilingTls = scenarios.find((x) => x.server === 'ceiling-https')?.closed.rps;
    const half = Math.round((ceilingTls ?? 6000) / 2);

    // ---- Entryway, open loop at half the TLS ceiling's rate
    for (const s of o.skipOpen ? [] : selected) {
      const sc = scenarios.find((x) => x.name === s.name)!;
      let file: string;
      if (s.unique) {
        const n = Math.ceil((half * (o.durationMs + o.warmupMs)) / 1000 * 1.05);
        file = writeRequests((await freshTokens(ew.url, 'bench', creds, n)).map(tr));
      } else file = await s.file();
      const open = await run({ target, requestsFile: file, mode: 'open', rate: half, connections: 64, spin: pinned, expectBody: s.expect, ...(s.unique ? { unique: true } : {}) }, ew.pid);
      o.log(`${s.name} @ ${half}/s open loop: ${fmt(open)} backlog ${open.backlog}`);
      sc.open = { ...open, rate: half };
      // And at half of this scenario's own closed-loop capacity: its tail latency under a load it can carry.
      const own = Math.max(1, Math.round(sc.closed.rps / 2));
      let ownFile = file;
      if (s.unique) ownFile = writeRequests((await freshTokens(ew.url, 'bench', creds, Math.ceil(((own * (o.durationMs + o.warmupMs)) / 1000) * 1.05))).map(tr));
      const openOwn = await run({ target, requestsFile: ownFile, mode: 'open', rate: own, connections: 64, spin: pinned, expectBody: s.expect, ...(s.unique ? { unique: true } : {}) }, ew.pid);
      o.log(`${s.name} @ ${own}/s open loop: ${fmt(openOwn)} backlog ${openOwn.backlog}`);
      sc.openOwn = { ...openOwn, rate: own };
    }
  } finally {
    await ew.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(reqDir, { recursive: true, force: true });
  }
  return { pinned, connections: o.connections, durationMs: o.durationMs, scenarios, notes };
}
