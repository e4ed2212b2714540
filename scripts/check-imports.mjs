#!/usr/bin/env node
// Checks src/'s import graph: every import resolves to a layer at or below the
// importer's (scripts/layers.mjs), every top-level folder has a layer, and no
// two modules import each other through any chain (file-level cycles; type-only
// imports count too, since they couple the files just the same).
// Test files and testdata/ are left out: tests may reach across layers.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYERS, layerOf } from './layers.mjs';

// The tree to check: src/ by default, another one (a test's fixture) as the first argument.
const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));
const rank = new Map(LAYERS.map((l, i) => [l.name, i]));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'testdata') walk(p, out); }
    else if (/\.ts$/.test(name) && !/\.test\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

function resolveSpec(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  for (const c of [base.replace(/\.js$/, '.ts'), base, base + '.ts', join(base, 'index.ts')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return base; // unresolved (e.g. a .json file that moved): reported below
}

const topOf = (file) => relative(root, file).split(sep)[0];
const files = walk(root);
const graph = new Map();
const problems = [];

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const edges = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const target = resolveSpec(file, spec);
    if (!target) continue;
    if (!existsSync(target)) { problems.push(`${relative(root, file)}: import '${spec}' does not resolve`); continue; }
    const rel = relative(root, target);
    // The repository's data/ (policy and ClusterRole tables) is pure data: core.
    const from = topOf(file), to = rel.startsWith(`..${sep}data${sep}`) ? 'data' : topOf(target);
    const lf = layerOf(from), lt = layerOf(to);
    if (rel.startsWith('..') && to !== 'data') problems.push(`${relative(root, file)}: imports outside src/: '${spec}'`);
    else if (!lf) problems.push(`${relative(root, file)}: folder '${from}' has no layer in scripts/layers.mjs`);
    else if (!lt) problems.push(`${relative(root, file)}: imports '${spec}' from folder '${to}', which has no layer`);
    else if (rank.get(lt) > rank.get(lf)) problems.push(`${relative(root, file)}: ${lf} imports ${lt} ('${spec}')`);
    if (target.endsWith('.ts')) edges.push(target);
  }
  graph.set(file, edges);
}

// Tarjan's strongly connected components: any component of two or more files is a cycle.
let counter = 0;
const index = new Map(), low = new Map(), stack = [], onStack = new Set();
function strong(v) {
  index.set(v, counter); low.set(v, counter); counter++;
  stack.push(v); onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!index.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const comp = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
    if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) {
      problems.push(`import cycle: ${comp.map((f) => relative(root, f)).sort().join(' ⇄ ')}`);
    }
  }
}
for (const f of graph.keys()) if (!index.has(f)) strong(f);

if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`\n${problems.length} import problem(s); the layers are in scripts/layers.mjs`);
  process.exit(1);
}
console.log(`imports: ${files.length} modules, layers respected, no cycles`);
