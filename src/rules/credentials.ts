/**
 * Is this credential still good, and who is behind it? One implementation for every verifier:
 * SigV4-signed API calls (iam/authenticate.ts) and TokenReview's offline check
 * (authn/authenticator.ts) both ask these functions, so they cannot disagree — in particular the
 * session token is compared in constant time on both paths. Pure.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Caller, IamRoleRecord, IamUserRecord, SessionRecord } from '../model/types.js';

/** Constant-time string equality (a secret compared with `===` leaks its prefix through timing). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What is wrong with the session token a request carries, if anything. */
export type SessionTokenProblem = 'unexpected' | 'missing' | 'mismatch';

/**
 * Long-term keys take no session token; temporary credentials need exactly theirs.
 * `expected` is the issued session's token, undefined for a user's access key.
 */
export function sessionTokenProblem(expected: string | undefined, presented: string | undefined): SessionTokenProblem | undefined {
  if (expected === undefined) return presented === undefined ? undefined : 'unexpected';
  if (presented === undefined) return 'missing';
  return sameSecret(presented, expected) ? undefined : 'mismatch';
}

/** The state of a credential as the store or the in-memory index knows it. */
export interface CredentialState {
  active: boolean;
  /** Temporary credentials only. */
  expiresAt?: number;
}

export type CredentialProblem = 'inactive_key' | 'expired';

/** An access key must be Active; temporary credentials must not have expired at `now`. */
export function credentialProblem(c: CredentialState, now: number): CredentialProblem | undefined {
  if (!c.active) return 'inactive_key';
  if (c.expiresAt !== undefined && c.expiresAt <= now) return 'expired';
  return undefined;
}

/** The Caller behind an IAM user's access key. */
export function userCaller(user: Pick<IamUserRecord, 'accountId' | 'arn' | 'userId' | 'userName'>, accessKeyId: string): Caller {
  return { accountId: user.accountId, arn: user.arn, principalArn: user.arn, principalId: user.userId, accessKeyId, kind: 'user', userName: user.userName };
}

/** The Caller behind temporary credentials. The role must be the one the session was issued for. */
export function sessionCaller(s: Pick<SessionRecord, 'accountId' | 'roleName' | 'sessionName' | 'accessKeyId'>, role: Pick<IamRoleRecord, 'arn' | 'roleId' | 'roleName'>): Caller {
  const partition = role.arn.split(':')[1] || 'aws';
  return {
    accountId: s.accountId,
    arn: `arn:${partition}:sts::${s.accountId}:assumed-role/${s.roleName}/${s.sessionName}`,
    principalArn: role.arn,
    principalId: role.roleId,
    accessKeyId: s.accessKeyId,
    kind: 'assumed-role',
    roleName: role.roleName,
    sessionName: s.sessionName,
  };
}
