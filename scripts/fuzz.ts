/**
 * The long property run: every file in test/property with each property's CI run count multiplied
 * (FUZZ_RUNS), then a Markdown summary — command, date, machine, runs and requests per property,
 * outcome tallies, failures — ready to paste into docs/security.md.
 *
 * Usage: npm run fuzz -- [--runs N] [--seed S] [--only SUBSTRING] [--out FILE]
 *   --runs N       multiplier of the CI run counts (default 50)
 *   --seed S       fast-check seed for every property (default: a fresh one per property)
 *   --only S       only test files whose name contains S (repeatable)
 *   --out FILE     also write the summary there (default: print only)
 * The TAP output goes to a log file whose path is printed; failures are shown in full.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, createWriteStream, existsSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ReportLine } from '../test/property/lib.js';

type Line = ReportLine;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    seed: { type: 'string' },
    only: { type: 'string', multiple: true },
    out: { type: 'string' },
  },
  strict: true,
});

const scale = Number(values.runs);
if (!Number.isFinite(scale) || scale < 1) {
  console.error('--runs must be a number ≥ 1');
  process.exit(2);
}
const dir = 'test/property';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => !values.only?.length || values.only.some((o) => f.includes(o)))
  .sort()
  .map((f) => join(dir, f));
if (files.length === 0) {
  console.error('no property files matched');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'entryway-fuzz-'));
const report = join(work, 'report.jsonl');
const logFile = join(work, 'tap.log');
const started = new Date();
const command = `npm run fuzz -- --runs ${scale}${values.seed ? ` --seed ${values.seed}` : ''}${(values.only ?? []).map((o) => ` --only ${o}`).join('')}`;
console.log(`${command}\n  files: ${files.join(', ')}\n  log:   ${logFile}`);

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  env: { ...process.env, FUZZ_RUNS: String(scale), FUZZ_REPORT: report, ...(values.seed ? { FUZZ_SEED: values.seed } : {}) },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const log = createWriteStream(logFile);
child.stdout.pipe(log, { end: false });
child.stderr.pipe(log, { end: false });
// Progress: one line per finished top-level test.
child.stdout.on('data', (d: Buffer) => {
  for (const line of d.toString().split('\n')) if (/^(not )?ok \d+ - /.test(line)) console.log(`  ${line}`);
});

const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(signal ? 1 : (c ?? 1))));
log.end();
const finished = new Date();

const lines: Line[] = existsSync(report)
  ? readFileSync(report, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line)
  : [];

const fmt = (n: number) => n.toLocaleString('en-US');
const minutes = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);
const topNotes = (n: Record<string, number>) =>
  Object.entries(n)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
const cpu = cpus();
const out = [
  `- Command: \`${command}\` (FUZZ_RUNS=${scale}: every property's CI count × ${scale})`,
  `- Date: ${started.toISOString()} → ${finished.toISOString()} (${minutes(finished.getTime() - started.getTime())})`,
  `- Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}`,
  `- Result: ${code === 0 ? 'all properties held' : `FAILED (exit ${code}; see ${logFile})`}`,
  '',
  '| property | file | runs | requests / calls | outcomes (top 4) | failed | time |',
  '|---|---|---:|---:|---|---|---:|',
  ...lines.map((l) => `| ${l.property} | ${l.file.replace(/^test\/property\//, '')} | ${fmt(l.ran)}${l.ran !== l.numRuns ? ` of ${fmt(l.numRuns)}` : ''} | ${fmt(l.requests)} | ${topNotes(l.notes)} | ${l.failed ? `**yes** (seed ${l.seed})` : 'no'} | ${minutes(l.ms)} |`),
  '',
  `Total: ${fmt(lines.reduce((a, l) => a + l.ran, 0))} runs, ${fmt(lines.reduce((a, l) => a + l.requests, 0))} requests/calls, ${lines.filter((l) => l.failed).length} failing properties.`,
].join('\n');
console.log(`\n${out}`);
if (values.out) writeFileSync(values.out, `${out}\n`);
if (code !== 0) {
  const tap = readFileSync(logFile, 'utf8');
  const failures = tap.split('\n').filter((l, i, all) => /^\s*not ok/.test(l) && !/# TODO/.test(l) && all[i] !== undefined);
  console.log(`\nFailing tests:\n${failures.join('\n')}\n(full output: ${logFile})`);
}
process.exit(code);
