/**
 * Console sessions as a way to authenticate API calls: a request with no `Authorization` header
 * and the session cookie is the session's IAM identity, on every route the console uses (EKS,
 * Entryway, IAM) — so authorization, validation and audit are those of the signed call, unchanged.
 *
 * CSRF: besides `SameSite=Strict`, every cookie-authenticated call, reads included, must carry the
 * session's token in `x-entryway-csrf`. A cross-site page can neither read the token nor send a
 * custom header without a CORS preflight, which Entryway never grants. Requiring it on reads too
 * closes the query protocol's GET form (`GET /?Action=CreateUser`), where method says nothing.
 */
import { timingSafeEqual } from 'node:crypto';
import { AwsError } from '../errors/aws-error.js';
import type { Caller } from '../model/types.js';
import type { ConsoleSessionRecord } from '../model/types.js';
import { resolveSession, SESSION_REFUSAL_MESSAGES } from '../iam/console-sessions.js';
import type { Store } from '../store/store.js';

export const SESSION_COOKIE = '__Host-entryway-session';
export const CSRF_HEADER = 'x-entryway-csrf';

/** One cookie's value from a Cookie header (the first, as browsers send the most specific first). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a request carries its session's CSRF token (compared in constant time). */
export function hasCsrfToken(headers: Record<string, string | string[] | undefined>, session: ConsoleSessionRecord): boolean {
  const token = headers[CSRF_HEADER];
  return typeof token === 'string' && sameSecret(token, session.csrfToken);
}

/** Signed in the header or presigned in the query: SigV4 decides, whatever cookies came along. */
export function isSigned(headers: Record<string, string | string[] | undefined>, rawQuery: string): boolean {
  return headers.authorization !== undefined || /(?:^|&)x-amz-(?:credential|signature)=/i.test(rawQuery);
}

export type SessionProtocol = 'rest-json' | 'query';

/** The protocol's "who are you?" error: the console sees it and asks the user to sign in again. */
function refusal(protocol: SessionProtocol, message: string): AwsError {
  return protocol === 'query' ? new AwsError('InvalidClientTokenId', 403, message) : new AwsError('UnrecognizedClientException', 403, message);
}

export interface SessionAuthOptions {
  store: Store;
  now: () => number;
}

export interface SessionLookup {
  /** The session named by the request's cookie, or a refusal; undefined when there is no cookie. */
  (headers: Record<string, string | string[] | undefined>): Promise<{ ok: true; id: string; session: ConsoleSessionRecord } | { ok: false; message: string } | undefined>;
}

export function sessionLookup(o: SessionAuthOptions): SessionLookup {
  return async (headers) => {
    const raw = headers.cookie;
    const id = cookieValue(Array.isArray(raw) ? raw.join('; ') : raw, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const r = await o.store.read((tx) => resolveSession(tx, id, o.now()));
    return r.ok ? { ok: true, id, session: r.session } : { ok: false, message: SESSION_REFUSAL_MESSAGES[r.reason] };
  };
}

/**
 * The caller of a cookie-authenticated API call, undefined when the request is not one (it is
 * signed, or carries no session cookie: SigV4 authentication then decides). Throws the protocol's
 * error for a session that is over or a call without the CSRF token.
 */
export function sessionAuthenticator(lookup: SessionLookup) {
  return async (raw: { headers: Record<string, string | string[] | undefined>; rawQuery: string }, protocol: SessionProtocol): Promise<Caller | undefined> => {
    const headers = raw.headers;
    if (isSigned(headers, raw.rawQuery)) return undefined;
    const r = await lookup(headers);
    if (r === undefined) return undefined;
    if (!r.ok) throw refusal(protocol, r.message);
    if (!hasCsrfToken(headers, r.session)) {
      throw new AwsError(protocol === 'query' ? 'AccessDenied' : 'AccessDeniedException', 403, `A console call must carry its session's ${CSRF_HEADER} header; this one did not (a request from another site?).`);
    }
    return r.session.caller;
  };
}

export type SessionAuthenticator = ReturnType<typeof sessionAuthenticator>;
