/**
 * CloudFormation (issue 12) end to end, driven by the real AWS CLI (`aws cloudformation deploy`,
 * `describe-change-set`, `wait …`, `delete-stack`) and the AWS SDK v3's CloudFormation client
 * against a started server: the documented example template (docs/cloudformation/access.yaml)
 * creates a cluster, roles and access entries, checked through `aws eks`; parameter changes modify
 * in place, replace and remove; failures roll back and leave nothing; bad templates fail validation;
 * read-only callers are refused; the stack deletes cleanly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  GetTemplateSummaryCommand,
  ListExportsCommand,
  ListImportsCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { DeleteAccessEntryCommand, DescribeAccessEntryCommand, DescribeClusterCommand, ListAccessEntriesCommand, ListAssociatedAccessPoliciesCommand } from '@aws-sdk/client-eks';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

const TEMPLATE = join(import.meta.dirname, '..', '..', 'docs', 'cloudformation', 'access.yaml');
const ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const EDIT = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy';

let s: TestServer;
const adminArn = () => `arn:aws:iam::${s.accountId}:user/entryway-admin`;
let dir: string;
let cfn: CloudFormationClient;

function cfnClient(credentials: Credentials = s.admin): CloudFormationClient {
  return new CloudFormationClient({ endpoint: s.url, region: s.region, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: s.ca, keepAlive: true }) }) });
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function deploy(stack: string, template: string, overrides: string[] = [], extra: string[] = []) {
  return s.aws(['cloudformation', 'deploy', '--template-file', template, '--stack-name', stack, '--capabilities', 'CAPABILITY_NAMED_IAM', ...(overrides.length ? ['--parameter-overrides', ...overrides] : []), ...extra]);
}

async function events(stack: string): Promise<StackEvent[]> {
  return (await cfn.send(new DescribeStackEventsCommand({ StackName: stack }))).StackEvents ?? [];
}

async function entries(cluster: string): Promise<string[]> {
  return ((await s.eks().send(new ListAccessEntriesCommand({ clusterName: cluster }))).accessEntries ?? []).sort();
}

async function policies(cluster: string, principalArn: string) {
  const r = await s.eks().send(new ListAssociatedAccessPoliciesCommand({ clusterName: cluster, principalArn }));
  return (r.associatedAccessPolicies ?? []).map((p) => ({ policyArn: p.policyArn, type: p.accessScope?.type, namespaces: p.accessScope?.namespaces ?? [] }));
}

before(async () => {
  s = await startTestServer({ config: { cloudformationSettleMs: 5000 } });
  dir = mkdtempSync(join(tmpdir(), 'entryway-cfn-'));
  cfn = cfnClient();
});
after(async () => {
  await s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('aws cloudformation deploy of the example template', () => {
  const role = (name: string) => `arn:aws:iam::${s.accountId}:role/${name}`;

  it('creates the cluster in API mode, the roles and every entry and association', async () => {
    const r = await deploy('prod-access', TEMPLATE, ['ClusterName=prod']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Successfully created\/updated stack - prod-access/);

    const stack = (await s.aws(['cloudformation', 'describe-stacks', '--stack-name', 'prod-access'])).json.Stacks[0];
    assert.equal(stack.StackStatus, 'CREATE_COMPLETE');
    const outputs = Object.fromEntries(stack.Outputs.map((o: { OutputKey: string; OutputValue: string }) => [o.OutputKey, o.OutputValue]));
    assert.equal(outputs.ClusterArn, `arn:aws:eks:${s.region}:${s.accountId}:cluster/prod`);
    assert.equal(outputs.ClusterEndpoint, `${s.url}/k8s/prod`);
    assert.equal(outputs.AdminRoleArn, role('prod-admin'));

    const cluster = (await s.aws(['eks', 'describe-cluster', '--name', 'prod'])).json.cluster;
    assert.equal(cluster.accessConfig.authenticationMode, 'API');
    assert.equal(cluster.roleArn, role('prod-cluster'));
    // The caller (the bootstrap admin) got the creator's entry, as on EKS.
    assert.deepEqual(await entries('prod'), [role('prod-admin'), role('prod-node'), role('prod-team-a'), adminArn()].sort());
    assert.deepEqual(await policies('prod', role('prod-admin')), [{ policyArn: ADMIN, type: 'cluster', namespaces: [] }]);
    assert.deepEqual(await policies('prod', role('prod-team-a')), [{ policyArn: EDIT, type: 'namespace', namespaces: ['team-a-*'] }]);
    const team = (await s.aws(['eks', 'describe-access-entry', '--cluster-name', 'prod', '--principal-arn', role('prod-team-a')])).json.accessEntry;
    assert.equal(team.username, 'team-a:{{SessionName}}');
    assert.deepEqual(team.kubernetesGroups, ['team-a']);
    assert.equal(team.accessEntryArn, outputs.TeamEntryArn);
    const node = (await s.eks().send(new DescribeAccessEntryCommand({ clusterName: 'prod', principalArn: role('prod-node') }))).accessEntry;
    assert.equal(node?.type, 'EC2_LINUX');
    assert.deepEqual(node?.kubernetesGroups, ['system:nodes']);
    // Managed policies attached through IAM, and the role's ARN and ID are CloudFormation's attributes.
    const got = await s.iam().send(new GetRoleCommand({ RoleName: 'prod-cluster' }));
    assert.equal(got.Role?.Arn, role('prod-cluster'));

    // Events: newest first, every resource created, the stack last.
    const ev = await events('prod-access');
    assert.equal(ev[0]?.LogicalResourceId, 'prod-access');
    assert.equal(ev[0]?.ResourceStatus, 'CREATE_COMPLETE');
    for (const id of ['ClusterRole', 'Cluster', 'AdminRole', 'AdminEntry', 'TeamRole', 'TeamEntry', 'NodeRole', 'NodeEntry']) {
      assert.ok(ev.some((e) => e.LogicalResourceId === id && e.ResourceStatus === 'CREATE_COMPLETE'), id);
    }
    const times = ev.map((e) => e.Timestamp!.getTime());
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    // Dependencies came first: the cluster after its role, each entry after the cluster.
    const order = [...ev].reverse().filter((e) => e.ResourceStatus === 'CREATE_COMPLETE').map((e) => e.LogicalResourceId);
    assert.ok(order.indexOf('ClusterRole') < order.indexOf('Cluster'));
    for (const id of ['AdminEntry', 'TeamEntry', 'NodeEntry']) assert.ok(order.indexOf('Cluster') < order.indexOf(id), id);

    // The audit trail has each EKS call the stack made, as the caller, from CloudFormation.
    await s.server.flushAudit();
    const audit = await s.server.store.read((tx) => tx.queryAudit({ operation: 'CreateAccessEntry', limit: 50 }));
    assert.ok(audit.some((e) => e.sourceIp === 'cloudformation.amazonaws.com' && e.principalArn === adminArn() && e.result === 'Success'));
  });

  it('deploying the same template again has no changes', async () => {
    const r = await deploy('prod-access', TEMPLATE, ['ClusterName=prod']);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /No changes to deploy\. Stack prod-access is up to date/);
    const ok = await deploy('prod-access', TEMPLATE, ['ClusterName=prod'], ['--no-fail-on-empty-changeset']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('a change set lists Modify in place, Modify with replacement and Remove; executing it applies them', async () => {
    const overrides = ['ClusterName=prod', 'TeamNamespaces=team-a-*,team-a-ci', 'TeamGroups=team-a,reviewers', 'NodeEntryType=EC2_WINDOWS', 'WithBreakGlassAdmin=false'];
    const r = await deploy('prod-access', TEMPLATE, overrides, ['--no-execute-changeset']);
    assert.equal(r.code, 0, r.stderr);
    const arn = /aws cloudformation describe-change-set --change-set-name (\S+)/.exec(r.stdout)?.[1];
    assert.ok(arn, r.stdout);
    const cs = (await s.aws(['cloudformation', 'describe-change-set', '--change-set-name', arn])).json;
    assert.equal(cs.Status, 'CREATE_COMPLETE');
    assert.equal(cs.ExecutionStatus, 'AVAILABLE');
    const byId = Object.fromEntries(cs.Changes.map((c: { ResourceChange: { LogicalResourceId: string } }) => [c.ResourceChange.LogicalResourceId, c.ResourceChange]));
    assert.deepEqual(Object.keys(byId).sort(), ['AdminEntry', 'NodeEntry', 'TeamEntry']);
    assert.equal(byId.TeamEntry.Action, 'Modify');
    assert.equal(byId.TeamEntry.Replacement, 'False');
    assert.deepEqual(byId.TeamEntry.Details.map((d: { Target: { Name: string; RequiresRecreation: string } }) => [d.Target.Name, d.Target.RequiresRecreation]), [
      ['AccessPolicies', 'Never'],
      ['KubernetesGroups', 'Never'],
    ]);
    assert.equal(byId.NodeEntry.Action, 'Modify');
    assert.equal(byId.NodeEntry.Replacement, 'True');
    assert.deepEqual(byId.NodeEntry.Details.map((d: { Target: { Name: string; RequiresRecreation: string } }) => [d.Target.Name, d.Target.RequiresRecreation]), [['Type', 'Always']]);
    assert.equal(byId.AdminEntry.Action, 'Remove');
    assert.equal(byId.AdminEntry.PhysicalResourceId, `${role('prod-admin')}|prod`);
    // Nothing changed yet.
    assert.deepEqual(await policies('prod', role('prod-team-a')), [{ policyArn: EDIT, type: 'namespace', namespaces: ['team-a-*'] }]);

    const x = await s.aws(['cloudformation', 'execute-change-set', '--change-set-name', arn]);
    assert.equal(x.code, 0, x.stderr);
    const w = await s.aws(['cloudformation', 'wait', 'stack-update-complete', '--stack-name', 'prod-access']);
    assert.equal(w.code, 0, w.stderr);

    assert.deepEqual(await policies('prod', role('prod-team-a')), [{ policyArn: EDIT, type: 'namespace', namespaces: ['team-a-*', 'team-a-ci'] }]);
    const team = (await s.eks().send(new DescribeAccessEntryCommand({ clusterName: 'prod', principalArn: role('prod-team-a') }))).accessEntry;
    assert.deepEqual(team?.kubernetesGroups, ['team-a', 'reviewers']);
    const node = (await s.eks().send(new DescribeAccessEntryCommand({ clusterName: 'prod', principalArn: role('prod-node') }))).accessEntry;
    assert.equal(node?.type, 'EC2_WINDOWS');
    assert.deepEqual(await entries('prod'), [role('prod-node'), role('prod-team-a'), adminArn()].sort());
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'prod-access' }))).Stacks![0]!;
    assert.equal(stack.StackStatus, 'UPDATE_COMPLETE');
    assert.ok(!stack.Outputs?.some((o) => o.OutputKey === 'AdminRoleArn'), 'the conditional output went with its condition');
    const ev = await events('prod-access');
    assert.ok(ev.some((e) => e.LogicalResourceId === 'NodeEntry' && e.ResourceStatusReason === 'Requested update requires the creation of a new physical resource; hence creating one.'));
    assert.ok(ev.some((e) => e.LogicalResourceId === 'AdminEntry' && e.ResourceStatus === 'DELETE_COMPLETE'));
    assert.ok(ev.some((e) => String(e.ResourceStatus) === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'));
  });

  it('describes resources, templates and exports through the SDK', async () => {
    const res = (await cfn.send(new ListStackResourcesCommand({ StackName: 'prod-access' }))).StackResourceSummaries ?? [];
    assert.deepEqual(res.map((r) => r.LogicalResourceId).sort(), ['AdminRole', 'Cluster', 'ClusterRole', 'NodeEntry', 'NodeRole', 'TeamEntry', 'TeamRole']);
    assert.ok(res.every((r) => r.ResourceStatus === 'CREATE_COMPLETE' || r.ResourceStatus === 'UPDATE_COMPLETE'));
    assert.equal(res.find((r) => r.LogicalResourceId === 'Cluster')?.PhysicalResourceId, 'prod');
    const t = await cfn.send(new GetTemplateCommand({ StackName: 'prod-access' }));
    assert.equal(t.TemplateBody, readFileSync(TEMPLATE, 'utf8'));
    const summary = await cfn.send(new GetTemplateSummaryCommand({ StackName: 'prod-access' }));
    assert.deepEqual(summary.Capabilities, ['CAPABILITY_NAMED_IAM']);
    assert.deepEqual(summary.Parameters?.find((p) => p.ParameterKey === 'NodeEntryType')?.ParameterConstraints?.AllowedValues, ['EC2_LINUX', 'EC2_WINDOWS']);
    const exports = (await cfn.send(new ListExportsCommand({}))).Exports ?? [];
    assert.deepEqual(exports.map((e) => [e.Name, e.Value]), [['prod-access-ClusterArn', `arn:aws:eks:${s.region}:${s.accountId}:cluster/prod`]]);
  });

  it('a second stack imports the export, which then cannot go away', async () => {
    const importer = file(
      'importer.yaml',
      `Resources:
  Auditor:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}]}
  AuditorEntry:
    Type: AWS::EKS::AccessEntry
    DeletionPolicy: Retain
    Properties:
      ClusterName: !Select [1, !Split ["/", !ImportValue prod-access-ClusterArn]]
      PrincipalArn: !GetAtt Auditor.Arn
      AccessPolicies:
        - PolicyArn: arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy
          AccessScope: {Type: cluster}
Outputs:
  Role: {Value: !Ref Auditor}
`,
    );
    const r = await s.aws(['cloudformation', 'deploy', '--template-file', importer, '--stack-name', 'auditors', '--capabilities', 'CAPABILITY_IAM']);
    assert.equal(r.code, 0, r.stderr);
    const out = (await cfn.send(new DescribeStacksCommand({ StackName: 'auditors' }))).Stacks![0]!.Outputs![0]!.OutputValue!;
    assert.match(out, /^auditors-Auditor-[A-Z0-9]{12}$/, 'an unnamed role gets a generated name');
    const auditorArn = `arn:aws:iam::${s.accountId}:role/${out}`;
    assert.ok((await entries('prod')).includes(auditorArn));
    assert.deepEqual((await cfn.send(new ListImportsCommand({ ExportName: 'prod-access-ClusterArn' }))).Imports, ['auditors']);
    const refused = await s.aws(['cloudformation', 'delete-stack', '--stack-name', 'prod-access']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /ValidationError.*Export prod-access-ClusterArn cannot be deleted as it is in use by auditors/);

    // DeletionPolicy Retain keeps the entry when its stack goes.
    await cfn.send(new DeleteStackCommand({ StackName: 'auditors' }));
    await waitUntilStackDeleteComplete({ client: cfn, maxWaitTime: 60, minDelay: 1 }, { StackName: 'auditors' });
    assert.ok((await entries('prod')).includes(auditorArn), 'the retained entry stays');
    await s.eks().send(new DeleteAccessEntryCommand({ clusterName: 'prod', principalArn: auditorArn }));
  });

  it('termination protection stops a delete until it is turned off', async () => {
    await cfn.send(new UpdateTerminationProtectionCommand({ StackName: 'prod-access', EnableTerminationProtection: true }));
    const r = await s.aws(['cloudformation', 'delete-stack', '--stack-name', 'prod-access']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Stack \[prod-access\] cannot be deleted while TerminationProtection is enabled/);
    await cfn.send(new UpdateTerminationProtectionCommand({ StackName: 'prod-access', EnableTerminationProtection: false }));
  });

  it('deleting the stack removes everything it made', async () => {
    const stackId = (await cfn.send(new DescribeStacksCommand({ StackName: 'prod-access' }))).Stacks![0]!.StackId!;
    const r = await s.aws(['cloudformation', 'delete-stack', '--stack-name', 'prod-access']);
    assert.equal(r.code, 0, r.stderr);
    const w = await s.aws(['cloudformation', 'wait', 'stack-delete-complete', '--stack-name', 'prod-access']);
    assert.equal(w.code, 0, w.stderr);
    const gone = await s.aws(['eks', 'describe-cluster', '--name', 'prod']);
    assert.match(gone.stderr, /ResourceNotFoundException/);
    for (const name of ['prod-cluster', 'prod-admin', 'prod-team-a', 'prod-node']) {
      await assert.rejects(s.iam().send(new GetRoleCommand({ RoleName: name })), /NoSuchEntity|cannot be found/, name);
    }
    const missing = await s.aws(['cloudformation', 'describe-stacks', '--stack-name', 'prod-access']);
    assert.match(missing.stderr, /ValidationError.*Stack with id prod-access does not exist/);
    // By its ID the deleted stack is still there, DELETE_COMPLETE, as in CloudFormation.
    const byId = (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks![0]!;
    assert.equal(byId.StackStatus, 'DELETE_COMPLETE');
    assert.ok(byId.DeletionTime instanceof Date);
    assert.deepEqual((await cfn.send(new ListExportsCommand({}))).Exports, []);
  });
});

describe('failures and validation', () => {
  it('an entry with a reserved system: group fails, the stack rolls back and nothing is left', async () => {
    const t = file(
      'reserved.yaml',
      `Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: rb
      RoleArn: arn:aws:iam::${s.accountId}:role/eks
      ResourcesVpcConfig: {SubnetIds: [subnet-1]}
      AccessConfig: {AuthenticationMode: API}
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: rb-team
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}]}
  Entry:
    Type: AWS::EKS::AccessEntry
    Properties:
      ClusterName: !Ref Cluster
      PrincipalArn: !GetAtt Role.Arn
      KubernetesGroups: [system:masters]
`,
    );
    const r = await s.aws(['cloudformation', 'deploy', '--template-file', t, '--stack-name', 'reserved', '--capabilities', 'CAPABILITY_NAMED_IAM']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Failed to create\/update the stack/);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'reserved' }))).Stacks![0]!;
    assert.equal(stack.StackStatus, 'ROLLBACK_COMPLETE');
    const ev = await events('reserved');
    const failed = ev.find((e) => e.LogicalResourceId === 'Entry' && e.ResourceStatus === 'CREATE_FAILED');
    assert.ok(failed, JSON.stringify(ev.map((e) => [e.LogicalResourceId, e.ResourceStatus])));
    assert.match(failed.ResourceStatusReason ?? '', /^Resource handler returned message: ".*system:.*\(Service: Eks, Status Code: 400, Request ID: .*\)" \(RequestToken: .*, HandlerErrorCode: InvalidRequest\)$/);
    assert.ok(ev.some((e) => e.LogicalResourceId === 'reserved' && String(e.ResourceStatus) === 'ROLLBACK_IN_PROGRESS' && /The following resource\(s\) failed to create: \[Entry\]\./.test(e.ResourceStatusReason ?? '')));
    assert.ok(ev.some((e) => e.LogicalResourceId === 'Role' && e.ResourceStatus === 'DELETE_COMPLETE'));
    assert.match((await s.aws(['eks', 'describe-cluster', '--name', 'rb'])).stderr, /ResourceNotFoundException/);
    await assert.rejects(s.iam().send(new GetRoleCommand({ RoleName: 'rb-team' })), /NoSuchEntity|cannot be found/);
    // A rolled-back stack cannot be updated, only deleted, as in CloudFormation.
    const again = await s.aws(['cloudformation', 'deploy', '--template-file', t, '--stack-name', 'reserved', '--capabilities', 'CAPABILITY_NAMED_IAM']);
    assert.match(again.stderr, /is in ROLLBACK_COMPLETE state and can not be updated/);
    await cfn.send(new DeleteStackCommand({ StackName: 'reserved' }));
    await waitUntilStackDeleteComplete({ client: cfn, maxWaitTime: 30, minDelay: 1 }, { StackName: 'reserved' });
  });

  it('a cycle and a bad !GetAtt fail validation with CloudFormation\'s words', async () => {
    const cycle = file('cycle.yaml', 'Resources:\n  A: {Type: AWS::IAM::User, Properties: {Path: !Sub "/${B}/"}}\n  B: {Type: AWS::IAM::User, Properties: {Path: !Sub "/${A}/"}}\n');
    const v = await s.aws(['cloudformation', 'validate-template', '--template-body', `file://${cycle}`]);
    assert.notEqual(v.code, 0);
    assert.match(v.stderr, /ValidationError.*Circular dependency between resources: \[A, B\]/);
    const d = await s.aws(['cloudformation', 'deploy', '--template-file', cycle, '--stack-name', 'cycle', '--capabilities', 'CAPABILITY_IAM']);
    assert.notEqual(d.code, 0);
    assert.match(d.stderr, /Circular dependency between resources: \[A, B\]/);
    const bad = file('getatt.yaml', 'Resources:\n  R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}}}\n  E: {Type: AWS::EKS::AccessEntry, Properties: {ClusterName: c, PrincipalArn: !GetAtt R.Nope}}\n');
    const b = await s.aws(['cloudformation', 'validate-template', '--template-body', `file://${bad}`]);
    assert.match(b.stderr, /ValidationError.*Template error: resource R does not support attribute type Nope in Fn::GetAtt/);
    // Neither left a stack behind.
    const list = (await s.aws(['cloudformation', 'list-stacks'])).json.StackSummaries.map((x: { StackName: string }) => x.StackName);
    assert.ok(!list.includes('cycle'));
    const ok = await s.aws(['cloudformation', 'validate-template', '--template-body', `file://${TEMPLATE}`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(ok.json.Capabilities, ['CAPABILITY_NAMED_IAM']);
    assert.equal(ok.json.Parameters.length, 5);
  });

  it('a template with named IAM resources needs CAPABILITY_NAMED_IAM', async () => {
    const r = await s.aws(['cloudformation', 'deploy', '--template-file', TEMPLATE, '--stack-name', 'nocaps']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /InsufficientCapabilitiesException.*Requires capabilities : \[CAPABILITY_NAMED_IAM\]/);
  });

  it('an update that fails rolls back to the previous state (a backward mode move)', async () => {
    const t = (mode: string, groups: string) =>
      `Resources:
  C:
    Type: AWS::EKS::Cluster
    Properties:
      Name: back
      RoleArn: arn:aws:iam::${s.accountId}:role/eks
      ResourcesVpcConfig: {SubnetIds: [subnet-1]}
      AccessConfig: {AuthenticationMode: ${mode}}
  E:
    Type: AWS::EKS::AccessEntry
    Properties:
      ClusterName: !Ref C
      PrincipalArn: arn:aws:iam::111122223333:role/back-team
      KubernetesGroups: [${groups}]
`;
    await cfn.send(new CreateStackCommand({ StackName: 'back', TemplateBody: t('API_AND_CONFIG_MAP', 'one') }));
    const created = await s.aws(['cloudformation', 'wait', 'stack-create-complete', '--stack-name', 'back']);
    assert.equal(created.code, 0, `${created.stderr}: ${JSON.stringify((await events('back')).map((x) => [x.LogicalResourceId, x.ResourceStatus, x.ResourceStatusReason]))}`);
    // E depends on C: C's refused mode move is the first change, so nothing after it is applied;
    // a second update changes E first (its own resource) and then fails on C.
    await cfn.send(new UpdateStackCommand({ StackName: 'back', TemplateBody: t('CONFIG_MAP', 'two') }));
    await assert.rejects(waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 30, minDelay: 1 }, { StackName: 'back' }));
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'back' }))).Stacks![0]!;
    assert.equal(stack.StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
    const ev = await events('back');
    const failed = ev.find((e) => e.LogicalResourceId === 'C' && e.ResourceStatus === 'UPDATE_FAILED');
    assert.match(failed?.ResourceStatusReason ?? '', /Unsupported authentication mode update from API_AND_CONFIG_MAP to CONFIG_MAP/);
    const cluster = (await s.eks().send(new DescribeClusterCommand({ name: 'back' }))).cluster;
    assert.equal(cluster?.accessConfig?.authenticationMode, 'API_AND_CONFIG_MAP');
    const e = (await s.eks().send(new DescribeAccessEntryCommand({ clusterName: 'back', principalArn: "arn:aws:iam::111122223333:role/back-team" }))).accessEntry;
    assert.deepEqual(e?.kubernetesGroups, ['one'], 'what the update changed before the failure was put back');
    assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'back' }))).TemplateBody, t('API_AND_CONFIG_MAP', 'one'));
    await cfn.send(new DeleteStackCommand({ StackName: 'back' }));
    await waitUntilStackDeleteComplete({ client: cfn, maxWaitTime: 30, minDelay: 1 }, { StackName: 'back' });
  });

  it('a ReadOnlyAccess user may describe stacks but not create them', async () => {
    await s.iam().send(new CreateUserCommand({ UserName: 'cfn-reader' }));
    await s.iam().send(new AttachUserPolicyCommand({ UserName: 'cfn-reader', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const key = (await s.iam().send(new CreateAccessKeyCommand({ UserName: 'cfn-reader' }))).AccessKey!;
    const reader = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const r = await s.aws(['cloudformation', 'deploy', '--template-file', TEMPLATE, '--stack-name', 'sneaky', '--capabilities', 'CAPABILITY_NAMED_IAM'], { credentials: reader });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`AccessDenied.*User: arn:aws:iam::${s.accountId}:user/cfn-reader is not authorized to perform: cloudformation:CreateChangeSet`));
    await assert.rejects(cfnClient(reader).send(new CreateStackCommand({ StackName: 'sneaky', TemplateBody: readFileSync(TEMPLATE, 'utf8'), Capabilities: ['CAPABILITY_NAMED_IAM'] })), (e: Error) => e.name === 'AccessDenied' && /cloudformation:CreateStack/.test(e.message));
    const list = await s.aws(['cloudformation', 'list-stacks'], { credentials: reader });
    assert.equal(list.code, 0, list.stderr);
    assert.ok(!list.json.StackSummaries.some((x: { StackName: string; StackStatus: string }) => x.StackName === 'sneaky' && x.StackStatus !== 'DELETE_COMPLETE'));
  });
});
