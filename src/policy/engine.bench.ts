/**
 * Micro-benchmark for `decide` (not a test). Run:
 *   node --import tsx src/policy/engine.bench.ts
 * One principal with View at cluster scope, Edit on `dev-*` and Admin on
 * `team-a`, over a mixed set of allowed and unmatched requests.
 */
import type { Grant, RequestAttributes } from './engine.js';
import { compileGrants, decide } from './engine.js';

const principalArn = 'arn:aws:iam::111122223333:role/dev';
const principalId = 'AROAEXAMPLEEXAMPLE01';
const arn = (n: string): string => `arn:aws:eks::aws:cluster-access-policy/${n}`;
const grants: Grant[] = [
  { principalArn, principalId, policyArn: arn('AmazonEKSViewPolicy'), scope: { type: 'cluster', namespaces: [] } },
  { principalArn, principalId, policyArn: arn('AmazonEKSEditPolicy'), scope: { type: 'namespace', namespaces: ['dev-*'] } },
  { principalArn, principalId, policyArn: arn('AmazonEKSAdminPolicy'), scope: { type: 'namespace', namespaces: ['team-a'] } },
];

const r = (verb: string, group: string, resource: string, namespace = '', subresource = '', name = ''): RequestAttributes => ({
  namespace, verb, group, version: 'v1', resource, subresource, name,
});
const requests: RequestAttributes[] = [
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
  { path: '/healthz', verb: 'get' },
  { path: '/metrics', verb: 'get' },
  r('impersonate', '', 'serviceaccounts', 'team-b', '', 'default'),
  r('get', '', 'pods', 'dev-2', 'log', 'p'),
  r('patch', 'batch', 'jobs', 'team-a', '', 'j'),
];

const compiled = compileGrants(grants);
let allowed = 0;
const run = (n: number): void => {
  for (let i = 0; i < n; i++) if (decide(compiled, requests[i % requests.length]!).allowed) allowed++;
};
run(2_000_000); // warm up
const rounds = 5;
const per = 4_000_000;
const results: number[] = [];
for (let k = 0; k < rounds; k++) {
  const t0 = process.hrtime.bigint();
  run(per);
  results.push(Number(process.hrtime.bigint() - t0) / per);
}
results.sort((a, b) => a - b);
console.log(`decide, hot request objects: ${results[Math.floor(rounds / 2)]!.toFixed(1)} ns/decision (median of ${rounds} × ${per}; min ${results[0]!.toFixed(1)}), ${requests.length} mixed requests, 3 associations`);

// Fresh objects and strings per request, as after JSON.parse of a webhook body
// (string hashes not yet cached); parsing itself is not timed.
const fresh = Array.from({ length: 200_000 }, (_, i) => JSON.parse(JSON.stringify(requests[i % requests.length]), (_k, v: unknown) => (typeof v === 'string' ? ` ${v}`.slice(1) : v)) as RequestAttributes);
const t0 = process.hrtime.bigint();
for (const a of fresh) if (decide(compiled, a).allowed) allowed++;
console.log(`decide, fresh request objects: ${(Number(process.hrtime.bigint() - t0) / fresh.length).toFixed(1)} ns/decision (${fresh.length} requests; ${allowed} allows in all, printed so the work is not optimised away)`);
