/**
 * Per-request costs of the webhook handlers' parts, in process (µs per call), to explain the gap
 * between Entryway and its bare HTTP base. Not a substitute for the HTTP numbers: these run hot,
 * one at a time.
 *   node --import tsx bench/handler-costs.ts
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { authorize } from '../src/authz/authorizer.js';
import { TokenCache } from '../src/authn/token-cache.js';
import { ClusterSlice } from '../src/index/access-index.js';
import { mapIdentity } from '../src/mapping/index.js';
import type { Identity } from '../src/mapping/index.js';
import { Metrics } from '../src/server/metrics.js';
import { createLogger } from '../src/server/app.js';
import { buildSubjectAccessReviewResponse, parseSubjectAccessReview, principalIdFromReview } from '../src/webhooks/sar.js';
import { tokenReviewAllowed } from '../src/webhooks/tokenreview.js';
import { associationRecord, clusterRecord, entryRecord, principalArnOf, principalIdOf } from './lib/fixtures.js';

const rec = clusterRecord('bench');
const entries = Array.from({ length: 3000 }, (_, i) => entryRecord(rec, 0, i));
const assoc = entries.flatMap((e, i) => [associationRecord(e, i, 0), associationRecord(e, i, 1), associationRecord(e, i, 2)]);
const slice = new ClusterSlice(rec, 1, [], entries, assoc, undefined, []);
const { arn } = principalArnOf(0, 4); // a user
const pid = principalIdOf(0, 4, 'user');
const body = Buffer.from(
  JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: { creationTimestamp: null },
    spec: {
      resourceAttributes: { namespace: 'dev-1', verb: 'create', group: 'apps', version: 'v1', resource: 'deployments' },
      user: arn,
      groups: ['readers', 'system:authenticated'],
      extra: { accessKeyId: ['AKIAEXAMPLE'], arn: [arn], canonicalArn: [arn], principalId: [pid], sessionName: [''], 'sigs.k8s.io/aws-iam-authenticator/principalId': [pid] },
      uid: `aws-iam-authenticator:${arn.split(':')[4]}:${pid}`,
    },
    status: { allowed: false },
  }),
);
const token = `Bearer ${randomBytes(32).toString('base64url')}`;
const expected = token.slice(7);
const metrics = new Metrics();
const log = createLogger('warn');
const cache = new TokenCache<object>();
const k8sToken = `k8s-aws-v1.${randomBytes(1100).toString('base64url')}`;
const identity: Identity = { arn, canonicalArn: arn, accountId: arn.split(':')[4]!, userId: pid, sessionName: '', accessKeyId: 'AKIAEXAMPLE', stsEndpoint: 'sts.amazonaws.com' };
const surfaceOf = (url: string) => {
  const path = url.split('?')[0] ?? '';
  if (/^\/(healthz|readyz|metrics)$/.test(path)) return 'none';
  return /^\/clusters\/[^/]+\/(authenticate|authorize)$/.test(path) ? 'webhook' : 'management';
};

let sink = 0;
function time(label: string, f: () => unknown): void {
  for (let i = 0; i < 20_000; i++) f();
  const n = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (f()) sink++;
  console.log(`${(Number(process.hrtime.bigint() - t0) / n / 1000).toFixed(2).padStart(7)} µs  ${label}`);
}

const parsed = parseSubjectAccessReview(JSON.parse(body.toString('utf8')));
if (!parsed.ok) throw new Error('bad SAR');
const review = parsed.review;
const decision = authorize(slice, { principalId: pid, canonicalArn: arn }, review.attrs, 0);
if (!decision.allowed) throw new Error('expected an allow');

console.log('SubjectAccessReview handler parts:');
time('JSON.parse of the request body (toString + parse)', () => JSON.parse(body.toString('utf8')));
time('callerAllowed: two SHA-256 digests + timingSafeEqual', () => timingSafeEqual(createHash('sha256').update(token.slice(7)).digest(), createHash('sha256').update(expected).digest()));
time('parseSubjectAccessReview', () => parseSubjectAccessReview(JSON.parse(body.toString('utf8'))).ok);
time('  of which JSON.parse', () => JSON.parse(body.toString('utf8')));
time('principalIdFromReview', () => principalIdFromReview(review).ok);
time('authorize (cluster, grants, decide)', () => authorize(slice, { principalId: pid, canonicalArn: arn }, review.attrs, 0).allowed);
time('buildSubjectAccessReviewResponse + JSON.stringify', () => JSON.stringify(buildSubjectAccessReviewResponse(review.apiVersion, decision)).length);
time('metrics: counter.inc + histogram.observe with labels', () => {
  metrics.authzReviews.inc({ decision: 'allowed' });
  metrics.authzReviewSeconds.observe(0.0001);
});
console.log('Per request in the HTTP plumbing:');
time("Fastify's per-request child logger (pino with redaction)", () => log.child({ reqId: 'x' }));
time('randomUUID (request id)', () => randomUUID());
time('rate-limit allowList/keyGenerator: surfaceOf ×3 (two regexes each)', () => surfaceOf('/clusters/bench/authorize') + surfaceOf('/clusters/bench/authorize') + surfaceOf('/clusters/bench/authorize'));
console.log('TokenReview (cache hit) parts:');
time('TokenCache.keyOf (HMAC-SHA256 of cluster and token)', () => cache.keyOf('bench', k8sToken));
time('mapIdentity (access entry lookup, render username/groups)', () => mapIdentity(identity, slice.mappingView(0)).ok);
const mapped = mapIdentity(identity, slice.mappingView(0));
if (!mapped.ok) throw new Error('not mapped');
time('tokenReviewAllowed + JSON.stringify', () => JSON.stringify(tokenReviewAllowed('authentication.k8s.io/v1', mapped.user, ['https://kubernetes.default.svc'])).length);
console.log(`(${sink})`);
