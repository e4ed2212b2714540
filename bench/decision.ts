/**
 * Section 3: in-process decision cost at scale, Entryway's engine against casbin's RBAC-with-domains
 * model holding the same grants. Run as a child process (one per side, so neither's heap disturbs
 * the other):
 *   node --expose-gc --import tsx bench/decision.ts engine|casbin CLUSTERS ENTRIES
 * Prints one JSON line with the results.
 *
 * Data: CLUSTERS × ENTRIES access entries, one association each (View at cluster scope, Edit in
 * `dev-*`, Admin in `team-a`, rotating), built with the same ClusterSlice the server uses.
 * Engine: `authorize()` — exactly what the SubjectAccessReview webhook calls after parsing: cluster
 * lookup, mode, the principal's compiled grants (compiled on first use), `decide`.
 * casbin: one enforcer, `g = _, _, _` role links (principal ID → policy@scope role, domain =
 * cluster), one `p` line per (verb, API group, resource) atom of each access policy's rules, with
 * the scope's namespace pattern matched by casbin's keyMatch. Both answer the same requests and
 * must agree.
 */
import { getAccessPolicy } from '../src/policy/catalogue.js';
import type { RequestAttributes, ResourceAttributes } from '../src/policy/engine.js';
import { decide } from '../src/policy/engine.js';
import { authorize } from '../src/authz/authorizer.js';
import { ClusterSlice } from '../src/index/access-index.js';
import type { AccessEntryRecord, AssociationRecord } from '../src/model/types.js';
import { GRANTS, associationRecord, clusterName, clusterRecord, entryRecord, principalArnOf, principalIdOf } from './lib/fixtures.js';
import { median } from './lib/stats.js';

const WORKING = 50_000;
/** Random (principal, request) pairs both sides answer, to check they agree. */
const AGREE = 500;
const [side = 'engine', clustersArg = '1000', entriesArg = '3000', casbinQueriesArg = '1000'] = process.argv.slice(2);
const CLUSTERS = Number(clustersArg);
const ENTRIES = Number(entriesArg);
const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const r = (verb: string, group: string, resource: string, namespace = '', subresource = '', name = ''): ResourceAttributes => ({ namespace, verb, group, version: 'v1', resource, subresource, name });
/** Resource requests (casbin's side models resource rules only); some allowed, some not. */
const REQUESTS: ResourceAttributes[] = [
  r('list', '', 'pods', 'default'),
  r('get', 'apps', 'deployments', 'prod', '', 'web'),
  r('create', 'apps', 'deployments', 'dev-1'),
  r('update', 'apps', 'deployments', 'dev-1', 'scale', 'web'),
  r('create', '', 'pods', 'dev-x', 'exec', 'p'),
  r('get', '', 'secrets', 'team-a', '', 's'),
  r('create', 'rbac.authorization.k8s.io', 'rolebindings', 'team-a'),
  r('delete', '', 'secrets', 'prod', '', 's'),
  r('list', '', 'nodes'),
  r('get', 'apiextensions.k8s.io', 'customresourcedefinitions', '', '', 'x'),
  r('watch', '', 'configmaps', ''),
  r('impersonate', '', 'serviceaccounts', 'team-b', '', 'default'),
  r('get', '', 'pods', 'dev-2', 'log', 'p'),
  r('patch', 'batch', 'jobs', 'team-a', '', 'j'),
];

interface Query {
  c: number;
  i: number;
  cluster: string;
  principalId: string;
  canonicalArn: string;
  attrs: RequestAttributes;
}

/** Deterministic pseudo-random queries over all clusters and entries. */
function queries(n: number, seed: number): Query[] {
  let x = seed >>> 0;
  const rnd = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out: Query[] = [];
  for (let k = 0; k < n; k++) {
    const c = Math.floor(rnd() * CLUSTERS);
    const i = Math.floor(rnd() * ENTRIES);
    const { arn, kind } = principalArnOf(c, i);
    // Fresh attribute objects and strings, as after JSON.parse of a webhook body.
    const attrs = JSON.parse(JSON.stringify(REQUESTS[k % REQUESTS.length])) as RequestAttributes;
    out.push({ c, i, cluster: clusterName(c), principalId: principalIdOf(c, i, kind), canonicalArn: arn.replace(/:role\/(?:.*\/)?([^/]+)$/, ':role/$1'), attrs });
  }
  return out;
}

function timeLoop(n: number, f: (k: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < n; k++) f(k);
  return Number(process.hrtime.bigint() - t0) / n;
}

async function engine(): Promise<Record<string, unknown>> {
  const h0 = heapMiB();
  const t0 = performance.now();
  const slices = new Map<string, ClusterSlice>();
  for (let c = 0; c < CLUSTERS; c++) {
    const rec = clusterRecord(clusterName(c));
    const entries: AccessEntryRecord[] = [];
    const assoc: AssociationRecord[] = [];
    for (let i = 0; i < ENTRIES; i++) {
      const e = entryRecord(rec, c, i);
      entries.push(e);
      assoc.push(associationRecord(e, i));
    }
    slices.set(rec.name, new ClusterSlice(rec, 1, [], entries, assoc, undefined, []));
  }
  const buildMs = performance.now() - t0;
  const heapAfterBuild = heapMiB() - h0;

  const now = Date.now();
  // 50,000 distinct principals (within the compiled-grants bound), 200,000 requests over them.
  const principals = queries(WORKING, 42);
  const qs = Array.from({ length: 200_000 }, (_, k) => ({ ...principals[(k * 7919) % WORKING]!, attrs: JSON.parse(JSON.stringify(REQUESTS[k % REQUESTS.length])) as RequestAttributes }));
  let allowed = 0;
  // Cold: the first decision of each principal compiles its grants.
  const coldNs = timeLoop(principals.length, (k) => {
    const q = principals[k]!;
    if (authorize(slices.get(q.cluster), { principalId: q.principalId, canonicalArn: q.canonicalArn }, q.attrs, now).allowed) allowed++;
  });
  const heapAfterCompile = heapMiB() - h0;
  // Warm: the same principals again (grants compiled), in a different order.
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const off = (round * 7919) % qs.length;
    rounds.push(
      timeLoop(qs.length, (k) => {
        const q = qs[(k + off) % qs.length]!;
        if (authorize(slices.get(q.cluster), { principalId: q.principalId, canonicalArn: q.canonicalArn }, q.attrs, now).allowed) allowed++;
      }),
    );
  }
  // The same, without authorize()'s explanation strings for no-opinion answers (decide alone).
  const decideNs = median(
    [0, 1, 2].map((round) =>
      timeLoop(qs.length, (k) => {
        const q = qs[(k + round * 7919) % qs.length]!;
        const g = slices.get(q.cluster)!.grantsFor(q.principalId, q.canonicalArn);
        if (g && decide(g, q.attrs).allowed) allowed++;
      }),
    ),
  );
  const allowedShare = qs.filter((q) => authorize(slices.get(q.cluster), { principalId: q.principalId, canonicalArn: q.canonicalArn }, q.attrs, now).allowed).length / qs.length;
  // One hot principal (3 requests kinds), the webhook's steady state for a busy user.
  const hot = qs.slice(0, REQUESTS.length * 50).map((q, k) => ({ ...qs[0]!, attrs: q.attrs, k }));
  const hotNs = median(
    [0, 1, 2, 3, 4].map(() =>
      timeLoop(1_000_000, (k) => {
        const q = hot[k % hot.length]!;
        if (authorize(slices.get(q.cluster), { principalId: q.principalId, canonicalArn: q.canonicalArn }, q.attrs, now).allowed) allowed++;
      }),
    ),
  );
  // Answers for the cross-check with casbin.
  const answers = queries(AGREE, 7).map((q) => authorize(slices.get(q.cluster), { principalId: q.principalId, canonicalArn: q.canonicalArn }, q.attrs, now).allowed);
  return {
    side: 'engine',
    clusters: CLUSTERS,
    entries: ENTRIES,
    buildMs,
    heapMiB: heapAfterBuild,
    heapAfterCompileMiB: heapAfterCompile,
    bytesPerEntry: (heapAfterBuild * 2 ** 20) / (CLUSTERS * ENTRIES),
    coldNs,
    warmNs: median(rounds),
    decideNs,
    allowedShare,
    hotNs,
    workingSet: WORKING,
    answers,
    allowed,
  };
}

async function casbinSide(): Promise<Record<string, unknown>> {
  const { newEnforcer, newModelFromString } = await import('casbin');
  const model = newModelFromString(`
[request_definition]
r = sub, dom, ns, grp, res, act

[policy_definition]
p = sub, ns, grp, res, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && keyMatch(r.ns, p.ns) && (p.grp == "*" || r.grp == p.grp) && (p.res == "*" || r.res == p.res) && (p.act == "*" || r.act == p.act)
`);
  const e = await newEnforcer(model);
  e.enableAutoBuildRoleLinks(false);
  const h0 = heapMiB();
  const t0 = performance.now();
  // One role per (policy, scope); its p lines are the policy's rule atoms with the scope's pattern.
  const roles = GRANTS.map((g) => `${g.policy}@${g.scope.type === 'cluster' ? '*' : g.scope.namespaces.join(',')}`);
  const p: string[][] = [];
  GRANTS.forEach((g, k) => {
    const policy = getAccessPolicy(`arn:aws:eks::aws:cluster-access-policy/${g.policy}`)!;
    const patterns = g.scope.type === 'cluster' ? ['*'] : g.scope.namespaces;
    for (const rule of policy.rules) {
      for (const verb of rule.verbs) for (const grp of rule.apiGroups ?? []) for (const res of rule.resources ?? []) for (const ns of patterns) p.push([roles[k]!, ns, grp, res, verb]);
    }
  });
  await e.addPolicies(p);
  const links: string[][] = [];
  for (let c = 0; c < CLUSTERS; c++) {
    for (let i = 0; i < ENTRIES; i++) {
      const { kind } = principalArnOf(c, i);
      links.push([principalIdOf(c, i, kind), roles[i % GRANTS.length]!, clusterName(c)]);
    }
  }
  // casbin 5.51's addGroupingPolicies and its adapters' loadPolicy check each new rule against
  // every existing one (a linear scan per rule: quadratic, hours for 3 million); the rules are
  // unique, so they go straight into the model and the role links are built once.
  const gAst = e.getModel().model.get('g')!.get('g')!;
  gAst.policy = links;
  await e.buildRoleLinks();
  const loadMs = performance.now() - t0;
  const heap = heapMiB() - h0;
  const enforce = (q: Query) => {
    const a = q.attrs as ResourceAttributes;
    return e.enforceSync(q.principalId, q.cluster, a.namespace, a.group, a.subresource ? `${a.resource}/${a.subresource}` : a.resource, a.verb);
  };
  const qs = queries(Number(casbinQueriesArg), 42);
  let allowed = 0;
  for (let k = 0; k < Math.min(100, qs.length); k++) if (enforce(qs[k]!)) allowed++; // warm up
  const rounds = [0, 1, 2].map(() => timeLoop(qs.length, (k) => void (enforce(qs[k]!) && allowed++)));
  const answers = queries(AGREE, 7).map(enforce);
  return { side: 'casbin', clusters: CLUSTERS, entries: ENTRIES, pLines: p.length, gLines: CLUSTERS * ENTRIES, loadMs, heapMiB: heap, ns: median(rounds), answers, allowed };
}

const out = side === 'casbin' ? await casbinSide() : await engine();
process.stdout.write(JSON.stringify(out) + '\n');
