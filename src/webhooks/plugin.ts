/**
 * The kube-apiserver webhooks: POST /clusters/{name}/authenticate (TokenReview) and
 * POST /clusters/{name}/authorize (SubjectAccessReview), v1 and v1beta1, answered in the version
 * asked. Bad input gets a well-formed refusal (never a 5xx). The callers (kube-apiserver) present
 * the webhook bearer token from the kubeconfig `entryway kubeconfig webhooks` writes.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../authn/authenticator.js';
import { authorize } from '../authz/authorizer.js';
import type { Indexes } from '../index/indexes.js';
import { buildSubjectAccessReviewResponse, parseSubjectAccessReview, principalIdFromReview } from './sar.js';
import { parseTokenReview, tokenReviewAllowed, tokenReviewDenied, TR_V1 } from './tokenreview.js';
import type { Metrics } from '../server/metrics.js';

export interface WebhookOptions {
  authenticator: Authenticator;
  indexes: Indexes;
  now: () => number;
  metrics?: Metrics;
  /** Bearer token kube-apiserver must present; undefined disables the check (explicit opt-out). */
  webhookToken: () => string | undefined;
  /** Called for each decision (sampled auditing). */
  onDecision?: (d: { kind: 'authentication' | 'authorization'; cluster: string; principal: string; result: string; detail: string; req: FastifyRequest }) => void;
  log?: FastifyInstance['log'];
}

function parseJson(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function callerAllowed(req: FastifyRequest, o: WebhookOptions): boolean {
  const expected = o.webhookToken();
  if (expected === undefined) return true;
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !h.startsWith('Bearer ')) return false;
  // Compare digests so the comparison takes the same time whatever the length.
  return timingSafeEqual(digest(h.slice(7)), digest(expected));
}

function unauthorized(reply: FastifyReply): FastifyReply {
  return reply
    .code(401)
    .header('content-type', 'application/json')
    .send(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'webhook caller not authenticated: present the Entryway webhook bearer token', reason: 'Unauthorized', code: 401 }));
}

export async function webhooksPlugin(app: FastifyInstance, o: WebhookOptions): Promise<void> {
  app.post('/clusters/:name/authenticate', async (req, reply) => {
    const started = process.hrtime.bigint();
    if (!callerAllowed(req, o)) return unauthorized(reply);
    const cluster = (req.params as { name: string }).name;
    const parsed = parseTokenReview(parseJson(req.body));
    reply.header('content-type', 'application/json');
    const done = (result: string, reason: string) => {
      o.metrics?.tokenReviews.inc({ kind: 'webhook', result, reason });
      o.metrics?.tokenReviewSeconds.observe({ result }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    if (!parsed.ok) {
      done('invalid', 'malformed_request');
      return JSON.stringify(tokenReviewDenied(parsed.apiVersion ?? TR_V1, parsed.error));
    }
    const out = await o.authenticator.authenticate(cluster, parsed.token).catch((e: unknown) => {
      o.log?.error({ err: e, cluster }, 'token review failed');
      return { ok: false as const, kind: 'unavailable' as const, reason: 'internal_error', message: 'the token could not be checked' };
    });
    if (out.ok) {
      done('authenticated', out.cached ? 'cache_hit' : out.source);
      o.onDecision?.({ kind: 'authentication', cluster, principal: out.identity?.arn ?? out.user.username, result: 'authenticated', detail: out.user.username, req });
      return JSON.stringify(tokenReviewAllowed(parsed.apiVersion, out.user, parsed.audiences));
    }
    done(out.kind, out.reason);
    o.onDecision?.({ kind: 'authentication', cluster, principal: '-', result: out.kind, detail: out.reason, req });
    if (out.reason === 'stale_entry' || out.reason === 'arn_mismatch') o.log?.warn({ cluster, reason: out.reason }, out.message);
    if (out.kind === 'throttled') reply.code(429).header('retry-after', '1');
    return JSON.stringify(tokenReviewDenied(parsed.apiVersion, out.message));
  });

  app.post('/clusters/:name/authorize', async (req, reply) => {
    const started = process.hrtime.bigint();
    if (!callerAllowed(req, o)) return unauthorized(reply);
    const cluster = (req.params as { name: string }).name;
    reply.header('content-type', 'application/json');
    const parsed = parseSubjectAccessReview(parseJson(req.body));
    const observe = (decision: string) => {
      o.metrics?.authzReviews.inc({ decision });
      o.metrics?.authzReviewSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    };
    if (!parsed.ok) {
      observe('error');
      return JSON.stringify(buildSubjectAccessReviewResponse(parsed.error.apiVersion, parsed.error));
    }
    const review = parsed.review;
    const pid = principalIdFromReview(review);
    const d = authorize(o.indexes.clusters.get(cluster), pid.ok ? pid : undefined, review.attrs, o.now());
    observe(d.allowed ? 'allowed' : 'no_opinion');
    o.onDecision?.({ kind: 'authorization', cluster, principal: review.user, result: d.allowed ? 'allowed' : 'no_opinion', detail: d.allowed ? d.reason : (d.explanation ?? ''), req });
    return JSON.stringify(buildSubjectAccessReviewResponse(review.apiVersion, d.allowed ? d : { allowed: false }));
  });
}
