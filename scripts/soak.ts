/**
 * `npm run soak [-- --duration 10m --concurrency 16]`: a mixed load against a real `entryway serve`
 * process for a set time — SubjectAccessReviews, TokenReviews (cached and fresh tokens), EKS API
 * reads and writes (access entries created, associated, deleted) — recording errors, latency per
 * 10-second window, and the server's resident memory over time. Writes the "Soak" section of
 * docs/benchmarks.md. Errors must be zero.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { Agent } from 'node:https';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, CreateClusterCommand, DeleteAccessEntryCommand, DescribeAccessEntryCommand, EKSClient, ListAccessEntriesCommand } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { rawHttp } from '../src/cli/client.js';
import { parseDuration } from '../src/server/config.js';
import { ADMIN_PROFILE, paths, readCredentialsProfile } from '../src/server/datadir.js';
import { createToken } from '../src/token/index.js';
import { kill, serveProcess } from '../test/helpers/process.js';

const { values } = parseArgs({ options: { duration: { type: 'string' }, concurrency: { type: 'string' }, store: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
const durationMs = parseDuration(values.duration ?? '10m');
const concurrency = Number(values.concurrency ?? 16);
const WINDOW_MS = 10_000;

type Kind = 'sar' | 'token-cached' | 'token-fresh' | 'describe' | 'write';
interface Window {
  t: number;
  counts: Record<Kind, number>;
  errors: number;
  latencies: Record<Kind, number[]>;
  rssMb?: number;
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'entryway-soak-'));
  const args = ['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'warn', '--management-rate-limit', '0', ...(values.store ? ['--store', values.store] : [])];
  const p = await serveProcess(args);
  const admin = readCredentialsProfile(paths(dataDir).credentials, ADMIN_PROFILE);
  if (!admin) throw new Error('no admin credentials');
  const agent = new Agent({ ca: p.ca, keepAlive: true, maxSockets: concurrency * 2 });
  const handler = new NodeHttpHandler({ httpsAgent: agent });
  const eks = new EKSClient({ endpoint: p.url, region: 'us-east-1', credentials: admin, requestHandler: handler, maxAttempts: 1 });
  const iam = new IAMClient({ endpoint: p.url, region: 'us-east-1', credentials: admin, requestHandler: handler, maxAttempts: 1 });
  const webhookToken = (await import('better-sqlite3')).default;
  const db = new webhookToken(paths(dataDir).db, { readonly: true });
  const token = (db.prepare("SELECT value FROM settings WHERE key = 'webhookToken'").get() as { value: string }).value;
  db.close();

  // A cluster, 50 users with entries and View + Edit-in-namespace policies.
  const acct = (await iam.send(new CreateUserCommand({ UserName: 'soak-0' }))).User!.Arn!.split(':')[4]!;
  await eks.send(new CreateClusterCommand({ name: 'soak', roleArn: `arn:aws:iam::${acct}:role/eks`, resourcesVpcConfig: { subnetIds: ['s'] }, accessConfig: { authenticationMode: 'API' } }));
  const users: { arn: string; id: string; creds: { accessKeyId: string; secretAccessKey: string } }[] = [];
  for (let i = 0; i < 50; i++) {
    const u = i === 0 ? undefined : await iam.send(new CreateUserCommand({ UserName: `soak-${i}` }));
    const arn = u?.User?.Arn ?? `arn:aws:iam::${acct}:user/soak-0`;
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: `soak-${i}` }));
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'soak', principalArn: arn }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'soak', principalArn: arn, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', accessScope: { type: 'cluster' } }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'soak', principalArn: arn, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy', accessScope: { type: 'namespace', namespaces: ['dev-*'] } }));
    users.push({ arn, id: '', creds: { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! } });
  }
  const post = async (path: string, body: unknown) => {
    const r = await rawHttp(`${p.url}${path}`, { method: 'POST', ca: p.ca, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });
    return { status: r.status, json: JSON.parse(r.body.toString()) as { status: Record<string, unknown> } };
  };
  const mint = (u: (typeof users)[number]) => createToken({ credentials: u.creds, region: 'us-east-1', clusterId: 'soak', now: new Date(), endpoint: p.url });
  const cachedTokens = await Promise.all(users.map(mint));
  for (let i = 0; i < users.length; i++) {
    const r = await post('/clusters/soak/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: cachedTokens[i] } });
    (users[i] as { id: string }).id = (r.json.status.user as { extra: { principalId: string[] } }).extra.principalId[0] as string;
  }

  const windows: Window[] = [];
  const newWindow = (t: number): Window => ({ t, counts: { sar: 0, 'token-cached': 0, 'token-fresh': 0, describe: 0, write: 0 }, errors: 0, latencies: { sar: [], 'token-cached': [], 'token-fresh': [], describe: [], write: [] } });
  const start = Date.now();
  let current = newWindow(0);
  const errorsSeen: string[] = [];
  const record = (kind: Kind, ms: number, ok: boolean, detail?: string) => {
    current.counts[kind]++;
    current.latencies[kind].push(ms);
    if (!ok) {
      current.errors++;
      if (errorsSeen.length < 20) errorsSeen.push(`${kind}: ${detail}`);
    }
  };
  const rss = async () => {
    const r = await rawHttp(`${p.url}/metrics`, { method: 'GET', ca: p.ca });
    const m = /entryway_process_resident_memory_bytes (\d+)/.exec(r.body.toString());
    return m ? Math.round(Number(m[1]) / 2 ** 20) : undefined;
  };
  const ticker = setInterval(() => {
    const closed = current;
    current = newWindow(Date.now() - start);
    windows.push(closed);
    void rss().then((mb) => (closed.rssMb = mb));
  }, WINDOW_MS);
  const memStart = await rss();

  let n = 0;
  const worker = async () => {
    while (Date.now() - start < durationMs) {
      const u = users[n++ % users.length] as (typeof users)[number];
      const roll = n % 100;
      const t0 = performance.now();
      try {
        if (roll < 60) {
          const ns = roll % 2 ? 'dev-a' : 'prod';
          const r = await post('/clusters/soak/authorize', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: u.arn, extra: { principalId: [u.id] }, resourceAttributes: { verb: 'create', group: 'apps', resource: 'deployments', namespace: ns } } });
          record('sar', performance.now() - t0, r.status === 200 && r.json.status.allowed === (ns === 'dev-a'), JSON.stringify(r.json));
        } else if (roll < 80) {
          const r = await post('/clusters/soak/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: cachedTokens[n % users.length] } });
          record('token-cached', performance.now() - t0, r.json.status.authenticated === true, JSON.stringify(r.json));
        } else if (roll < 88) {
          const r = await post('/clusters/soak/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await mint(u) } });
          record('token-fresh', performance.now() - t0, r.json.status.authenticated === true, JSON.stringify(r.json));
        } else if (roll < 95) {
          await eks.send(new DescribeAccessEntryCommand({ clusterName: 'soak', principalArn: u.arn }));
          record('describe', performance.now() - t0, true);
        } else {
          // A write cycle on a cross-account principal: create, associate, list, delete.
          const arn = `arn:aws:iam::999900001111:role/soak-${n}`;
          await eks.send(new CreateAccessEntryCommand({ clusterName: 'soak', principalArn: arn }));
          await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'soak', principalArn: arn, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', accessScope: { type: 'namespace', namespaces: ['x'] } }));
          await eks.send(new ListAccessEntriesCommand({ clusterName: 'soak', maxResults: 20 }));
          await eks.send(new DeleteAccessEntryCommand({ clusterName: 'soak', principalArn: arn }));
          record('write', performance.now() - t0, true);
        }
      } catch (e) {
        record(roll < 60 ? 'sar' : roll < 88 ? 'token-fresh' : roll < 95 ? 'describe' : 'write', performance.now() - t0, false, (e as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(ticker);
  windows.push(current);
  const memEnd = await rss();
  await kill(p, 'SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });

  const total = windows.reduce((a, w) => a + Object.values(w.counts).reduce((x, y) => x + y, 0), 0);
  const errors = windows.reduce((a, w) => a + w.errors, 0);
  const kinds: Kind[] = ['sar', 'token-cached', 'token-fresh', 'describe', 'write'];
  const lines = [
    '<!-- soak:begin -->',
    '## Soak',
    '',
    `Command: \`npm run soak -- --duration ${values.duration ?? '10m'} --concurrency ${concurrency}\`${values.store ? ' (PostgreSQL)' : ' (SQLite)'} · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    '',
    `Mixed load for ${Math.round((Date.now() - start) / 1000)} s at concurrency ${concurrency}: 60% SubjectAccessReview, 20% TokenReview with a cached token, 8% with a fresh token, 7% DescribeAccessEntry, 5% write cycles (CreateAccessEntry + AssociateAccessPolicy + ListAccessEntries + DeleteAccessEntry).`,
    '',
    `**${total} requests, ${errors} errors.** Resident memory: ${memStart ?? '?'} MiB at start → ${memEnd ?? '?'} MiB at the end.`,
    ...(errorsSeen.length ? ['', 'First errors:', ...errorsSeen.map((e) => `- ${e.slice(0, 300)}`)] : []),
    '',
    '| t (s) | requests | errors | RSS MiB | ' + kinds.map((k) => `${k} p50 / p99 ms`).join(' | ') + ' |',
    '|---|---|---|---|' + kinds.map(() => '---').join('|') + '|',
    ...windows.map(
      (w) =>
        `| ${Math.round(w.t / 1000)} | ${Object.values(w.counts).reduce((a, b) => a + b, 0)} | ${w.errors} | ${w.rssMb ?? ''} | ` +
        kinds.map((k) => (w.latencies[k].length ? `${quantile(w.latencies[k], 0.5).toFixed(1)} / ${quantile(w.latencies[k], 0.99).toFixed(1)}` : '')).join(' | ') +
        ' |',
    ),
    '<!-- soak:end -->',
  ];
  const section = lines.join('\n');
  process.stdout.write(section + '\n');
  if (!values['dry-run']) {
    const file = new URL('../docs/benchmarks.md', import.meta.url);
    const cur = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    const next = /<!-- soak:begin -->[\s\S]*<!-- soak:end -->/.test(cur) ? cur.replace(/<!-- soak:begin -->[\s\S]*<!-- soak:end -->/, section) : `${cur.trimEnd()}\n\n${section}\n`;
    writeFileSync(file, next);
  }
  if (errors > 0) process.exitCode = 1;
}

await main();
