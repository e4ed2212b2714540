/**
 * IAM and STS error types (query protocol codes and statuses from the IAM/STS API references) and
 * the wording AWS uses for them. Messages marked "observed" were seen in AWS responses quoted in
 * public bug reports; the others follow the same pattern.
 */
import { AwsError } from '../errors/aws-error.js';

export const iamError = {
  noSuchEntity: (message: string) => new AwsError('NoSuchEntity', 404, message),
  alreadyExists: (message: string) => new AwsError('EntityAlreadyExists', 409, message),
  validation: (message: string) => new AwsError('ValidationError', 400, message),
  invalidInput: (message: string) => new AwsError('InvalidInput', 400, message),
  limitExceeded: (message: string) => new AwsError('LimitExceeded', 409, message),
  deleteConflict: (message: string) => new AwsError('DeleteConflict', 409, message),
  malformedPolicy: (message: string) => new AwsError('MalformedPolicyDocument', 400, message),
  accessDenied: (message: string) => new AwsError('AccessDenied', 403, message),
};

export const iamMessages = {
  // observed
  userNotFound: (name: string) => `The user with name ${name} cannot be found.`,
  roleNotFound: (name: string) => `The role with name ${name} cannot be found.`,
  userExists: (name: string) => `User with name ${name} already exists.`,
  roleExists: (name: string) => `Role with name ${name} already exists.`,
  policyExists: (name: string) => `A policy called ${name} already exists. Duplicate names are not allowed.`,
  policyNotAttachable: (arn: string) => `Policy ${arn} does not exist or is not attachable.`,
  policyNotFound: (arn: string) => `Policy ${arn} was not found.`,
  accessKeyNotFound: (id: string) => `The Access Key with id ${id} cannot be found.`,
  accessKeyQuota: (n: number) => `Cannot exceed quota for AccessKeysPerUser: ${n}`,
  deleteUserKeys: 'Cannot delete entity, must delete access keys first.',
  deleteDetachPolicies: 'Cannot delete entity, must detach all policies first.',
  deleteInlinePolicies: 'Cannot delete entity, must delete policies first.',
  deletePolicyAttached: 'Cannot delete a policy attached to entities.',
  userPolicyNotFound: (policy: string) => `The user policy with name ${policy} cannot be found.`,
  rolePolicyNotFound: (policy: string) => `The role policy with name ${policy} cannot be found.`,
  policyVersionNotFound: (arn: string, version: string) => `Policy ${arn} version ${version} does not exist or is not attachable.`,
  nonUserCredentials: 'Must specify userName when calling with non-User credentials',
  durationExceedsRole: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  durationExceedsChaining: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
  invalidName: (member: string) =>
    `The specified value for ${member} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-`,
  // not observed: these follow the pattern of their user/role counterparts above
  groupNotFound: (name: string) => `The group with name ${name} cannot be found.`,
  groupExists: (name: string) => `Group with name ${name} already exists.`,
  deleteGroupMembers: 'Cannot delete entity, must remove users from group first.',
  groupPolicyNotFound: (policy: string) => `The group policy with name ${policy} cannot be found.`,
  // not observed, and with no counterpart to follow (UNCONFIRMED)
  deleteUserGroups: 'Cannot delete entity, must remove user from all groups first.',
  notGroupMember: (user: string, group: string) => `The user with name ${user} is not a member of group ${group}.`,
};
