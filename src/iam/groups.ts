/**
 * IAM groups and their members. A group is not a principal: nobody signs in as one, so an access
 * entry can never name it; its managed and inline policies (policies.ts) count in the
 * authorization of every member user (authorize.ts). Every operation authorizes `iam:<Action>` on
 * the group's ARN (ListGroupsForUser on the user's, as IAM does).
 */
import type { IamGroupRecord } from '../model/types.js';
import type { IamContext } from './context.js';
import { authorizeIam, isoSeconds, partitionOf } from './context.js';
import { iamError, iamMessages } from './errors.js';
import { newGroupId } from './ids.js';
import type { Input } from './input.js';
import { MAX_GROUPS_PER_USER, RULES, groupArn } from './names.js';
import type { Shape } from './shapes.js';
import { paginate, userShape } from './shapes.js';
import { targetUser } from './users.js';

export const groupShape = (g: IamGroupRecord): Shape => ({
  Path: g.path,
  GroupName: g.groupName,
  GroupId: g.groupId,
  Arn: g.arn,
  CreateDate: isoSeconds(g.createdAt),
});

/** The group an operation targets; authorizes before revealing whether it exists. */
export async function targetGroup(ctx: IamContext, input: Input, action: string, context?: Parameters<typeof authorizeIam>[3]): Promise<IamGroupRecord> {
  const name = input.string('GroupName', RULES.groupName) as string;
  input.done();
  const group = await ctx.tx.getGroup(ctx.caller.accountId, name);
  const arn = group?.arn ?? groupArn(ctx.caller.accountId, '/', name, partitionOf(ctx));
  ctx.audit.resource = arn;
  await authorizeIam(ctx, action, arn, context);
  if (!group) throw iamError.noSuchEntity(iamMessages.groupNotFound(name));
  return group;
}

export async function createGroup(ctx: IamContext, input: Input): Promise<Shape> {
  const name = input.string('GroupName', RULES.groupName) as string;
  const path = input.string('Path', RULES.path) ?? '/';
  input.done();
  const arn = groupArn(ctx.caller.accountId, path, name, partitionOf(ctx));
  ctx.audit.resource = arn;
  await authorizeIam(ctx, 'iam:CreateGroup', arn);
  if (await ctx.tx.getGroup(ctx.caller.accountId, name)) throw iamError.alreadyExists(iamMessages.groupExists(name));
  let groupId = newGroupId(ctx.random);
  while (await ctx.tx.getGroupById(groupId)) groupId = newGroupId(ctx.random);
  const group: IamGroupRecord = { accountId: ctx.caller.accountId, groupName: name, path, groupId, arn, createdAt: ctx.now };
  await ctx.tx.insertGroup(group);
  ctx.audit.after = group;
  return { Group: groupShape(group) };
}

export async function getGroup(ctx: IamContext, input: Input): Promise<Shape> {
  const group = await targetGroup(ctx, input, 'iam:GetGroup');
  const members = await ctx.tx.listGroupMembers(group.accountId, group.groupName);
  const { page, ...more } = paginate(input, members, (u) => u.userName.toLowerCase());
  return { Group: groupShape(group), Users: page.map((u) => userShape(u, false)), ...more };
}

export async function listGroups(ctx: IamContext, input: Input): Promise<Shape> {
  const prefix = input.string('PathPrefix', RULES.pathPrefix) ?? '/';
  input.done();
  const resource = groupArn(ctx.caller.accountId, prefix, '', partitionOf(ctx));
  ctx.audit.resource = resource;
  await authorizeIam(ctx, 'iam:ListGroups', resource);
  const groups = await ctx.tx.listGroups(ctx.caller.accountId, prefix);
  const { page, ...more } = paginate(input, groups, (g) => g.groupName.toLowerCase());
  return { Groups: page.map(groupShape), ...more };
}

/** Renames or moves a group; IAM requires the permission on the group under both names. */
export async function updateGroup(ctx: IamContext, input: Input): Promise<undefined> {
  const newName = input.string('NewGroupName', { ...RULES.groupName, required: false });
  const newPath = input.string('NewPath', RULES.path);
  const group = await targetGroup(ctx, input, 'iam:UpdateGroup');
  const updated: IamGroupRecord = { ...group, groupName: newName ?? group.groupName, path: newPath ?? group.path };
  updated.arn = groupArn(group.accountId, updated.path, updated.groupName, partitionOf(ctx));
  if (updated.arn !== group.arn) await authorizeIam(ctx, 'iam:UpdateGroup', updated.arn);
  if (updated.groupName.toLowerCase() !== group.groupName.toLowerCase() && (await ctx.tx.getGroup(group.accountId, updated.groupName))) {
    throw iamError.alreadyExists(iamMessages.groupExists(updated.groupName));
  }
  await ctx.tx.updateGroup(group.groupName, updated);
  ctx.audit.before = group;
  ctx.audit.after = updated;
  return undefined;
}

export async function deleteGroup(ctx: IamContext, input: Input): Promise<undefined> {
  const group = await targetGroup(ctx, input, 'iam:DeleteGroup');
  const { accountId, groupName } = group;
  if ((await ctx.tx.listGroupMembers(accountId, groupName)).length > 0) throw iamError.deleteConflict(iamMessages.deleteGroupMembers);
  if ((await ctx.tx.listInlinePolicies(accountId, 'group', groupName)).length > 0) throw iamError.deleteConflict(iamMessages.deleteInlinePolicies);
  if ((await ctx.tx.listAttachedPolicies(accountId, 'group', groupName)).length > 0) throw iamError.deleteConflict(iamMessages.deleteDetachPolicies);
  await ctx.tx.deleteGroup(accountId, groupName);
  ctx.audit.before = group;
  return undefined;
}

/** The group and the member user a membership call names (the user must exist in the account). */
async function membership(ctx: IamContext, input: Input, action: string) {
  const userName = input.string('UserName', RULES.userName) as string;
  const group = await targetGroup(ctx, input, action);
  const user = await ctx.tx.getUser(group.accountId, userName);
  if (!user) throw iamError.noSuchEntity(iamMessages.userNotFound(userName));
  return { group, user };
}

export async function addUserToGroup(ctx: IamContext, input: Input): Promise<undefined> {
  const { group, user } = await membership(ctx, input, 'iam:AddUserToGroup');
  const current = await ctx.tx.listGroupsForUser(user.accountId, user.userName);
  if (current.some((g) => g.groupId === group.groupId)) return undefined; // IAM: adding a member again succeeds
  if (current.length >= MAX_GROUPS_PER_USER) throw iamError.limitExceeded(`Cannot exceed quota for GroupsPerUser: ${MAX_GROUPS_PER_USER}`);
  await ctx.tx.addGroupMember(group.accountId, group.groupName, user.userName);
  ctx.audit.after = { group: group.arn, user: user.arn };
  return undefined;
}

export async function removeUserFromGroup(ctx: IamContext, input: Input): Promise<undefined> {
  const { group, user } = await membership(ctx, input, 'iam:RemoveUserFromGroup');
  if (!(await ctx.tx.removeGroupMember(group.accountId, group.groupName, user.userName))) {
    throw iamError.noSuchEntity(iamMessages.notGroupMember(user.userName, group.groupName));
  }
  ctx.audit.before = { group: group.arn, user: user.arn };
  return undefined;
}

export async function listGroupsForUser(ctx: IamContext, input: Input): Promise<Shape> {
  const user = await targetUser(ctx, input, 'iam:ListGroupsForUser');
  const groups = await ctx.tx.listGroupsForUser(user.accountId, user.userName);
  const { page, ...more } = paginate(input, groups, (g) => g.groupName.toLowerCase());
  return { Groups: page.map(groupShape), ...more };
}
