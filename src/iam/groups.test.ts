import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Caller } from '../model/types.js';
import { evaluateAccess } from './authorize.js';
import { ACCOUNT, harness, policyDoc } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';

/** The decision for an EKS action (the IAM harness serves only IAM and STS calls). */
const eksDecision = (h: Harness, c: Caller, action = 'eks:ListClusters') =>
  h.store.read(async (tx) => (await evaluateAccess(tx, c, { action, resource: '*' })).effect);

const EKS_READ = policyDoc({ Effect: 'Allow', Action: ['eks:DescribeCluster', 'eks:ListClusters'], Resource: '*' });
const RO = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

async function setup() {
  const h = await harness();
  const admin = await h.callerFor(h.admin.accessKeyId);
  await h.call(admin, 'iam', 'CreateUser', { UserName: 'alice' });
  const k = await h.call(admin, 'iam', 'CreateAccessKey', { UserName: 'alice' });
  const alice = await h.callerFor(String((k.result?.AccessKey as { AccessKeyId: string }).AccessKeyId));
  return { h, admin, alice };
}

test('CreateGroup, GetGroup with members, ListGroups, ListGroupsForUser', async () => {
  const { h, admin } = await setup();
  const created = await h.call(admin, 'iam', 'CreateGroup', { GroupName: 'platform', Path: '/teams/' });
  const g = created.result?.Group as Record<string, string>;
  assert.equal(g.Arn, `arn:aws:iam::${ACCOUNT}:group/teams/platform`);
  assert.match(g.GroupId as string, /^AGPA[A-Z2-7]{17}$/);
  assert.equal((await h.fails(admin, 'iam', 'CreateGroup', { GroupName: 'PLATFORM' })).message, 'Group with name PLATFORM already exists.');
  await h.call(admin, 'iam', 'AddUserToGroup', { GroupName: 'platform', UserName: 'alice' });
  await h.call(admin, 'iam', 'AddUserToGroup', { GroupName: 'platform', UserName: 'alice' }); // again: no error, one membership
  const got = await h.call(admin, 'iam', 'GetGroup', { GroupName: 'platform' });
  assert.deepEqual((got.result?.Users as { UserName: string }[]).map((u) => u.UserName), ['alice']);
  assert.equal(got.result?.IsTruncated, false);
  const forUser = await h.call(admin, 'iam', 'ListGroupsForUser', { UserName: 'alice' });
  assert.deepEqual((forUser.result?.Groups as { GroupName: string }[]).map((x) => x.GroupName), ['platform']);
  await h.call(admin, 'iam', 'CreateGroup', { GroupName: 'audit' });
  const byPrefix = await h.call(admin, 'iam', 'ListGroups', { PathPrefix: '/teams/' });
  assert.deepEqual((byPrefix.result?.Groups as { GroupName: string }[]).map((x) => x.GroupName), ['platform']);
  const all = await h.call(admin, 'iam', 'ListGroups', { MaxItems: '1' });
  assert.equal(all.result?.IsTruncated, true);
  assert.equal((await h.fails(admin, 'iam', 'AddUserToGroup', { GroupName: 'platform', UserName: 'nobody' })).message, 'The user with name nobody cannot be found.');
  assert.equal((await h.fails(admin, 'iam', 'GetGroup', { GroupName: 'nope' })).code, 'NoSuchEntity');
  assert.equal((await h.fails(admin, 'iam', 'CreateGroup', { GroupName: 'bad name' })).code, 'ValidationError');
});

test('group policies count in a member user’s authorization, and stop counting when removed', async () => {
  const { h, admin, alice } = await setup();
  await h.call(admin, 'iam', 'CreateGroup', { GroupName: 'readers' });
  assert.equal(await eksDecision(h, alice), 'ImplicitDeny');
  await h.call(admin, 'iam', 'PutGroupPolicy', { GroupName: 'readers', PolicyName: 'eks-read', PolicyDocument: EKS_READ });
  assert.equal(await eksDecision(h, alice), 'ImplicitDeny', 'not a member yet');
  await h.call(admin, 'iam', 'AddUserToGroup', { GroupName: 'readers', UserName: 'alice' });
  assert.equal(await eksDecision(h, alice), 'Allow');
  // Managed policies attached to the group count too.
  assert.equal((await h.fails(alice, 'iam', 'ListUsers')).code, 'AccessDenied');
  await h.call(admin, 'iam', 'AttachGroupPolicy', { GroupName: 'readers', PolicyArn: RO });
  await h.call(alice, 'iam', 'ListUsers');
  const attached = await h.call(admin, 'iam', 'ListAttachedGroupPolicies', { GroupName: 'readers' });
  assert.deepEqual(attached.result?.AttachedPolicies, [{ PolicyName: 'ReadOnlyAccess', PolicyArn: RO }]);
  const inline = await h.call(admin, 'iam', 'ListGroupPolicies', { GroupName: 'readers' });
  assert.deepEqual(inline.result?.PolicyNames, ['eks-read']);
  const doc = await h.call(admin, 'iam', 'GetGroupPolicy', { GroupName: 'readers', PolicyName: 'eks-read' });
  assert.equal(doc.result?.GroupName, 'readers');
  assert.equal(decodeURIComponent(String(doc.result?.PolicyDocument)), EKS_READ);
  // An explicit deny in a group beats an allow on the user.
  await h.call(admin, 'iam', 'AttachUserPolicy', { UserName: 'alice', PolicyArn: RO });
  await h.call(admin, 'iam', 'PutGroupPolicy', { GroupName: 'readers', PolicyName: 'deny', PolicyDocument: policyDoc({ Effect: 'Deny', Action: 'iam:ListUsers', Resource: '*' }) });
  assert.match((await h.fails(alice, 'iam', 'ListUsers')).message, /explicit deny/);
  await h.call(admin, 'iam', 'DeleteGroupPolicy', { GroupName: 'readers', PolicyName: 'deny' });
  await h.call(admin, 'iam', 'DetachUserPolicy', { UserName: 'alice', PolicyArn: RO });
  await h.call(admin, 'iam', 'RemoveUserFromGroup', { GroupName: 'readers', UserName: 'alice' });
  assert.equal(await eksDecision(h, alice), 'ImplicitDeny');
  assert.equal((await h.fails(admin, 'iam', 'RemoveUserFromGroup', { GroupName: 'readers', UserName: 'alice' })).code, 'NoSuchEntity');
  assert.equal((await h.fails(admin, 'iam', 'GetGroupPolicy', { GroupName: 'readers', PolicyName: 'deny' })).message, 'The group policy with name deny cannot be found.');
});

test('DeleteGroup and DeleteUser refuse while memberships or policies remain', async () => {
  const { h, admin } = await setup();
  await h.call(admin, 'iam', 'CreateGroup', { GroupName: 'g' });
  await h.call(admin, 'iam', 'AddUserToGroup', { GroupName: 'g', UserName: 'alice' });
  await h.call(admin, 'iam', 'AttachGroupPolicy', { GroupName: 'g', PolicyArn: RO });
  const keys = await h.call(admin, 'iam', 'ListAccessKeys', { UserName: 'alice' });
  for (const k of keys.result?.AccessKeyMetadata as { AccessKeyId: string }[]) await h.call(admin, 'iam', 'DeleteAccessKey', { UserName: 'alice', AccessKeyId: k.AccessKeyId });
  assert.equal((await h.fails(admin, 'iam', 'DeleteUser', { UserName: 'alice' })).code, 'DeleteConflict');
  assert.equal((await h.fails(admin, 'iam', 'DeleteGroup', { GroupName: 'g' })).message, 'Cannot delete entity, must remove users from group first.');
  await h.call(admin, 'iam', 'RemoveUserFromGroup', { GroupName: 'g', UserName: 'alice' });
  assert.equal((await h.fails(admin, 'iam', 'DeleteGroup', { GroupName: 'g' })).message, 'Cannot delete entity, must detach all policies first.');
  assert.equal((await h.fails(admin, 'iam', 'DeletePolicy', { PolicyArn: RO })).code, 'InvalidInput');
  await h.call(admin, 'iam', 'DetachGroupPolicy', { GroupName: 'g', PolicyArn: RO });
  await h.call(admin, 'iam', 'DeleteGroup', { GroupName: 'g' });
  await h.call(admin, 'iam', 'DeleteUser', { UserName: 'alice' });
});

test('UpdateGroup renames a group and keeps its members and policies', async () => {
  const { h, admin, alice } = await setup();
  await h.call(admin, 'iam', 'CreateGroup', { GroupName: 'old' });
  await h.call(admin, 'iam', 'CreateGroup', { GroupName: 'taken' });
  await h.call(admin, 'iam', 'AddUserToGroup', { GroupName: 'old', UserName: 'alice' });
  await h.call(admin, 'iam', 'PutGroupPolicy', { GroupName: 'old', PolicyName: 'eks-read', PolicyDocument: EKS_READ });
  assert.equal((await h.fails(admin, 'iam', 'UpdateGroup', { GroupName: 'old', NewGroupName: 'taken' })).code, 'EntityAlreadyExists');
  await h.call(admin, 'iam', 'UpdateGroup', { GroupName: 'old', NewGroupName: 'new', NewPath: '/t/' });
  const got = await h.call(admin, 'iam', 'GetGroup', { GroupName: 'new' });
  assert.equal((got.result?.Group as { Arn: string }).Arn, `arn:aws:iam::${ACCOUNT}:group/t/new`);
  assert.deepEqual((got.result?.Users as { UserName: string }[]).map((u) => u.UserName), ['alice']);
  assert.equal(await eksDecision(h, alice), 'Allow');
  assert.equal((await h.fails(admin, 'iam', 'GetGroup', { GroupName: 'old' })).code, 'NoSuchEntity');
});

test('a member without iam:AddUserToGroup cannot add itself to a powerful group', async () => {
  const { h, admin, alice } = await setup();
  await h.call(admin, 'iam', 'CreateGroup', { GroupName: 'admins' });
  await h.call(admin, 'iam', 'AttachGroupPolicy', { GroupName: 'admins', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
  const e = await h.fails(alice, 'iam', 'AddUserToGroup', { GroupName: 'admins', UserName: 'alice' });
  assert.equal(e.message, `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: iam:AddUserToGroup on resource: arn:aws:iam::${ACCOUNT}:group/admins because no identity-based policy allows the iam:AddUserToGroup action`);
});
