import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessEntryRecord, AssociationRecord } from '../model/types.js';
import { parseAwsAuth } from './aws-auth.js';
import type { AwsAuthLists } from './aws-auth.js';
import { createMappingView, mapIdentity } from './identity.js';
import type { Identity } from './identity.js';
import { formatMigrationPlan, modeTransitions, planAwsAuthMigration, viewAfterMigration } from './migrate.js';
import type { MigrationInput, MigrationPlan, PlanItem, ResolvePrincipal } from './migrate.js';

const ACCT = '111122223333';
const ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const SSO_ADMIN = 'AWSReservedSSO_Admin_0123456789abcdef';
const SSO_RO = 'AWSReservedSSO_ReadOnly_fedcba9876543210';

function parse(yaml: string): AwsAuthLists {
  const r = parseAwsAuth(yaml);
  if (!r.ok) assert.fail(r.error.message);
  return r;
}

// A typical eksctl-era cluster: Linux/Windows/Fargate/hybrid nodes, SSO roles, CI, custom groups.
const TYPICAL = parse(`data:
  mapRoles: |
    - rolearn: arn:aws:iam::${ACCT}:role/ng-linux-NodeInstanceRole
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:bootstrappers, system:nodes]
    - rolearn: arn:aws:iam::${ACCT}:role/ng-windows-NodeInstanceRole
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:bootstrappers, system:nodes, eks:kube-proxy-windows]
    - rolearn: arn:aws:iam::${ACCT}:role/FargatePodExecutionRole
      username: system:node:{{SessionName}}
      groups: [system:bootstrappers, system:nodes, system:node-proxier]
    - rolearn: arn:aws:iam::${ACCT}:role/hybrid-nodes
      username: system:node:{{SessionName}}
      groups: [system:bootstrappers, system:nodes]
    - rolearn: arn:aws:iam::${ACCT}:role/${SSO_ADMIN}
      username: admin:{{SessionName}}
      groups: [system:masters]
    - rolearn: arn:aws:iam::${ACCT}:role/${SSO_RO}
      username: "{{SessionName}}"
      groups: [readers]
    - rolearn: arn:aws:iam::${ACCT}:role/ci
      username: ci:{{SessionName}}
      groups: [deployers, system:masters]
    - rolearn: arn:aws:iam::${ACCT}:role/monitoring
      username: monitoring
      groups: [system:monitoring, viewers]
  mapUsers: |
    - userarn: arn:aws:iam::${ACCT}:user/alice
      username: alice
      groups: [devs]
    - userarn: arn:aws:iam::444455556666:user/bob
      username: bob
      groups: [system:masters]
  mapAccounts: |
    - "777788889999"
`);

const plan = (over: Partial<MigrationInput> & { awsAuth: AwsAuthLists }): MigrationPlan =>
  planAwsAuthMigration({ entries: [], associations: [], clusterAccountId: ACCT, currentMode: 'CONFIG_MAP', target: 'API', ...over });
const byArn = (p: MigrationPlan, fragment: string): PlanItem => {
  const item = p.items.find((i) => i.mapping.arn.endsWith(fragment));
  assert.ok(item, `no item for ${fragment}`);
  return item;
};
const codes = (item: PlanItem) => item.problems.map((p) => `${p.severity}:${p.code}`);

describe('planAwsAuthMigration: a typical cluster', () => {
  const p = plan({ awsAuth: TYPICAL });

  const expected: Array<[string, string, string | undefined, string, string[], string[]]> = [
    // arn suffix, status, type, effective username, groups, policies
    ['role/ng-linux-NodeInstanceRole', 'create', 'EC2_LINUX', 'system:node:{{EC2PrivateDNSName}}', [], []],
    ['role/ng-windows-NodeInstanceRole', 'create', 'EC2_WINDOWS', 'system:node:{{EC2PrivateDNSName}}', [], []],
    ['role/FargatePodExecutionRole', 'create', 'FARGATE_LINUX', 'system:node:{{SessionName}}', [], []],
    ['role/hybrid-nodes', 'create', 'HYBRID_LINUX', 'system:node:{{SessionName}}', [], []],
    [`role/${SSO_ADMIN}`, 'create', 'STANDARD', 'admin:{{SessionName}}', [], [ADMIN_POLICY]],
    [`role/${SSO_RO}`, 'cannot_migrate', undefined, '', [], []],
    ['role/ci', 'create', 'STANDARD', 'ci:{{SessionName}}', ['deployers'], [ADMIN_POLICY]],
    ['role/monitoring', 'cannot_migrate', undefined, '', [], []],
    ['user/alice', 'create', 'STANDARD', 'alice', ['devs'], []],
    ['user/bob', 'create', 'STANDARD', 'bob', [], [ADMIN_POLICY]],
  ];
  for (const [arn, status, type, username, groups, policies] of expected) {
    it(`${arn} → ${status}${type ? ` ${type}` : ''}`, () => {
      const item = byArn(p, arn);
      assert.equal(item.status, status, JSON.stringify(item.problems));
      if (!type) return assert.equal(item.entry, undefined);
      assert.equal(item.entry?.type, type);
      assert.equal(item.entry?.effectiveUsername, username);
      assert.deepEqual(item.entry?.kubernetesGroups, groups);
      assert.deepEqual(item.entry?.accessPolicies.map((x) => x.policyArn), policies);
      for (const pol of item.entry?.accessPolicies ?? []) assert.deepEqual(pol.accessScope, { type: 'cluster', namespaces: [] });
      // Node entries send no username (EKS sets it); STANDARD ones keep the row's.
      assert.equal(item.entry?.username, type === 'STANDARD' ? username : undefined);
    });
  }

  it('explains what cannot move', () => {
    assert.ok(codes(byArn(p, SSO_RO)).includes('blocker:username_refused'));
    assert.match(byArn(p, SSO_RO).problems.find((x) => x.code === 'username_refused')!.message, /colon/);
    assert.ok(codes(byArn(p, 'role/monitoring')).includes('blocker:reserved_group'));
    assert.match(byArn(p, 'role/monitoring').problems.find((x) => x.code === 'reserved_group')!.message, /system:monitoring/);
  });

  it('flags the SSO role path it cannot know, naming the aws-reserved path', () => {
    const w = byArn(p, SSO_ADMIN).problems.find((x) => x.code === 'role_path_unknown');
    assert.equal(w?.severity, 'warning');
    assert.match(w!.message, /aws-reserved\/sso\.amazonaws\.com\/<region>\/AWSReservedSSO_Admin_0123456789abcdef/);
    assert.ok(codes(byArn(p, 'role/ci')).includes('warning:role_path_unknown'));
    assert.ok(codes(byArn(p, 'role/ci')).includes('info:system_masters'));
  });

  it('is blocked for API by the unmovable rows and mapAccounts', () => {
    assert.equal(p.blocked, true);
    assert.equal(p.blockers.length, 3);
    assert.match(p.blockers.join('\n'), new RegExp(`mapRoles\\[5\\].*${SSO_RO}`));
    assert.match(p.blockers.join('\n'), /mapRoles\[7\].*monitoring/);
    assert.match(p.blockers.join('\n'), /777788889999/);
    assert.deepEqual(p.transitions, ['API_AND_CONFIG_MAP', 'API']);
    assert.deepEqual(p.summary, { create: 8, exists_identical: 0, exists_different: 0, cannot_migrate: 2, not_needed: 0 });
  });

  it('is not blocked for API_AND_CONFIG_MAP: what cannot move keeps working from aws-auth', () => {
    const q = plan({ awsAuth: TYPICAL, target: 'API_AND_CONFIG_MAP' });
    assert.equal(q.blocked, false);
    assert.deepEqual(q.transitions, ['API_AND_CONFIG_MAP']);
    assert.equal(q.accounts[0]?.problem.severity, 'warning');
    assert.equal(byArn(q, 'role/monitoring').status, 'cannot_migrate');
  });

  it('uses the real ARN (with path) and unique ID from resolvePrincipal', () => {
    const resolve: ResolvePrincipal = (arn, kind) => {
      if (arn.endsWith(SSO_ADMIN)) return { arn: `arn:aws:iam::${ACCT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/${SSO_ADMIN}`, principalId: 'AROASSO' };
      if (arn.endsWith('role/ci')) return { arn: `arn:aws:iam::${ACCT}:role/pipelines/ci`, principalId: 'AROACI' };
      if (arn.includes('444455556666')) return undefined; // not Entryway's account
      return { arn, principalId: kind === 'user' ? 'AIDAX' : 'AROAX' };
    };
    const q = plan({ awsAuth: TYPICAL, resolvePrincipal: resolve });
    const item = byArn(q, SSO_ADMIN);
    assert.equal(item.entry?.principalArn, `arn:aws:iam::${ACCT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/${SSO_ADMIN}`);
    assert.equal(item.entry?.principalId, 'AROASSO');
    assert.deepEqual(codes(item), ['info:role_path_resolved', 'info:system_masters']);
    assert.equal(byArn(q, 'role/ci').entry?.principalArn, `arn:aws:iam::${ACCT}:role/pipelines/ci`);
    assert.equal(byArn(q, 'user/bob').entry?.principalId, null);
  });

  it('renders human-readable text', () => {
    const text = formatMigrationPlan(p);
    assert.match(text, /CONFIG_MAP → API \(mode updates: API_AND_CONFIG_MAP → API\)/);
    assert.match(text, /BLOCKED:/);
    assert.match(text, /mapRoles\[0\] arn:aws:iam::111122223333:role\/ng-linux-NodeInstanceRole: create/);
    assert.match(text, /type=EC2_WINDOWS/);
    assert.match(text, /mapAccounts 777788889999: blocker/);
  });

  it('is plain JSON', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });
});

describe('planAwsAuthMigration: awkward rows', () => {
  const AWKWARD = parse(`data:
  mapRoles: |
    - rolearn: arn:aws:iam::${ACCT}:role/dup
      username: old
      groups: [a]
    - rolearn: arn:aws:iam::${ACCT}:role/team/pathed
      username: pathed
    - rolearn: arn:aws:sts::${ACCT}:assumed-role/dev/alice
      username: session
    - rolearn: arn:aws:iam::${ACCT}:role/AWSServiceRoleForAmazonEMRContainers
      username: emr-containers
    - rolearn: arn:aws:iam::${ACCT}:role/custom-node
      username: node-{{SessionName}}
      groups: [system:bootstrappers, system:nodes]
    - rolearn: arn:aws:iam::${ACCT}:role/extra-node
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:bootstrappers, system:nodes, gpu-operators]
    - rolearn: arn:aws:iam::${ACCT}:role/old-node
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:nodes]
    - rolearn: arn:aws:iam::999988887777:role/foreign-node
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:bootstrappers, system:nodes]
    - rolearn: arn:aws:iam::${ACCT}:role/builder
      username: builder-{{EC2PrivateDNSName}}
      groups: [builders]
    - rolearn: arn:aws:iam::${ACCT}:role/nameless
      groups: [viewers, system:authenticated]
    - rolearn: arn:aws:iam::${ACCT}:role/dup
      username: new
      groups: [b]
    - rolearn: arn:aws:iam::${ACCT}:role/gone
      username: gone
    - rolearn: arn:aws:iam::${ACCT}:role/same
      username: same
      groups: [g]
    - rolearn: arn:aws:iam::${ACCT}:role/changed
      username: changed
      groups: [g]
    - rolearn: arn:aws:iam::${ACCT}:role/platform/creator
      username: creator-row
    - rolearn: arn:aws:iam::${ACCT}:role/creator
      username: creator-row
    - rolearn: arn:aws:iam::${ACCT}:role/acct
      username: acct-{{AccountID}}
  mapUsers: |
    - userarn: arn:aws:iam::${ACCT}:user/kubelet
      username: system:node:kubelet
      groups: [system:nodes]
    - userarn: arn:aws:iam::${ACCT}:root
      username: root
      groups: [system:masters]
    - userarn: arn:aws:sts::${ACCT}:federated-user/bob
      username: bob
    - userarn: arn:aws:iam::${ACCT}:role/dup
      username: in-map-users
`);
  const entry = (principalArn: string, over: Partial<AccessEntryRecord>): AccessEntryRecord => ({
    clusterName: 'c',
    principalArn,
    principalId: null,
    type: 'STANDARD',
    username: principalArn,
    kubernetesGroups: [],
    tags: {},
    createdAt: 0,
    modifiedAt: 0,
    uuid: 'u',
    accessEntryArn: 'a',
    ...over,
  });
  const entries = [entry(`arn:aws:iam::${ACCT}:role/same`, { username: 'same', kubernetesGroups: ['g'] }), entry(`arn:aws:iam::${ACCT}:role/changed`, { username: 'other', kubernetesGroups: ['g', 'h'] })];
  const associations: AssociationRecord[] = [
    { clusterName: 'c', principalArn: `arn:aws:iam::${ACCT}:role/changed`, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', scope: { type: 'namespace', namespaces: ['b', 'a'] }, associatedAt: 0, modifiedAt: 0 },
  ];
  const resolve: ResolvePrincipal = (arn) => (arn.endsWith('role/gone') ? null : undefined);
  const p = plan({
    awsAuth: AWKWARD,
    entries,
    associations,
    currentMode: 'API_AND_CONFIG_MAP',
    resolvePrincipal: resolve,
    creator: { principalId: 'AROACREATOR', principalArn: `arn:aws:iam::${ACCT}:role/platform/creator` },
    hiddenCreatorAdmin: true,
  });
  const at = (id: string) => {
    const item = p.items.find((i) => i.id === id);
    assert.ok(item, id);
    return item;
  };

  const cases: Array<[string, string, string[]]> = [
    ['mapRoles[0]', 'not_needed', ['info:shadowed']],
    ['mapRoles[1]', 'not_needed', ['warning:dead_row']],
    ['mapRoles[2]', 'not_needed', ['warning:dead_row']],
    ['mapRoles[3]', 'cannot_migrate', ['blocker:service_linked_role']],
    ['mapRoles[4]', 'cannot_migrate', ['warning:role_path_unknown', 'blocker:node_username_differs']],
    ['mapRoles[5]', 'cannot_migrate', ['warning:role_path_unknown', 'blocker:node_groups_lost']],
    ['mapRoles[6]', 'create', ['warning:role_path_unknown', 'warning:node_groups_added']],
    ['mapRoles[7]', 'cannot_migrate', ['warning:role_path_unknown', 'blocker:principal_refused']],
    ['mapRoles[8]', 'cannot_migrate', ['warning:role_path_unknown', 'blocker:template_not_allowed']],
    ['mapRoles[9]', 'create', ['warning:role_path_unknown', 'info:system_authenticated', 'warning:empty_username']],
    ['mapRoles[10]', 'create', ['warning:role_path_unknown']],
    ['mapRoles[11]', 'not_needed', ['warning:principal_not_found']],
    ['mapRoles[12]', 'exists_identical', ['warning:role_path_unknown']],
    ['mapRoles[13]', 'exists_different', ['warning:role_path_unknown']],
    ['mapRoles[14]', 'not_needed', ['warning:dead_row']],
    ['mapRoles[15]', 'create', ['warning:role_path_unknown']],
    ['mapRoles[16]', 'create', ['warning:role_path_unknown', 'warning:template_unconfirmed']],
    ['mapUsers[0]', 'cannot_migrate', ['blocker:node_row_not_role']],
    ['mapUsers[1]', 'cannot_migrate', ['blocker:principal_refused']],
    ['mapUsers[2]', 'cannot_migrate', ['blocker:principal_refused']],
    ['mapUsers[3]', 'not_needed', ['info:shadowed']],
  ];
  for (const [id, status, problems] of cases) {
    it(`${id} → ${status} ${problems.join(' ')}`, () => {
      const item = at(id);
      assert.equal(item.status, status, JSON.stringify(item.problems));
      assert.deepEqual(codes(item), problems);
    });
  }

  it('keeps the last duplicate (the row callers actually get)', () => {
    assert.equal(at('mapRoles[10]').entry?.effectiveUsername, 'new');
    assert.deepEqual(at('mapRoles[10]').entry?.kubernetesGroups, ['b']);
  });

  it('gives a nameless row the default username and marks it non-equivalent', () => {
    const item = at('mapRoles[9]');
    assert.equal(item.entry?.username, undefined);
    assert.equal(item.entry?.effectiveUsername, `arn:aws:sts::${ACCT}:assumed-role/nameless/{{SessionName}}`);
    assert.deepEqual(item.entry?.kubernetesGroups, ['viewers']);
    assert.equal(item.equivalent, false);
  });

  it('lists how an existing entry differs', () => {
    const d = at('mapRoles[13]').differences;
    assert.deepEqual(d, ['username is other, the row has changed.', 'the entry has extra groups h.', 'the entry has extra access policies arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy (namespace: a,b).']);
    assert.deepEqual(at('mapRoles[12]').differences, []);
  });

  it('the creator row is superseded by the entry the mode change creates, but only out of CONFIG_MAP', () => {
    assert.equal(p.creatorEntry, undefined); // already API_AND_CONFIG_MAP: EKS created it back then
    const q = plan({ awsAuth: AWKWARD, currentMode: 'CONFIG_MAP', creator: { principalId: 'AROACREATOR', principalArn: `arn:aws:iam::${ACCT}:role/platform/creator` }, hiddenCreatorAdmin: true });
    assert.deepEqual(q.creatorEntry, {
      principalArn: `arn:aws:iam::${ACCT}:role/platform/creator`,
      principalId: 'AROACREATOR',
      type: 'STANDARD',
      effectiveUsername: `arn:aws:sts::${ACCT}:assumed-role/creator/{{SessionName}}`,
      kubernetesGroups: [],
      accessPolicies: [{ policyArn: ADMIN_POLICY, accessScope: { type: 'cluster', namespaces: [] } }],
    });
    const item = q.items.find((i) => i.id === 'mapRoles[15]')!;
    assert.equal(item.status, 'not_needed');
    assert.ok(codes(item).includes('info:superseded_by_creator'));
  });

  it('blocks API for rows that map callers today, not for dead or shadowed ones', () => {
    assert.equal(p.blocked, true);
    const blocked = p.blockers.map((b) => b.split(' ')[0]);
    assert.deepEqual(blocked, ['mapRoles[3]', 'mapRoles[4]', 'mapRoles[5]', 'mapRoles[7]', 'mapRoles[8]', 'mapUsers[0]', 'mapUsers[1]', 'mapUsers[2]']);
  });
});

describe('mode transitions', () => {
  it('moves one step at a time and never back', () => {
    assert.deepEqual(modeTransitions('CONFIG_MAP', 'API'), ['API_AND_CONFIG_MAP', 'API']);
    assert.deepEqual(modeTransitions('CONFIG_MAP', 'API_AND_CONFIG_MAP'), ['API_AND_CONFIG_MAP']);
    assert.deepEqual(modeTransitions('API_AND_CONFIG_MAP', 'API'), ['API']);
    assert.deepEqual(modeTransitions('API', 'API'), []);
    assert.equal(modeTransitions('API', 'API_AND_CONFIG_MAP'), undefined);
    const p = plan({ awsAuth: { mapRoles: [], mapUsers: [], mapAccounts: [] }, currentMode: 'API', target: 'API_AND_CONFIG_MAP' });
    assert.equal(p.blocked, true);
    assert.match(p.blockers[0]!, /cannot change from API to API_AND_CONFIG_MAP/);
  });
});

describe('viewAfterMigration', () => {
  const dns = (id: string) => (id === 'i-0c6f21bf1f24f9708' ? 'ip-172-31-27-14' : undefined);
  const who = (arn: string, id: string, sessionName: string): Identity => {
    const [, , , , account, resource] = arn.split(':') as string[];
    const name = resource!.split('/').pop()!;
    const isUser = resource!.startsWith('user/');
    return {
      arn: isUser ? arn : `arn:aws:sts::${account}:assumed-role/${name}/${sessionName}`,
      canonicalArn: arn,
      accountId: account!,
      userId: id,
      sessionName: isUser ? '' : sessionName,
      accessKeyId: 'AKIA',
      stsEndpoint: 'sts.amazonaws.com',
    };
  };

  it('authenticates every migrated principal as before (system:masters aside), in API mode', () => {
    const p = plan({ awsAuth: TYPICAL, target: 'API' });
    const before = createMappingView({ mode: 'CONFIG_MAP', awsAuth: TYPICAL });
    const { view, entries, associations } = viewAfterMigration(p, { entries: [], associations: [], awsAuth: TYPICAL }, { clusterName: 'c', now: 5 });
    assert.equal(entries.length, 8);
    assert.equal(associations.length, 3);
    assert.ok(associations.every((a) => a.policyArn === ADMIN_POLICY && a.associatedAt === 5));
    for (const item of p.items.filter((i) => i.status === 'create')) {
      const id = who(item.mapping.arn, `ID-${item.index}`, 'i-0c6f21bf1f24f9708');
      const a = mapIdentity(id, before, { lookupPrivateDnsName: dns });
      const b = mapIdentity(id, view, { lookupPrivateDnsName: dns });
      assert.ok(a.ok && b.ok, `${item.id}: ${JSON.stringify([a, b])}`);
      assert.equal(b.source.kind, 'access_entry');
      assert.equal(b.user.username, a.user.username, item.id);
      assert.deepEqual(b.user.groups, a.user.groups.filter((g) => g !== 'system:masters'), item.id);
    }
    // What could not move is gone in API mode (that is what blocked means).
    const ro = who(`arn:aws:iam::${ACCT}:role/${SSO_RO}`, 'AROARO', 'carol');
    assert.equal(mapIdentity(ro, before).ok, true);
    assert.equal(mapIdentity(ro, view).ok, false);
  });

  it('keeps aws-auth in API_AND_CONFIG_MAP and adds the creator entry when leaving CONFIG_MAP', () => {
    const creator = { principalId: 'AROACREATOR', principalArn: `arn:aws:iam::${ACCT}:role/platform/creator` };
    const p = plan({ awsAuth: TYPICAL, target: 'API_AND_CONFIG_MAP', creator, hiddenCreatorAdmin: true });
    const { view, associations } = viewAfterMigration(p, { entries: [], associations: [], awsAuth: TYPICAL }, { clusterName: 'c', now: 0 });
    const ro = who(`arn:aws:iam::${ACCT}:role/${SSO_RO}`, 'AROARO', 'carol');
    const r = mapIdentity(ro, view);
    assert.ok(r.ok && r.source.kind === 'aws_auth');
    const c = mapIdentity({ ...who(`arn:aws:iam::${ACCT}:role/creator`, 'AROACREATOR', 'me') }, view);
    assert.ok(c.ok && c.source.kind === 'access_entry');
    assert.equal(c.user.username, `arn:aws:sts::${ACCT}:assumed-role/creator/me`);
    assert.ok(associations.some((a) => a.principalArn === creator.principalArn && a.policyArn === ADMIN_POLICY));
    // Before: the hidden grant, same username.
    const before = createMappingView({ mode: 'CONFIG_MAP', awsAuth: TYPICAL, creator, hiddenCreatorAdmin: true });
    const cb = mapIdentity(who(`arn:aws:iam::${ACCT}:role/creator`, 'AROACREATOR', 'me'), before);
    assert.ok(cb.ok && cb.user.username === c.user.username);
  });
});
