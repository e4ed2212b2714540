/**
 * The IAM (2010-05-08) and STS (2011-06-15) actions Entryway serves, by service and name. The
 * query-protocol plugin routes here; each handler runs inside one store transaction.
 */
import type { IamContext } from './context.js';
import type { Input } from './input.js';
import * as groups from './groups.js';
import * as policies from './policies.js';
import * as roles from './roles.js';
import type { Shape } from './shapes.js';
import * as sts from './sts.js';
import * as users from './users.js';

export type QueryService = 'iam' | 'sts';

export interface Operation {
  service: QueryService;
  name: string;
  /** Returns the `<Action>Result` members, or undefined when the action has no result element. */
  run: (ctx: IamContext, input: Input) => Promise<Shape | undefined>;
  /** Reads only (audited, but a read transaction is enough). */
  readOnly: boolean;
  /** Touches no store state (GetCallerIdentity). */
  noStore?: boolean;
}

export const API_VERSIONS: Record<QueryService, string> = { iam: '2010-05-08', sts: '2011-06-15' };

type Handler = Operation['run'];
const iam: Record<string, [Handler, boolean]> = {
  CreateUser: [users.createUser, false],
  GetUser: [users.getUser, true],
  ListUsers: [users.listUsers, true],
  DeleteUser: [users.deleteUser, false],
  TagUser: [users.tagUser, false],
  UntagUser: [users.untagUser, false],
  ListUserTags: [users.listUserTags, true],
  CreateAccessKey: [users.createAccessKey, false],
  ListAccessKeys: [users.listAccessKeys, true],
  UpdateAccessKey: [users.updateAccessKey, false],
  DeleteAccessKey: [users.deleteAccessKey, false],
  CreateRole: [roles.createRole, false],
  GetRole: [roles.getRole, true],
  ListRoles: [roles.listRoles, true],
  DeleteRole: [roles.deleteRole, false],
  UpdateRole: [roles.updateRole, false],
  UpdateAssumeRolePolicy: [roles.updateAssumeRolePolicy, false],
  TagRole: [roles.tagRole, false],
  UntagRole: [roles.untagRole, false],
  ListRoleTags: [roles.listRoleTags, true],
  ListInstanceProfilesForRole: [roles.listInstanceProfilesForRole, true],
  CreatePolicy: [policies.createPolicy, false],
  GetPolicy: [policies.getPolicy, true],
  DeletePolicy: [policies.deletePolicy, false],
  ListPolicies: [policies.listPolicies, true],
  GetPolicyVersion: [policies.getPolicyVersion, true],
  ListPolicyVersions: [policies.listPolicyVersions, true],
  AttachUserPolicy: [policies.attachUserPolicy, false],
  DetachUserPolicy: [policies.detachUserPolicy, false],
  ListAttachedUserPolicies: [policies.listAttachedUserPolicies, true],
  AttachRolePolicy: [policies.attachRolePolicy, false],
  DetachRolePolicy: [policies.detachRolePolicy, false],
  ListAttachedRolePolicies: [policies.listAttachedRolePolicies, true],
  PutUserPolicy: [policies.putUserPolicy, false],
  GetUserPolicy: [policies.getUserPolicy, true],
  DeleteUserPolicy: [policies.deleteUserPolicy, false],
  ListUserPolicies: [policies.listUserPolicies, true],
  PutRolePolicy: [policies.putRolePolicy, false],
  GetRolePolicy: [policies.getRolePolicy, true],
  DeleteRolePolicy: [policies.deleteRolePolicy, false],
  ListRolePolicies: [policies.listRolePolicies, true],
  CreateGroup: [groups.createGroup, false],
  GetGroup: [groups.getGroup, true],
  ListGroups: [groups.listGroups, true],
  UpdateGroup: [groups.updateGroup, false],
  DeleteGroup: [groups.deleteGroup, false],
  AddUserToGroup: [groups.addUserToGroup, false],
  RemoveUserFromGroup: [groups.removeUserFromGroup, false],
  ListGroupsForUser: [groups.listGroupsForUser, true],
  AttachGroupPolicy: [policies.attachGroupPolicy, false],
  DetachGroupPolicy: [policies.detachGroupPolicy, false],
  ListAttachedGroupPolicies: [policies.listAttachedGroupPolicies, true],
  PutGroupPolicy: [policies.putGroupPolicy, false],
  GetGroupPolicy: [policies.getGroupPolicy, true],
  DeleteGroupPolicy: [policies.deleteGroupPolicy, false],
  ListGroupPolicies: [policies.listGroupPolicies, true],
};

const OPERATIONS: ReadonlyMap<string, Operation> = new Map([
  ...Object.entries(iam).map(([name, [run, readOnly]]) => [`iam:${name}`, { service: 'iam', name, run, readOnly }] as const),
  ['sts:AssumeRole', { service: 'sts', name: 'AssumeRole', run: sts.assumeRole, readOnly: false }],
  ['sts:GetCallerIdentity', { service: 'sts', name: 'GetCallerIdentity', run: sts.getCallerIdentity, readOnly: true, noStore: true }],
] as [string, Operation][]);

/** The operation, or undefined (InvalidAction) — IAM actions are not served under `sts` and vice versa. */
export const findOperation = (service: string, action: string): Operation | undefined => OPERATIONS.get(`${service}:${action}`);

export const listOperations = (): Operation[] => [...OPERATIONS.values()];
