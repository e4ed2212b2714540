/**
 * Cluster operations through @aws-sdk/client-eks: CreateCluster defaults and the creator entry,
 * authentication-mode moves, asynchronous updates, ListClusters paging, DeleteCluster cascade,
 * tags on cluster and access-entry ARNs, and 404s for unknown clusters.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  DeleteAccessEntryCommand,
  DeleteClusterCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  DescribeUpdateCommand,
  DisassociateAccessPolicyCommand,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ListClustersCommand,
  ListTagsForResourceCommand,
  ListUpdatesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAccessEntryCommand,
  UpdateClusterConfigCommand,
} from '@aws-sdk/client-eks';
import type { AuthenticationMode, EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { AttachRolePolicyCommand, AttachUserPolicyCommand, CreateAccessKeyCommand, DeleteAccessKeyCommand, DeleteUserCommand, DetachUserPolicyCommand } from '@aws-sdk/client-iam';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { POLICY, createCluster, createRole, createUser, rejectsWith, signed } from './lib.js';

const ADMIN_POLICY = POLICY('AmazonEKSClusterAdminPolicy');
const MODE_GATE = "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.";

async function entriesOf(eks: EKSClient, clusterName: string): Promise<string[]> {
  return (await eks.send(new ListAccessEntriesCommand({ clusterName }))).accessEntries ?? [];
}

async function modeOf(eks: EKSClient, name: string): Promise<string | undefined> {
  return (await eks.send(new DescribeClusterCommand({ name }))).cluster?.accessConfig?.authenticationMode;
}

describe('clusters through the SDK', () => {
  let s: TestServer;
  let eks: EKSClient;
  let adminArn: string;
  before(async () => {
    s = await startTestServer();
    eks = s.eks();
    adminArn = `arn:aws:iam::${s.accountId}:user/entryway-admin`;
  });
  after(async () => s.close());

  it('CreateCluster defaults: CONFIG_MAP, bootstrap true, no visible entries; DescribeCluster shape', async () => {
    const created = await createCluster(eks, 'defaults');
    assert.deepEqual(created.accessConfig, { bootstrapClusterCreatorAdminPermissions: true, authenticationMode: 'CONFIG_MAP' }, 'defaults');
    assert.equal(created.status, 'CREATING', 'CreateCluster reports CREATING');
    const c = (await eks.send(new DescribeClusterCommand({ name: 'defaults' }))).cluster;
    assert.ok(c, 'DescribeCluster returns the cluster');
    assert.equal(c.arn, `arn:aws:eks:us-east-1:${s.accountId}:cluster/defaults`, 'ARN');
    assert.ok(c.createdAt instanceof Date && Math.abs(c.createdAt.getTime() - Date.now()) < 60_000, 'createdAt is a recent timestamp');
    assert.equal(c.status, 'ACTIVE', 'ACTIVE once created (clusterCreateDurationMs 0)');
    assert.equal(c.endpoint, `${s.url}/k8s/defaults`, 'endpoint');
    assert.equal(Buffer.from(c.certificateAuthority?.data ?? '', 'base64').toString('utf8'), s.ca, 'certificateAuthority is the CA bundle');
    assert.deepEqual(c.accessConfig, { bootstrapClusterCreatorAdminPermissions: true, authenticationMode: 'CONFIG_MAP' }, 'accessConfig');
    assert.equal(c.roleArn, 'arn:aws:iam::111122223333:role/eks-cluster', 'roleArn echoed');
    await rejectsWith(eks.send(new ListAccessEntriesCommand({ clusterName: 'defaults' })), 'InvalidRequestException', 400, MODE_GATE);
  });

  it('modes with API get the creator entry with AmazonEKSClusterAdminPolicy at cluster scope; bootstrap false gets none', async () => {
    const cases: [string, AuthenticationMode, boolean | undefined, boolean][] = [
      ['both-boot', 'API_AND_CONFIG_MAP', undefined, true],
      ['api-boot', 'API', true, true],
      ['both-noboot', 'API_AND_CONFIG_MAP', false, false],
      ['api-noboot', 'API', false, false],
    ];
    for (const [name, mode, bootstrap, creator] of cases) {
      const c = await createCluster(eks, name, mode, bootstrap);
      assert.deepEqual(c.accessConfig, { bootstrapClusterCreatorAdminPermissions: bootstrap ?? true, authenticationMode: mode }, `${name} accessConfig`);
      assert.deepEqual(await entriesOf(eks, name), creator ? [adminArn] : [], `${name} entries`);
      if (creator) {
        const e = (await eks.send(new DescribeAccessEntryCommand({ clusterName: name, principalArn: adminArn }))).accessEntry;
        assert.equal(e?.type, 'STANDARD', 'creator entry is STANDARD');
        assert.equal(e?.username, adminArn, 'IAM user username is the user ARN');
        const a = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: name, principalArn: adminArn }));
        assert.deepEqual(
          a.associatedAccessPolicies?.map((p) => [p.policyArn, p.accessScope]),
          [[ADMIN_POLICY, { type: 'cluster', namespaces: [] }]],
          `${name} creator policy`,
        );
      }
    }
  });

  it('CONFIG_MAP with bootstrap false is refused with EKS wording, and nothing is created', async () => {
    await rejectsWith(
      createCluster(eks, 'refused', 'CONFIG_MAP', false),
      'InvalidParameterException',
      400,
      'bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP',
    );
    const names = (await eks.send(new ListClustersCommand({}))).clusters ?? [];
    assert.ok(!names.includes('refused'), 'no cluster written');
  });

  it('an assumed-role creator gets an entry for the role ARN, path included', async () => {
    const roleArn = await createRole(s, 'platform-admin', '/teams/');
    await s.iam().send(new AttachRolePolicyCommand({ RoleName: 'platform-admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const creds = (await s.sts().send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'alice@example.com' }))).Credentials;
    assert.ok(creds?.AccessKeyId && creds.SecretAccessKey && creds.SessionToken, 'AssumeRole returns credentials');
    const asRole = s.eks({ accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken });
    await createCluster(asRole, 'role-made', 'API');
    assert.deepEqual(await entriesOf(eks, 'role-made'), [roleArn], 'the role, not the session');
    const e = (await eks.send(new DescribeAccessEntryCommand({ clusterName: 'role-made', principalArn: roleArn }))).accessEntry;
    assert.equal(e?.username, `arn:aws:sts::${s.accountId}:assumed-role/platform-admin/{{SessionName}}`, 'role username without the path');
  });

  it('mode moves are one way: CONFIG_MAP → API_AND_CONFIG_MAP → API; everything else is refused with EKS wording', async () => {
    await createCluster(eks, 'mover');
    const refuse = async (from: string, to: AuthenticationMode) =>
      rejectsWith(
        eks.send(new UpdateClusterConfigCommand({ name: 'mover', accessConfig: { authenticationMode: to } })),
        'InvalidParameterException',
        400,
        `Unsupported authentication mode update from ${from} to ${to}`,
      );
    await refuse('CONFIG_MAP', 'API');
    await refuse('CONFIG_MAP', 'CONFIG_MAP');
    const u1 = (await eks.send(new UpdateClusterConfigCommand({ name: 'mover', accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' } }))).update;
    assert.equal(u1?.type, 'AccessConfigUpdate', 'update type');
    // Real EKS JSON-encodes the value: the quotes are part of it.
    assert.deepEqual(u1?.params, [{ type: 'AuthenticationMode', value: '"API_AND_CONFIG_MAP"' }], 'update params');
    assert.deepEqual(u1?.errors, [], 'no errors');
    assert.equal(await modeOf(eks, 'mover'), 'API_AND_CONFIG_MAP', 'moved');
    // Leaving CONFIG_MAP makes the hidden creator grant a visible entry.
    assert.deepEqual(await entriesOf(eks, 'mover'), [adminArn], 'creator entry appears');
    await refuse('API_AND_CONFIG_MAP', 'API_AND_CONFIG_MAP');
    await refuse('API_AND_CONFIG_MAP', 'CONFIG_MAP');
    await eks.send(new UpdateClusterConfigCommand({ name: 'mover', accessConfig: { authenticationMode: 'API' } }));
    assert.equal(await modeOf(eks, 'mover'), 'API', 'moved again');
    await refuse('API', 'API');
    await refuse('API', 'API_AND_CONFIG_MAP');
    await refuse('API', 'CONFIG_MAP');
    const ids = (await eks.send(new ListUpdatesCommand({ name: 'mover' }))).updateIds ?? [];
    assert.equal(ids.length, 2, 'two updates recorded, refused ones none');
    for (const id of ids) {
      const u = (await eks.send(new DescribeUpdateCommand({ name: 'mover', updateId: id }))).update;
      assert.equal(u?.status, 'Successful', 'completed');
      assert.equal(u?.type, 'AccessConfigUpdate', 'type');
    }
  });

  it('UpdateClusterConfig refuses two kinds at once, bootstrap changes, an invalid mode and an empty update', async () => {
    await createCluster(eks, 'upd', 'API_AND_CONFIG_MAP');
    const send = (input: Record<string, unknown>) => eks.send(new UpdateClusterConfigCommand({ name: 'upd', ...input }));
    await rejectsWith(send({ accessConfig: { authenticationMode: 'API' }, logging: { clusterLogging: [{ types: ['api'], enabled: true }] } }), 'InvalidParameterException', 400, 'Only one type of update can be allowed.');
    // The SDK drops members the model does not have; send the raw body.
    const raw = await signed(s, 'POST', '/clusters/upd/update-config', { accessConfig: { bootstrapClusterCreatorAdminPermissions: false } });
    assert.equal(raw.errorType, 'InvalidParameterException', raw.text);
    assert.match(raw.json.message, /only be set when the cluster is created/, 'bootstrap is create-only');
    await rejectsWith(send({ accessConfig: {} }), 'InvalidParameterException', 400, /No changes needed/);
    await rejectsWith(send({ accessConfig: { authenticationMode: 'NONE' as AuthenticationMode } }), 'InvalidParameterException', 400, /authentication mode NONE is not valid/);
    await rejectsWith(send({}), 'InvalidParameterException', 400, /No changes needed/);
    assert.deepEqual((await eks.send(new ListUpdatesCommand({ name: 'upd' }))).updateIds, [], 'no update recorded');
  });

  it('regression: a mode move completes when the CONFIG_MAP creator has since been deleted from IAM', async () => {
    await createUser(s, 'carol');
    const iam = s.iam();
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey;
    assert.ok(key?.AccessKeyId && key.SecretAccessKey, 'access key');
    await iam.send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    await createCluster(s.eks({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }), 'orphan');
    await iam.send(new DetachUserPolicyCommand({ UserName: 'carol', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.AccessKeyId }));
    await iam.send(new DeleteUserCommand({ UserName: 'carol' }));
    await eks.send(new UpdateClusterConfigCommand({ name: 'orphan', accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' } }));
    const carol = `arn:aws:iam::${s.accountId}:user/carol`;
    assert.deepEqual(await entriesOf(eks, 'orphan'), [carol], 'the pre-existing grant becomes an entry');
    await eks.send(new UpdateClusterConfigCommand({ name: 'orphan', accessConfig: { authenticationMode: 'API' } }));
    assert.equal(await modeOf(eks, 'orphan'), 'API', 'the cluster still takes writes');
  });

  it('ListClusters pages in name order', async () => {
    const all = (await eks.send(new ListClustersCommand({}))).clusters ?? [];
    assert.deepEqual(all, [...all].sort(), 'sorted');
    const paged: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await eks.send(new ListClustersCommand({ maxResults: 2, ...(nextToken ? { nextToken } : {}) }));
      assert.ok((out.clusters ?? []).length <= 2, 'page size');
      paged.push(...(out.clusters ?? []));
      nextToken = out.nextToken;
      pages++;
    } while (nextToken && pages < 50);
    assert.deepEqual(paged, all, 'pages add up to the whole list');
    assert.ok(pages >= 3, 'several pages');
  });

  it('DeleteCluster cascades entries, associations, updates and tags', async () => {
    await createCluster(eks, 'doomed', 'API_AND_CONFIG_MAP');
    const p = 'arn:aws:iam::444455556666:role/cross';
    const e = (await eks.send(new CreateAccessEntryCommand({ clusterName: 'doomed', principalArn: p, tags: { a: 'b' } }))).accessEntry;
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'doomed', principalArn: p, policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } }));
    await eks.send(new UpdateClusterConfigCommand({ name: 'doomed', accessConfig: { authenticationMode: 'API' } }));
    const arn = `arn:aws:eks:us-east-1:${s.accountId}:cluster/doomed`;
    await eks.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'x' } }));
    const del = (await eks.send(new DeleteClusterCommand({ name: 'doomed' }))).cluster;
    assert.equal(del?.status, 'DELETING', 'DeleteCluster reports DELETING');
    assert.equal(del?.name, 'doomed', 'the deleted cluster');
    await rejectsWith(eks.send(new DescribeClusterCommand({ name: 'doomed' })), 'ResourceNotFoundException', 404, 'No cluster found for name: doomed.');
    await rejectsWith(eks.send(new ListTagsForResourceCommand({ resourceArn: e?.accessEntryArn })), 'NotFoundException', 404);
    await createCluster(eks, 'doomed', 'API', false);
    assert.deepEqual(await entriesOf(eks, 'doomed'), [], 'no entries survive');
    assert.deepEqual((await eks.send(new ListUpdatesCommand({ name: 'doomed' }))).updateIds, [], 'no updates survive');
    assert.deepEqual((await eks.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, {}, 'no tags survive');
    assert.deepEqual((await eks.send(new ListAccessEntriesCommand({ clusterName: 'doomed', associatedPolicyArn: POLICY('AmazonEKSViewPolicy') }))).accessEntries, [], 'no associations survive');
  });

  it('TagResource / UntagResource / ListTagsForResource on cluster and access-entry ARNs', async () => {
    const c = await createCluster(eks, 'tagged', 'API');
    const clusterArn = c.arn ?? '';
    const entryArn = (await eks.send(new DescribeAccessEntryCommand({ clusterName: 'tagged', principalArn: adminArn }))).accessEntry?.accessEntryArn ?? '';
    for (const arn of [clusterArn, entryArn]) {
      await eks.send(new TagResourceCommand({ resourceArn: arn, tags: { team: 'a', env: 'dev' } }));
      await eks.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'prod' } }));
      assert.deepEqual((await eks.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { team: 'a', env: 'prod' }, 'merged');
      await eks.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team', 'absent'] }));
      assert.deepEqual((await eks.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { env: 'prod' }, 'removed');
      await rejectsWith(eks.send(new TagResourceCommand({ resourceArn: arn, tags: {} })), 'BadRequestException', 400);
      await rejectsWith(eks.send(new TagResourceCommand({ resourceArn: arn, tags: { 'aws:x': 'y' } })), 'BadRequestException', 400, /reserved/);
      const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
      await rejectsWith(eks.send(new TagResourceCommand({ resourceArn: arn, tags: many })), 'BadRequestException', 400, /at most 50 tags/);
      await rejectsWith(eks.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: [] })), 'BadRequestException', 400);
      assert.deepEqual((await eks.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { env: 'prod' }, 'refused calls changed nothing');
    }
    assert.deepEqual((await eks.send(new DescribeClusterCommand({ name: 'tagged' }))).cluster?.tags, { env: 'prod' }, 'DescribeCluster shows the tags');
    assert.deepEqual((await eks.send(new DescribeAccessEntryCommand({ clusterName: 'tagged', principalArn: adminArn }))).accessEntry?.tags, { env: 'prod' }, 'DescribeAccessEntry shows the tags');
    const acct = s.accountId;
    const notFound = [
      `arn:aws:eks:us-east-1:${acct}:cluster/nope`,
      `arn:aws:eks:us-east-1:999999999999:cluster/tagged`,
      entryArn.replace(/[0-9a-f]{8}-[0-9a-f-]+$/, '00000000-0000-0000-0000-000000000000'),
      `arn:aws:eks:us-east-1:${acct}:access-entry/nope/user/${acct}/x/00000000-0000-0000-0000-000000000000`,
    ];
    for (const arn of notFound) {
      await rejectsWith(eks.send(new ListTagsForResourceCommand({ resourceArn: arn })), 'NotFoundException', 404);
      await rejectsWith(eks.send(new TagResourceCommand({ resourceArn: arn, tags: { a: 'b' } })), 'NotFoundException', 404);
      await rejectsWith(eks.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] })), 'NotFoundException', 404);
    }
    for (const arn of ['nope', `arn:aws:iam::${acct}:user/x`, `arn:aws:eks:us-east-1:${acct}:nodegroup/tagged/ng/x`, `arn:aws:eks:us-east-1:${acct}:cluster/`]) {
      await rejectsWith(eks.send(new ListTagsForResourceCommand({ resourceArn: arn })), 'BadRequestException', 400);
    }
  });

  it('every cluster operation answers 404 ResourceNotFoundException for an unknown cluster', async () => {
    const msg = 'No cluster found for name: nope.';
    const p = `arn:aws:iam::${s.accountId}:user/entryway-admin`;
    const calls: [string, () => Promise<unknown>][] = [
      ['DescribeCluster', () => eks.send(new DescribeClusterCommand({ name: 'nope' }))],
      ['DeleteCluster', () => eks.send(new DeleteClusterCommand({ name: 'nope' }))],
      ['UpdateClusterConfig', () => eks.send(new UpdateClusterConfigCommand({ name: 'nope', accessConfig: { authenticationMode: 'API' } }))],
      ['ListUpdates', () => eks.send(new ListUpdatesCommand({ name: 'nope' }))],
      ['DescribeUpdate', () => eks.send(new DescribeUpdateCommand({ name: 'nope', updateId: '00000000-0000-0000-0000-000000000000' }))],
      ['CreateAccessEntry', () => eks.send(new CreateAccessEntryCommand({ clusterName: 'nope', principalArn: p }))],
      ['DescribeAccessEntry', () => eks.send(new DescribeAccessEntryCommand({ clusterName: 'nope', principalArn: p }))],
      ['ListAccessEntries', () => eks.send(new ListAccessEntriesCommand({ clusterName: 'nope' }))],
      ['UpdateAccessEntry', () => eks.send(new UpdateAccessEntryCommand({ clusterName: 'nope', principalArn: p, username: 'x' }))],
      ['DeleteAccessEntry', () => eks.send(new DeleteAccessEntryCommand({ clusterName: 'nope', principalArn: p }))],
      ['AssociateAccessPolicy', () => eks.send(new AssociateAccessPolicyCommand({ clusterName: 'nope', principalArn: p, policyArn: ADMIN_POLICY, accessScope: { type: 'cluster' } }))],
      ['DisassociateAccessPolicy', () => eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'nope', principalArn: p, policyArn: ADMIN_POLICY }))],
      ['ListAssociatedAccessPolicies', () => eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'nope', principalArn: p }))],
    ];
    for (const [op, call] of calls) {
      const err = await rejectsWith(call(), 'ResourceNotFoundException', 404, msg);
      assert.ok(err, op);
    }
    await createCluster(eks, 'known', 'API');
    await rejectsWith(eks.send(new DescribeUpdateCommand({ name: 'known', updateId: 'no-such-update' })), 'ResourceNotFoundException', 404, 'No update found for ID: no-such-update.');
  });

  it('regression: CreateCluster validates logging, network and upgrade settings instead of echoing them', async () => {
    const base = { name: 'spec-check', roleArn: 'arn:aws:iam::111122223333:role/x', resourcesVpcConfig: { subnetIds: ['subnet-1'] } };
    const bad: Record<string, unknown>[] = [
      { logging: { clusterLogging: 'all' } },
      { logging: { clusterLogging: [{ types: ['everything'], enabled: true }] } },
      { logging: { clusterLogging: [{ types: ['api'], enabled: 'yes' }] } },
      { kubernetesNetworkConfig: { serviceIpv4Cidr: 5 } },
      { kubernetesNetworkConfig: { ipFamily: 'ipv5' } },
      { upgradePolicy: { supportType: 'FOREVER' } },
    ];
    for (const extra of bad) {
      const r = await signed(s, 'POST', '/clusters', { ...base, ...extra });
      assert.equal(r.status, 400, `${JSON.stringify(extra)}: ${r.text}`);
      assert.equal(r.errorType, 'InvalidParameterException', JSON.stringify(extra));
    }
    assert.ok(!((await eks.send(new ListClustersCommand({}))).clusters ?? []).includes('spec-check'), 'nothing created');
    const ok = await signed(s, 'POST', '/clusters', { ...base, logging: { clusterLogging: [{ types: ['api', 'audit'], enabled: true }] } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json.cluster.logging, { clusterLogging: [{ types: ['api', 'audit'], enabled: true }] }, 'valid logging kept');
  });
});

describe('asynchronous updates (updateDurationMs 3000, clock moved by the test)', () => {
  let s: TestServer;
  // A clock that only the test moves, so a slow machine cannot complete the update early.
  const start = Date.now();
  let offset = 0;
  before(async () => {
    s = await startTestServer({ config: { updateDurationMs: 3000 }, now: () => start + offset });
  });
  after(async () => s.close());

  it('a second update while one is in progress is ResourceInUseException with EKS wording; the move lands when the update completes', async () => {
    const eks = s.eks();
    await createCluster(eks, 'slow');
    const u1 = (await eks.send(new UpdateClusterConfigCommand({ name: 'slow', accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' } }))).update;
    assert.equal(u1?.status, 'InProgress', 'InProgress at first');
    const id = u1?.id ?? '';
    const c = (await eks.send(new DescribeClusterCommand({ name: 'slow' }))).cluster;
    assert.equal(c?.status, 'UPDATING', 'cluster UPDATING');
    assert.equal(c?.accessConfig?.authenticationMode, 'CONFIG_MAP', 'mode unchanged until the update completes');
    await rejectsWith(eks.send(new ListAccessEntriesCommand({ clusterName: 'slow' })), 'InvalidRequestException', 400, MODE_GATE);
    for (const mode of ['API', 'API_AND_CONFIG_MAP'] as const) {
      await rejectsWith(
        eks.send(new UpdateClusterConfigCommand({ name: 'slow', accessConfig: { authenticationMode: mode } })),
        'ResourceInUseException',
        409,
        `Cannot AccessConfigUpdate because cluster slow currently has update ${id} in progress`,
      );
    }
    assert.equal((await eks.send(new DescribeUpdateCommand({ name: 'slow', updateId: id }))).update?.status, 'InProgress', 'still InProgress');
    offset += 3100;
    assert.equal((await eks.send(new DescribeUpdateCommand({ name: 'slow', updateId: id }))).update?.status, 'Successful', 'Successful after 3 s');
    const after = (await eks.send(new DescribeClusterCommand({ name: 'slow' }))).cluster;
    assert.equal(after?.status, 'ACTIVE', 'ACTIVE again');
    assert.equal(after?.accessConfig?.authenticationMode, 'API_AND_CONFIG_MAP', 'moved');
    assert.deepEqual(await entriesOf(eks, 'slow'), [`arn:aws:iam::${s.accountId}:user/entryway-admin`], 'creator entry written when the move completed');
    assert.deepEqual((await eks.send(new ListUpdatesCommand({ name: 'slow' }))).updateIds, [id], 'ListUpdates');
    const u2 = (await eks.send(new UpdateClusterConfigCommand({ name: 'slow', accessConfig: { authenticationMode: 'API' } }))).update;
    assert.equal(u2?.status, 'InProgress', 'the next move is accepted');
  });
});
