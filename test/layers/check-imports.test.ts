// scripts/check-imports.mjs is what `npm run lint` runs for layering and cycles; these cases show it
// passes the real tree and fails a tree with an upward import, a cycle or an unplaced folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(import.meta.dirname, '..', '..', 'scripts', 'check-imports.mjs');

function check(files: Record<string, string> | null) {
  let dir: string | undefined;
  const args = [script];
  if (files) {
    dir = mkdtempSync(join(tmpdir(), 'entryway-layers-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    args.push(dir);
  }
  try {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    return { code: r.status, out: r.stdout + r.stderr };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

test('the source tree respects its layers and has no import cycles', () => {
  const r = check(null);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /layers respected, no cycles/);
});

test('a core module importing the server fails', () => {
  const r = check({
    'rules/entry.ts': "import { x } from '../server/app.js';\nexport const y = x;\n",
    'server/app.ts': 'export const x = 1;\n',
  });
  assert.equal(r.code, 1);
  assert.match(r.out, /rules\/entry\.ts: core imports entry \('\.\.\/server\/app\.js'\)/);
});

test('a nested domain module importing an edge fails, type-only imports included', () => {
  const r = check({
    'iam/policy/doc.ts': "import type { R } from '../../eks-api/route.js';\nexport type D = R;\n",
    'eks-api/route.ts': 'export type R = string;\n',
  });
  assert.equal(r.code, 1);
  assert.match(r.out, /iam\/policy\/doc\.ts: domain imports edge/);
});

test('a file-level cycle fails even within one layer; downward imports pass', () => {
  const cycle = check({
    'clusters/a.ts': "import { b } from '../entries/b.js';\nexport const a = b;\n",
    'entries/b.ts': "import type { A } from '../clusters/c.js';\nexport const b = 1 as A;\n",
    'clusters/c.ts': "import { a } from './a.js';\nexport type A = typeof a;\n",
  });
  assert.equal(cycle.code, 1);
  assert.match(cycle.out, /import cycle: clusters\/a\.ts ⇄ clusters\/c\.ts ⇄ entries\/b\.ts/);
  const fine = check({
    'clusters/a.ts': "import { b } from '../rules/b.js';\nexport const a = b;\n",
    'rules/b.ts': 'export const b = 1;\n',
  });
  assert.equal(fine.code, 0, fine.out);
});

test('a folder without a layer fails', () => {
  const r = check({ 'gadgets/x.ts': "import { b } from '../rules/b.js';\nexport const x = b;\n", 'rules/b.ts': 'export const b = 1;\n' });
  assert.equal(r.code, 1);
  assert.match(r.out, /folder 'gadgets' has no layer/);
});
