/**
 * From an access key ID to the secret that signs with it and the identity behind it. Used by
 * request authentication (here) and by offline TokenReview, which recomputes the signature of a
 * presigned GetCallerIdentity itself.
 */
import type { Caller } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import { credentialProblem, sessionCaller, userCaller } from '../rules/credentials.js';

export type CredentialFailure =
  /** No such key (never issued, deleted, or a session swept after expiry). */
  | 'unknown_key'
  /** IAM user key set Inactive. */
  | 'inactive_key'
  /** The key's user no longer exists. */
  | 'user_deleted'
  /** Temporary credentials past their expiry. */
  | 'session_expired'
  /** The session's role was deleted (or deleted and recreated: a different role ID) since AssumeRole. */
  | 'role_deleted';

export interface ResolvedCredential {
  secretAccessKey: string;
  caller: Caller;
  /** Temporary credentials only: the token the request must carry, and when they expire. */
  sessionToken?: string;
  expiresAt?: number;
}

export type ResolveResult =
  | { ok: true; credential: ResolvedCredential }
  /**
   * `credential` is present for `session_expired`: the signature can still be checked first, so
   * only a holder of the secret learns that it expired.
   */
  | { ok: false; reason: CredentialFailure; credential?: ResolvedCredential };

export { sessionCaller, userCaller };

/** AWS access key IDs are 16–128 characters of [A-Z0-9]; anything else never reaches the store. */
const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;

export async function resolveAccessKey(tx: Tx, accessKeyId: string, now: number): Promise<ResolveResult> {
  if (!ACCESS_KEY_ID.test(accessKeyId)) return { ok: false, reason: 'unknown_key' };
  const key = await tx.getAccessKey(accessKeyId);
  if (key) {
    if (credentialProblem({ active: key.status === 'Active' }, now)) return { ok: false, reason: 'inactive_key' };
    const user = await tx.getUser(key.accountId, key.userName);
    if (!user) return { ok: false, reason: 'user_deleted' };
    return { ok: true, credential: { secretAccessKey: key.secretAccessKey, caller: userCaller(user, accessKeyId) } };
  }
  const s = await tx.getSession(accessKeyId);
  if (!s) return { ok: false, reason: 'unknown_key' };
  const role = await tx.getRole(s.accountId, s.roleName);
  if (!role || role.roleId !== s.roleId) return { ok: false, reason: 'role_deleted' };
  const credential: ResolvedCredential = {
    secretAccessKey: s.secretAccessKey,
    caller: sessionCaller(s, role),
    sessionToken: s.sessionToken,
    expiresAt: s.expiresAt,
  };
  if (credentialProblem({ active: true, expiresAt: s.expiresAt }, now)) return { ok: false, reason: 'session_expired', credential };
  return { ok: true, credential };
}

/** What STS GetCallerIdentity reports for a caller. */
export function callerIdentity(caller: Caller): { Account: string; Arn: string; UserId: string } {
  return {
    Account: caller.accountId,
    Arn: caller.arn,
    UserId: caller.kind === 'assumed-role' ? `${caller.principalId}:${caller.sessionName ?? ''}` : caller.principalId,
  };
}
