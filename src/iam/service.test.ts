import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Caller } from '../model/types.js';
import { bootstrap, createAccount } from './accounts.js';
import { authorize, evaluateAccess, SETTING_BOOTSTRAP_ADMIN_ARN, SETTING_PRIMARY_ACCOUNT } from './authorize.js';
import { resolveAccessKey } from './credentials.js';
import { ACCOUNT, T0, harness, policyDoc, trustAccount } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';
import { isAwsError } from '../errors/aws-error.js';
import { SqliteStore } from '../store/sqlite.js';

const RO = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

async function withAlice(h: Harness): Promise<{ admin: Caller; alice: Caller; aliceKey: string }> {
  const admin = await h.callerFor(h.admin.accessKeyId);
  await h.call(admin, 'iam', 'CreateUser', { UserName: 'alice' });
  const k = await h.call(admin, 'iam', 'CreateAccessKey', { UserName: 'alice' });
  const aliceKey = String((k.result?.AccessKey as { AccessKeyId: string }).AccessKeyId);
  await h.call(admin, 'iam', 'AttachUserPolicy', { UserName: 'alice', PolicyArn: RO });
  return { admin, alice: await h.callerFor(aliceKey), aliceKey };
}

test('bootstrap creates the primary account once', async () => {
  const h = await harness();
  assert.equal(h.admin.accountId, ACCOUNT);
  assert.equal(h.admin.userArn, `arn:aws:iam::${ACCOUNT}:user/entryway-admin`);
  assert.match(h.admin.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
  assert.equal(h.admin.secretAccessKey.length, 40);
  const settings = await h.store.read(async (tx) => [await tx.getSetting(SETTING_PRIMARY_ACCOUNT), await tx.getSetting(SETTING_BOOTSTRAP_ADMIN_ARN)]);
  assert.deepEqual(settings, [ACCOUNT, h.admin.userArn]);
  const again = await bootstrap(h.store);
  assert.deepEqual(again, { created: false, accountId: ACCOUNT, adminArn: h.admin.userArn });
  assert.equal((await h.store.read((tx) => tx.listAccessKeys(ACCOUNT))).length, 1);
  const random = await bootstrap(new SqliteStore(':memory:'));
  assert.ok(random.created && /^[1-9]\d{11}$/.test(random.credentials.accountId));
});

test('a second account is separate and its admin is not break-glass', async () => {
  const h = await harness();
  const other = await h.store.transaction((tx) => createAccount(tx, { accountId: '444455556666', now: T0 }));
  const otherAdmin = await h.callerFor(other.accessKeyId);
  assert.equal(otherAdmin.accountId, '444455556666');
  const users = await h.call(otherAdmin, 'iam', 'ListUsers');
  assert.deepEqual((users.result?.Users as { UserName: string }[]).map((u) => u.UserName), ['entryway-admin']);
  assert.equal((await h.store.read((tx) => evaluateAccess(tx, otherAdmin, { action: 'iam:CreateUser', resource: '*' }))).effect, 'Allow');
  await h.call(otherAdmin, 'iam', 'DetachUserPolicy', { UserName: 'entryway-admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
  const e = await h.fails(otherAdmin, 'iam', 'ListUsers');
  assert.equal(e.code, 'AccessDenied');
  await assert.rejects(h.store.transaction((tx) => createAccount(tx, { accountId: '444455556666' })), { code: 'EntityAlreadyExists' });
});

test('a non-admin is refused with AWS wording; reads allowed by ReadOnlyAccess', async () => {
  const h = await harness();
  const { alice } = await withAlice(h);
  const e = await h.fails(alice, 'iam', 'CreateUser', { UserName: 'bob' });
  assert.equal(e.code, 'AccessDenied');
  assert.equal(e.status, 403);
  assert.equal(
    e.message,
    `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${ACCOUNT}:user/bob because no identity-based policy allows the iam:CreateUser action`,
  );
  const me = await h.call(alice, 'iam', 'GetUser');
  assert.equal((me.result?.User as { UserName: string }).UserName, 'alice');
  const admin = await h.callerFor(h.admin.accessKeyId);
  await h.call(admin, 'iam', 'PutUserPolicy', {
    UserName: 'alice',
    PolicyName: 'no-list',
    PolicyDocument: policyDoc({ Effect: 'Deny', Action: 'iam:ListUsers', Resource: '*' }),
  });
  const denied = await h.fails(alice, 'iam', 'ListUsers');
  assert.equal(
    denied.message,
    `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${ACCOUNT}:user/ with an explicit deny in an identity-based policy`,
  );
  // Unknown user: authorization first, so an unauthorized caller learns nothing.
  assert.equal((await h.fails(alice, 'iam', 'DeleteUser', { UserName: 'nobody' })).code, 'AccessDenied');
  assert.equal((await h.fails(admin, 'iam', 'DeleteUser', { UserName: 'nobody' })).message, 'The user with name nobody cannot be found.');
});

test('EKS authorization wording and the break-glass admin', async () => {
  const h = await harness();
  const { alice, admin } = await withAlice(h);
  const clusterArn = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/demo`;
  await h.store.read((tx) => authorize(tx, alice, { action: 'eks:DescribeCluster', resource: clusterArn }));
  await assert.rejects(
    h.store.read((tx) => authorize(tx, alice, { action: 'eks:CreateAccessEntry', resource: clusterArn })),
    (e: unknown) =>
      isAwsError(e) &&
      e.code === 'AccessDeniedException' &&
      e.status === 403 &&
      e.message === `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: eks:CreateAccessEntry on resource: ${clusterArn}`,
  );
  // The bootstrap admin stays allowed with no policy at all, even under an explicit deny.
  await h.call(admin, 'iam', 'DetachUserPolicy', { UserName: 'entryway-admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
  await h.call(admin, 'iam', 'PutUserPolicy', { UserName: 'entryway-admin', PolicyName: 'deny', PolicyDocument: policyDoc({ Effect: 'Deny', Action: '*', Resource: '*' }) });
  await h.store.read((tx) => authorize(tx, admin, { action: 'eks:CreateAccessEntry', resource: clusterArn }));
  await h.call(admin, 'iam', 'CreateUser', { UserName: 'carol' });
});

test('a recreated user with the admin name is not the break-glass principal', async () => {
  const h = await harness();
  const admin = await h.callerFor(h.admin.accessKeyId);
  await h.call(admin, 'iam', 'CreateUser', { UserName: 'ops' });
  await h.call(admin, 'iam', 'AttachUserPolicy', { UserName: 'ops', PolicyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' });
  const k = await h.call(admin, 'iam', 'CreateAccessKey', { UserName: 'ops' });
  const ops = await h.callerFor(String((k.result?.AccessKey as { AccessKeyId: string }).AccessKeyId));
  await h.call(ops, 'iam', 'DeleteAccessKey', { UserName: 'entryway-admin', AccessKeyId: h.admin.accessKeyId });
  await h.call(ops, 'iam', 'DetachUserPolicy', { UserName: 'entryway-admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
  await h.call(ops, 'iam', 'DeleteUser', { UserName: 'entryway-admin' });
  await h.call(ops, 'iam', 'CreateUser', { UserName: 'entryway-admin' });
  const k2 = await h.call(ops, 'iam', 'CreateAccessKey', { UserName: 'entryway-admin' });
  const impostor = await h.callerFor(String((k2.result?.AccessKey as { AccessKeyId: string }).AccessKeyId));
  assert.equal(impostor.principalArn, h.admin.userArn);
  assert.equal((await h.store.read((tx) => evaluateAccess(tx, impostor, { action: 'eks:CreateCluster', resource: '*' }))).effect, 'ImplicitDeny');
});

test('users: duplicates, quotas, delete conflicts, tags, pagination', async () => {
  const h = await harness();
  const { admin, aliceKey } = await withAlice(h);
  const dup = await h.fails(admin, 'iam', 'CreateUser', { UserName: 'ALICE' });
  assert.deepEqual([dup.code, dup.status, dup.message], ['EntityAlreadyExists', 409, 'User with name ALICE already exists.']);
  await h.call(admin, 'iam', 'CreateAccessKey', { UserName: 'alice' });
  await h.call(admin, 'iam', 'UpdateAccessKey', { UserName: 'alice', AccessKeyId: aliceKey, Status: 'Inactive' });
  const limit = await h.fails(admin, 'iam', 'CreateAccessKey', { UserName: 'alice' });
  assert.deepEqual([limit.code, limit.status, limit.message], ['LimitExceeded', 409, 'Cannot exceed quota for AccessKeysPerUser: 2']);
  assert.equal((await h.fails(admin, 'iam', 'UpdateAccessKey', { UserName: 'alice', AccessKeyId: h.admin.accessKeyId, Status: 'Inactive' })).code, 'NoSuchEntity');

  const conflict = await h.fails(admin, 'iam', 'DeleteUser', { UserName: 'alice' });
  assert.deepEqual([conflict.code, conflict.status, conflict.message], ['DeleteConflict', 409, 'Cannot delete entity, must delete access keys first.']);
  const keys = await h.call(admin, 'iam', 'ListAccessKeys', { UserName: 'alice' });
  for (const k of keys.result?.AccessKeyMetadata as { AccessKeyId: string }[]) {
    await h.call(admin, 'iam', 'DeleteAccessKey', { UserName: 'alice', AccessKeyId: k.AccessKeyId });
  }
  await h.call(admin, 'iam', 'PutUserPolicy', { UserName: 'alice', PolicyName: 'p', PolicyDocument: policyDoc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) });
  assert.equal((await h.fails(admin, 'iam', 'DeleteUser', { UserName: 'alice' })).message, 'Cannot delete entity, must delete policies first.');
  await h.call(admin, 'iam', 'DeleteUserPolicy', { UserName: 'alice', PolicyName: 'p' });
  assert.equal((await h.fails(admin, 'iam', 'DeleteUser', { UserName: 'alice' })).message, 'Cannot delete entity, must detach all policies first.');
  await h.call(admin, 'iam', 'DetachUserPolicy', { UserName: 'alice', PolicyArn: RO });
  await h.call(admin, 'iam', 'DeleteUser', { UserName: 'alice' });

  await h.call(admin, 'iam', 'CreateUser', { UserName: 'dora', Path: '/ops/', Tags: [{ Key: 'team', Value: 'ops' }] });
  await h.call(admin, 'iam', 'TagUser', { UserName: 'dora', Tags: [{ Key: 'TEAM', Value: 'sre' }, { Key: 'x', Value: '1' }] });
  await h.call(admin, 'iam', 'UntagUser', { UserName: 'dora', TagKeys: ['x'] });
  const tags = await h.call(admin, 'iam', 'ListUserTags', { UserName: 'dora' });
  assert.deepEqual(tags.result?.Tags, [{ Key: 'TEAM', Value: 'sre' }]);
  const byPath = await h.call(admin, 'iam', 'ListUsers', { PathPrefix: '/ops/' });
  assert.deepEqual((byPath.result?.Users as { Arn: string }[]).map((u) => u.Arn), [`arn:aws:iam::${ACCOUNT}:user/ops/dora`]);

  for (const n of ['u1', 'u2', 'u3']) await h.call(admin, 'iam', 'CreateUser', { UserName: n });
  const p1 = await h.call(admin, 'iam', 'ListUsers', { MaxItems: '2' });
  assert.equal(p1.result?.IsTruncated, true);
  const p2 = await h.call(admin, 'iam', 'ListUsers', { MaxItems: '2', Marker: String(p1.result?.Marker) });
  const p3 = await h.call(admin, 'iam', 'ListUsers', { MaxItems: '2', Marker: String(p2.result?.Marker) });
  const names = [p1, p2, p3].flatMap((p) => (p.result?.Users as { UserName: string }[]).map((u) => u.UserName));
  assert.deepEqual(names, ['dora', 'entryway-admin', 'u1', 'u2', 'u3']);
  assert.equal(p3.result?.IsTruncated, false);
  assert.equal((await h.fails(admin, 'iam', 'ListUsers', { Marker: '!!' })).code, 'ValidationError');
});

test('no half-writes: a refusal after the first write leaves nothing behind', async () => {
  const h = await harness();
  const { admin } = await withAlice(h);
  await h.call(admin, 'iam', 'PutUserPolicy', {
    UserName: 'alice',
    PolicyName: 'create-only',
    PolicyDocument: policyDoc({ Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*' }),
  });
  const alice = await h.callerFor((await h.store.read((tx) => tx.listAccessKeys(ACCOUNT, 'alice')))[0]?.accessKeyId as string);
  // CreateUser allowed, TagUser not: the whole call fails and no user appears.
  assert.equal((await h.fails(alice, 'iam', 'CreateUser', { UserName: 'bob', Tags: [{ Key: 'a', Value: 'b' }] })).code, 'AccessDenied');
  assert.equal(await h.store.read((tx) => tx.getUser(ACCOUNT, 'bob')), undefined);
  await h.call(alice, 'iam', 'CreateUser', { UserName: 'bob' });
});

test('roles: validation, trust principals, URL-encoded documents', async () => {
  const h = await harness();
  const { admin } = await withAlice(h);
  const created = await h.call(admin, 'iam', 'CreateRole', {
    RoleName: 'dev',
    Path: '/teams/',
    AssumeRolePolicyDocument: trustAccount(),
    Description: 'Developers',
    MaxSessionDuration: '7200',
  });
  const role = created.result?.Role as Record<string, unknown>;
  assert.equal(role.Arn, `arn:aws:iam::${ACCOUNT}:role/teams/dev`);
  assert.match(String(role.RoleId), /^AROA[A-Z2-7]{17}$/);
  assert.equal(role.AssumeRolePolicyDocument, encodeURIComponent(trustAccount()));
  assert.equal(role.MaxSessionDuration, 7200);
  assert.equal((await h.fails(admin, 'iam', 'CreateRole', { RoleName: 'Dev', AssumeRolePolicyDocument: trustAccount() })).code, 'EntityAlreadyExists');
  const bounds = await h.fails(admin, 'iam', 'CreateRole', { RoleName: 'x', AssumeRolePolicyDocument: trustAccount(), MaxSessionDuration: '60' });
  assert.equal(bounds.message, "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600");
  assert.equal((await h.fails(admin, 'iam', 'CreateRole', { RoleName: 'x' })).code, 'ValidationError');
  const mal = await h.fails(admin, 'iam', 'CreateRole', { RoleName: 'x', AssumeRolePolicyDocument: policyDoc({ Effect: 'Allow', Action: 'sts:AssumeRole' }) });
  assert.deepEqual([mal.code, mal.status, mal.message], ['MalformedPolicyDocument', 400, 'Missing required field Principal']);
  const ghost = await h.fails(admin, 'iam', 'CreateRole', {
    RoleName: 'x',
    AssumeRolePolicyDocument: policyDoc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/ghost` }, Action: 'sts:AssumeRole' }),
  });
  assert.equal(ghost.message, `Invalid principal in policy: "AWS":"arn:aws:iam::${ACCOUNT}:user/ghost"`);
  // Principals of accounts Entryway does not hold are taken as written.
  await h.call(admin, 'iam', 'CreateRole', {
    RoleName: 'x',
    AssumeRolePolicyDocument: policyDoc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:user/ghost' }, Action: 'sts:AssumeRole' }),
  });
  await h.call(admin, 'iam', 'UpdateAssumeRolePolicy', { RoleName: 'x', PolicyDocument: trustAccount() });
  const got = await h.call(admin, 'iam', 'GetRole', { RoleName: 'x' });
  assert.equal(decodeURIComponent(String((got.result?.Role as Record<string, unknown>).AssumeRolePolicyDocument)), trustAccount());
  assert.equal((await h.fails(admin, 'iam', 'GetRole', { RoleName: 'nope' })).message, 'The role with name nope cannot be found.');

  await h.call(admin, 'iam', 'AttachRolePolicy', { RoleName: 'dev', PolicyArn: RO });
  await h.call(admin, 'iam', 'PutRolePolicy', { RoleName: 'dev', PolicyName: 'p', PolicyDocument: policyDoc({ Effect: 'Allow', Action: 'eks:*', Resource: '*' }) });
  assert.equal((await h.fails(admin, 'iam', 'DeleteRole', { RoleName: 'dev' })).code, 'DeleteConflict');
  const attached = await h.call(admin, 'iam', 'ListAttachedRolePolicies', { RoleName: 'dev' });
  assert.deepEqual(attached.result?.AttachedPolicies, [{ PolicyName: 'ReadOnlyAccess', PolicyArn: RO }]);
  const inline = await h.call(admin, 'iam', 'GetRolePolicy', { RoleName: 'dev', PolicyName: 'p' });
  assert.equal(inline.result?.RoleName, 'dev');
});

test('managed and inline policies', async () => {
  const h = await harness();
  const { admin } = await withAlice(h);
  const bad = await h.fails(admin, 'iam', 'AttachUserPolicy', { UserName: 'alice', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' });
  assert.deepEqual([bad.code, bad.status, bad.message], ['NoSuchEntity', 404, 'Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.']);
  const notAttached = await h.fails(admin, 'iam', 'DetachUserPolicy', { UserName: 'alice', PolicyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' });
  assert.equal(notAttached.code, 'NoSuchEntity');
  const principal = await h.fails(admin, 'iam', 'PutUserPolicy', {
    UserName: 'alice',
    PolicyName: 'p',
    PolicyDocument: policyDoc({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }),
  });
  assert.deepEqual([principal.code, principal.message], ['MalformedPolicyDocument', 'Policy document should not specify a principal.']);
  const created = await h.call(admin, 'iam', 'CreatePolicy', {
    PolicyName: 'EksReaders',
    Path: '/eks/',
    PolicyDocument: policyDoc({ Effect: 'Allow', Action: ['eks:Describe*', 'eks:List*'], Resource: '*' }),
    Description: 'read EKS',
  });
  const arn = `arn:aws:iam::${ACCOUNT}:policy/eks/EksReaders`;
  assert.equal((created.result?.Policy as { Arn: string }).Arn, arn);
  assert.equal((await h.fails(admin, 'iam', 'CreatePolicy', { PolicyName: 'eksreaders', PolicyDocument: policyDoc({ Effect: 'Allow', Action: '*', Resource: '*' }) })).message, 'A policy called eksreaders already exists. Duplicate names are not allowed.');
  await h.call(admin, 'iam', 'AttachUserPolicy', { UserName: 'alice', PolicyArn: arn });
  const got = await h.call(admin, 'iam', 'GetPolicy', { PolicyArn: arn });
  assert.equal((got.result?.Policy as { AttachmentCount: number }).AttachmentCount, 1);
  const version = await h.call(admin, 'iam', 'GetPolicyVersion', { PolicyArn: arn, VersionId: 'v1' });
  assert.match(String((version.result?.PolicyVersion as { Document: string }).Document), /^%7B/);
  assert.equal((await h.fails(admin, 'iam', 'DeletePolicy', { PolicyArn: arn })).message, 'Cannot delete a policy attached to entities.');
  const local = await h.call(admin, 'iam', 'ListPolicies', { Scope: 'Local' });
  assert.deepEqual((local.result?.Policies as { Arn: string }[]).map((p) => p.Arn), [arn]);
  const aws = await h.call(admin, 'iam', 'ListPolicies', { Scope: 'AWS', OnlyAttached: 'true' });
  assert.deepEqual((aws.result?.Policies as { PolicyName: string }[]).map((p) => p.PolicyName), ['AdministratorAccess', 'ReadOnlyAccess']);
  await h.call(admin, 'iam', 'DetachUserPolicy', { UserName: 'alice', PolicyArn: arn });
  await h.call(admin, 'iam', 'DeletePolicy', { PolicyArn: arn });
  assert.equal((await h.fails(admin, 'iam', 'GetPolicy', { PolicyArn: arn })).code, 'NoSuchEntity');
  const big = 'x'.repeat(2100);
  const tooBig = await h.fails(admin, 'iam', 'PutUserPolicy', {
    UserName: 'alice',
    PolicyName: 'big',
    PolicyDocument: policyDoc({ Sid: big.slice(0, 10), Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${big}` }),
  });
  assert.equal(tooBig.code, 'LimitExceeded');
});

test('AssumeRole: trust, identity policy, sessions, chaining, deletion', async () => {
  const h = await harness();
  const { admin, alice } = await withAlice(h);
  await h.call(admin, 'iam', 'CreateRole', { RoleName: 'dev', Path: '/teams/', AssumeRolePolicyDocument: trustAccount(), MaxSessionDuration: '43200' });
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/teams/dev`;
  // Trust delegates to the account, alice's policies do not allow sts:AssumeRole.
  const denied = await h.fails(alice, 'sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'alice@example.com' });
  assert.deepEqual([denied.code, denied.status, denied.message], [
    'AccessDenied',
    403,
    `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  ]);
  await h.call(admin, 'iam', 'PutUserPolicy', { UserName: 'alice', PolicyName: 'assume', PolicyDocument: policyDoc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }) });
  const out = await h.call(alice, 'sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'alice@example.com', DurationSeconds: '7200' });
  const creds = out.result?.Credentials as Record<string, string>;
  const user = out.result?.AssumedRoleUser as Record<string, string>;
  assert.match(creds.AccessKeyId as string, /^ASIA[A-Z2-7]{16}$/);
  assert.equal(creds.Expiration, new Date(T0 + 7200_000).toISOString().replace('.000Z', 'Z'));
  assert.equal(user.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/dev/alice@example.com`);
  assert.match(user.AssumedRoleId as string, /^AROA[A-Z2-7]{17}:alice@example\.com$/);
  assert.equal(JSON.stringify(out.audit).includes(creds.SecretAccessKey as string), false);
  assert.equal(JSON.stringify(out.audit).includes(creds.SessionToken as string), false);

  const session = await h.callerFor(creds.AccessKeyId as string);
  assert.deepEqual(
    { arn: session.arn, principalArn: session.principalArn, kind: session.kind, sessionName: session.sessionName },
    { arn: user.Arn, principalArn: roleArn, kind: 'assumed-role', sessionName: 'alice@example.com' },
  );
  const who = await h.call(session, 'sts', 'GetCallerIdentity');
  assert.deepEqual(who.result, { UserId: user.AssumedRoleId, Account: ACCOUNT, Arn: user.Arn });
  // GetUser without a name from a session.
  assert.equal((await h.fails(session, 'iam', 'GetUser')).message, 'Must specify userName when calling with non-User credentials');

  // Role chaining: the session has no identity policy for AssumeRole yet.
  await h.call(admin, 'iam', 'PutRolePolicy', { RoleName: 'dev', PolicyName: 'assume', PolicyDocument: policyDoc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) });
  const chained = await h.fails(session, 'sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'again', DurationSeconds: '7200' });
  assert.equal(chained.message, 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  await h.call(session, 'sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'again' });
  const tooLong = await h.fails(alice, 'sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'x1', DurationSeconds: '43201' });
  assert.equal(tooLong.code, 'ValidationError');
  const name = await h.fails(alice, 'sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'a' });
  assert.match(name.message, /at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2/);
  assert.equal((await h.fails(alice, 'sts', 'AssumeRole', { RoleArn: `arn:aws:iam::${ACCOUNT}:role/nope`, RoleSessionName: 'xx' })).code, 'AccessDenied');
  assert.equal((await h.fails(alice, 'sts', 'AssumeRole', { RoleArn: 'arn:aws:s3:::bucket/role/xxxxxx', RoleSessionName: 'xx' })).message, 'Request ARN is invalid');
  assert.equal((await h.fails(alice, 'sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'xx', Policy: '{}' })).code, 'ValidationError');

  // Expiry.
  h.now = T0 + 7200_000;
  const expired = await h.store.read((tx) => resolveAccessKey(tx, creds.AccessKeyId as string, h.now));
  assert.deepEqual([expired.ok, !expired.ok && expired.reason], [false, 'session_expired']);
  h.now = T0;
  // Deleting the role invalidates its sessions at once, and recreating it does not revive them.
  await h.call(admin, 'iam', 'DeleteRolePolicy', { RoleName: 'dev', PolicyName: 'assume' });
  await h.call(admin, 'iam', 'DeleteRole', { RoleName: 'dev' });
  await h.call(admin, 'iam', 'CreateRole', { RoleName: 'dev', Path: '/teams/', AssumeRolePolicyDocument: trustAccount() });
  const gone = await h.store.read((tx) => resolveAccessKey(tx, creds.AccessKeyId as string, h.now));
  assert.deepEqual([gone.ok, !gone.ok && gone.reason], [false, 'role_deleted']);
});

test('AssumeRole: direct principal grant, cross-account with external id', async () => {
  const h = await harness();
  const { admin, alice } = await withAlice(h);
  await h.call(admin, 'iam', 'CreateRole', {
    RoleName: 'direct',
    AssumeRolePolicyDocument: policyDoc({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'sts:AssumeRole' }),
  });
  // Named directly in a same-account trust policy: no identity policy needed.
  await h.call(alice, 'sts', 'AssumeRole', { RoleArn: `arn:aws:iam::${ACCOUNT}:role/direct`, RoleSessionName: 'alice' });

  const other = await h.store.transaction((tx) => createAccount(tx, { accountId: '444455556666', now: T0 }));
  const carol = await h.callerFor(other.accessKeyId); // admin of the other account
  await h.call(admin, 'iam', 'CreateRole', {
    RoleName: 'partner',
    AssumeRolePolicyDocument: policyDoc({
      Effect: 'Allow',
      Principal: { AWS: '444455556666' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'shared-secret' } },
    }),
  });
  const partner = `arn:aws:iam::${ACCOUNT}:role/partner`;
  assert.equal((await h.fails(carol, 'sts', 'AssumeRole', { RoleArn: partner, RoleSessionName: 'carol' })).code, 'AccessDenied');
  assert.equal((await h.fails(carol, 'sts', 'AssumeRole', { RoleArn: partner, RoleSessionName: 'carol', ExternalId: 'wrong-one' })).code, 'AccessDenied');
  const ok = await h.call(carol, 'sts', 'AssumeRole', { RoleArn: partner, RoleSessionName: 'carol', ExternalId: 'shared-secret' });
  assert.equal((ok.result?.AssumedRoleUser as { Arn: string }).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/partner/carol`);
  // Cross-account also needs the caller's own identity policy.
  await h.call(carol, 'iam', 'DetachUserPolicy', { UserName: 'entryway-admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
  assert.equal((await h.fails(carol, 'sts', 'AssumeRole', { RoleArn: partner, RoleSessionName: 'carol', ExternalId: 'shared-secret' })).code, 'AccessDenied');
});

test('resolveAccessKey failures', async () => {
  const h = await harness();
  const { admin, aliceKey } = await withAlice(h);
  const r = (id: string) => h.store.read((tx) => resolveAccessKey(tx, id, h.now));
  assert.equal((await r('AKIANOTAREALKEYATALL')).ok, false);
  assert.deepEqual(await r('AKIANOTAREALKEYATALL'), { ok: false, reason: 'unknown_key' });
  await h.call(admin, 'iam', 'UpdateAccessKey', { UserName: 'alice', AccessKeyId: aliceKey, Status: 'Inactive' });
  assert.deepEqual(await r(aliceKey), { ok: false, reason: 'inactive_key' });
  await h.call(admin, 'iam', 'UpdateAccessKey', { UserName: 'alice', AccessKeyId: aliceKey, Status: 'Active' });
  await h.store.transaction((tx) => tx.deleteUser(ACCOUNT, 'alice')); // bypassing DeleteConflict
  assert.deepEqual(await r(aliceKey), { ok: false, reason: 'user_deleted' });
});
