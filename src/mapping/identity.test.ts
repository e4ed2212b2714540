import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AccessEntryRecord, AccessEntryType, AwsAuthMapping } from '../model/types.js';
import { parseAwsAuth } from './aws-auth.js';
import type { AwsAuthLists } from './aws-auth.js';
import {
  AwsAuthIndex,
  EntryIndex,
  createMappingView,
  entryLookupKeys,
  identityLookupKeys,
  lookupAwsAuth,
  mapIdentity,
  matchEntry,
  principalArnKey,
} from './identity.js';
import type { Identity, MapResult, MappingView } from './identity.js';
import { EKS_EXAMPLE } from './testdata/aws-auth.js';

const ACCT = '111122223333';

function user(name: string, userId: string, path = '/'): Identity {
  const arn = `arn:aws:iam::${ACCT}:user${path}${name}`;
  return { arn, canonicalArn: arn, accountId: ACCT, userId, sessionName: '', accessKeyId: 'AKIAEXAMPLE', stsEndpoint: 'sts.amazonaws.com' };
}
function session(role: string, roleId: string, sessionName: string, account = ACCT): Identity {
  return {
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${sessionName}`,
    canonicalArn: `arn:aws:iam::${account}:role/${role}`,
    accountId: account,
    userId: roleId,
    sessionName,
    accessKeyId: 'ASIAEXAMPLE',
    stsEndpoint: 'sts.eu-west-1.amazonaws.com',
  };
}
let uuid = 0;
function entry(principalArn: string, principalId: string | null, over: Partial<AccessEntryRecord> = {}): AccessEntryRecord {
  return {
    clusterName: 'c',
    principalArn,
    principalId,
    type: 'STANDARD',
    username: principalArn,
    kubernetesGroups: [],
    tags: {},
    createdAt: 0,
    modifiedAt: 0,
    uuid: String(++uuid),
    accessEntryArn: `arn:aws:eks:eu-west-1:${ACCT}:access-entry/c/x/${uuid}`,
    ...over,
  };
}
const row = (kind: 'role' | 'user', arn: string, username: string, groups: string[] = []): AwsAuthMapping => ({ kind, arn, username, groups });
const lists = (l: Partial<AwsAuthLists>): AwsAuthLists => ({ mapRoles: [], mapUsers: [], mapAccounts: [], ...l });

const alice = user('alice', 'AIDAALICE');
const dev = session('dev', 'AROADEV', 'jdoe@example.com');
const deployer = session('deployer', 'AROADEPLOYER', 'ci-run-42');
const SSO_NAME = 'AWSReservedSSO_Admin_0123456789abcdef';
const sso = session(SSO_NAME, 'AROASSO', 'alice@corp.com');
const node = session('node-role', 'AROANODE', 'i-0c6f21bf1f24f9708');
const dns = (id: string) => ({ 'i-0c6f21bf1f24f9708': 'ip-172-31-27-14' })[id];

function okUser(r: MapResult) {
  if (!r.ok) assert.fail(`expected a mapping, got ${r.code}: ${r.reason}`);
  return r;
}
function denied(r: MapResult, code: string) {
  if (r.ok) assert.fail(`expected ${code}, got ${r.user.username}`);
  assert.equal(r.code, code, r.reason);
  return r;
}

describe('mapIdentity: TokenReview user', () => {
  it('an IAM user with a default-username entry: exact uid and extra', () => {
    const view = createMappingView({ mode: 'API', entries: [entry(alice.arn, 'AIDAALICE')] });
    const r = okUser(mapIdentity(alice, view));
    assert.deepEqual(r.user, {
      username: 'arn:aws:iam::111122223333:user/alice',
      uid: 'aws-iam-authenticator:111122223333:AIDAALICE',
      groups: [],
      extra: {
        arn: ['arn:aws:iam::111122223333:user/alice'],
        canonicalArn: ['arn:aws:iam::111122223333:user/alice'],
        sessionName: [''],
        accessKeyId: ['AKIAEXAMPLE'],
        principalId: ['AIDAALICE'],
        'sigs.k8s.io/aws-iam-authenticator/principalId': ['AIDAALICE'],
      },
    });
    assert.equal(r.source.kind, 'access_entry');
    assert.deepEqual(r.notes, []);
  });

  it('an assumed role: username renders {{SessionName}} with @ → -, extra keeps the raw session', () => {
    const e = entry(`arn:aws:iam::${ACCT}:role/dev`, 'AROADEV', { username: `arn:aws:sts::${ACCT}:assumed-role/dev/{{SessionName}}`, kubernetesGroups: ['devs', 'team-{{AccountID}}'] });
    const r = okUser(mapIdentity(dev, createMappingView({ mode: 'API', entries: [e] })));
    assert.equal(r.user.username, 'arn:aws:sts::111122223333:assumed-role/dev/jdoe-example.com');
    assert.deepEqual(r.user.groups, ['devs', 'team-111122223333']);
    assert.equal(r.user.uid, 'aws-iam-authenticator:111122223333:AROADEV');
    assert.deepEqual(r.user.extra.arn, ['arn:aws:sts::111122223333:assumed-role/dev/jdoe@example.com']);
    assert.deepEqual(r.user.extra.canonicalArn, ['arn:aws:iam::111122223333:role/dev']);
    assert.deepEqual(r.user.extra.sessionName, ['jdoe@example.com']);
    assert.deepEqual(Object.keys(r.user.extra), ['arn', 'canonicalArn', 'sessionName', 'accessKeyId', 'principalId', 'sigs.k8s.io/aws-iam-authenticator/principalId']);
  });

  it('a role with a path matches its entry (by unique ID, or by ARN when no ID was captured)', () => {
    const arn = `arn:aws:iam::${ACCT}:role/team/a/deployer`;
    for (const id of ['AROADEPLOYER', null]) {
      const r = okUser(mapIdentity(deployer, createMappingView({ mode: 'API', entries: [entry(arn, id, { username: 'deployer:{{SessionName}}' })] })));
      assert.equal(r.user.username, 'deployer:ci-run-42');
    }
  });

  it('an IAM Identity Center role with its aws-reserved/sso.amazonaws.com/<region>/ path', () => {
    const arn = `arn:aws:iam::${ACCT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/${SSO_NAME}`;
    const e = entry(arn, 'AROASSO', { username: `arn:aws:sts::${ACCT}:assumed-role/${SSO_NAME}/{{SessionName}}` });
    const r = okUser(mapIdentity(sso, createMappingView({ mode: 'API_AND_CONFIG_MAP', entries: [e] })));
    assert.equal(r.user.username, `arn:aws:sts::${ACCT}:assumed-role/${SSO_NAME}/alice-corp.com`);
  });

  it('an EC2_LINUX entry: system:node:<private DNS name> via the lookup, node groups', () => {
    const e = entry(`arn:aws:iam::${ACCT}:role/node-role`, 'AROANODE', { type: 'EC2_LINUX', username: 'system:node:{{EC2PrivateDNSName}}', kubernetesGroups: ['system:nodes'] });
    const view = createMappingView({ mode: 'API', entries: [e] });
    const r = okUser(mapIdentity(node, view, { lookupPrivateDnsName: dns }));
    assert.equal(r.user.username, 'system:node:ip-172-31-27-14');
    assert.deepEqual(r.user.groups, ['system:bootstrappers', 'system:nodes']);
    assert.deepEqual(r.user.extra.sessionName, ['i-0c6f21bf1f24f9708']);

    const notInstance = session('node-role', 'AROANODE', 'not-an-instance');
    const f = denied(mapIdentity(notInstance, view, { lookupPrivateDnsName: dns }), 'template_error');
    assert.equal(f.reason, 'SessionName did not contain an instance id');
    const unknown = session('node-role', 'AROANODE', 'i-1234567890abcdef0');
    assert.equal(denied(mapIdentity(unknown, view, { lookupPrivateDnsName: dns }), 'template_error').reason, 'failed to find node i-1234567890abcdef0');
    assert.equal(denied(mapIdentity(node, view), 'template_error').reason, 'failed to find node i-0c6f21bf1f24f9708');
  });

  const nodeTypes: Array<[AccessEntryType, string, string[]]> = [
    ['EC2_LINUX', 'system:node:ip-172-31-27-14', ['system:bootstrappers', 'system:nodes']],
    ['EC2_WINDOWS', 'system:node:ip-172-31-27-14', ['system:bootstrappers', 'system:nodes', 'eks:kube-proxy-windows']],
    ['FARGATE_LINUX', 'system:node:i-0c6f21bf1f24f9708', ['system:bootstrappers', 'system:nodes', 'system:node-proxier']],
    ['HYBRID_LINUX', 'system:node:i-0c6f21bf1f24f9708', ['system:bootstrappers', 'system:nodes']],
    ['EC2', 'system:node:i-0c6f21bf1f24f9708', ['system:nodes']],
    ['HYPERPOD_LINUX', 'system:node:i-0c6f21bf1f24f9708', ['system:bootstrappers', 'system:nodes']],
  ];
  for (const [type, username, groups] of nodeTypes) {
    it(`node type ${type} → ${username} ${groups.join(',')} (stored username/groups ignored)`, () => {
      const e = entry(`arn:aws:iam::${ACCT}:role/node-role`, 'AROANODE', { type, username: 'ignored', kubernetesGroups: ['ignored'] });
      const r = okUser(mapIdentity(node, createMappingView({ mode: 'API', entries: [e] }), { lookupPrivateDnsName: dns }));
      assert.equal(r.user.username, username);
      assert.deepEqual(r.user.groups, groups);
    });
  }

  it('a STANDARD entry whose rendered username is reserved is denied', () => {
    const e = entry(alice.arn, 'AIDAALICE', { username: 'system:admin' });
    const r = denied(mapIdentity(alice, createMappingView({ mode: 'API', entries: [e] })), 'reserved_username');
    assert.match(r.reason, /^invalid username 'system:admin' for mapper DynamicFile: username must not begin with the following prefixes/);
    // A custom list can relax it.
    okUser(mapIdentity(alice, createMappingView({ mode: 'API', entries: [e] }), { reservedPrefixes: [] }));
  });

  it('a failing entry denies without falling through to aws-auth (upstream doMapping)', () => {
    const e = entry(alice.arn, 'AIDAALICE', { username: 'eks:x' });
    const view = createMappingView({ mode: 'API_AND_CONFIG_MAP', entries: [e], awsAuth: lists({ mapUsers: [row('user', alice.arn, 'alice')] }) });
    denied(mapIdentity(alice, view), 'reserved_username');
    const n = entry(`arn:aws:iam::${ACCT}:role/dev`, 'AROADEV', { username: '{{EC2PrivateDNSName}}:x' });
    const view2 = createMappingView({ mode: 'API_AND_CONFIG_MAP', entries: [n], awsAuth: lists({ mapRoles: [row('role', dev.canonicalArn, 'dev')] }) });
    denied(mapIdentity(dev, view2), 'template_error');
  });
});

describe('mapIdentity: modes and precedence', () => {
  const aliceEntry = entry(alice.arn, 'AIDAALICE', { username: 'from-entry', kubernetesGroups: ['entry-group'] });
  const awsAuth = lists({
    mapRoles: [row('role', `arn:aws:iam::${ACCT}:role/DEV`, 'dev:{{SessionName}}', ['devs', 'acct-{{AccountID}}'])],
    mapUsers: [row('user', alice.arn, 'from-aws-auth', ['system:masters'])],
    mapAccounts: ['444455556666'],
  });

  it('API: entries only; aws-auth is ignored', () => {
    const view = createMappingView({ mode: 'API', entries: [aliceEntry], awsAuth });
    assert.equal(okUser(mapIdentity(alice, view)).user.username, 'from-entry');
    const r = denied(mapIdentity(dev, view), 'not_mapped');
    assert.equal(r.reason, 'identity is not mapped');
    denied(mapIdentity(session('x', 'AROAX', 's', '444455556666'), view), 'not_mapped');
  });

  it('API_AND_CONFIG_MAP: the access entry wins over aws-auth', () => {
    const r = okUser(mapIdentity(alice, createMappingView({ mode: 'API_AND_CONFIG_MAP', entries: [aliceEntry], awsAuth })));
    assert.equal(r.user.username, 'from-entry');
    assert.deepEqual(r.user.groups, ['entry-group']);
  });

  it('API_AND_CONFIG_MAP: aws-auth when there is no entry (case-insensitive ARN, templates)', () => {
    const r = okUser(mapIdentity(dev, createMappingView({ mode: 'API_AND_CONFIG_MAP', entries: [aliceEntry], awsAuth })));
    assert.equal(r.user.username, 'dev:jdoe-example.com');
    assert.deepEqual(r.user.groups, ['devs', 'acct-111122223333']);
    assert.deepEqual(r.source, { kind: 'aws_auth', section: 'mapRoles', index: 0, mapping: awsAuth.mapRoles[0] });
  });

  it('CONFIG_MAP: entries are never consulted', () => {
    const view: MappingView = {
      ...createMappingView({ mode: 'CONFIG_MAP', awsAuth }),
      entriesFor: () => assert.fail('entries must not be read in CONFIG_MAP'),
    };
    const r = okUser(mapIdentity(alice, view));
    assert.equal(r.user.username, 'from-aws-auth');
    assert.deepEqual(r.user.groups, ['system:masters']);
  });

  it('mapAccounts: canonical ARN as username, no groups, no templating, after mapRoles/mapUsers', () => {
    const foreign = session('Some-Role', 'AROAFOREIGN', 'x@y', '444455556666');
    for (const mode of ['API_AND_CONFIG_MAP', 'CONFIG_MAP'] as const) {
      const r = okUser(mapIdentity(foreign, createMappingView({ mode, awsAuth })));
      assert.equal(r.user.username, 'arn:aws:iam::444455556666:role/Some-Role');
      assert.deepEqual(r.user.groups, []);
      assert.deepEqual(r.source, { kind: 'aws_auth_account', accountId: '444455556666' });
    }
    // A row for the principal beats the account.
    const both = lists({ ...awsAuth, mapRoles: [row('role', foreign.canonicalArn, 'specific')] });
    assert.equal(okUser(mapIdentity(foreign, createMappingView({ mode: 'CONFIG_MAP', awsAuth: both }))).user.username, 'specific');
  });

  it('mapRoles is searched before mapUsers; among duplicates the last row applies', () => {
    const a = lists({
      mapRoles: [row('role', dev.canonicalArn, 'first'), row('role', dev.canonicalArn.toUpperCase().replace('ARN:AWS:IAM', 'arn:aws:iam'), 'last')],
      mapUsers: [row('user', dev.canonicalArn, 'from-mapUsers')],
    });
    assert.equal(okUser(mapIdentity(dev, createMappingView({ mode: 'CONFIG_MAP', awsAuth: a }))).user.username, 'last');
    const onlyUsers = lists({ mapUsers: [row('user', dev.canonicalArn, 'u1'), row('user', dev.canonicalArn, 'u2')] });
    assert.equal(okUser(mapIdentity(dev, createMappingView({ mode: 'CONFIG_MAP', awsAuth: onlyUsers }))).user.username, 'u2');
  });

  it('aws-auth rows may use reserved prefixes (no reserved list for that backend)', () => {
    const a = lists({ mapRoles: [row('role', node.canonicalArn, 'system:node:{{EC2PrivateDNSName}}', ['system:bootstrappers', 'system:nodes'])] });
    const r = okUser(mapIdentity(node, createMappingView({ mode: 'CONFIG_MAP', awsAuth: a }), { lookupPrivateDnsName: dns }));
    assert.equal(r.user.username, 'system:node:ip-172-31-27-14');
    const bad = session('node-role', 'AROANODE', 'jdoe');
    assert.equal(denied(mapIdentity(bad, createMappingView({ mode: 'CONFIG_MAP', awsAuth: a }), { lookupPrivateDnsName: dns }), 'template_error').reason, 'SessionName did not contain an instance id');
  });

  it('an aws-auth row with a role path never matches', () => {
    const a = lists({ mapRoles: [row('role', `arn:aws:iam::${ACCT}:role/team/a/deployer`, 'deployer')] });
    denied(mapIdentity(deployer, createMappingView({ mode: 'CONFIG_MAP', awsAuth: a })), 'not_mapped');
  });

  it('the EKS example ConfigMap end to end', () => {
    const parsed = parseAwsAuth(EKS_EXAMPLE);
    assert.ok(parsed.ok);
    const view = createMappingView({ mode: 'CONFIG_MAP', awsAuth: parsed });
    const n = okUser(mapIdentity(session('my-role', 'AROAMY', 'i-0c6f21bf1f24f9708'), view, { lookupPrivateDnsName: dns }));
    assert.deepEqual([n.user.username, n.user.groups], ['system:node:ip-172-31-27-14', ['system:bootstrappers', 'system:nodes']]);
    const admin = okUser(mapIdentity(user('admin', 'AIDAADMIN'), view));
    assert.deepEqual([admin.user.username, admin.user.groups], ['admin', ['system:masters']]);
    const cross = okUser(mapIdentity({ ...user('my-user', 'AIDAMY'), arn: 'arn:aws:iam::444455556666:user/my-user', canonicalArn: 'arn:aws:iam::444455556666:user/my-user', accountId: '444455556666' }, view));
    assert.equal(cross.user.username, 'my-user');
    denied(mapIdentity(alice, view), 'not_mapped');
  });
});

describe('mapIdentity: the CONFIG_MAP creator', () => {
  const creatorRole = { principalId: 'AROADEV', principalArn: `arn:aws:iam::${ACCT}:role/platform/dev` };
  const awsAuth = lists({ mapRoles: [row('role', dev.canonicalArn, 'from-aws-auth', ['readers'])] });

  it('gets system:masters with the default access-entry username, before aws-auth', () => {
    const r = okUser(mapIdentity(dev, createMappingView({ mode: 'CONFIG_MAP', creator: creatorRole, hiddenCreatorAdmin: true, awsAuth })));
    assert.equal(r.user.username, 'arn:aws:sts::111122223333:assumed-role/dev/jdoe-example.com');
    assert.deepEqual(r.user.groups, ['system:masters']);
    assert.deepEqual(r.source, { kind: 'cluster_creator', principalArn: creatorRole.principalArn });
  });

  it('an IAM-user creator is named by the user ARN', () => {
    const r = okUser(mapIdentity(alice, createMappingView({ mode: 'CONFIG_MAP', creator: { principalId: 'AIDAALICE', principalArn: alice.arn }, hiddenCreatorAdmin: true })));
    assert.equal(r.user.username, alice.arn);
  });

  it('is matched by unique ID only, and only in CONFIG_MAP with hiddenCreatorAdmin', () => {
    const recreated = session('dev', 'AROAOTHER', 'x');
    assert.equal(okUser(mapIdentity(recreated, createMappingView({ mode: 'CONFIG_MAP', creator: creatorRole, hiddenCreatorAdmin: true, awsAuth }))).user.username, 'from-aws-auth');
    assert.equal(okUser(mapIdentity(dev, createMappingView({ mode: 'CONFIG_MAP', creator: creatorRole, hiddenCreatorAdmin: false, awsAuth }))).user.username, 'from-aws-auth');
    assert.equal(okUser(mapIdentity(dev, createMappingView({ mode: 'API_AND_CONFIG_MAP', creator: creatorRole, hiddenCreatorAdmin: true, awsAuth }))).user.username, 'from-aws-auth');
  });
});

describe('mapIdentity: stale and mismatched entries', () => {
  const roleArn = `arn:aws:iam::${ACCT}:role/dev`;
  const staleEntry = entry(roleArn, 'AROAOLD', { username: 'dev:{{SessionName}}' });

  it('an entry for a deleted and re-created principal does not match, and says so', () => {
    const r = denied(mapIdentity(dev, createMappingView({ mode: 'API', entries: [staleEntry] })), 'stale_entry');
    assert.match(r.reason, /access entry arn:aws:iam::111122223333:role\/dev was created for principal ID AROAOLD/);
    assert.match(r.reason, /now has principal ID AROADEV/);
    assert.equal(r.notes[0]?.entry, staleEntry);
  });

  it('in API_AND_CONFIG_MAP aws-auth still maps the caller, with the stale entry noted', () => {
    const view = createMappingView({ mode: 'API_AND_CONFIG_MAP', entries: [staleEntry], awsAuth: lists({ mapRoles: [row('role', roleArn, 'legacy')] }) });
    const r = okUser(mapIdentity(dev, view));
    assert.equal(r.user.username, 'legacy');
    assert.deepEqual(r.notes.map((n) => n.code), ['stale_entry']);
  });

  it('a current entry is preferred over a stale one for the same ARN', () => {
    const current = entry(`arn:aws:iam::${ACCT}:role/path/dev`, 'AROADEV', { username: 'current' });
    const r = okUser(mapIdentity(dev, createMappingView({ mode: 'API', entries: [staleEntry, current] })));
    assert.equal(r.user.username, 'current');
    assert.deepEqual(r.notes, []);
  });

  it('the same unique ID under another ARN (a renamed user) is an ARN mismatch', () => {
    const old = entry(`arn:aws:iam::${ACCT}:user/alice-old`, 'AIDAALICE');
    const r = denied(mapIdentity(alice, createMappingView({ mode: 'API', entries: [old] })), 'arn_mismatch');
    assert.match(r.reason, /renamed or moved/);
  });

  it('an entry with a malformed ARN never matches, even with the right ID', () => {
    const bad = entry('not-an-arn', 'AIDAALICE');
    denied(mapIdentity(alice, createMappingView({ mode: 'API', entries: [bad] })), 'arn_mismatch');
  });
});

describe('entry lookup keys', () => {
  it('files entries under their ID and path-stripped lower-case ARN', () => {
    assert.deepEqual(entryLookupKeys({ principalArn: `arn:aws:iam::${ACCT}:role/Team/Dev`, principalId: 'AROADEV' }), ['id:AROADEV', 'arn:arn:aws:iam::111122223333:role/dev']);
    assert.deepEqual(entryLookupKeys({ principalArn: `arn:aws:iam::${ACCT}:user/ops/Alice`, principalId: null }), ['arn:arn:aws:iam::111122223333:user/ops/alice']);
    assert.deepEqual(entryLookupKeys({ principalArn: 'garbage', principalId: 'AIDAX' }), ['id:AIDAX']);
    assert.deepEqual(identityLookupKeys(dev), ['id:AROADEV', 'arn:arn:aws:iam::111122223333:role/dev']);
    assert.equal(principalArnKey('nope'), undefined);
  });

  it('every matching entry shares a key with the caller (so an index built on the keys finds it)', () => {
    const entries = [
      entry(`arn:aws:iam::${ACCT}:role/a/b/dev`, 'AROADEV'),
      entry(`arn:aws:iam::${ACCT}:role/dev`, null),
      entry(`arn:aws:iam::${ACCT}:role/dev`, 'AROAOLD'),
      entry(alice.arn, 'AIDAALICE'),
    ];
    const index = new EntryIndex(entries);
    assert.deepEqual(index.entriesFor(dev), entries.slice(0, 3));
    assert.deepEqual(index.entriesFor(alice), [entries[3]]);
    assert.equal(matchEntry(dev, index.entriesFor(dev)).kind, 'match');
    assert.equal(matchEntry(dev, []).kind, 'none');
    assert.equal(matchEntry(dev, [entries[2]!]).kind, 'stale_entry');
  });
});

describe('aws-auth lookup', () => {
  it('the index and the scan agree (property)', () => {
    const arn = fc.constantFrom('arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/A', 'arn:aws:iam::1:role/b', 'arn:aws:iam::1:user/a', 'ARN:AWS:IAM::1:ROLE/B');
    const rows = (kind: 'role' | 'user') => fc.array(fc.record({ arn, username: fc.string({ maxLength: 3 }) }).map((r) => row(kind, r.arn, r.username)), { maxLength: 6 });
    fc.assert(
      fc.property(rows('role'), rows('user'), arn, (mapRoles, mapUsers, probe) => {
        const l = lists({ mapRoles, mapUsers });
        assert.deepEqual(lookupAwsAuth(l, probe), new AwsAuthIndex(l).lookup(probe));
      }),
      { numRuns: 300 },
    );
  });

  it('mapIdentity gives the same answer with raw lists and with an index', () => {
    const l = lists({ mapRoles: [row('role', dev.canonicalArn, 'x:{{SessionName}}')], mapAccounts: [ACCT] });
    const base = { mode: 'CONFIG_MAP' as const, hiddenCreatorAdmin: false, entriesFor: () => [] };
    for (const who of [dev, alice]) {
      assert.deepEqual(mapIdentity(who, { ...base, awsAuth: l }), mapIdentity(who, { ...base, awsAuth: new AwsAuthIndex(l) }));
    }
  });
});
