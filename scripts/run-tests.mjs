#!/usr/bin/env node
// Runs the test suite with node:test through tsx. Node 20's `--test` does not expand globs, so the
// files are listed here.
//
//   node scripts/run-tests.mjs                 everything: all tests on SQLite, the end-to-end tests
//                                              again on PostgreSQL, then the replica tests (serially:
//                                              one restarts the shared PostgreSQL server, only under
//                                              CI=true or ENTRYWAY_TEST_RESTART_POSTGRES=1)
//   node scripts/run-tests.mjs src/policy ...  only files whose path contains one of the filters
//                                              (store: ENTRYWAY_TEST_STORE, default sqlite)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const roots = ['src', 'test'];
const filters = process.argv.slice(2);
const files = [];
for (const root of roots) {
  let names = [];
  try {
    names = readdirSync(root, { recursive: true });
  } catch {
    continue;
  }
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

const serial = files.filter((f) => f.startsWith(join('test', 'replicas')));
const parallel = files.filter((f) => !serial.includes(f));
const e2e = parallel.filter((f) => f.startsWith(join('test', 'e2e')));
const concurrency = process.env.TEST_CONCURRENCY ?? '2';

function runNodeTest(label, list, extraArgs, env = {}) {
  console.log(`\n# === ${label}: ${list.length} file(s) ===`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...extraArgs, ...list], { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

/** Whether PostgreSQL answers; under CI=true its absence is an error (the tests say so loudly). */
async function postgresReachable() {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: process.env.ENTRYWAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test', connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

let code = 0;
const fullRun = filters.length === 0;
if (parallel.length) code = await runNodeTest(fullRun ? 'all tests (SQLite)' : 'tests', parallel, [`--test-concurrency=${concurrency}`]);
if (fullRun && e2e.length) {
  if (await postgresReachable()) {
    code = (await runNodeTest('end-to-end tests on PostgreSQL', e2e, [`--test-concurrency=${concurrency}`], { ENTRYWAY_TEST_STORE: 'postgres' })) || code;
  } else if (process.env.CI === 'true') {
    console.error('# PostgreSQL is required under CI=true (postgres://postgres@127.0.0.1:5432/test) but is unreachable');
    code = 1;
  } else {
    console.warn('# PostgreSQL unreachable: the end-to-end tests were not repeated on PostgreSQL (set ENTRYWAY_TEST_POSTGRES_URL or start PostgreSQL)');
  }
}
if (serial.length) code = (await runNodeTest('replica tests (serial)', serial, ['--test-concurrency=1'])) || code;
process.exit(code);
