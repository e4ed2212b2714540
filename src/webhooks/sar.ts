/**
 * SubjectAccessReview codec for the authorization webhook (k8s-authn-authz §2.4).
 * Pure: JSON value in, request attributes out; decision in, JSON value out.
 *
 * - Accepts `authorization.k8s.io/v1` (groups in `spec.groups`) and `v1beta1`
 *   (groups in `spec.group`; kube-apiserver's flag default). Like Go's decoder
 *   we ignore the other version's field name and unknown fields (selectors
 *   included: they only ever narrow a request, so ignoring them is safe).
 * - Types are checked strictly. Any JSON value is accepted without throwing;
 *   bad input yields an `InvalidSubjectAccessReviewError`, answered with
 *   `{allowed: false, evaluationError}` (kube-apiserver ignores evaluationError,
 *   so this is "no opinion", but it shows up when debugging).
 * - Responses never carry `denied`: access policies are allow-only, and
 *   `denied: true` would stop the chain before RBAC.
 */
import type { Decision, RequestAttributes } from '../policy/engine.js';

export const SAR_V1 = 'authorization.k8s.io/v1';
export const SAR_V1BETA1 = 'authorization.k8s.io/v1beta1';
export type SubjectAccessReviewApiVersion = typeof SAR_V1 | typeof SAR_V1BETA1;

export interface ParsedSubjectAccessReview {
  readonly apiVersion: SubjectAccessReviewApiVersion;
  readonly attrs: RequestAttributes;
  /** `""` when absent. */
  readonly user: string;
  readonly groups: readonly string[];
  /** `""` when absent. */
  readonly uid: string;
  readonly extra: ReadonlyMap<string, readonly string[]>;
}

/**
 * Input bounds. kube-apiserver itself stops caching reviews whose attributes
 * reach 10 000 bytes; anything near these limits is not a real request.
 */
export const SAR_LIMITS = Object.freeze({ maxString: 16_384, maxGroups: 1_024, maxExtraKeys: 256, maxExtraValues: 1_024 });

export class InvalidSubjectAccessReviewError extends Error {
  override readonly name = 'InvalidSubjectAccessReviewError';
  constructor(
    /** JSON path of the offending value, e.g. `spec.resourceAttributes.verb`. */
    readonly field: string,
    detail: string,
    /** The version to answer with (v1 when the request's own is unusable). */
    readonly apiVersion: SubjectAccessReviewApiVersion,
  ) {
    super(`invalid SubjectAccessReview: ${field}: ${detail}`);
  }
}

export type ParseSubjectAccessReviewResult =
  | { readonly ok: true; readonly review: ParsedSubjectAccessReview }
  | { readonly ok: false; readonly error: InvalidSubjectAccessReviewError };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Thrown only inside this module and always caught by `parseSubjectAccessReview`. */
class Bad {
  constructor(readonly field: string, readonly detail: string) {}
}

function optString(o: Obj, key: string, at: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new Bad(`${at}.${key}`, `expected a string, got ${kind(v)}`);
  if (v.length > SAR_LIMITS.maxString) throw new Bad(`${at}.${key}`, `longer than ${SAR_LIMITS.maxString} characters`);
  return v;
}

/** `at` is the field path for errors: a string, or a function so the hot path builds no string. */
function stringList(v: unknown, where: string | (() => string), max: number): readonly string[] {
  if (v === undefined || v === null) return [];
  const at = () => (typeof where === 'string' ? where : where());
  if (!Array.isArray(v)) throw new Bad(at(), `expected an array of strings, got ${kind(v)}`);
  if (v.length > max) throw new Bad(at(), `more than ${max} entries`);
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i];
    if (typeof s !== 'string') throw new Bad(`${at()}[${i}]`, `expected a string, got ${kind(s)}`);
    if (s.length > SAR_LIMITS.maxString) throw new Bad(`${at()}[${i}]`, `longer than ${SAR_LIMITS.maxString} characters`);
  }
  return Object.freeze([...(v as string[])]);
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Key names are echoed in errors, so keep them short. */
function shortKey(k: string): string {
  return JSON.stringify(k.length > 64 ? `${k.slice(0, 64)}…` : k);
}

export function parseSubjectAccessReview(body: unknown): ParseSubjectAccessReviewResult {
  let apiVersion: SubjectAccessReviewApiVersion = SAR_V1;
  try {
    if (!isObj(body)) throw new Bad('$', `expected an object, got ${kind(body)}`);
    const v = body['apiVersion'];
    if (v !== SAR_V1 && v !== SAR_V1BETA1) throw new Bad('apiVersion', `expected ${SAR_V1} or ${SAR_V1BETA1}`);
    apiVersion = v;
    if (body['kind'] !== 'SubjectAccessReview') throw new Bad('kind', 'expected SubjectAccessReview');
    const spec = body['spec'];
    if (!isObj(spec)) throw new Bad('spec', spec === undefined ? 'missing' : `expected an object, got ${kind(spec)}`);

    const ra = spec['resourceAttributes'];
    const nra = spec['nonResourceAttributes'];
    const hasRa = ra !== undefined && ra !== null;
    const hasNra = nra !== undefined && nra !== null;
    if (hasRa === hasNra) throw new Bad('spec', 'exactly one of resourceAttributes and nonResourceAttributes must be set');
    let attrs: RequestAttributes;
    if (hasRa) {
      if (!isObj(ra)) throw new Bad('spec.resourceAttributes', `expected an object, got ${kind(ra)}`);
      const at = 'spec.resourceAttributes';
      attrs = Object.freeze({
        namespace: optString(ra, 'namespace', at),
        verb: optString(ra, 'verb', at),
        group: optString(ra, 'group', at),
        version: optString(ra, 'version', at),
        resource: optString(ra, 'resource', at),
        subresource: optString(ra, 'subresource', at),
        name: optString(ra, 'name', at),
      });
    } else {
      if (!isObj(nra)) throw new Bad('spec.nonResourceAttributes', `expected an object, got ${kind(nra)}`);
      const at = 'spec.nonResourceAttributes';
      attrs = Object.freeze({ path: optString(nra, 'path', at), verb: optString(nra, 'verb', at) });
    }

    const groupsKey = apiVersion === SAR_V1 ? 'groups' : 'group';
    const groups = stringList(spec[groupsKey], `spec.${groupsKey}`, SAR_LIMITS.maxGroups);

    const extra = new Map<string, readonly string[]>();
    const rawExtra = spec['extra'];
    if (rawExtra !== undefined && rawExtra !== null) {
      if (!isObj(rawExtra)) throw new Bad('spec.extra', `expected an object, got ${kind(rawExtra)}`);
      const keys = Object.keys(rawExtra);
      if (keys.length > SAR_LIMITS.maxExtraKeys) throw new Bad('spec.extra', `more than ${SAR_LIMITS.maxExtraKeys} keys`);
      for (const k of keys) {
        if (k.length > SAR_LIMITS.maxString) throw new Bad('spec.extra', `a key is longer than ${SAR_LIMITS.maxString} characters`);
        extra.set(k, stringList(rawExtra[k], () => `spec.extra[${shortKey(k)}]`, SAR_LIMITS.maxExtraValues));
      }
    }

    return {
      ok: true,
      review: Object.freeze({ apiVersion, attrs, user: optString(spec, 'user', 'spec'), groups, uid: optString(spec, 'uid', 'spec'), extra }),
    };
  } catch (e) {
    if (e instanceof Bad) return { ok: false, error: new InvalidSubjectAccessReviewError(e.field, e.detail, apiVersion) };
    throw e;
  }
}

/** Extra keys Entryway's TokenReview (like aws-iam-authenticator) sets. */
export const EXTRA_PRINCIPAL_ID = 'principalId';
export const EXTRA_AUTHENTICATOR_PRINCIPAL_ID = 'sigs.k8s.io/aws-iam-authenticator/principalId';
export const EXTRA_CANONICAL_ARN = 'canonicalArn';
const UID = /^aws-iam-authenticator:(\d{12}):([^:]+)$/;

export type PrincipalIdResult =
  | {
      readonly ok: true;
      readonly principalId: string;
      /** `extra.canonicalArn` when it carries exactly one value. */
      readonly canonicalArn: string | undefined;
      /** From `uid`, when present. */
      readonly accountId: string | undefined;
    }
  | {
      readonly ok: false;
      /**
       * `Absent`: no principal-ID extra — not an IAM-authenticated user, or an
       * impersonated one (`--as` drops the authenticator's extras).
       * `Malformed`: a principal-ID key without exactly one non-empty value.
       * `Conflict`: the sources disagree.
       */
      readonly reason: 'Absent' | 'Malformed' | 'Conflict';
      readonly detail: string;
    };

/**
 * The IAM principal ID whose access policies apply to the reviewed request.
 *
 * Source of truth is the extra Entryway's TokenReview sets: `principalId` and/or
 * `sigs.k8s.io/aws-iam-authenticator/principalId`. `uid`
 * (`aws-iam-authenticator:<account>:<principalId>`) is a cross-check only, never
 * a source, because `--as-uid` can set it without the extras. Conflicts fail
 * closed to "no principal" (so the webhook has no opinion and RBAC decides):
 * both extra keys present but different, a key with zero or several values, or
 * a non-empty uid that is not the authenticator form for the same ID.
 * Impersonation with forged extras needs `impersonate` on `userextras/…`, which
 * RBAC grants only to cluster administrators.
 */
export function principalIdFromReview(review: Pick<ParsedSubjectAccessReview, 'uid' | 'extra'>): PrincipalIdResult {
  let principalId: string | undefined;
  for (const key of [EXTRA_PRINCIPAL_ID, EXTRA_AUTHENTICATOR_PRINCIPAL_ID]) {
    const values = review.extra.get(key);
    if (values === undefined) continue;
    const value = values[0];
    if (values.length !== 1 || value === undefined || value === '') {
      return { ok: false, reason: 'Malformed', detail: `extra ${key} must carry exactly one non-empty value` };
    }
    if (principalId !== undefined && principalId !== value) {
      return { ok: false, reason: 'Conflict', detail: `extra ${EXTRA_PRINCIPAL_ID} and ${EXTRA_AUTHENTICATOR_PRINCIPAL_ID} differ` };
    }
    principalId = value;
  }
  if (principalId === undefined) return { ok: false, reason: 'Absent', detail: 'no principal ID in extra' };
  let accountId: string | undefined;
  if (review.uid !== '') {
    const m = UID.exec(review.uid);
    if (m === null || m[2] !== principalId) return { ok: false, reason: 'Conflict', detail: 'uid does not match the principal ID in extra' };
    accountId = m[1];
  }
  const arns = review.extra.get(EXTRA_CANONICAL_ARN);
  const canonicalArn = arns !== undefined && arns.length === 1 && arns[0] !== '' ? arns[0] : undefined;
  return { ok: true, principalId, canonicalArn, accountId };
}

export interface SubjectAccessReviewResponse {
  readonly apiVersion: SubjectAccessReviewApiVersion;
  readonly kind: 'SubjectAccessReview';
  readonly status:
    | { readonly allowed: true; readonly reason: string }
    | { readonly allowed: false }
    | { readonly allowed: false; readonly evaluationError: string };
}

/**
 * Allow with a reason, no opinion, or no opinion with an evaluation error.
 * Never `denied: true` (see module comment).
 */
export function buildSubjectAccessReviewResponse(apiVersion: SubjectAccessReviewApiVersion, outcome: Decision | Error): SubjectAccessReviewResponse {
  const base = { apiVersion, kind: 'SubjectAccessReview' as const };
  if (outcome instanceof Error) return { ...base, status: { allowed: false, evaluationError: outcome.message } };
  if (outcome.allowed) return { ...base, status: { allowed: true, reason: outcome.reason } };
  return { ...base, status: { allowed: false } };
}
