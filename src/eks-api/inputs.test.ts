// The EKS routes, data/eks-inputs.json and model/eks-inputs.generated.ts agree with each other and
// with botocore's model on this machine (skipped with a message where botocore is absent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import model from '../../data/eks-inputs.json' with { type: 'json' };
import { eksRoutes } from './plugin.js';

const root = join(import.meta.dirname, '..', '..');
// @ts-expect-error -- a plain .mjs script without types
const gen = (await import('../../scripts/gen-eks-inputs.mjs')) as { reduce(m: unknown): unknown; typesOf(r: unknown): string; botocoreModel(): string; OPERATIONS: string[] };

test('every EKS route reads its input from a shape of the same method and path parameters', () => {
  const ops = model.operations as Record<string, { method: string; uri: string }>;
  const routes = eksRoutes();
  assert.deepEqual(routes.map((r) => r.operation).sort(), [...gen.OPERATIONS].sort(), 'routes and generated operations are the same set');
  for (const r of routes) {
    const op = ops[r.operation];
    assert.ok(op, `${r.operation} has an input shape`);
    assert.equal(r.method, op.method, `${r.operation}: method`);
    const ours = r.url.replace(/:(\w+)/g, '{$1}');
    const theirs = op.uri.split('?')[0]?.replace(/\{(\w+)\+?\}/g, '{$1}');
    assert.equal(ours, theirs, `${r.operation}: path and parameter names`);
  }
});

test('the committed shapes and types are what the generator makes of botocore’s model', (t) => {
  let file: string;
  try {
    file = gen.botocoreModel();
  } catch {
    t.skip('botocore is not installed here: the committed data/eks-inputs.json is not rechecked');
    return;
  }
  if (!existsSync(file)) {
    t.skip(`botocore has no EKS model at ${file}`);
    return;
  }
  const reduced = gen.reduce(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')));
  assert.deepEqual(JSON.parse(readFileSync(join(root, 'data', 'eks-inputs.json'), 'utf8')), reduced, 'data/eks-inputs.json is current: run node scripts/gen-eks-inputs.mjs');
  assert.equal(readFileSync(join(root, 'src', 'model', 'eks-inputs.generated.ts'), 'utf8'), gen.typesOf(reduced), 'src/model/eks-inputs.generated.ts is current');
});
