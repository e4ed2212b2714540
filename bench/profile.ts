/**
 * Profile Entryway under load: starts `entryway serve` with --cpu-prof, loads it with one or more
 * HTTP scenarios (name prefixes, comma-separated), and prints where the server's CPU went during
 * the last seconds of steady load (self time, or inclusive time of functions matching a filter).
 *   node --import tsx bench/profile.ts "SubjectAccessReview" [self|incl] [filter ...]
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHttp } from './http.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [scenarios = 'SubjectAccessReview', mode = 'self', ...filters] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'entryway-prof-'));
await runHttp({ quick: true, durationMs: 8000, warmupMs: 2000, connections: 32, rounds: 1, log: (s) => console.log(s), serverNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], scenarios: scenarios.split(','), skipCeiling: true, skipOpen: true });

// The main thread's profile is the largest file.
const file = readdirSync(dir)
  .map((f) => join(dir, f))
  .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
let t = p.startTime;
const ts = p.timeDeltas.map((d) => (t += d));
// The last 7 s of load (the server is stopped ~1.5 s after the window).
const end = p.endTime - 1.5e6;
const start = end - 7e6;
const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const self = new Map<string, number>();
const incl = new Map<string, number>();
let busy = 0;
p.samples.forEach((s, i) => {
  if (ts[i]! < start || ts[i]! > end) return;
  const d = p.timeDeltas[i + 1] ?? 0;
  const node = byId.get(s)!;
  if (node.callFrame.functionName === '(idle)') return;
  busy += d;
  self.set(name(node), (self.get(name(node)) ?? 0) + d);
  const seen = new Set<string>();
  for (let cur: number | undefined = s; cur !== undefined; cur = parent.get(cur)) {
    const k = name(byId.get(cur)!);
    if (!seen.has(k)) incl.set(k, (incl.get(k) ?? 0) + d);
    seen.add(k);
  }
});
const rows = [...(mode === 'incl' ? incl : self)].filter(([k]) => filters.length === 0 || filters.some((f) => k.includes(f))).sort((a, b) => b[1] - a[1]).slice(0, 50);
console.log(`${mode === 'incl' ? 'inclusive' : 'self'} share of the server's busy CPU over the last 7 s of load (${file})`);
for (const [k, v] of rows) console.log(`${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
rmSync(dir, { recursive: true, force: true });
