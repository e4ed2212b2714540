/**
 * Authorization of a verified caller against its identity policies, for every service Entryway
 * serves (EKS, IAM, STS). Policies come from Entryway's own IAM: for an IAM user its attached
 * managed policies and inline policies and those of its groups; for an assumed-role session those
 * of the role.
 */
import { AwsError } from '../errors/aws-error.js';
import type { Caller, IamPrincipalType } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import { getManagedPolicyRecord } from './lookup.js';
import type { ContextValue, Decision, PolicyDocument } from './policy/index.js';
import { contextMap, evaluatePolicies, parsePolicy } from './policy/index.js';

export const SETTING_BOOTSTRAP_ADMIN_ARN = 'bootstrapAdminArn';
/** The admin's unique ID: a user recreated under the same name is not the break-glass principal. */
export const SETTING_BOOTSTRAP_ADMIN_ID = 'bootstrapAdminUserId';
export const SETTING_PRIMARY_ACCOUNT = 'primaryAccountId';

export interface AuthorizeRequest {
  /** `service:Action`, e.g. `eks:CreateAccessEntry`, `iam:CreateUser`. */
  action: string;
  /** Target ARN, or `*`. */
  resource: string;
  /** Service-specific condition keys (`eks:clusterName`, `iam:PolicyARN`, …); any case. */
  context?: Record<string, ContextValue | undefined>;
  now?: number;
}

export type AccessDecision = Decision | { effect: 'Allow'; bootstrapAdmin: true };

const parsed = new Map<string, PolicyDocument | null>();
/** Stored documents were validated on write; a cache keeps evaluation off the JSON parser. */
function parseStored(text: string): PolicyDocument | null {
  let doc = parsed.get(text);
  if (doc === undefined) {
    try {
      doc = parsePolicy(text, 'identity');
    } catch {
      doc = null; // a document that no longer parses grants nothing
    }
    if (parsed.size > 2000) parsed.clear();
    parsed.set(text, doc);
  }
  return doc;
}

/** Policies attached to one user, role or group, parsed (managed first, then inline). */
async function policiesOf(tx: Tx, accountId: string, type: IamPrincipalType, name: string): Promise<PolicyDocument[]> {
  const docs: PolicyDocument[] = [];
  for (const arn of await tx.listAttachedPolicies(accountId, type, name)) {
    const rec = await getManagedPolicyRecord(tx, arn);
    const doc = rec && parseStored(rec.document);
    if (doc) docs.push(doc);
  }
  for (const inline of await tx.listInlinePolicies(accountId, type, name)) {
    const doc = parseStored(inline.document);
    if (doc) docs.push(doc);
  }
  return docs;
}

/**
 * The caller's identity policies, parsed: a user's own and those of every group it belongs to
 * (IAM evaluates them as one set); an assumed-role session's are its role's.
 */
export async function identityPolicies(tx: Tx, caller: Caller): Promise<PolicyDocument[]> {
  if (caller.kind === 'user') {
    if (caller.userName === undefined) return [];
    const docs = await policiesOf(tx, caller.accountId, 'user', caller.userName);
    for (const g of await tx.listGroupsForUser(caller.accountId, caller.userName)) docs.push(...(await policiesOf(tx, caller.accountId, 'group', g.groupName)));
    return docs;
  }
  return caller.roleName === undefined ? [] : policiesOf(tx, caller.accountId, 'role', caller.roleName);
}

/** Global condition keys IAM sets for every request of this caller. */
export function callerContext(caller: Caller, now: number): Record<string, ContextValue | undefined> {
  return {
    'aws:PrincipalArn': caller.principalArn,
    'aws:PrincipalAccount': caller.accountId,
    'aws:PrincipalType': caller.kind === 'user' ? 'User' : 'AssumedRole',
    'aws:userid': caller.kind === 'user' ? caller.principalId : `${caller.principalId}:${caller.sessionName ?? ''}`,
    'aws:username': caller.kind === 'user' ? caller.userName : undefined,
    'aws:CurrentTime': new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(now / 1000)),
    'aws:SecureTransport': undefined,
  };
}

/** Is this caller the bootstrap administrator (settings `bootstrapAdminArn` + its unique ID)? */
export async function isBootstrapAdmin(tx: Tx, caller: Caller): Promise<boolean> {
  if (caller.kind !== 'user') return false;
  const arn = await tx.getSetting(SETTING_BOOTSTRAP_ADMIN_ARN);
  if (arn === undefined || arn !== caller.principalArn) return false;
  const id = await tx.getSetting(SETTING_BOOTSTRAP_ADMIN_ID);
  return id === undefined || id === caller.principalId;
}

/**
 * The decision for `caller` doing `action` on `resource`, without throwing. The bootstrap
 * administrator is always allowed: it is the break-glass principal, like an account's root user,
 * so a policy mistake can never lock the operator out.
 */
export async function evaluateAccess(tx: Tx, caller: Caller, req: AuthorizeRequest): Promise<AccessDecision> {
  if (await isBootstrapAdmin(tx, caller)) return { effect: 'Allow', bootstrapAdmin: true };
  const docs = await identityPolicies(tx, caller);
  const context = contextMap({ ...callerContext(caller, req.now ?? Date.now()), ...(req.context ?? {}) });
  return evaluatePolicies(docs, { action: req.action, resource: req.resource, context });
}

/** The AccessDenied each service returns, with its wording. */
export function accessDeniedError(caller: Caller, action: string, resource: string, explicit: boolean): AwsError {
  const base = `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource}`;
  if (action.toLowerCase().startsWith('eks:')) return new AwsError('AccessDeniedException', 403, base);
  const why = explicit
    ? ' with an explicit deny in an identity-based policy'
    : ` because no identity-based policy allows the ${action} action`;
  return new AwsError('AccessDenied', 403, base + why);
}

/**
 * Throws the service's AccessDenied unless the caller's identity policies allow the request:
 * EKS `AccessDeniedException` (403, `User: <arn> is not authorized to perform: eks:X on resource:
 * <arn>`), IAM/STS `AccessDenied` (403, the same plus `because no identity-based policy allows the
 * <action> action` or `with an explicit deny in an identity-based policy`). The bootstrap
 * administrator (settings `bootstrapAdminArn`) is always allowed — the break-glass principal, like
 * an account root.
 */
export async function authorize(tx: Tx, caller: Caller, req: AuthorizeRequest): Promise<void> {
  const d = await evaluateAccess(tx, caller, req);
  if (d.effect !== 'Allow') throw accessDeniedError(caller, req.action, req.resource, d.effect === 'ExplicitDeny');
}
