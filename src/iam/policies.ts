/**
 * Managed policies (AWS managed from data, customer managed in the store, one version `v1`),
 * attachments to users, roles and groups, and inline policies.
 */
import type { IamPrincipalType, InlinePolicyRecord } from '../model/types.js';
import type { IamContext } from './context.js';
import { authorizeIam, isoSeconds, partitionOf } from './context.js';
import { iamError, iamMessages } from './errors.js';
import { newPolicyId } from './ids.js';
import type { Input } from './input.js';
import { getManagedPolicyRecord } from './lookup.js';
import { RULES, policyArn } from './names.js';
import { PolicyParseError, isAwsManagedArn, listAwsManagedPolicies, parsePolicy } from './policy/index.js';
import { targetGroup } from './groups.js';
import { targetRole } from './roles.js';
import type { PolicyRecordWithTags, Shape } from './shapes.js';
import { encodePolicy, paginate, policyShape } from './shapes.js';
import { targetUser } from './users.js';

/** Default IAM quotas. */
export const MAX_MANAGED_POLICIES_PER_PRINCIPAL = 10;
const INLINE_SIZE_LIMIT: Record<IamPrincipalType, number> = { user: 2048, role: 10240, group: 5120 };

/** 'User' | 'Role' | 'Group', as IAM's action and member names spell them. */
const label = (type: IamPrincipalType) => ({ user: 'User', role: 'Role', group: 'Group' } as const)[type];

export function parseIdentityPolicy(text: string): void {
  try {
    parsePolicy(text, 'identity');
  } catch (e) {
    if (e instanceof PolicyParseError) throw iamError.malformedPolicy(e.message);
    throw e;
  }
}

/** A managed policy visible to the caller: AWS managed, or customer managed in the caller's account. */
async function visiblePolicy(ctx: IamContext, arn: string): Promise<PolicyRecordWithTags | undefined> {
  const rec = await getManagedPolicyRecord(ctx.tx, arn);
  if (!rec) return undefined;
  return isAwsManagedArn(arn) || rec.accountId === ctx.caller.accountId ? rec : undefined;
}

async function targetPolicy(ctx: IamContext, input: Input, action: string): Promise<PolicyRecordWithTags> {
  const arn = input.string('PolicyArn', RULES.arn) as string;
  input.done();
  ctx.audit.resource = arn;
  await authorizeIam(ctx, action, arn);
  const rec = await visiblePolicy(ctx, arn);
  if (!rec) throw iamError.noSuchEntity(iamMessages.policyNotFound(arn));
  return rec;
}

// ------------------------------------------------------------------ managed policies

export async function createPolicy(ctx: IamContext, input: Input): Promise<Shape> {
  const name = input.string('PolicyName', RULES.policyName) as string;
  const path = input.string('Path', RULES.path) ?? '/';
  const document = input.string('PolicyDocument', RULES.policyDocument) as string;
  const description = input.string('Description', RULES.policyDescription) ?? '';
  const tags = input.tags();
  input.done();
  const arn = policyArn(ctx.caller.accountId, path, name, partitionOf(ctx));
  ctx.audit.resource = arn;
  await authorizeIam(ctx, 'iam:CreatePolicy', arn);
  if (Object.keys(tags).length > 0) await authorizeIam(ctx, 'iam:TagPolicy', arn);
  const existing = await ctx.tx.listManagedPolicies(ctx.caller.accountId);
  if (existing.some((p) => p.name.toLowerCase() === name.toLowerCase())) throw iamError.alreadyExists(iamMessages.policyExists(name));
  parseIdentityPolicy(document);
  let policyId = newPolicyId(ctx.random);
  while (existing.some((p) => p.policyId === policyId)) policyId = newPolicyId(ctx.random);
  // Tags ride along in the JSON record (ManagedPolicyRecord has no tags member yet).
  const rec: PolicyRecordWithTags = {
    arn,
    accountId: ctx.caller.accountId,
    name,
    path,
    policyId,
    document,
    description,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
  };
  await ctx.tx.putManagedPolicy(rec);
  ctx.audit.after = rec;
  return { Policy: policyShape(rec, 0, true) };
}

export async function getPolicy(ctx: IamContext, input: Input): Promise<Shape> {
  const rec = await targetPolicy(ctx, input, 'iam:GetPolicy');
  return { Policy: policyShape(rec, await ctx.tx.countPolicyAttachmentsInAccount(ctx.caller.accountId, rec.arn), true) };
}

export async function deletePolicy(ctx: IamContext, input: Input): Promise<undefined> {
  const rec = await targetPolicy(ctx, input, 'iam:DeletePolicy');
  if (isAwsManagedArn(rec.arn)) throw iamError.invalidInput(`Cannot delete an AWS managed policy: ${rec.arn}.`);
  if ((await ctx.tx.countPolicyAttachments(rec.arn)) > 0) throw iamError.deleteConflict(iamMessages.deletePolicyAttached);
  await ctx.tx.deleteManagedPolicy(rec);
  ctx.audit.before = rec;
  return undefined;
}

export async function listPolicies(ctx: IamContext, input: Input): Promise<Shape> {
  const scope = input.enumOf('Scope', ['All', 'AWS', 'Local'] as const) ?? 'All';
  const onlyAttached = input.bool('OnlyAttached') ?? false;
  const prefix = input.string('PathPrefix', RULES.pathPrefix) ?? '/';
  input.enumOf('PolicyUsageFilter', ['PermissionsPolicy', 'PermissionsBoundary'] as const);
  input.done();
  const resource = policyArn(ctx.caller.accountId, prefix, '', partitionOf(ctx));
  ctx.audit.resource = resource;
  await authorizeIam(ctx, 'iam:ListPolicies', resource);
  const all = [
    ...(scope === 'Local' ? [] : listAwsManagedPolicies()),
    ...(scope === 'AWS' ? [] : await ctx.tx.listManagedPolicies(ctx.caller.accountId)),
  ].filter((p) => p.path.startsWith(prefix));
  const counted: { rec: PolicyRecordWithTags; n: number }[] = [];
  for (const rec of all) {
    const n = await ctx.tx.countPolicyAttachmentsInAccount(ctx.caller.accountId, rec.arn);
    if (!onlyAttached || n > 0) counted.push({ rec, n });
  }
  counted.sort((a, b) => (a.rec.arn < b.rec.arn ? -1 : a.rec.arn > b.rec.arn ? 1 : 0));
  const { page, ...more } = paginate(input, counted, (c) => c.rec.arn);
  return { Policies: page.map((c) => policyShape(c.rec, c.n, false)), ...more };
}

const versionShape = (rec: PolicyRecordWithTags, withDocument: boolean): Shape => ({
  Document: withDocument ? encodePolicy(rec.document) : undefined,
  VersionId: 'v1',
  IsDefaultVersion: true,
  CreateDate: isoSeconds(rec.createdAt),
});

export async function getPolicyVersion(ctx: IamContext, input: Input): Promise<Shape> {
  const version = input.string('VersionId', { required: true, pattern: /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/, patternText: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?' });
  const rec = await targetPolicy(ctx, input, 'iam:GetPolicyVersion');
  if (version !== 'v1') throw iamError.noSuchEntity(iamMessages.policyVersionNotFound(rec.arn, String(version)));
  return { PolicyVersion: versionShape(rec, true) };
}

export async function listPolicyVersions(ctx: IamContext, input: Input): Promise<Shape> {
  const rec = await targetPolicy(ctx, input, 'iam:ListPolicyVersions');
  return { Versions: [versionShape(rec, false)], IsTruncated: false };
}

// ------------------------------------------------------------------ attachments

/** The user, role or group an attachment/inline call targets; `policyArn` feeds the `iam:PolicyARN` condition key. */
const principalOf = async (ctx: IamContext, input: Input, type: IamPrincipalType, action: string, policyArn?: string) => {
  const context = policyArn === undefined ? undefined : { 'iam:PolicyARN': policyArn };
  switch (type) {
    case 'user':
      return (await targetUser(ctx, input, action, context ? { context } : {})).userName;
    case 'role':
      return (await targetRole(ctx, input, action, context)).roleName;
    case 'group':
      return (await targetGroup(ctx, input, action, context)).groupName;
  }
};

function attachOp(type: IamPrincipalType, action: string) {
  return async (ctx: IamContext, input: Input): Promise<undefined> => {
    const arn = input.string('PolicyArn', RULES.arn) as string;
    const name = await principalOf(ctx, input, type, action, arn);
    const rec = await visiblePolicy(ctx, arn);
    if (!rec) throw iamError.noSuchEntity(iamMessages.policyNotAttachable(arn));
    const attached = await ctx.tx.listAttachedPolicies(ctx.caller.accountId, type, name);
    if (attached.includes(arn)) return undefined;
    if (attached.length >= MAX_MANAGED_POLICIES_PER_PRINCIPAL) {
      throw iamError.limitExceeded(`Cannot exceed quota for PoliciesPer${label(type)}: ${MAX_MANAGED_POLICIES_PER_PRINCIPAL}`);
    }
    await ctx.tx.attachPolicy({ accountId: ctx.caller.accountId, principalType: type, principalName: name, policyArn: arn });
    ctx.audit.after = { policyArn: arn };
    return undefined;
  };
}

function detachOp(type: IamPrincipalType, action: string) {
  return async (ctx: IamContext, input: Input): Promise<undefined> => {
    const arn = input.string('PolicyArn', RULES.arn) as string;
    const name = await principalOf(ctx, input, type, action, arn);
    const n = await ctx.tx.detachPolicy({ accountId: ctx.caller.accountId, principalType: type, principalName: name, policyArn: arn });
    if (n === 0) throw iamError.noSuchEntity(iamMessages.policyNotFound(arn));
    ctx.audit.before = { policyArn: arn };
    return undefined;
  };
}

function listAttachedOp(type: IamPrincipalType, action: string) {
  return async (ctx: IamContext, input: Input): Promise<Shape> => {
    const prefix = input.string('PathPrefix', RULES.pathPrefix) ?? '/';
    const name = await principalOf(ctx, input, type, action);
    const rows: { PolicyName: string; PolicyArn: string }[] = [];
    for (const arn of await ctx.tx.listAttachedPolicies(ctx.caller.accountId, type, name)) {
      const rec = await getManagedPolicyRecord(ctx.tx, arn);
      if (rec && rec.path.startsWith(prefix)) rows.push({ PolicyName: rec.name, PolicyArn: arn });
    }
    const { page, ...more } = paginate(input, rows, (r) => r.PolicyArn);
    return { AttachedPolicies: page, ...more };
  };
}

export const attachUserPolicy = attachOp('user', 'iam:AttachUserPolicy');
export const attachRolePolicy = attachOp('role', 'iam:AttachRolePolicy');
export const detachUserPolicy = detachOp('user', 'iam:DetachUserPolicy');
export const detachRolePolicy = detachOp('role', 'iam:DetachRolePolicy');
export const listAttachedUserPolicies = listAttachedOp('user', 'iam:ListAttachedUserPolicies');
export const listAttachedRolePolicies = listAttachedOp('role', 'iam:ListAttachedRolePolicies');
export const attachGroupPolicy = attachOp('group', 'iam:AttachGroupPolicy');
export const detachGroupPolicy = detachOp('group', 'iam:DetachGroupPolicy');
export const listAttachedGroupPolicies = listAttachedOp('group', 'iam:ListAttachedGroupPolicies');

// ------------------------------------------------------------------ inline policies

/** IAM counts policy size without whitespace. */
const policySize = (doc: string) => doc.replace(/\s/g, '').length;

function putInlineOp(type: IamPrincipalType) {
  return async (ctx: IamContext, input: Input): Promise<undefined> => {
    const policyName = input.string('PolicyName', RULES.policyName) as string;
    const document = input.string('PolicyDocument', RULES.policyDocument) as string;
    const name = await principalOf(ctx, input, type, `iam:Put${label(type)}Policy`);
    parseIdentityPolicy(document);
    const others = (await ctx.tx.listInlinePolicies(ctx.caller.accountId, type, name)).filter((p) => p.policyName !== policyName);
    const total = others.reduce((n, p) => n + policySize(p.document), policySize(document));
    if (total > INLINE_SIZE_LIMIT[type]) {
      throw iamError.limitExceeded(`Maximum policy size of ${INLINE_SIZE_LIMIT[type]} bytes exceeded for ${type} ${name}`);
    }
    const rec: InlinePolicyRecord = { accountId: ctx.caller.accountId, principalType: type, principalName: name, policyName, document };
    await ctx.tx.putInlinePolicy(rec);
    ctx.audit.after = { policyName, document };
    return undefined;
  };
}

async function findInline(ctx: IamContext, type: IamPrincipalType, name: string, policyName: string): Promise<InlinePolicyRecord> {
  const found = (await ctx.tx.listInlinePolicies(ctx.caller.accountId, type, name)).find((p) => p.policyName === policyName);
  if (!found) {
    const message = { user: iamMessages.userPolicyNotFound, role: iamMessages.rolePolicyNotFound, group: iamMessages.groupPolicyNotFound }[type];
    throw iamError.noSuchEntity(message(policyName));
  }
  return found;
}

function getInlineOp(type: IamPrincipalType) {
  return async (ctx: IamContext, input: Input): Promise<Shape> => {
    const policyName = input.string('PolicyName', RULES.policyName) as string;
    const name = await principalOf(ctx, input, type, `iam:Get${label(type)}Policy`);
    const found = await findInline(ctx, type, name, policyName);
    return { [`${label(type)}Name`]: name, PolicyName: found.policyName, PolicyDocument: encodePolicy(found.document) };
  };
}

function deleteInlineOp(type: IamPrincipalType) {
  return async (ctx: IamContext, input: Input): Promise<undefined> => {
    const policyName = input.string('PolicyName', RULES.policyName) as string;
    const name = await principalOf(ctx, input, type, `iam:Delete${label(type)}Policy`);
    const found = await findInline(ctx, type, name, policyName);
    await ctx.tx.deleteInlinePolicy(ctx.caller.accountId, type, name, policyName);
    ctx.audit.before = { policyName, document: found.document };
    return undefined;
  };
}

function listInlineOp(type: IamPrincipalType) {
  return async (ctx: IamContext, input: Input): Promise<Shape> => {
    const name = await principalOf(ctx, input, type, `iam:List${label(type)}Policies`);
    const names = (await ctx.tx.listInlinePolicies(ctx.caller.accountId, type, name)).map((p) => p.policyName);
    const { page, ...more } = paginate(input, names, (n) => n);
    return { PolicyNames: page, ...more };
  };
}

export const putUserPolicy = putInlineOp('user');
export const putRolePolicy = putInlineOp('role');
export const getUserPolicy = getInlineOp('user');
export const getRolePolicy = getInlineOp('role');
export const deleteUserPolicy = deleteInlineOp('user');
export const deleteRolePolicy = deleteInlineOp('role');
export const listUserPolicies = listInlineOp('user');
export const listRolePolicies = listInlineOp('role');
export const putGroupPolicy = putInlineOp('group');
export const getGroupPolicy = getInlineOp('group');
export const deleteGroupPolicy = deleteInlineOp('group');
export const listGroupPolicies = listInlineOp('group');
