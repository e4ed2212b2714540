/** IAM users, their access keys and tags. Every operation authorizes `iam:<Action>` on the user's ARN. */
import type { AccessKeyRecord, IamUserRecord } from '../model/types.js';
import type { IamContext } from './context.js';
import type { ContextValue } from './policy/index.js';
import { authorizeIam, isoSeconds, partitionOf } from './context.js';
import { iamError, iamMessages } from './errors.js';
import { assertNotLastAdminPath } from './lockout.js';
import { newAccessKeyId, newSecretAccessKey, newUserId } from './ids.js';
import type { Input } from './input.js';
import { MAX_ACCESS_KEYS_PER_USER, RULES, userArn } from './names.js';
import type { Shape } from './shapes.js';
import { paginate, tagList, userShape } from './shapes.js';

const MAX_TAGS = 50;

export function refusePermissionsBoundary(input: Input): void {
  if (input.has('PermissionsBoundary')) throw iamError.invalidInput('Entryway does not support permissions boundaries.');
}

/**
 * The user an operation targets: `UserName`, or (when omitted, as AWS allows for GetUser and the
 * access-key calls) the calling user. Authorizes before revealing whether the user exists.
 */
export async function targetUser(
  ctx: IamContext,
  input: Input,
  action: string,
  opts: { optional?: boolean; context?: Record<string, ContextValue | undefined> } = {},
): Promise<IamUserRecord> {
  let name = input.string('UserName', opts.optional ? { ...RULES.userName, required: false } : RULES.userName);
  input.done();
  if (name === undefined) {
    if (ctx.caller.kind !== 'user' || ctx.caller.userName === undefined) throw iamError.validation(iamMessages.nonUserCredentials);
    name = ctx.caller.userName;
  }
  const user = await ctx.tx.getUser(ctx.caller.accountId, name);
  const arn = user?.arn ?? userArn(ctx.caller.accountId, '/', name, partitionOf(ctx));
  ctx.audit.resource = arn;
  await authorizeIam(ctx, action, arn, opts.context);
  if (!user) throw iamError.noSuchEntity(iamMessages.userNotFound(name));
  return user;
}

export async function createUser(ctx: IamContext, input: Input): Promise<Shape> {
  const name = input.string('UserName', RULES.userName) as string;
  const path = input.string('Path', RULES.path) ?? '/';
  const tags = input.tags();
  input.done();
  refusePermissionsBoundary(input);
  const arn = userArn(ctx.caller.accountId, path, name, partitionOf(ctx));
  ctx.audit.resource = arn;
  await authorizeIam(ctx, 'iam:CreateUser', arn);
  if (Object.keys(tags).length > 0) await authorizeIam(ctx, 'iam:TagUser', arn);
  if (await ctx.tx.getUser(ctx.caller.accountId, name)) throw iamError.alreadyExists(iamMessages.userExists(name));
  let userId = newUserId(ctx.random);
  while (await ctx.tx.getUserById(userId)) userId = newUserId(ctx.random);
  const user: IamUserRecord = { accountId: ctx.caller.accountId, userName: name, path, userId, arn, createdAt: ctx.now, tags };
  await ctx.tx.insertUser(user);
  ctx.audit.after = user;
  return { User: userShape(user, true) };
}

export async function getUser(ctx: IamContext, input: Input): Promise<Shape> {
  const user = await targetUser(ctx, input, 'iam:GetUser', { optional: true });
  return { User: userShape(user, true) };
}

export async function listUsers(ctx: IamContext, input: Input): Promise<Shape> {
  const prefix = input.string('PathPrefix', RULES.pathPrefix) ?? '/';
  input.done();
  const resource = userArn(ctx.caller.accountId, prefix, '', partitionOf(ctx));
  ctx.audit.resource = resource;
  await authorizeIam(ctx, 'iam:ListUsers', resource);
  const users = await ctx.tx.listUsers(ctx.caller.accountId, prefix);
  const { page, ...more } = paginate(input, users, (u) => u.userName.toLowerCase());
  return { Users: page.map((u) => userShape(u, false)), ...more };
}

export async function deleteUser(ctx: IamContext, input: Input): Promise<undefined> {
  const user = await targetUser(ctx, input, 'iam:DeleteUser');
  const { accountId, userName } = user;
  if ((await ctx.tx.listAccessKeys(accountId, userName)).length > 0) throw iamError.deleteConflict(iamMessages.deleteUserKeys);
  if ((await ctx.tx.listInlinePolicies(accountId, 'user', userName)).length > 0) throw iamError.deleteConflict(iamMessages.deleteInlinePolicies);
  if ((await ctx.tx.listAttachedPolicies(accountId, 'user', userName)).length > 0) throw iamError.deleteConflict(iamMessages.deleteDetachPolicies);
  if ((await ctx.tx.listGroupsForUser(accountId, userName)).length > 0) throw iamError.deleteConflict(iamMessages.deleteUserGroups);
  await assertNotLastAdminPath(ctx, user.arn);
  await ctx.tx.deleteUser(accountId, userName);
  ctx.audit.before = user;
  return undefined;
}

// ------------------------------------------------------------------ tags

export async function tagUser(ctx: IamContext, input: Input): Promise<undefined> {
  const tags = input.tags();
  if (!input.has('Tags')) input.string('Tags', { required: true });
  const user = await targetUser(ctx, input, 'iam:TagUser');
  const merged = { ...user.tags };
  for (const [k, v] of Object.entries(tags)) {
    const existing = Object.keys(merged).find((e) => e.toLowerCase() === k.toLowerCase());
    if (existing !== undefined) delete merged[existing];
    merged[k] = v;
  }
  if (Object.keys(merged).length > MAX_TAGS) throw iamError.limitExceeded('The number of tags has reached the maximum limit.');
  await ctx.tx.updateUser({ ...user, tags: merged });
  ctx.audit.before = user.tags;
  ctx.audit.after = merged;
  return undefined;
}

export async function untagUser(ctx: IamContext, input: Input): Promise<undefined> {
  const keys = input.stringList('TagKeys', { ...RULES.tagKey, maxItems: 50 });
  if (!input.has('TagKeys')) input.string('TagKeys', { required: true });
  const user = await targetUser(ctx, input, 'iam:UntagUser');
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  const tags = Object.fromEntries(Object.entries(user.tags).filter(([k]) => !lower.has(k.toLowerCase())));
  await ctx.tx.updateUser({ ...user, tags });
  ctx.audit.before = user.tags;
  ctx.audit.after = tags;
  return undefined;
}

export async function listUserTags(ctx: IamContext, input: Input): Promise<Shape> {
  const user = await targetUser(ctx, input, 'iam:ListUserTags');
  const { page, ...more } = paginate(input, tagList(user.tags), (t) => String(t.Key));
  return { Tags: page, ...more };
}

// ------------------------------------------------------------------ access keys

const keyMetadata = (k: AccessKeyRecord): Shape => ({
  UserName: k.userName,
  AccessKeyId: k.accessKeyId,
  Status: k.status,
  CreateDate: isoSeconds(k.createdAt),
});

/** Creates an access key without authorization (bootstrap and account creation use it too). */
export async function issueAccessKey(ctx: Pick<IamContext, 'tx' | 'now' | 'random'>, user: IamUserRecord): Promise<AccessKeyRecord> {
  let accessKeyId = newAccessKeyId(ctx.random);
  while ((await ctx.tx.getAccessKey(accessKeyId)) || (await ctx.tx.getSession(accessKeyId))) accessKeyId = newAccessKeyId(ctx.random);
  const key: AccessKeyRecord = {
    accessKeyId,
    secretAccessKey: newSecretAccessKey(ctx.random),
    accountId: user.accountId,
    userName: user.userName,
    status: 'Active',
    createdAt: ctx.now,
  };
  await ctx.tx.insertAccessKey(key);
  return key;
}

export async function createAccessKey(ctx: IamContext, input: Input): Promise<Shape> {
  const user = await targetUser(ctx, input, 'iam:CreateAccessKey', { optional: true });
  // Inactive keys count too (AWS: "a maximum of two access keys (active or inactive)").
  if ((await ctx.tx.listAccessKeys(user.accountId, user.userName)).length >= MAX_ACCESS_KEYS_PER_USER) {
    throw iamError.limitExceeded(iamMessages.accessKeyQuota(MAX_ACCESS_KEYS_PER_USER));
  }
  const key = await issueAccessKey(ctx, user);
  ctx.audit.after = keyMetadata(key); // never the secret
  return { AccessKey: { ...keyMetadata(key), SecretAccessKey: key.secretAccessKey } };
}

export async function listAccessKeys(ctx: IamContext, input: Input): Promise<Shape> {
  const user = await targetUser(ctx, input, 'iam:ListAccessKeys', { optional: true });
  const keys = await ctx.tx.listAccessKeys(user.accountId, user.userName);
  const { page, ...more } = paginate(input, keys, (k) => k.accessKeyId);
  return { AccessKeyMetadata: page.map(keyMetadata), ...more };
}

async function targetKey(ctx: IamContext, input: Input, action: string): Promise<AccessKeyRecord> {
  const accessKeyId = input.string('AccessKeyId', RULES.accessKeyId) as string;
  const user = await targetUser(ctx, input, action, { optional: true });
  const key = await ctx.tx.getAccessKey(accessKeyId);
  if (!key || key.accountId !== user.accountId || key.userName.toLowerCase() !== user.userName.toLowerCase()) {
    throw iamError.noSuchEntity(iamMessages.accessKeyNotFound(accessKeyId));
  }
  return key;
}

export async function updateAccessKey(ctx: IamContext, input: Input): Promise<undefined> {
  const status = input.enumOf('Status', ['Active', 'Inactive'] as const, { required: true }) as 'Active' | 'Inactive';
  const key = await targetKey(ctx, input, 'iam:UpdateAccessKey');
  await ctx.tx.updateAccessKey({ ...key, status });
  ctx.audit.before = keyMetadata(key);
  ctx.audit.after = { ...keyMetadata(key), Status: status };
  return undefined;
}

export async function deleteAccessKey(ctx: IamContext, input: Input): Promise<undefined> {
  const key = await targetKey(ctx, input, 'iam:DeleteAccessKey');
  await ctx.tx.deleteAccessKey(key);
  ctx.audit.before = keyMetadata(key);
  return undefined;
}
