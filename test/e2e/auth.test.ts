/**
 * SigV4 failures in AWS's rest-json types (plain HTTP and the SDK), IAM authorization of EKS
 * operations with AWS's AccessDeniedException wording, and ReadOnlyAccess.
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
  ListAccessPoliciesCommand,
  ListAssociatedAccessPoliciesCommand,
  ListClustersCommand,
  ListTagsForResourceCommand,
  ListUpdatesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAccessEntryCommand,
  UpdateClusterConfigCommand,
} from '@aws-sdk/client-eks';
import type { EKSClient } from '@aws-sdk/client-eks';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { POLICY, assertAwsError, createCluster, rejectsWith, signed, unsigned } from './lib.js';

const SIG_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

async function userWithKey(s: TestServer, name: string, policyArn?: string): Promise<{ arn: string; creds: Credentials }> {
  const iam = s.iam();
  const u = await iam.send(new CreateUserCommand({ UserName: name }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  assert.ok(u.User?.Arn && k?.AccessKeyId && k.SecretAccessKey, 'user and key');
  if (policyArn) await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: policyArn }));
  return { arn: u.User.Arn, creds: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey } };
}

describe('authentication and authorization', () => {
  let s: TestServer;
  let eks: EKSClient;
  let updateId: string;
  let entryArn: string;
  const P = 'arn:aws:iam::444455556666:role/target';
  before(async () => {
    s = await startTestServer();
    eks = s.eks();
    await createCluster(eks, 'secure', 'API_AND_CONFIG_MAP');
    entryArn = (await eks.send(new CreateAccessEntryCommand({ clusterName: 'secure', principalArn: P }))).accessEntry?.accessEntryArn ?? '';
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'secure', principalArn: P, policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } }));
    updateId = (await eks.send(new UpdateClusterConfigCommand({ name: 'secure', accessConfig: { authenticationMode: 'API' } }))).update?.id ?? '';
  });
  after(async () => s.close());

  it('SigV4 failures over plain HTTP carry AWS rest-json types', async () => {
    assertAwsError(await unsigned(s, 'GET', '/clusters'), 'MissingAuthenticationTokenException', 403, 'Missing Authentication Token');
    assertAwsError(await unsigned(s, 'POST', '/clusters/secure/access-entries', JSON.stringify({ principalArn: P })), 'MissingAuthenticationTokenException', 403);
    assertAwsError(
      await signed(s, 'GET', '/clusters', undefined, { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } }),
      'UnrecognizedClientException',
      403,
      'The security token included in the request is invalid.',
    );
    assertAwsError(await signed(s, 'GET', '/clusters', undefined, { credentials: { ...s.admin, secretAccessKey: `${s.admin.secretAccessKey}x` } }), 'InvalidSignatureException', 403, SIG_MISMATCH);
    assertAwsError(await signed(s, 'GET', '/clusters', undefined, { now: new Date(Date.now() - 6 * 60_000) }), 'InvalidSignatureException', 403, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    assertAwsError(await signed(s, 'GET', '/clusters', undefined, { now: new Date(Date.now() + 6 * 60_000) }), 'InvalidSignatureException', 403, /^Signature not yet current: /);
    assert.equal((await signed(s, 'GET', '/clusters', undefined, { now: new Date(Date.now() - 4 * 60_000) })).status, 200, 'inside the 5-minute window');
    for (const service of ['iam', 'sts', 'execute-api']) {
      assertAwsError(await signed(s, 'GET', '/clusters', undefined, { service }), 'InvalidSignatureException', 403, "Credential should be scoped to correct service: 'eks'.");
    }
    // A body changed after signing.
    const tampered = await signed(s, 'POST', '/clusters/secure/access-entries', undefined, { rawBody: JSON.stringify({ principalArn: P }), headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    assert.ok(tampered.status === 403 || tampered.status === 400, `unsigned payload with a body refused: ${tampered.status}`);
    assert.ok(tampered.errorType, 'typed');
    assert.equal(typeof (await unsigned(s, 'GET', '/clusters')).headers['x-amzn-requestid'], 'string', 'errors carry x-amzn-RequestId');
  });

  it(
    'a presigned query whose access key id carries NUL is a 4xx on every store',
    async () => {
      const d = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
      const credential = encodeURIComponent(`AK\u0000X/${d.slice(0, 8)}/us-east-1/eks/aws4_request`);
      const q = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credential}&X-Amz-Date=${d}&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`;
      const r = await unsigned(s, 'GET', `/clusters?${q}`);
      assert.ok(r.status >= 400 && r.status < 500, `4xx, got ${r.status} ${r.text}`);
      assert.ok(r.errorType, 'typed');
    },
  );

  it('SigV4 failures through the SDK', async () => {
    await rejectsWith(s.eks({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' }).send(new ListClustersCommand({})), 'UnrecognizedClientException', 403);
    await rejectsWith(s.eks({ ...s.admin, secretAccessKey: 'wrong' }).send(new ListClustersCommand({})), 'InvalidSignatureException', 403, SIG_MISMATCH);
  });

  it('a user without permissions gets AccessDeniedException with AWS wording on every operation, and nothing changes', async () => {
    const { arn, creds } = await userWithKey(s, 'nobody');
    const as = s.eks(creds);
    const A = s.accountId;
    const cluster = `arn:aws:eks:us-east-1:${A}:cluster/secure`;
    const entry = `arn:aws:eks:us-east-1:${A}:access-entry/secure/role/444455556666/target/*`;
    const calls: [string, string, () => Promise<unknown>][] = [
      ['ListClusters', `arn:aws:eks:us-east-1:${A}:cluster/*`, () => as.send(new ListClustersCommand({}))],
      ['DescribeCluster', cluster, () => as.send(new DescribeClusterCommand({ name: 'secure' }))],
      ['CreateCluster', `arn:aws:eks:us-east-1:${A}:cluster/sneaky`, () => createCluster(as, 'sneaky', 'API')],
      ['DeleteCluster', cluster, () => as.send(new DeleteClusterCommand({ name: 'secure' }))],
      ['UpdateClusterConfig', cluster, () => as.send(new UpdateClusterConfigCommand({ name: 'secure', accessConfig: { authenticationMode: 'API' } }))],
      ['ListUpdates', cluster, () => as.send(new ListUpdatesCommand({ name: 'secure' }))],
      ['CreateAccessEntry', `arn:aws:eks:us-east-1:${A}:access-entry/secure/role/444455556666/other/*`, () => as.send(new CreateAccessEntryCommand({ clusterName: 'secure', principalArn: 'arn:aws:iam::444455556666:role/other' }))],
      ['DescribeAccessEntry', entry, () => as.send(new DescribeAccessEntryCommand({ clusterName: 'secure', principalArn: P }))],
      ['ListAccessEntries', cluster, () => as.send(new ListAccessEntriesCommand({ clusterName: 'secure' }))],
      ['UpdateAccessEntry', entry, () => as.send(new UpdateAccessEntryCommand({ clusterName: 'secure', principalArn: P, username: 'x' }))],
      ['DeleteAccessEntry', entry, () => as.send(new DeleteAccessEntryCommand({ clusterName: 'secure', principalArn: P }))],
      ['AssociateAccessPolicy', entry, () => as.send(new AssociateAccessPolicyCommand({ clusterName: 'secure', principalArn: P, policyArn: POLICY('AmazonEKSAdminPolicy'), accessScope: { type: 'cluster' } }))],
      ['DisassociateAccessPolicy', entry, () => as.send(new DisassociateAccessPolicyCommand({ clusterName: 'secure', principalArn: P, policyArn: POLICY('AmazonEKSViewPolicy') }))],
      ['ListAssociatedAccessPolicies', entry, () => as.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'secure', principalArn: P }))],
      ['ListAccessPolicies', '*', () => as.send(new ListAccessPoliciesCommand({}))],
      ['TagResource', cluster, () => as.send(new TagResourceCommand({ resourceArn: cluster, tags: { a: 'b' } }))],
      ['ListTagsForResource', cluster, () => as.send(new ListTagsForResourceCommand({ resourceArn: cluster }))],
    ];
    for (const [op, resource, call] of calls) {
      await rejectsWith(call(), 'AccessDeniedException', 403, `User: ${arn} is not authorized to perform: eks:${op} on resource: ${resource}`);
    }
    assert.equal((await eks.send(new DescribeClusterCommand({ name: 'secure' }))).cluster?.accessConfig?.authenticationMode, 'API', 'unchanged');
    assert.deepEqual((await eks.send(new ListAccessEntriesCommand({ clusterName: 'secure' }))).accessEntries?.sort(), [P, `arn:aws:iam::${A}:user/entryway-admin`].sort(), 'unchanged');
  });

  it('ReadOnlyAccess may describe and list, but not create, change or delete', async () => {
    const { arn, creds } = await userWithKey(s, 'reader', 'arn:aws:iam::aws:policy/ReadOnlyAccess');
    const as = s.eks(creds);
    const clusterArn = `arn:aws:eks:us-east-1:${s.accountId}:cluster/secure`;
    assert.deepEqual((await as.send(new ListClustersCommand({}))).clusters, ['secure'], 'ListClusters');
    assert.equal((await as.send(new DescribeClusterCommand({ name: 'secure' }))).cluster?.name, 'secure', 'DescribeCluster');
    assert.deepEqual((await as.send(new ListUpdatesCommand({ name: 'secure' }))).updateIds, [updateId], 'ListUpdates');
    assert.equal((await as.send(new DescribeUpdateCommand({ name: 'secure', updateId }))).update?.id, updateId, 'DescribeUpdate');
    assert.ok(((await as.send(new ListAccessEntriesCommand({ clusterName: 'secure' }))).accessEntries ?? []).includes(P), 'ListAccessEntries');
    assert.equal((await as.send(new DescribeAccessEntryCommand({ clusterName: 'secure', principalArn: P }))).accessEntry?.accessEntryArn, entryArn, 'DescribeAccessEntry');
    assert.equal((await as.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'secure', principalArn: P }))).associatedAccessPolicies?.length, 1, 'ListAssociatedAccessPolicies');
    assert.ok(((await as.send(new ListAccessPoliciesCommand({}))).accessPolicies ?? []).length > 0, 'ListAccessPolicies');
    assert.deepEqual((await as.send(new ListTagsForResourceCommand({ resourceArn: clusterArn }))).tags, {}, 'ListTagsForResource');
    const denied = (op: string) => new RegExp(`^User: ${arn.replace(/[/]/g, '\\/')} is not authorized to perform: eks:${op} on resource: `);
    await rejectsWith(createCluster(as, 'reader-made', 'API'), 'AccessDeniedException', 403, denied('CreateCluster'));
    await rejectsWith(as.send(new CreateAccessEntryCommand({ clusterName: 'secure', principalArn: 'arn:aws:iam::444455556666:role/r' })), 'AccessDeniedException', 403, denied('CreateAccessEntry'));
    await rejectsWith(as.send(new UpdateAccessEntryCommand({ clusterName: 'secure', principalArn: P, username: 'x' })), 'AccessDeniedException', 403, denied('UpdateAccessEntry'));
    await rejectsWith(as.send(new DeleteAccessEntryCommand({ clusterName: 'secure', principalArn: P })), 'AccessDeniedException', 403, denied('DeleteAccessEntry'));
    await rejectsWith(
      as.send(new AssociateAccessPolicyCommand({ clusterName: 'secure', principalArn: P, policyArn: POLICY('AmazonEKSAdminPolicy'), accessScope: { type: 'cluster' } })),
      'AccessDeniedException',
      403,
      denied('AssociateAccessPolicy'),
    );
    await rejectsWith(as.send(new TagResourceCommand({ resourceArn: clusterArn, tags: { a: 'b' } })), 'AccessDeniedException', 403, denied('TagResource'));
    await rejectsWith(as.send(new UntagResourceCommand({ resourceArn: clusterArn, tagKeys: ['a'] })), 'AccessDeniedException', 403, denied('UntagResource'));
    await rejectsWith(as.send(new DeleteClusterCommand({ name: 'secure' })), 'AccessDeniedException', 403, denied('DeleteCluster'));
    assert.deepEqual((await eks.send(new ListClustersCommand({}))).clusters, ['secure'], 'nothing created or deleted');
  });
});
