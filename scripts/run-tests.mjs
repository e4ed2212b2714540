#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node:test through tsx.
// Node 20's `--test` does not expand globs, so the files are listed here.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const roots = ['src', 'test'];
const filters = process.argv.slice(2);
const files = [];
for (const root of roots) {
  let names = [];
  try { names = readdirSync(root, { recursive: true }); } catch { continue; }
  for (const name of names) {
    const p = join(root, String(name));
    if (!p.endsWith('.test.ts')) continue;
    if (filters.length && !filters.some((f) => p.includes(f))) continue;
    files.push(p);
  }
}
files.sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Tests under test/replicas/ restart the shared PostgreSQL server: they run alone, after the rest.
const serial = files.filter((f) => f.startsWith(join('test', 'replicas')));
const parallel = files.filter((f) => !serial.includes(f));
const concurrency = process.env.TEST_CONCURRENCY ?? '2';

function runNodeTest(list, extra) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...extra, ...list], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

let code = 0;
if (parallel.length) code = await runNodeTest(parallel, [`--test-concurrency=${concurrency}`]);
if (serial.length) code = (await runNodeTest(serial, ['--test-concurrency=1'])) || code;
process.exit(code);
