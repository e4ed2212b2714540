/**
 * The cluster flows as users type them with the real AWS CLI (`aws eks …` against Entryway with an
 * endpoint override), and the CLI's rendering of each distinct error shape.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { DescribeClusterCommand, ListAccessEntriesCommand, ListAssociatedAccessPoliciesCommand, ListTagsForResourceCommand } from '@aws-sdk/client-eks';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { POLICY, assertCliError, rejectsWith } from './lib.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-cluster';
const base = (name: string) => ['eks', 'create-cluster', '--name', name, '--role-arn', ROLE, '--resources-vpc-config', 'subnetIds=subnet-1'];

describe('aws eks (clusters) with the real CLI', () => {
  let s: TestServer;
  let admin: string;
  let legacyUpdate: string;
  before(async () => {
    s = await startTestServer();
    admin = `arn:aws:iam::${s.accountId}:user/entryway-admin`;
  });
  after(async () => s.close());

  it('create-cluster with defaults: CONFIG_MAP, bootstrap true', async () => {
    const r = await s.aws(base('legacy'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.cluster.name, 'legacy', 'name');
    assert.equal(r.json.cluster.status, 'CREATING', 'status');
    assert.deepEqual(r.json.cluster.accessConfig, { bootstrapClusterCreatorAdminPermissions: true, authenticationMode: 'CONFIG_MAP' }, 'accessConfig');
  });

  it('create-cluster --access-config authenticationMode=API_AND_CONFIG_MAP: the creator becomes cluster admin', async () => {
    const r = await s.aws([...base('demo'), '--access-config', 'authenticationMode=API_AND_CONFIG_MAP', '--tags', 'team=platform']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.cluster.accessConfig, { bootstrapClusterCreatorAdminPermissions: true, authenticationMode: 'API_AND_CONFIG_MAP' }, 'accessConfig');
    assert.deepEqual(r.json.cluster.tags, { team: 'platform' }, 'tags');
    const eks = s.eks();
    assert.deepEqual((await eks.send(new ListAccessEntriesCommand({ clusterName: 'demo' }))).accessEntries, [admin], 'creator entry');
    const a = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: admin }));
    assert.deepEqual(
      a.associatedAccessPolicies?.map((p) => [p.policyArn, p.accessScope]),
      [[POLICY('AmazonEKSClusterAdminPolicy'), { type: 'cluster', namespaces: [] }]],
      'AmazonEKSClusterAdminPolicy at cluster scope',
    );
  });

  it('create-cluster CONFIG_MAP with bootstrap false: InvalidParameterException as the CLI prints it', async () => {
    const r = await s.aws([...base('refused'), '--access-config', 'authenticationMode=CONFIG_MAP,bootstrapClusterCreatorAdminPermissions=false']);
    assertCliError(r, 'InvalidParameterException', 'CreateCluster', 'bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP');
  });

  it('describe-cluster: ARN, createdAt, status, endpoint, certificateAuthority, accessConfig', async () => {
    const r = await s.aws(['eks', 'describe-cluster', '--name', 'demo']);
    assert.equal(r.code, 0, r.stderr);
    const c = r.json.cluster;
    assert.equal(c.arn, `arn:aws:eks:us-east-1:${s.accountId}:cluster/demo`, 'arn');
    assert.equal(typeof c.createdAt, 'number', 'createdAt (epoch seconds as CLI v1 prints it)');
    assert.ok(Math.abs(c.createdAt * 1000 - Date.now()) < 120_000, 'createdAt is recent');
    assert.equal(c.status, 'ACTIVE', 'status');
    assert.equal(c.endpoint, `${s.url}/k8s/demo`, 'endpoint');
    assert.equal(Buffer.from(c.certificateAuthority.data, 'base64').toString('utf8'), s.ca, 'certificateAuthority.data');
    assert.deepEqual(c.accessConfig, { bootstrapClusterCreatorAdminPermissions: true, authenticationMode: 'API_AND_CONFIG_MAP' }, 'accessConfig');
  });

  it('list-clusters, auto-paginated one cluster per page', async () => {
    const r = await s.aws(['eks', 'list-clusters', '--page-size', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.clusters, ['demo', 'legacy'], 'both clusters, in order');
  });

  // The refusals of mode moves are InvalidParameterException, a shape shown above; clusters.test.ts covers them.
  it('update-cluster-config --access-config authenticationMode=API_AND_CONFIG_MAP is an AccessConfigUpdate', async () => {
    const r = await s.aws(['eks', 'update-cluster-config', '--name', 'legacy', '--access-config', 'authenticationMode=API_AND_CONFIG_MAP']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.update.type, 'AccessConfigUpdate', 'type');
    assert.deepEqual(r.json.update.params, [{ type: 'AuthenticationMode', value: '"API_AND_CONFIG_MAP"' }], 'params (the JSON string, as EKS answers)');
    assert.deepEqual(r.json.update.errors, [], 'errors');
    legacyUpdate = r.json.update.id;
  });

  it('describe-update and list-updates', async () => {
    const d = await s.aws(['eks', 'describe-update', '--name', 'legacy', '--update-id', legacyUpdate]);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.json.update.id, legacyUpdate, 'id');
    assert.equal(d.json.update.status, 'Successful', 'status');
    assert.deepEqual(d.json.update.params, [{ type: 'AuthenticationMode', value: '"API_AND_CONFIG_MAP"' }], 'describe-update params');
    const l = await s.aws(['eks', 'list-updates', '--name', 'legacy']);
    assert.equal(l.code, 0, l.stderr);
    assert.deepEqual(l.json.updateIds, [legacyUpdate], 'updateIds');
    const cluster = (await s.eks().send(new DescribeClusterCommand({ name: 'legacy' }))).cluster;
    assert.equal(cluster?.accessConfig?.authenticationMode, 'API_AND_CONFIG_MAP', 'mode moved');
  });

  it('tag-resource, list-tags-for-resource, untag-resource', async () => {
    const arn = `arn:aws:eks:us-east-1:${s.accountId}:cluster/demo`;
    const t = await s.aws(['eks', 'tag-resource', '--resource-arn', arn, '--tags', 'env=dev']);
    assert.equal(t.code, 0, t.stderr);
    const l = await s.aws(['eks', 'list-tags-for-resource', '--resource-arn', arn]);
    assert.equal(l.code, 0, l.stderr);
    assert.deepEqual(l.json.tags, { team: 'platform', env: 'dev' }, 'tags');
    const u = await s.aws(['eks', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'team', 'env']);
    assert.equal(u.code, 0, u.stderr);
    assert.deepEqual((await s.eks().send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, {}, 'all removed');
    const nf = await s.aws(['eks', 'list-tags-for-resource', '--resource-arn', `arn:aws:eks:us-east-1:${s.accountId}:cluster/nope`]);
    assertCliError(nf, 'NotFoundException', 'ListTagsForResource');
  });

  it('delete-cluster', async () => {
    const r = await s.aws(['eks', 'delete-cluster', '--name', 'legacy']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.cluster.status, 'DELETING', 'status');
    await rejectsWith(s.eks().send(new DescribeClusterCommand({ name: 'legacy' })), 'ResourceNotFoundException', 404, 'No cluster found for name: legacy.');
  });

  it('a bad secret and an unauthorized user, as the CLI prints them', async () => {
    const sig = await s.aws(['eks', 'list-clusters'], { credentials: { ...s.admin, secretAccessKey: 'not-the-secret' } });
    assertCliError(sig, 'InvalidSignatureException', 'ListClusters', 'Consult the service documentation for details.');
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'cli-nobody' }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'cli-nobody' }))).AccessKey;
    assert.ok(k?.AccessKeyId && k.SecretAccessKey, 'key');
    const denied = await s.aws(['eks', 'list-clusters'], { credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey } });
    assertCliError(
      denied,
      'AccessDeniedException',
      'ListClusters',
      `User: arn:aws:iam::${s.accountId}:user/cli-nobody is not authorized to perform: eks:ListClusters on resource: arn:aws:eks:us-east-1:${s.accountId}:cluster/*`,
    );
  });
});
