/** IAM roles: trust policies, settings and tags. Every operation authorizes `iam:<Action>` on the role's ARN. */
import type { IamRoleRecord } from '../model/types.js';
import { classifyPrincipal } from '../arn/index.js';
import type { IamContext } from './context.js';
import { authorizeIam, partitionOf } from './context.js';
import { iamError, iamMessages } from './errors.js';
import { assertNotLastAdminPath } from './lockout.js';
import { newRoleId } from './ids.js';
import type { Input } from './input.js';
import { MAX_SESSION_DURATION, RULES, roleArn } from './names.js';
import type { ContextValue, PolicyDocument } from './policy/index.js';
import { PolicyParseError, parsePolicy } from './policy/index.js';
import type { Shape } from './shapes.js';
import { paginate, roleShape, tagList } from './shapes.js';
import { refusePermissionsBoundary } from './users.js';

const MAX_TAGS = 50;

/**
 * Parses a trust policy and, like IAM, refuses principals that do not exist — for accounts
 * Entryway's IAM holds (others cannot be checked and are taken as written).
 */
export async function parseTrustPolicy(ctx: IamContext, text: string): Promise<PolicyDocument> {
  let doc: PolicyDocument;
  try {
    doc = parsePolicy(text, 'trust');
  } catch (e) {
    if (e instanceof PolicyParseError) throw iamError.malformedPolicy(e.message);
    throw e;
  }
  for (const st of doc.statements) {
    for (const p of [...(st.principal?.aws ?? []), ...(st.notPrincipal?.aws ?? [])]) {
      const c = classifyPrincipal(p);
      if (c.kind !== 'iam-user' && c.kind !== 'iam-role' && c.kind !== 'service-linked-role') continue;
      if (!(await ctx.tx.getAccount(c.accountId))) continue;
      const found = c.kind === 'iam-user' ? await ctx.tx.getUser(c.accountId, c.name) : await ctx.tx.getRole(c.accountId, c.name);
      if (!found || found.path !== c.path) throw iamError.malformedPolicy(`Invalid principal in policy: "AWS":"${p}"`);
    }
  }
  return doc;
}

export async function targetRole(
  ctx: IamContext,
  input: Input,
  action: string,
  context?: Record<string, ContextValue | undefined>,
): Promise<IamRoleRecord> {
  const name = input.string('RoleName', RULES.roleName) as string;
  input.done();
  const role = await ctx.tx.getRole(ctx.caller.accountId, name);
  const arn = role?.arn ?? roleArn(ctx.caller.accountId, '/', name, partitionOf(ctx));
  ctx.audit.resource = arn;
  await authorizeIam(ctx, action, arn, context);
  if (!role) throw iamError.noSuchEntity(iamMessages.roleNotFound(name));
  return role;
}

export async function createRole(ctx: IamContext, input: Input): Promise<Shape> {
  const name = input.string('RoleName', RULES.roleName) as string;
  const path = input.string('Path', RULES.path) ?? '/';
  const trust = input.string('AssumeRolePolicyDocument', RULES.policyDocument) as string;
  const description = input.string('Description', RULES.roleDescription) ?? '';
  const maxSessionDuration = input.int('MaxSessionDuration', MAX_SESSION_DURATION) ?? MAX_SESSION_DURATION.min;
  const tags = input.tags();
  input.done();
  refusePermissionsBoundary(input);
  const arn = roleArn(ctx.caller.accountId, path, name, partitionOf(ctx));
  ctx.audit.resource = arn;
  await authorizeIam(ctx, 'iam:CreateRole', arn);
  if (Object.keys(tags).length > 0) await authorizeIam(ctx, 'iam:TagRole', arn);
  if (await ctx.tx.getRole(ctx.caller.accountId, name)) throw iamError.alreadyExists(iamMessages.roleExists(name));
  await parseTrustPolicy(ctx, trust);
  let roleId = newRoleId(ctx.random);
  while (await ctx.tx.getRoleById(roleId)) roleId = newRoleId(ctx.random);
  const role: IamRoleRecord = {
    accountId: ctx.caller.accountId,
    roleName: name,
    path,
    roleId,
    arn,
    createdAt: ctx.now,
    assumeRolePolicyDocument: trust,
    description,
    maxSessionDuration,
    tags,
  };
  await ctx.tx.insertRole(role);
  ctx.audit.after = role;
  return { Role: roleShape(role, { tags: true }) };
}

export async function getRole(ctx: IamContext, input: Input): Promise<Shape> {
  const role = await targetRole(ctx, input, 'iam:GetRole');
  return { Role: roleShape(role, { tags: true, lastUsed: true }) };
}

export async function listRoles(ctx: IamContext, input: Input): Promise<Shape> {
  const prefix = input.string('PathPrefix', RULES.pathPrefix) ?? '/';
  input.done();
  const resource = roleArn(ctx.caller.accountId, prefix, '', partitionOf(ctx));
  ctx.audit.resource = resource;
  await authorizeIam(ctx, 'iam:ListRoles', resource);
  const roles = await ctx.tx.listRoles(ctx.caller.accountId, prefix);
  const { page, ...more } = paginate(input, roles, (r) => r.roleName.toLowerCase());
  return { Roles: page.map((r) => roleShape(r, { tags: false })), ...more };
}

export async function deleteRole(ctx: IamContext, input: Input): Promise<undefined> {
  const role = await targetRole(ctx, input, 'iam:DeleteRole');
  if ((await ctx.tx.listAttachedPolicies(role.accountId, 'role', role.roleName)).length > 0) {
    throw iamError.deleteConflict(iamMessages.deleteDetachPolicies);
  }
  if ((await ctx.tx.listInlinePolicies(role.accountId, 'role', role.roleName)).length > 0) {
    throw iamError.deleteConflict(iamMessages.deleteInlinePolicies);
  }
  await assertNotLastAdminPath(ctx, role.arn);
  // Sessions of the role stop working at once: resolveAccessKey checks the role still exists.
  await ctx.tx.deleteRole(role.accountId, role.roleName);
  ctx.audit.before = role;
  return undefined;
}

export async function updateAssumeRolePolicy(ctx: IamContext, input: Input): Promise<undefined> {
  const doc = input.string('PolicyDocument', RULES.policyDocument) as string;
  const role = await targetRole(ctx, input, 'iam:UpdateAssumeRolePolicy');
  await parseTrustPolicy(ctx, doc);
  await ctx.tx.updateRole({ ...role, assumeRolePolicyDocument: doc });
  ctx.audit.before = { assumeRolePolicyDocument: role.assumeRolePolicyDocument };
  ctx.audit.after = { assumeRolePolicyDocument: doc };
  return undefined;
}

export async function updateRole(ctx: IamContext, input: Input): Promise<Shape> {
  const description = input.string('Description', RULES.roleDescription);
  const maxSessionDuration = input.int('MaxSessionDuration', MAX_SESSION_DURATION);
  const role = await targetRole(ctx, input, 'iam:UpdateRole');
  const updated = { ...role, description: description ?? role.description, maxSessionDuration: maxSessionDuration ?? role.maxSessionDuration };
  await ctx.tx.updateRole(updated);
  ctx.audit.before = { description: role.description, maxSessionDuration: role.maxSessionDuration };
  ctx.audit.after = { description: updated.description, maxSessionDuration: updated.maxSessionDuration };
  return {};
}

export async function tagRole(ctx: IamContext, input: Input): Promise<undefined> {
  const tags = input.tags();
  if (!input.has('Tags')) input.string('Tags', { required: true });
  const role = await targetRole(ctx, input, 'iam:TagRole');
  const merged = { ...role.tags };
  for (const [k, v] of Object.entries(tags)) {
    const existing = Object.keys(merged).find((e) => e.toLowerCase() === k.toLowerCase());
    if (existing !== undefined) delete merged[existing];
    merged[k] = v;
  }
  if (Object.keys(merged).length > MAX_TAGS) throw iamError.limitExceeded('The number of tags has reached the maximum limit.');
  await ctx.tx.updateRole({ ...role, tags: merged });
  ctx.audit.before = role.tags;
  ctx.audit.after = merged;
  return undefined;
}

export async function untagRole(ctx: IamContext, input: Input): Promise<undefined> {
  const keys = input.stringList('TagKeys', { ...RULES.tagKey, maxItems: 50 });
  if (!input.has('TagKeys')) input.string('TagKeys', { required: true });
  const role = await targetRole(ctx, input, 'iam:UntagRole');
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  const tags = Object.fromEntries(Object.entries(role.tags).filter(([k]) => !lower.has(k.toLowerCase())));
  await ctx.tx.updateRole({ ...role, tags });
  ctx.audit.before = role.tags;
  ctx.audit.after = tags;
  return undefined;
}

export async function listRoleTags(ctx: IamContext, input: Input): Promise<Shape> {
  const role = await targetRole(ctx, input, 'iam:ListRoleTags');
  const { page, ...more } = paginate(input, tagList(role.tags), (t) => String(t.Key));
  return { Tags: page, ...more };
}

/**
 * Entryway has no EC2 instance profiles, so a role is never in one: the list is always empty
 * (Terraform calls this before deleting a role, to detach the role from its profiles).
 */
export async function listInstanceProfilesForRole(ctx: IamContext, input: Input): Promise<Shape> {
  await targetRole(ctx, input, 'iam:ListInstanceProfilesForRole');
  const { page, ...more } = paginate(input, [] as string[], (n) => n);
  return { InstanceProfiles: page, ...more };
}
