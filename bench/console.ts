/**
 * `npm run bench:console` — the console's Access tab on a 3,000-entry cluster, in Debian's Chromium:
 * time from navigation to the rendered table, a search keystroke, a type filter and a sort (each
 * until the next frame is painted), and the first page's transfer size. Writes the numbers with the
 * machine into docs/console-benchmarks.md. Nothing here asserts on time.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand } from '@aws-sdk/client-eks';
import { startTestServer } from '../test/helpers/server.js';
import { launchChromium } from '../test/helpers/browser.js';
import { createCluster, signed } from '../test/e2e/lib.js';
import { ROOT, machine } from './lib/proc.js';

const ENTRIES = Number(process.env.ENTRIES ?? 3000);
const RUNS = 5;

// Functions passed to page.evaluate run in the browser.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const requestAnimationFrame: any;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const s = await startTestServer();
  try {
    const eks = s.eks();
    await createCluster(eks, 'big', 'API');
    // STANDARD entries of an account Entryway does not hold (node types need roles of the cluster's own account).
    const types = ['STANDARD'] as const;
    // The cluster creator's admin entry is the first; EKS's limit is 3,000 in all.
    for (let i = 1; i < ENTRIES; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, ENTRIES - i) }, async (_, k) => {
          const n = i + k;
          const type = types[n % types.length]!;
          const principalArn = `arn:aws:iam::111122223333:role/${type === 'STANDARD' ? 'team' : 'node'}-${String(n).padStart(5, '0')}`;
          await eks.send(new CreateAccessEntryCommand({ clusterName: 'big', principalArn, type, ...(type === 'STANDARD' ? { kubernetesGroups: [`group-${n % 40}`] } : {}) }));
          if (type === 'STANDARD' && n % 3 === 0) {
            await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'big', principalArn, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', accessScope: { type: 'namespace', namespaces: [`ns-${n % 50}`] } }));
          }
        }),
      );
    }
    process.stderr.write(`[bench console] ${ENTRIES} entries created\n`);
    const browser = await launchChromium();
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1360, height: 900 } });
    const page = await ctx.newPage();
    const link = (await signed(s, 'POST', '/entryway/v1/console/sign-in', {})).json.signInUrl as string;
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Clusters' }).waitFor();
    const load: number[] = [];
    const search: number[] = [];
    const filter: number[] = [];
    const sort: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = Date.now();
      await page.goto(`${s.url}/console/clusters/big/access`);
      await page.getByText(`${ENTRIES} entries`).waitFor({ timeout: 60_000 });
      load.push(Date.now() - t0);
      // One interaction, timed in the page from the event to the frame after the update.
      const timed = (fn: string) =>
        page.evaluate(async (code: string) => {
          const t = performance.now();
          new Function(code)();
          await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
          return performance.now() - t;
        }, fn);
      search.push(await timed(`const i = document.getElementById('entry-search'); i.value = 'team-0012'; i.dispatchEvent(new Event('input', { bubbles: true }));`));
      await page.getByText(/of \d+ entries match/).waitFor();
      await timed(`const i = document.getElementById('entry-search'); i.value = ''; i.dispatchEvent(new Event('input', { bubbles: true }));`);
      filter.push(await timed(`const s = document.getElementById('entry-policy'); s.value = 'AmazonEKSViewPolicy'; s.dispatchEvent(new Event('change', { bubbles: true }));`));
      await timed(`const s = document.getElementById('entry-policy'); s.value = ''; s.dispatchEvent(new Event('change', { bubbles: true }));`);
      sort.push(await timed(`document.querySelector('th[aria-sort] button').click(); document.querySelector('th[aria-sort] button').click();`));
    }
    await browser.close();
    const assets = join(ROOT, 'dist', 'console-ui', 'assets');
    const gz = readdirSync(assets).reduce((n, f) => n + gzipSync(readFileSync(join(assets, f))).length, 0);
    const m = machine();
    const rows = [
      ['Access tab: navigation → table of the first 50 rendered (includes fetching all entries)', median(load)],
      ['Search keystroke → next frame', median(search)],
      ['Access-policy filter → next frame', median(filter)],
      ['Sort (two clicks on a column) → next frame', median(sort)],
    ] as const;
    const text = `# Console benchmarks

\`npm run bench:console\` on ${new Date().toISOString().slice(0, 10)}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, Debian Chromium (headless).
A cluster of ${ENTRIES.toLocaleString('en-US')} access entries (a third with a namespaced access policy), SQLite store; medians of ${RUNS} runs.

| what | median (ms) |
|---|---:|
${rows.map(([k, v]) => `| ${k} | ${v.toFixed(1)} |`).join('\n')}

First page transfer: ${(gz / 1024).toFixed(1)} KiB of JavaScript and CSS, gzipped (aim: under 250 KB).
`;
    writeFileSync(join(ROOT, 'docs', 'console-benchmarks.md'), text);
    process.stdout.write(text);
  } finally {
    await s.close();
  }
}

await main();
