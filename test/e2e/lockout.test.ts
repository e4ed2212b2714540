/**
 * Issue 7: no silent lock-outs. In API mode, removing the last AmazonEKSClusterAdminPolicy path is
 * refused while the cluster's lockoutProtection setting is on (the default), with a message naming
 * the setting; turning it off allows it. A move to API whose only admins are aws-auth
 * system:masters rows is refused too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, CreateClusterCommand, DeleteAccessEntryCommand, DisassociateAccessPolicyCommand, UpdateClusterConfigCommand } from '@aws-sdk/client-eks';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { entryway } from '../helpers/cli.js';

let s: TestServer;
let admin: string;
const ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

before(async () => {
  s = await startTestServer();
  admin = `arn:aws:iam::${s.accountId}:user/entryway-admin`;
  await s.iam().send(new CreateUserCommand({ UserName: 'ops' }));
});
after(() => s?.close());

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as Error & { $metadata?: { httpStatusCode?: number } };
  }
  return assert.fail('the call was expected to be refused');
};

test('the last cluster-admin path cannot be deleted, disassociated or narrowed; another admin unlocks it', async () => {
  const eks = s.eks();
  await eks.send(new CreateClusterCommand({ name: 'locked', roleArn: `arn:aws:iam::${s.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['s'] }, accessConfig: { authenticationMode: 'API' } }));
  for (const call of [
    new DeleteAccessEntryCommand({ clusterName: 'locked', principalArn: admin }),
    new DisassociateAccessPolicyCommand({ clusterName: 'locked', principalArn: admin, policyArn: ADMIN_POLICY }),
    new AssociateAccessPolicyCommand({ clusterName: 'locked', principalArn: admin, policyArn: ADMIN_POLICY, accessScope: { type: 'namespace', namespaces: ['ops'] } }),
  ]) {
    const e = await refusal(eks.send(call as never));
    assert.equal(e.name, 'InvalidRequestException');
    assert.match(e.message, /last cluster-admin access path of cluster locked.*lockoutProtection/);
  }
  // Through the real CLI too, as users meet it.
  const cli = await s.aws(['eks', 'delete-access-entry', '--cluster-name', 'locked', '--principal-arn', admin]);
  assert.notEqual(cli.code, 0);
  assert.match(cli.stderr, /InvalidRequestException.*lockoutProtection/s);

  const ops = `arn:aws:iam::${s.accountId}:user/ops`;
  await eks.send(new CreateAccessEntryCommand({ clusterName: 'locked', principalArn: ops }));
  await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'locked', principalArn: ops, policyArn: ADMIN_POLICY, accessScope: { type: 'cluster' } }));
  await eks.send(new DeleteAccessEntryCommand({ clusterName: 'locked', principalArn: admin }));
  assert.match((await refusal(eks.send(new DeleteAccessEntryCommand({ clusterName: 'locked', principalArn: ops })))).message, /lockoutProtection/);
});

test('turning the setting off allows it (the documented escape hatch)', async () => {
  const eks = s.eks();
  await eks.send(new CreateClusterCommand({ name: 'unlocked', roleArn: `arn:aws:iam::${s.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['s'] }, accessConfig: { authenticationMode: 'API' } }));
  const r = await entryway(s, ['cluster', 'settings', '--cluster', 'unlocked', '--lockout-protection', 'false']);
  assert.equal(r.code, 0, r.stderr);
  await eks.send(new DeleteAccessEntryCommand({ clusterName: 'unlocked', principalArn: admin }));
  const doctor = await entryway(s, ['doctor', '--cluster', 'unlocked']);
  assert.equal(doctor.code, 1, 'doctor flags the missing admin path as an error');
  assert.match(doctor.stdout, /no_admin_path/);
});

test('moving to API is refused when the only admins are aws-auth system:masters rows', async () => {
  const eks = s.eks();
  await eks.send(new CreateClusterCommand({ name: 'mixed', roleArn: `arn:aws:iam::${s.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['s'] }, accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: false } }));
  const r = await entryway(s, ['aws-auth', 'apply', '--cluster', 'mixed', '-f', '-'], { input: `mapUsers: |\n  - userarn: arn:aws:iam::${s.accountId}:user/ops\n    username: ops\n    groups: [system:masters]\n` });
  assert.equal(r.code, 0, r.stderr);
  const e = await refusal(eks.send(new UpdateClusterConfigCommand({ name: 'mixed', accessConfig: { authenticationMode: 'API' } })));
  assert.equal(e.name, 'InvalidRequestException');
  assert.match(e.message, /Refusing to move cluster mixed to API.*system:masters.*migrate aws-auth/);
});
