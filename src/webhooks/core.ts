/**
 * The kube-apiserver webhooks without a web framework: TokenReview and SubjectAccessReview in,
 * status + JSON out. kube-apiserver sends a review for (nearly) every request it serves, so this
 * path does only what a review needs — the caller check, one JSON parse, the decision from the
 * in-memory index, metrics — and is served ahead of Fastify (server/http.ts `fastPath`) unless a
 * webhook rate limit is configured. Bad input gets a well-formed refusal, never a 5xx.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Authenticator } from '../authn/authenticator.js';
import { authorize } from '../authz/authorizer.js';
import type { Indexes } from '../index/indexes.js';
import { buildSubjectAccessReviewResponse, parseSubjectAccessReview, principalIdFromReview } from './sar.js';
import { parseTokenReview, tokenReviewAllowed, tokenReviewDenied } from './tokenreview.js';

/** What the webhooks count, by label; server/metrics.ts's prom-client registry provides it. */
interface LabelledCounter { labels(labels: Record<string, string>): { inc(): void } }
interface LabelledHistogram { labels(labels: Record<string, string>): { observe(seconds: number): void } }
export interface WebhookMetrics {
  readonly tokenReviews: LabelledCounter;
  readonly tokenReviewSeconds: LabelledHistogram;
  readonly authzReviews: LabelledCounter;
  readonly authzReviewSeconds: { observe(seconds: number): void };
}

export interface DecisionEvent {
  kind: 'authentication' | 'authorization';
  cluster: string;
  principal: string;
  result: string;
  detail: string;
  requestId: string;
  ip: string;
}

export interface WebhookOptions {
  authenticator: Authenticator;
  indexes: Indexes;
  now: () => number;
  metrics?: WebhookMetrics;
  /** Bearer token kube-apiserver must present. */
  webhookToken: string;
  /** Called for each decision (sampled auditing); the explanation of a no-opinion is built only then. */
  onDecision?: (d: DecisionEvent) => void;
  log?: { warn: (o: object, msg: string) => void; error: (o: object, msg: string) => void };
}

export interface WebhookAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const UNAUTHORIZED: WebhookAnswer = {
  status: 401,
  headers: JSON_HEADERS,
  body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'webhook caller not authenticated: present the Entryway webhook bearer token', reason: 'Unauthorized', code: 401 }),
};

/**
 * A request kube-apiserver would never send — not a POST, no body, not JSON, JSON that is not a
 * review — is answered like aws-iam-authenticator's server does (405 / 400 with a short reason),
 * as a Kubernetes `Status`. client-go treats 4xx other than 429 as a final error: it does not retry.
 */
function badRequest(message: string): WebhookAnswer {
  return { status: 400, headers: JSON_HEADERS, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 }) };
}

/** aws-iam-authenticator answers a non-POST to /authenticate with 405 "expected POST". */
export const METHOD_NOT_ALLOWED: WebhookAnswer = {
  status: 405,
  headers: { ...JSON_HEADERS, allow: 'POST' },
  body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'expected POST', reason: 'MethodNotAllowed', code: 405 }),
};

type JsonBody = { ok: true; value: unknown } | { ok: false; answer: WebhookAnswer };

function parseJson(body: Buffer | undefined, kind: string): JsonBody {
  if (!body || body.length === 0) return { ok: false, answer: badRequest('expected a request body') };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false, answer: badRequest(`expected a request body to be a ${kind}: it is not JSON`) };
  }
}

/** A metric's child for one label set, made once: prom-client hashes a label object on every call. */
function childCache<C>(make: (key: string) => C): (key: string) => C {
  const children = new Map<string, C>();
  return (key) => {
    let c = children.get(key);
    if (c === undefined) children.set(key, (c = make(key)));
    return c;
  };
}

export class WebhookCore {
  private readonly expected: Buffer;
  private readonly authzCount = childCache((decision) => this.o.metrics!.authzReviews.labels({ decision }));
  private readonly tokenCount = childCache((k) => {
    const [result, reason] = k.split('\n') as [string, string];
    return this.o.metrics!.tokenReviews.labels({ kind: 'webhook', result, reason });
  });
  private readonly tokenSeconds = childCache((result) => this.o.metrics!.tokenReviewSeconds.labels({ result }));

  constructor(private readonly o: WebhookOptions) {
    this.expected = Buffer.from(`Bearer ${o.webhookToken}`);
  }

  /** Constant-time for a header of the right length; the token's length is fixed and not secret. */
  callerAllowed(authorization: string | undefined): boolean {
    if (typeof authorization !== 'string' || authorization.length !== this.expected.length) return false;
    return timingSafeEqual(Buffer.from(authorization), this.expected);
  }

  async tokenReview(cluster: string, authorization: string | undefined, body: Buffer | undefined, meta: { requestId: string; ip: string }): Promise<WebhookAnswer> {
    const started = process.hrtime.bigint();
    if (!this.callerAllowed(authorization)) return UNAUTHORIZED;
    const json = parseJson(body, 'TokenReview');
    const done = (result: string, reason: string) => {
      if (!this.o.metrics) return;
      this.tokenCount(`${result}\n${reason}`).inc();
      this.tokenSeconds(result).observe(Number(process.hrtime.bigint() - started) / 1e9);
    };
    if (!json.ok) {
      done('invalid', 'malformed_request');
      return json.answer;
    }
    const parsed = parseTokenReview(json.value);
    if (!parsed.ok) {
      done('invalid', 'malformed_request');
      // Not a TokenReview at all: 400. A TokenReview without a usable token: a refusal kube-apiserver reads.
      if (parsed.malformed) return badRequest(`expected a request body to be a TokenReview: ${parsed.error.replace(/^invalid TokenReview: /, '')}`);
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(tokenReviewDenied(parsed.apiVersion, parsed.error)) };
    }
    const out = await this.o.authenticator.authenticate(cluster, parsed.token, { sourceIp: meta.ip }).catch((e: unknown) => {
      this.o.log?.error({ err: e, cluster }, 'token review failed');
      return { ok: false as const, kind: 'unavailable' as const, reason: 'internal_error', message: 'the token could not be checked' };
    });
    if (out.ok) {
      done('authenticated', out.cached ? 'cache_hit' : out.source);
      this.o.onDecision?.({ kind: 'authentication', cluster, principal: out.identity?.arn ?? out.user.username, result: 'authenticated', detail: out.user.username, ...meta });
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(tokenReviewAllowed(parsed.apiVersion, out.user, parsed.audiences)) };
    }
    done(out.kind, out.reason);
    this.o.onDecision?.({ kind: 'authentication', cluster, principal: '-', result: out.kind, detail: out.reason, ...meta });
    if (out.reason === 'stale_entry' || out.reason === 'arn_mismatch') this.o.log?.warn({ cluster, reason: out.reason }, out.message);
    const headers = out.kind === 'throttled' ? { ...JSON_HEADERS, 'retry-after': '1' } : JSON_HEADERS;
    return { status: out.kind === 'throttled' ? 429 : 200, headers, body: JSON.stringify(tokenReviewDenied(parsed.apiVersion, out.message)) };
  }

  subjectAccessReview(cluster: string, authorization: string | undefined, body: Buffer | undefined, meta: { requestId: string; ip: string }): WebhookAnswer {
    const started = process.hrtime.bigint();
    if (!this.callerAllowed(authorization)) return UNAUTHORIZED;
    const json = parseJson(body, 'SubjectAccessReview');
    const observe = (decision: string) => {
      const m = this.o.metrics;
      if (!m) return;
      this.authzCount(decision).inc();
      m.authzReviewSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    };
    if (!json.ok) {
      observe('error');
      return json.answer;
    }
    const parsed = parseSubjectAccessReview(json.value);
    if (!parsed.ok) {
      observe('error');
      return badRequest(`expected a request body to be a SubjectAccessReview: ${parsed.error.message}`);
    }
    const review = parsed.review;
    const pid = principalIdFromReview(review);
    const explain = this.o.onDecision !== undefined;
    const d = authorize(this.o.indexes.clusters.get(cluster), pid.ok ? pid : undefined, review.attrs, this.o.now(), { explain });
    observe(d.allowed ? 'allowed' : 'no_opinion');
    this.o.onDecision?.({ kind: 'authorization', cluster, principal: review.user, result: d.allowed ? 'allowed' : 'no_opinion', detail: d.allowed ? d.reason : (d.explanation ?? ''), ...meta });
    return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(buildSubjectAccessReviewResponse(review.apiVersion, d.allowed ? d : { allowed: false })) };
  }
}
