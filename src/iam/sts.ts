/**
 * STS over Entryway's IAM: AssumeRole and GetCallerIdentity.
 *
 * AssumeRole is allowed when (IAM "cross-account policy evaluation" and role trust rules):
 * - no explicit Deny in the trust policy nor in the caller's identity policies, and
 * - same account: the trust policy names the caller (its user/role/session ARN, or `*`), or it
 *   names the caller's account and the caller's identity policies allow sts:AssumeRole on the role;
 * - another account: the trust policy allows the caller in any way AND the caller's identity
 *   policies allow sts:AssumeRole on the role.
 * A role that does not exist is refused with the same AccessDenied (STS does not reveal it).
 * The bootstrap administrator's identity policies always allow, but its trust must still match.
 *
 * Not supported, refused with a ValidationError rather than ignored (ignoring a session policy
 * would grant more than asked): session policies, session tags, MFA, source identity.
 */
import type { Caller, SessionRecord } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import { parseArn } from '../arn/index.js';
import type { IamContext } from './context.js';
import { isoSeconds } from './context.js';
import { callerContext, evaluateAccess } from './authorize.js';
import { callerIdentity } from './credentials.js';
import { iamError, iamMessages } from './errors.js';
import { newSecretAccessKey, newSessionToken, newTemporaryAccessKeyId } from './ids.js';
import type { Input } from './input.js';
import { ASSUME_ROLE_DURATION, RULES, assumedRoleArn, splitPathName } from './names.js';
import type { TrustDecision } from './policy/index.js';
import { contextMap, evaluateTrust, parsePolicy } from './policy/index.js';
import type { Shape } from './shapes.js';

const UNSUPPORTED = ['Policy', 'PolicyArns', 'Tags', 'TransitiveTagKeys', 'SerialNumber', 'TokenCode', 'SourceIdentity', 'ProvidedContexts'];

export const assumeRoleDenied = (caller: Caller, roleArn: string) =>
  iamError.accessDenied(`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);

/** The AssumeRole decision from its three inputs (pure; see the module comment). */
export function assumeRoleAllowed(trust: TrustDecision, identity: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny', sameAccount: boolean): boolean {
  if (trust.effect !== 'Allow' || identity === 'ExplicitDeny') return false;
  if (sameAccount && trust.via === 'principal') return true;
  return identity === 'Allow';
}

/**
 * The session length: DurationSeconds (900–43200, default 3600) must not exceed the role's
 * MaxSessionDuration, nor one hour when a role session assumes a role (role chaining).
 */
export function sessionDuration(requested: number | undefined, maxSessionDuration: number, chained: boolean): number {
  const d = requested ?? ASSUME_ROLE_DURATION.default;
  if (chained && d > ASSUME_ROLE_DURATION.chainedMax) throw iamError.validation(iamMessages.durationExceedsChaining);
  if (d > maxSessionDuration) throw iamError.validation(iamMessages.durationExceedsRole);
  return d;
}

/** `arn:<p>:iam::<acct>:role/<path><name>` → its parts, or undefined. */
function parseRoleArn(arn: string): { accountId: string; name: string } | undefined {
  try {
    const a = parseArn(arn);
    if (a.service !== 'iam' || a.region !== '' || !/^\d{12}$/.test(a.accountId) || !a.resource.startsWith('role/')) return undefined;
    const { name } = splitPathName(a.resource.slice('role/'.length));
    return name === '' ? undefined : { accountId: a.accountId, name };
  } catch {
    return undefined;
  }
}

export async function assumeRole(ctx: IamContext, input: Input): Promise<Shape> {
  const roleArnIn = input.string('RoleArn', RULES.arn) as string;
  const sessionName = input.string('RoleSessionName', RULES.roleSessionName) as string;
  const duration = input.int('DurationSeconds', ASSUME_ROLE_DURATION);
  const externalId = input.string('ExternalId', RULES.externalId);
  input.done();
  const unsupported = UNSUPPORTED.filter((k) => input.has(k));
  if (unsupported.length > 0) throw iamError.validation(`Entryway's STS does not support ${unsupported.join(', ')} on AssumeRole.`);
  ctx.audit.resource = roleArnIn;

  const target = parseRoleArn(roleArnIn);
  if (!target) throw iamError.validation('Request ARN is invalid');
  const role = await ctx.tx.getRole(target.accountId, target.name);
  if (!role) throw assumeRoleDenied(ctx.caller, roleArnIn);

  const context = {
    ...callerContext(ctx.caller, ctx.now),
    'sts:ExternalId': externalId,
    'sts:RoleSessionName': sessionName,
  };
  let trust: TrustDecision;
  try {
    trust = evaluateTrust(parsePolicy(role.assumeRolePolicyDocument, 'trust'), ctx.caller, {
      action: 'sts:AssumeRole',
      roleArn: role.arn,
      context: contextMap(context),
    });
  } catch {
    trust = { effect: 'ImplicitDeny' }; // a stored trust policy that no longer parses trusts no one
  }
  const identity = await evaluateAccess(ctx.tx, ctx.caller, { action: 'sts:AssumeRole', resource: role.arn, now: ctx.now, context });
  if (!assumeRoleAllowed(trust, identity.effect, ctx.caller.accountId === role.accountId)) throw assumeRoleDenied(ctx.caller, roleArnIn);

  const seconds = sessionDuration(duration, role.maxSessionDuration, ctx.caller.kind === 'assumed-role');
  const session = await issueSession(ctx.tx, ctx, {
    role,
    sessionName,
    expiresAt: ctx.now + seconds * 1000,
    sourceArn: ctx.caller.arn,
  });
  const partition = role.arn.split(':')[1] ?? 'aws';
  const assumedRoleUser = {
    AssumedRoleId: `${role.roleId}:${sessionName}`,
    Arn: assumedRoleArn(role.accountId, role.roleName, sessionName, partition),
  };
  ctx.audit.after = { AssumedRoleUser: assumedRoleUser, AccessKeyId: session.accessKeyId, Expiration: isoSeconds(session.expiresAt) };
  return {
    Credentials: {
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: isoSeconds(session.expiresAt),
    },
    AssumedRoleUser: assumedRoleUser,
  };
}

/** Writes temporary credentials for a role (no authorization: AssumeRole decided already). */
export async function issueSession(
  tx: Tx,
  ctx: Pick<IamContext, 'now' | 'random'>,
  opts: { role: { accountId: string; roleName: string; roleId: string; arn: string }; sessionName: string; expiresAt: number; sourceArn: string },
): Promise<SessionRecord> {
  let accessKeyId = newTemporaryAccessKeyId(ctx.random);
  while ((await tx.getSession(accessKeyId)) || (await tx.getAccessKey(accessKeyId))) accessKeyId = newTemporaryAccessKeyId(ctx.random);
  const s: SessionRecord = {
    accessKeyId,
    secretAccessKey: newSecretAccessKey(ctx.random),
    sessionToken: newSessionToken(ctx.random),
    accountId: opts.role.accountId,
    roleName: opts.role.roleName,
    roleId: opts.role.roleId,
    roleArn: opts.role.arn,
    sessionName: opts.sessionName,
    expiresAt: opts.expiresAt,
    createdAt: ctx.now,
    sourceArn: opts.sourceArn,
  };
  await tx.insertSession(s);
  return s;
}

/** Needs no permission, as in AWS: even an explicit Deny of sts:GetCallerIdentity does not stop it. */
export async function getCallerIdentity(ctx: IamContext, input: Input): Promise<Shape> {
  input.done();
  ctx.audit.resource = ctx.caller.arn;
  const { UserId, Account, Arn } = callerIdentity(ctx.caller);
  return { UserId, Account, Arn };
}
