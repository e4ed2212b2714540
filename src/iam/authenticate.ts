/**
 * SigV4 request authentication against Entryway's own IAM, for every protocol Entryway serves:
 * parseSigV4 → resolveAccessKey → verifySigV4 → (temporary credentials) the security token must be
 * the session's. Failures are typed; each protocol turns them into AWS's error with
 * `queryAuthError` (IAM/STS) or `restJsonAuthError` (EKS).
 */
import { AwsError } from '../errors/aws-error.js';
import type { Caller } from '../model/types.js';
import type { RawRequest } from '../sigv4/index.js';
import type { AwsProtocol, ParsedSigV4, SigV4Error } from '../sigv4/index.js';
import { expiredSessionTokenError, parseSigV4, unknownAccessKeyError, verifySigV4 } from '../sigv4/index.js';
import type { Store } from '../store/store.js';
import type { CredentialFailure, ResolvedCredential } from './credentials.js';
import { resolveAccessKey } from './credentials.js';
import { sessionTokenProblem } from '../rules/credentials.js';

export type AuthFailure =
  | { kind: 'sigv4'; error: SigV4Error }
  | { kind: 'credential'; reason: CredentialFailure }
  /** Temporary key without its token, with another token, or a long-term key with a token. */
  | { kind: 'token'; reason: 'missing' | 'mismatch' | 'unexpected' };

export interface Authenticated {
  caller: Caller;
  /** Credential scope: what the client signed for (route on it: `iam`, `sts`, `eks`). */
  service: string;
  region: string;
  parsed: ParsedSigV4;
}

export type AuthResult =
  | ({ ok: true } & Authenticated)
  /** `accessKeyId`/`service` when the request got far enough to name them (for audit and routing). */
  | { ok: false; failure: AuthFailure; accessKeyId?: string; service?: string };

export interface AuthenticateOptions {
  /** Allowed clock skew for header-signed requests (default 5 minutes, as AWS). */
  maxSkewMs?: number;
}

/** The session-token rule (rules/credentials.ts, which TokenReview's offline check uses too). */
export function checkSessionToken(credential: ResolvedCredential, presented: string | undefined): AuthFailure | undefined {
  const problem = sessionTokenProblem(credential.sessionToken, presented);
  return problem ? { kind: 'token', reason: problem } : undefined;
}

/** Authenticates one request as received (`rawRequestOf`). `now` is epoch milliseconds. */
export async function authenticateRequest(store: Store, raw: RawRequest, now: number, opts: AuthenticateOptions = {}): Promise<AuthResult> {
  const p = parseSigV4(raw);
  if (!p.ok) return { ok: false, failure: { kind: 'sigv4', error: p.error } };
  const parsed = p.value;
  const ids = { accessKeyId: parsed.accessKeyId, service: parsed.service };
  const resolved = await store.read((tx) => resolveAccessKey(tx, parsed.accessKeyId, now));
  const credential = resolved.credential;
  if (!credential) return { ok: false, failure: { kind: 'credential', reason: resolved.ok ? 'unknown_key' : resolved.reason }, ...ids };

  const v = await verifySigV4(raw, parsed, {
    secretAccessKey: credential.secretAccessKey,
    now: new Date(now),
    ...(opts.maxSkewMs !== undefined ? { maxSkewMs: opts.maxSkewMs } : {}),
  });
  if (!v.ok) return { ok: false, failure: { kind: 'sigv4', error: v.error }, ...ids };
  const tokenFailure = checkSessionToken(credential, parsed.securityToken);
  if (tokenFailure) return { ok: false, failure: tokenFailure, ...ids };
  if (!resolved.ok) return { ok: false, failure: { kind: 'credential', reason: resolved.reason }, ...ids };
  return { ok: true, caller: credential.caller, service: parsed.service, region: parsed.region, parsed };
}

/**
 * `authenticateRequest` that throws the protocol's AwsError on failure — the shape the EKS plugin's
 * `authenticate` option takes: `(raw) => authenticateOrThrow(store, raw, now(), 'rest-json')`.
 */
export async function authenticateOrThrow(
  store: Store,
  raw: RawRequest,
  now: number,
  protocol: AwsProtocol,
  opts: AuthenticateOptions = {},
): Promise<Authenticated> {
  const r = await authenticateRequest(store, raw, now, opts);
  if (!r.ok) throw authFailureToAwsError(r.failure, protocol);
  return { caller: r.caller, service: r.service, region: r.region, parsed: r.parsed };
}

/**
 * AWS's error for a failure, per protocol:
 * - query (IAM/STS): MissingAuthenticationToken 403, IncompleteSignature 400,
 *   InvalidClientTokenId 403 "The security token included in the request is invalid.",
 *   SignatureDoesNotMatch 403 (also "Signature expired: …"), ExpiredToken 403
 *   "The security token included in the request is expired";
 * - rest-json (EKS): MissingAuthenticationTokenException 403 "Missing Authentication Token",
 *   IncompleteSignatureException 400, UnrecognizedClientException 403, InvalidSignatureException
 *   403, ExpiredTokenException 403.
 * Inactive keys, keys of deleted users and sessions of deleted roles look like unknown keys, as in
 * AWS; a wrong, missing or unexpected session token too.
 */
export function authFailureToAwsError(failure: AuthFailure, protocol: AwsProtocol): AwsError {
  let shape;
  if (failure.kind === 'sigv4') shape = failure.error.toAws(protocol);
  else if (failure.kind === 'credential' && failure.reason === 'session_expired') shape = expiredSessionTokenError(protocol);
  else shape = unknownAccessKeyError(protocol);
  return new AwsError(shape.code, shape.status, shape.message);
}

export const queryAuthError = (failure: AuthFailure): AwsError => authFailureToAwsError(failure, 'query');
export const restJsonAuthError = (failure: AuthFailure): AwsError => authFailureToAwsError(failure, 'rest-json');

/** For logs: why, beyond the client-facing message. */
export function describeAuthFailure(failure: AuthFailure): string {
  if (failure.kind === 'sigv4') return `${failure.error.code}: ${failure.error.message}`;
  if (failure.kind === 'credential') return failure.reason;
  return `session token ${failure.reason}`;
}
