/**
 * TokenReview codec for the authentication webhook (k8s-authn-authz §1.3). Pure.
 * `authentication.k8s.io/v1` and `v1beta1` have the same shape; the answer echoes the version asked.
 * Entryway answers 200 in both directions (kube-apiserver reads `status`), puts the refusal reason in
 * `status.error` (so the apiserver does not cache a refusal that a moment later may succeed), and
 * echoes `spec.audiences` into `status.audiences` (Entryway tokens are not audience-bound).
 */
import { showValue } from '../model/show.js';
import type { KubernetesUser } from '../mapping/identity.js';

export const TR_V1 = 'authentication.k8s.io/v1';
export const TR_V1BETA1 = 'authentication.k8s.io/v1beta1';
export type TokenReviewApiVersion = typeof TR_V1 | typeof TR_V1BETA1;

/** Bearer tokens larger than this are refused before any parsing (OIDC tokens included). */
export const MAX_REVIEW_TOKEN_BYTES = 65_536;

export type ParsedTokenReview =
  | { ok: true; apiVersion: TokenReviewApiVersion; token: string; audiences: string[] }
  /** `malformed`: the body is not a TokenReview (HTTP 400); otherwise its token is unusable (a refusal). */
  | { ok: false; apiVersion: TokenReviewApiVersion; error: string; malformed: boolean };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);


export function parseTokenReview(body: unknown): ParsedTokenReview {
  const apiVersion: TokenReviewApiVersion = isObj(body) && body.apiVersion === TR_V1BETA1 ? TR_V1BETA1 : TR_V1;
  const fail = (error: string, malformed = true): ParsedTokenReview => ({ ok: false, apiVersion, error, malformed });
  if (!isObj(body)) return fail('invalid TokenReview: the body must be a JSON object');
  if (body.apiVersion !== undefined && body.apiVersion !== TR_V1 && body.apiVersion !== TR_V1BETA1) {
    return fail(`invalid TokenReview: unsupported apiVersion ${JSON.stringify(showValue(body.apiVersion))}`);
  }
  if (body.kind !== undefined && body.kind !== 'TokenReview') return fail('invalid TokenReview: kind must be TokenReview');
  const spec = body.spec;
  if (!isObj(spec)) return fail('invalid TokenReview: spec is required');
  // A review whose token is missing or unusable is still a review: refused, not a bad request.
  if (typeof spec.token !== 'string' || spec.token.length === 0) return fail('invalid TokenReview: spec.token is required', false);
  if (Buffer.byteLength(spec.token) > MAX_REVIEW_TOKEN_BYTES) return fail('invalid TokenReview: spec.token is too large', false);
  let audiences: string[] = [];
  if (spec.audiences !== undefined && spec.audiences !== null) {
    if (!Array.isArray(spec.audiences) || spec.audiences.length > 64 || spec.audiences.some((a) => typeof a !== 'string' || a.length > 1024)) {
      return fail('invalid TokenReview: spec.audiences must be a list of strings');
    }
    audiences = spec.audiences as string[];
  }
  return { ok: true, apiVersion, token: spec.token, audiences };
}

export function tokenReviewAllowed(apiVersion: TokenReviewApiVersion, user: KubernetesUser, audiences: string[]): Record<string, unknown> {
  return {
    apiVersion,
    kind: 'TokenReview',
    status: {
      authenticated: true,
      user: { username: user.username, uid: user.uid, ...(user.groups.length ? { groups: user.groups } : {}), extra: user.extra },
      ...(audiences.length ? { audiences } : {}),
    },
  };
}

export function tokenReviewDenied(apiVersion: TokenReviewApiVersion, error: string): Record<string, unknown> {
  return { apiVersion, kind: 'TokenReview', status: { authenticated: false, error } };
}
