/**
 * Access entries and access policies through @aws-sdk/client-eks: every type and its defaults,
 * principal rules, validation errors with EKS wording, update/delete semantics, associations,
 * the access-policy catalogue, and the CONFIG_MAP gate on every operation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  DeleteAccessEntryCommand,
  DescribeAccessEntryCommand,
  DisassociateAccessPolicyCommand,
  ListAccessEntriesCommand,
  ListAccessPoliciesCommand,
  ListAssociatedAccessPoliciesCommand,
  UpdateAccessEntryCommand,
  paginateListAccessPolicies,
} from '@aws-sdk/client-eks';
import type { AccessEntry, AccessPolicy, AccessScope, EKSClient } from '@aws-sdk/client-eks';
import { listAccessPolicies } from '../../src/policy/catalogue.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { POLICY, createCluster, createRole, createUser, enc, rejectsWith, signed } from './lib.js';

/** EKS's wording, then which mistake it is. */
const INVALID_PRINCIPAL = /^The specified principalArn is invalid: invalid principal\. \S/;
const ONLY_STANDARD = 'This operation can only be performed on Access Entries with a type of "STANDARD".';
const NOT_FOUND = "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.";
const MODE_GATE = "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.";
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const OTHER = '444455556666';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('access entries through the SDK', () => {
  let s: TestServer;
  let eks: EKSClient;
  let A: string;
  const create = (principalArn: string, extra: Partial<ConstructorParameters<typeof CreateAccessEntryCommand>[0]> = {}, clusterName = 'demo') =>
    eks.send(new CreateAccessEntryCommand({ clusterName, principalArn, ...extra })).then((o) => o.accessEntry as AccessEntry);

  before(async () => {
    s = await startTestServer();
    eks = s.eks();
    A = s.accountId;
    await createCluster(eks, 'demo', 'API', false);
    await createCluster(eks, 'legacy');
  });
  after(async () => s.close());

  it('creates every type with EKS defaults (username, groups, ARN, timestamps, tags)', async () => {
    const user = await createUser(s, 'alice');
    const role = await createRole(s, 'dev');
    const cases: [string, string, string | undefined, string, string[], 'role' | 'user', string][] = [
      [user, 'alice', undefined, user, [], 'user', 'STANDARD'],
      [role, 'dev', 'STANDARD', `arn:aws:sts::${A}:assumed-role/dev/{{SessionName}}`, [], 'role', 'STANDARD'],
      ['', 'ec2-linux', 'EC2_LINUX', 'system:node:{{EC2PrivateDNSName}}', ['system:nodes'], 'role', 'EC2_LINUX'],
      ['', 'ec2-windows', 'EC2_WINDOWS', 'system:node:{{EC2PrivateDNSName}}', ['system:nodes'], 'role', 'EC2_WINDOWS'],
      ['', 'fargate', 'FARGATE_LINUX', 'system:node:{{SessionName}}', ['system:nodes'], 'role', 'FARGATE_LINUX'],
      ['', 'hybrid', 'HYBRID_LINUX', 'system:node:{{SessionName}}', ['system:nodes'], 'role', 'HYBRID_LINUX'],
      ['', 'auto', 'EC2', 'system:node:{{SessionName}}', ['system:nodes'], 'role', 'EC2'],
      ['', 'hyperpod', 'HYPERPOD_LINUX', 'system:node:{{SessionName}}', ['system:nodes'], 'role', 'HYPERPOD_LINUX'],
    ];
    for (const [given, name, type, username, groups, kind, wantType] of cases) {
      const principalArn = given || (await createRole(s, name));
      const e = await create(principalArn, type ? { type } : {});
      assert.equal(e.clusterName, 'demo', `${name} clusterName`);
      assert.equal(e.principalArn, principalArn, `${name} principalArn`);
      assert.equal(e.type, wantType, `${name} type`);
      assert.equal(e.username, username, `${name} username`);
      assert.deepEqual(e.kubernetesGroups, groups, `${name} groups`);
      assert.deepEqual(e.tags, {}, `${name} tags`);
      assert.match(e.accessEntryArn ?? '', new RegExp(`^arn:aws:eks:us-east-1:${A}:access-entry/demo/${kind}/${A}/${name}/${UUID}$`), `${name} ARN`);
      assert.ok(e.createdAt instanceof Date, 'createdAt');
      assert.equal(e.createdAt.getTime(), e.modifiedAt?.getTime(), `${name} createdAt == modifiedAt`);
      const d = (await eks.send(new DescribeAccessEntryCommand({ clusterName: 'demo', principalArn }))).accessEntry;
      assert.deepEqual(d, e, `${name}: DescribeAccessEntry returns what CreateAccessEntry did`);
    }
  });

  it('roles with a path (and SSO roles) work only with the full ARN; users with a path too', async () => {
    const team = await createRole(s, 'team-dev', '/teams/');
    const sso = await createRole(s, 'AWSReservedSSO_Admin_0123456789abcdef', '/aws-reserved/sso.amazonaws.com/us-east-1/');
    const ops = await createUser(s, 'ops-bob', '/ops/');
    for (const [full, bare, name] of [
      [team, `arn:aws:iam::${A}:role/team-dev`, 'team-dev'],
      [sso, `arn:aws:iam::${A}:role/AWSReservedSSO_Admin_0123456789abcdef`, 'AWSReservedSSO_Admin_0123456789abcdef'],
      [ops, `arn:aws:iam::${A}:user/ops-bob`, 'ops-bob'],
    ] as const) {
      await rejectsWith(create(bare), 'InvalidParameterException', 400, INVALID_PRINCIPAL);
      await rejectsWith(create(full.replace(/\/[^/]+$/, `/wrong-path/${name}`)), 'InvalidParameterException', 400, INVALID_PRINCIPAL);
      const e = await create(full);
      assert.equal(e.principalArn, full, 'principal ARN kept with its path');
      if (full.includes(':role/')) assert.equal(e.username, `arn:aws:sts::${A}:assumed-role/${name}/{{SessionName}}`, 'role username drops the path');
      else assert.equal(e.username, full, 'user username is the user ARN, path included');
      assert.ok(e.accessEntryArn?.includes(`/${name}/`), 'ARN names the principal without its path');
    }
  });

  it('principals: nonexistent in our account, STS sessions, service-linked roles, non-IAM ARNs are refused; other accounts are STANDARD-only', async () => {
    await rejectsWith(create(`arn:aws:iam::${A}:role/does-not-exist`), 'InvalidParameterException', 400, INVALID_PRINCIPAL);
    await rejectsWith(create(`arn:aws:iam::${A}:user/does-not-exist`), 'InvalidParameterException', 400, INVALID_PRINCIPAL);
    await rejectsWith(create(`arn:aws:sts::${A}:assumed-role/dev/session`), 'InvalidParameterException', 400, /^The principalArn parameter format is not valid\. It is a role session/);
    await rejectsWith(create(`arn:aws:iam::${A}:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS`), 'InvalidParameterException', 400, 'The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role');
    for (const bad of [`arn:aws:iam::${A}:root`, `arn:aws:iam::${A}:group/devs`, 'not-an-arn', `arn:aws:eks:us-east-1:${A}:cluster/demo`]) {
      await rejectsWith(create(bad), 'InvalidParameterException', 400, INVALID_PRINCIPAL);
    }
    // Accounts Entryway does not hold: matched by ARN alone.
    const crossUser = await create(`arn:aws:iam::${OTHER}:user/partner`);
    assert.equal(crossUser.username, `arn:aws:iam::${OTHER}:user/partner`, 'cross-account user');
    const crossRole = await create(`arn:aws:iam::${OTHER}:role/partner`);
    assert.match(crossRole.accessEntryArn ?? '', new RegExp(`:access-entry/demo/role/${OTHER}/partner/${UUID}$`), 'ARN carries the principal account');
    assert.equal(crossRole.username, `arn:aws:sts::${OTHER}:assumed-role/partner/{{SessionName}}`, 'cross-account role username');
    await rejectsWith(create(`arn:aws:iam::${OTHER}:role/partner-node`, { type: 'EC2_LINUX' }), 'InvalidParameterException', 400, /must be an IAM role in the cluster's account/);
    const u = await createUser(s, 'node-user');
    await rejectsWith(create(u, { type: 'EC2_LINUX' }), 'InvalidParameterException', 400, /must be an IAM role\.$/);
  });

  it('duplicate principal: 409 ResourceInUseException with EKS wording', async () => {
    const p = `arn:aws:iam::${OTHER}:role/dup`;
    await create(p);
    await rejectsWith(create(p), 'ResourceInUseException', 409, 'The specified access entry resource is already in use on this cluster.');
    await rejectsWith(create(p, { kubernetesGroups: ['other'] }), 'ResourceInUseException', 409);
    // Racing creates of one principal: exactly one wins, the others are 409, none is a 5xx.
    const race = `arn:aws:iam::${OTHER}:role/race`;
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => create(race)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one winner');
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as Error).name, 'ResourceInUseException', 'the rest are ResourceInUseException');
  });

  it('reserved groups and usernames, the {{SessionName}} colon rule, invalid types, groups/username on node types', async () => {
    const p = `arn:aws:iam::${OTHER}:role/validate`;
    await rejectsWith(create(p, { kubernetesGroups: ['devs', 'system:masters'] }), 'InvalidParameterException', 400, 'The kubernetes group name system:masters is invalid, it cannot start with system:');
    for (const prefix of ['system:', 'eks:', 'aws:', 'amazon:', 'iam:']) {
      await rejectsWith(create(p, { username: `${prefix}me` }), 'InvalidParameterException', 400, `The username must not begin with ${prefix}`);
    }
    await rejectsWith(create(p, { username: 'john{{SessionName}}' }), 'InvalidParameterException', 400, /colon \(:\) must come before/);
    await rejectsWith(create(p, { username: 'john{{SessionNameRaw}}' }), 'InvalidParameterException', 400, /colon \(:\) must come before/);
    for (const type of ['standard', 'EC2_Linux', 'NODE', '']) {
      await rejectsWith(create(p, { type }), 'InvalidParameterException', 400, /is not a valid access entry type/);
    }
    const node = await createRole(s, 'node-validate');
    await rejectsWith(create(node, { type: 'EC2_LINUX', kubernetesGroups: ['devs'] }), 'InvalidParameterException', 400, ONLY_STANDARD);
    await rejectsWith(create(node, { type: 'FARGATE_LINUX', username: 'node:{{SessionName}}' }), 'InvalidParameterException', 400, ONLY_STANDARD);
    await rejectsWith(create(node, { type: 'EC2_LINUX', username: 'system:node:{{EC2PrivateDNSName}}' }), 'InvalidParameterException', 400, 'The username must not begin with system:');
    const list = (await eks.send(new ListAccessEntriesCommand({ clusterName: 'demo' }))).accessEntries ?? [];
    assert.ok(!list.includes(p) && !list.includes(node), 'no refused entry was written');
    const ok = await create(p, { username: ':john{{SessionName}}', kubernetesGroups: ['devs', 'eks-viewers'], tags: { team: 'a' } });
    assert.equal(ok.username, ':john{{SessionName}}', 'colon first is fine');
    assert.deepEqual(ok.tags, { team: 'a' }, 'tags');
  });

  it('UpdateAccessEntry: modifiedAt moves, createdAt and ARN stay, omitted fields are kept, type is immutable', async () => {
    const p = `arn:aws:iam::${OTHER}:role/updated`;
    const e0 = await create(p, { username: 'dev:{{SessionName}}', kubernetesGroups: ['a', 'b'], tags: { k: 'v' } });
    await sleep(5);
    const e1 = (await eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: p, kubernetesGroups: ['c'] }))).accessEntry;
    assert.deepEqual(e1?.kubernetesGroups, ['c'], 'groups replaced');
    assert.equal(e1?.username, 'dev:{{SessionName}}', 'username kept');
    assert.deepEqual(e1?.tags, { k: 'v' }, 'tags kept');
    assert.equal(e1?.createdAt?.getTime(), e0.createdAt?.getTime(), 'createdAt stays');
    assert.ok((e1?.modifiedAt?.getTime() ?? 0) > (e0.modifiedAt?.getTime() ?? 0), 'modifiedAt moves');
    assert.equal(e1?.accessEntryArn, e0.accessEntryArn, 'ARN (and UUID) stay');
    await sleep(5);
    const e2 = (await eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: p, username: 'ops:{{SessionNameRaw}}' }))).accessEntry;
    assert.equal(e2?.username, 'ops:{{SessionNameRaw}}', 'username changed');
    assert.deepEqual(e2?.kubernetesGroups, ['c'], 'groups kept');
    const e3 = (await eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: p, kubernetesGroups: [] }))).accessEntry;
    assert.deepEqual(e3?.kubernetesGroups, [], 'an empty list clears the groups');
    // UpdateAccessEntry has no type member: a type in the body changes nothing.
    const raw = await signed(s, 'POST', `/clusters/demo/access-entries/${enc(p)}`, { type: 'EC2_LINUX' });
    assert.equal(raw.status, 200, raw.text);
    assert.equal(raw.json.accessEntry.type, 'STANDARD', 'type is immutable');
    await rejectsWith(eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: p, username: 'system:me' })), 'InvalidParameterException', 400, 'The username must not begin with system:');
    await rejectsWith(eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: p, kubernetesGroups: ['system:masters'] })), 'InvalidParameterException', 400, /cannot start with system:/);
    await rejectsWith(eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: p, username: 'x{{SessionName}}' })), 'InvalidParameterException', 400, /colon/);
    const unchanged = (await eks.send(new DescribeAccessEntryCommand({ clusterName: 'demo', principalArn: p }))).accessEntry;
    assert.equal(unchanged?.username, 'ops:{{SessionNameRaw}}', 'refused updates changed nothing');
  });

  it('UpdateAccessEntry on a node entry: groups/username refused; regression: an empty group list keeps system:nodes', async () => {
    const node = await createRole(s, 'node-update');
    await create(node, { type: 'EC2_LINUX' });
    await rejectsWith(eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: node, kubernetesGroups: ['devs'] })), 'InvalidParameterException', 400, ONLY_STANDARD);
    await rejectsWith(eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: node, username: 'node:{{SessionName}}' })), 'InvalidParameterException', 400, ONLY_STANDARD);
    await rejectsWith(
      eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: node, username: 'system:node:{{EC2PrivateDNSName}}' })),
      'InvalidParameterException',
      400,
      'The username must not begin with system:',
    );
    const e = (await eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: node, kubernetesGroups: [] }))).accessEntry;
    assert.deepEqual(e?.kubernetesGroups, ['system:nodes'], 'node groups kept');
    assert.equal(e?.username, 'system:node:{{EC2PrivateDNSName}}', 'node username kept');
  });

  it('AssociateAccessPolicy: upsert keeps associatedAt and moves modifiedAt; cluster scope returns namespaces []; dev-* namespaces', async () => {
    const p = `arn:aws:iam::${OTHER}:role/assoc`;
    await create(p);
    const view = POLICY('AmazonEKSViewPolicy');
    const a1 = await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: view, accessScope: { type: 'cluster' } }));
    assert.equal(a1.clusterName, 'demo', 'clusterName');
    assert.equal(a1.principalArn, p, 'principalArn');
    assert.deepEqual(a1.associatedAccessPolicy?.accessScope, { type: 'cluster', namespaces: [] }, 'cluster scope has namespaces []');
    assert.equal(a1.associatedAccessPolicy?.associatedAt?.getTime(), a1.associatedAccessPolicy?.modifiedAt?.getTime(), 'associatedAt == modifiedAt at first');
    await sleep(5);
    const a2 = await eks.send(
      new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: view, accessScope: { type: 'namespace', namespaces: ['dev-*', 'staging'] } }),
    );
    assert.deepEqual(a2.associatedAccessPolicy?.accessScope, { type: 'namespace', namespaces: ['dev-*', 'staging'] }, 'scope replaced');
    assert.equal(a2.associatedAccessPolicy?.associatedAt?.getTime(), a1.associatedAccessPolicy?.associatedAt?.getTime(), 'associatedAt kept');
    assert.ok((a2.associatedAccessPolicy?.modifiedAt?.getTime() ?? 0) > (a1.associatedAccessPolicy?.modifiedAt?.getTime() ?? 0), 'modifiedAt moved');
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: POLICY('AmazonEKSAdminPolicy'), accessScope: { type: 'namespace', namespaces: ['team-a'] } }));
    const list = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: p }));
    assert.equal(list.clusterName, 'demo', 'clusterName');
    assert.equal(list.principalArn, p, 'principalArn');
    assert.deepEqual(
      list.associatedAccessPolicies?.map((x) => [x.policyArn, x.accessScope]),
      [
        [POLICY('AmazonEKSAdminPolicy'), { type: 'namespace', namespaces: ['team-a'] }],
        [view, { type: 'namespace', namespaces: ['dev-*', 'staging'] }],
      ],
      'one row per policy, sorted by policy ARN',
    );
    const paged = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: p, maxResults: 1 }));
    assert.equal(paged.associatedAccessPolicies?.length, 1, 'page of 1');
    const rest = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: p, maxResults: 1, nextToken: paged.nextToken }));
    assert.equal(rest.associatedAccessPolicies?.[0]?.policyArn, view, 'second page');
    assert.equal(rest.nextToken, undefined, 'no more pages');
    const filtered = await eks.send(new ListAccessEntriesCommand({ clusterName: 'demo', associatedPolicyArn: view }));
    assert.deepEqual(filtered.accessEntries, [p], 'ListAccessEntries --associated-policy-arn');
  });

  it('AssociateAccessPolicy refusals: node types (EC2 allowed), unknown policy, bad scopes, SLR-only policies', async () => {
    const p = `arn:aws:iam::${OTHER}:role/assoc-bad`;
    await create(p);
    const assoc = (principalArn: string, policyArn: string, accessScope: AccessScope) => eks.send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn, policyArn, accessScope }));
    const linux = await createRole(s, 'assoc-linux');
    await create(linux, { type: 'EC2_LINUX' });
    await rejectsWith(assoc(linux, POLICY('AmazonEKSViewPolicy'), { type: 'cluster' }), 'InvalidParameterException', 400, ONLY_STANDARD);
    const auto = await createRole(s, 'assoc-auto');
    await create(auto, { type: 'EC2' });
    const ok = await assoc(auto, POLICY('AmazonEKSAutoNodePolicy'), { type: 'cluster' });
    assert.equal(ok.associatedAccessPolicy?.policyArn, POLICY('AmazonEKSAutoNodePolicy'), 'EC2 (Auto Mode) entries take policies');
    for (const bad of [POLICY('AmazonEKSNoSuchPolicy'), 'arn:aws:iam::aws:policy/AdministratorAccess', 'AmazonEKSViewPolicy']) {
      await rejectsWith(assoc(p, bad, { type: 'cluster' }), 'InvalidParameterException', 400, /is not a valid access policy/);
    }
    await rejectsWith(assoc(p, POLICY('AmazonEKSHybridPolicy'), { type: 'cluster' }), 'InvalidParameterException', 400, /service-linked roles/);
    const scopes: [unknown, RegExp][] = [
      [{ type: 'global' }, /access scope type/],
      [{ type: 'namespace' }, /At least one namespace/],
      [{ type: 'namespace', namespaces: [] }, /At least one namespace/],
      [{ type: 'cluster', namespaces: ['a'] }, /cannot be specified when the access scope type is cluster/],
      [{ type: 'namespace', namespaces: ['Dev_1'] }, /is not valid/],
      [{ type: 'namespace', namespaces: ['*-dev'] }, /is not valid/],
      [{ type: 'namespace', namespaces: ['a', 'a'] }, /more than once/],
    ];
    for (const [scope, message] of scopes) {
      await rejectsWith(assoc(p, POLICY('AmazonEKSViewPolicy'), scope as AccessScope), 'InvalidParameterException', 400, message);
    }
    const missing = await signed(s, 'POST', `/clusters/demo/access-entries/${enc(p)}/access-policies`, { policyArn: POLICY('AmazonEKSViewPolicy') });
    assert.equal(missing.errorType, 'InvalidParameterException', missing.text);
    assert.match(missing.json.message, /accessScope is required/, 'accessScope required');
    assert.deepEqual((await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: p }))).associatedAccessPolicies, [], 'nothing associated');
  });

  it('DisassociateAccessPolicy; DeleteAccessEntry cascades its associations', async () => {
    const p = `arn:aws:iam::${OTHER}:role/cascade`;
    await create(p);
    for (const name of ['AmazonEKSViewPolicy', 'AmazonEKSEditPolicy']) {
      await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: POLICY(name), accessScope: { type: 'cluster' } }));
    }
    await eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: POLICY('AmazonEKSViewPolicy') }));
    assert.deepEqual(
      (await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: p }))).associatedAccessPolicies?.map((a) => a.policyArn),
      [POLICY('AmazonEKSEditPolicy')],
      'one left',
    );
    await rejectsWith(eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: POLICY('AmazonEKSViewPolicy') })), 'ResourceNotFoundException', 404, /is not associated/);
    await rejectsWith(eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: 'garbage' })), 'ResourceNotFoundException', 404);
    const del = await eks.send(new DeleteAccessEntryCommand({ clusterName: 'demo', principalArn: p }));
    assert.equal(del.$metadata.httpStatusCode, 200, 'DeleteAccessEntry 200 {}');
    await rejectsWith(eks.send(new DescribeAccessEntryCommand({ clusterName: 'demo', principalArn: p })), 'ResourceNotFoundException', 404, NOT_FOUND);
    assert.deepEqual((await eks.send(new ListAccessEntriesCommand({ clusterName: 'demo', associatedPolicyArn: POLICY('AmazonEKSEditPolicy') }))).accessEntries, [], 'associations gone');
    const again = await create(p);
    assert.deepEqual((await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: p }))).associatedAccessPolicies, [], 'a recreated entry starts clean');
    assert.doesNotMatch(again.accessEntryArn ?? '', /^$/, 'new ARN');
  });

  it('unknown entry: 404 ResourceNotFoundException with EKS wording on every entry operation', async () => {
    const p = `arn:aws:iam::${OTHER}:role/never-created`;
    const calls: [string, () => Promise<unknown>][] = [
      ['DescribeAccessEntry', () => eks.send(new DescribeAccessEntryCommand({ clusterName: 'demo', principalArn: p }))],
      ['UpdateAccessEntry', () => eks.send(new UpdateAccessEntryCommand({ clusterName: 'demo', principalArn: p, username: 'x' }))],
      ['DeleteAccessEntry', () => eks.send(new DeleteAccessEntryCommand({ clusterName: 'demo', principalArn: p }))],
      ['AssociateAccessPolicy', () => eks.send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } }))],
      ['DisassociateAccessPolicy', () => eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'demo', principalArn: p, policyArn: POLICY('AmazonEKSViewPolicy') }))],
      ['ListAssociatedAccessPolicies', () => eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'demo', principalArn: p }))],
    ];
    for (const [op, call] of calls) assert.ok(await rejectsWith(call(), 'ResourceNotFoundException', 404, NOT_FOUND), op);
  });

  it('the CONFIG_MAP gate: every access-entry operation is InvalidRequestException on a CONFIG_MAP cluster', async () => {
    const p = `arn:aws:iam::${OTHER}:role/gated`;
    const calls: [string, () => Promise<unknown>][] = [
      ['CreateAccessEntry', () => eks.send(new CreateAccessEntryCommand({ clusterName: 'legacy', principalArn: p }))],
      ['DescribeAccessEntry', () => eks.send(new DescribeAccessEntryCommand({ clusterName: 'legacy', principalArn: p }))],
      ['ListAccessEntries', () => eks.send(new ListAccessEntriesCommand({ clusterName: 'legacy' }))],
      ['UpdateAccessEntry', () => eks.send(new UpdateAccessEntryCommand({ clusterName: 'legacy', principalArn: p, username: 'x' }))],
      ['DeleteAccessEntry', () => eks.send(new DeleteAccessEntryCommand({ clusterName: 'legacy', principalArn: p }))],
      ['AssociateAccessPolicy', () => eks.send(new AssociateAccessPolicyCommand({ clusterName: 'legacy', principalArn: p, policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } }))],
      ['DisassociateAccessPolicy', () => eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'legacy', principalArn: p, policyArn: POLICY('AmazonEKSViewPolicy') }))],
      ['ListAssociatedAccessPolicies', () => eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'legacy', principalArn: p }))],
    ];
    for (const [op, call] of calls) assert.ok(await rejectsWith(call(), 'InvalidRequestException', 400, MODE_GATE), op);
    // Even an invalid request meets the gate first.
    const raw = await signed(s, 'POST', '/clusters/legacy/access-entries', {});
    assert.equal(raw.errorType, 'InvalidRequestException', raw.text);
  });

  it('ListAccessPolicies: the full catalogue, sorted, with cluster-access-policy ARNs; pages agree', async () => {
    const all = (await eks.send(new ListAccessPoliciesCommand({}))).accessPolicies ?? [];
    const want = listAccessPolicies();
    assert.equal(all.length, want.length, 'every policy');
    assert.ok(all.length >= 30, 'the catalogue is not trivially small');
    assert.deepEqual(all, want, 'names and ARNs as the catalogue');
    const names = all.map((p) => p.name ?? '');
    assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'sorted by name');
    for (const p of all) assert.equal(p.arn, `arn:aws:eks::aws:cluster-access-policy/${p.name}`, 'ARN format');
    for (const n of ['AmazonEKSClusterAdminPolicy', 'AmazonEKSAdminPolicy', 'AmazonEKSEditPolicy', 'AmazonEKSViewPolicy', 'AmazonEKSAutoNodePolicy']) {
      assert.ok(names.includes(n), `${n} listed`);
    }
    const paged: AccessPolicy[] = [];
    for await (const page of paginateListAccessPolicies({ client: eks, pageSize: 7 }, {})) {
      assert.ok((page.accessPolicies ?? []).length <= 7, 'page size');
      paged.push(...(page.accessPolicies ?? []));
    }
    assert.deepEqual(paged, all, 'pages add up to the list');
  });
});
