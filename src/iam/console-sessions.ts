/**
 * Console sign-in: `entryway console` (a SigV4-signed call) gets a single-use code that lives for
 * minutes; the browser trades it for a session. Both are bearer secrets, so the store keeps only
 * their SHA-256 — a copy of the database (or a backup with secrets) cannot be replayed as a cookie.
 *
 * A session is bound to the IAM identity and the access key that asked for the code: every request
 * re-resolves that key, so deleting or deactivating it, deleting the user, or temporary credentials
 * expiring ends the session too (it never outlives the credentials it came from). Authorization is
 * not decided here: a session's calls go through the same IAM evaluation as signed calls.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Caller, ConsoleSessionRecord, ConsoleSignInRecord } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import { resolveAccessKey } from './credentials.js';

/** How long a sign-in link may wait to be followed. */
export const SIGN_IN_CODE_TTL_MS = 5 * 60_000;
/** Default session lifetime (serve --console-session-hours). */
export const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;

export const hashSecret = (s: string): string => createHash('sha256').update(s).digest('hex');
const newSecret = (): string => randomBytes(32).toString('base64url');
/** Codes and session ids are 43 base64url characters; anything else is refused unread. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export type SessionRefusal = 'unknown' | 'expired' | 'credentials';

export const SESSION_REFUSAL_MESSAGES: Record<SessionRefusal, string> = {
  unknown: 'The console session is not valid: it was signed out or never existed. Sign in again with `entryway console`.',
  expired: 'The console session has expired. Sign in again with `entryway console`.',
  credentials: 'The credentials this console session was signed in with are no longer valid (deleted, deactivated or expired). Sign in again.',
};

/** Issues a sign-in code for a caller whose request was just verified. */
export async function createSignIn(tx: Tx, caller: Caller, now: number, sessionTtlMs = DEFAULT_SESSION_TTL_MS): Promise<{ code: string; expiresAt: number; sessionExpiresAt: number }> {
  const resolved = await resolveAccessKey(tx, caller.accessKeyId, now);
  const credentialExpiry = resolved.credential?.expiresAt;
  const sessionExpiresAt = Math.min(now + sessionTtlMs, credentialExpiry ?? Number.POSITIVE_INFINITY);
  const code = newSecret();
  const record: ConsoleSignInRecord = { caller, createdAt: now, expiresAt: now + SIGN_IN_CODE_TTL_MS, sessionExpiresAt };
  await tx.insertConsoleSignIn(hashSecret(code), record);
  return { code, expiresAt: record.expiresAt, sessionExpiresAt };
}

export type ExchangeResult =
  | { ok: true; sessionId: string; session: ConsoleSessionRecord }
  | { ok: false; reason: 'unknown' | 'expired'; message: string };

/** Trades a code for a session; the code is gone afterwards whatever the outcome. */
export async function exchangeSignIn(tx: Tx, code: string, now: number): Promise<ExchangeResult> {
  const refused = (reason: 'unknown' | 'expired'): ExchangeResult => ({
    ok: false,
    reason,
    message: reason === 'expired' ? 'This sign-in link has expired. Run `entryway console` again for a new one.' : 'This sign-in link is not valid or was already used. Run `entryway console` again for a new one.',
  });
  if (!SECRET.test(code)) return refused('unknown');
  const r = await tx.takeConsoleSignIn(hashSecret(code));
  if (!r) return refused('unknown');
  if (r.expiresAt <= now || r.sessionExpiresAt <= now) return refused('expired');
  const sessionId = newSecret();
  const session: ConsoleSessionRecord = { caller: r.caller, csrfToken: newSecret(), createdAt: now, expiresAt: r.sessionExpiresAt };
  await tx.insertConsoleSession(hashSecret(sessionId), session);
  return { ok: true, sessionId, session };
}

export type ResolveSessionResult = { ok: true; session: ConsoleSessionRecord } | { ok: false; reason: SessionRefusal };

/** The session a cookie names, if it is still good (see the module comment for what ends one). */
export async function resolveSession(tx: Tx, sessionId: string, now: number): Promise<ResolveSessionResult> {
  if (!SECRET.test(sessionId)) return { ok: false, reason: 'unknown' };
  const s = await tx.getConsoleSession(hashSecret(sessionId));
  if (!s) return { ok: false, reason: 'unknown' };
  if (s.expiresAt <= now) return { ok: false, reason: 'expired' };
  const key = await resolveAccessKey(tx, s.caller.accessKeyId, now);
  if (!key.ok || key.credential?.caller.arn !== s.caller.arn) return { ok: false, reason: 'credentials' };
  return { ok: true, session: { ...s, caller: key.credential.caller } };
}

/** Ends a session server-side: the cookie stops working on every replica at once. */
export async function endSession(tx: Tx, sessionId: string): Promise<boolean> {
  return SECRET.test(sessionId) && (await tx.deleteConsoleSession(hashSecret(sessionId))) === 1;
}
