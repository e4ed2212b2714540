/**
 * The compact index gives back exactly what it was given: records round-trip, lookups answer what
 * mapping's EntryIndex answers, and grants are those of the entry's associations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryIndex, principalArnKey } from '../mapping/index.js';
import type { Identity } from '../mapping/index.js';
import type { AccessEntryRecord, AssociationRecord, ClusterRecord } from '../model/types.js';
import { ClusterSlice } from './access-index.js';
import { stripPath } from '../arn/index.js';

const cluster: ClusterRecord = {
  name: 'demo',
  id: 'id',
  accountId: '111122223333',
  region: 'eu-west-1',
  arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/demo',
  createdAt: 0,
  readyAt: 0,
  version: '1.31',
  platformVersion: 'eks.1',
  roleArn: 'arn:aws:iam::111122223333:role/eks',
  spec: {},
  tags: {},
  authenticationMode: 'API_AND_CONFIG_MAP',
  bootstrapClusterCreatorAdminPermissions: false,
  creator: { arn: 'arn:aws:iam::111122223333:user/admin', principalArn: 'arn:aws:iam::111122223333:user/admin', principalId: 'AIDAADMIN', accountId: '111122223333' },
  hiddenCreatorAdmin: false,
  settings: { lockoutProtection: true },
} as ClusterRecord;

const ARNS = [
  'arn:aws:iam::111122223333:user/alice',
  'arn:aws:iam::111122223333:user/Team/Bob',
  'arn:aws:iam::444455556666:role/dev',
  'arn:aws:iam::444455556666:role/Admin',
  'arn:aws:iam::444455556666:role/teams/platform/Ops',
  'arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123',
  'arn:aws-cn:iam::444455556666:role/x/y',
  'arn:aws-us-gov:iam::444455556666:user/g',
  'arn:aws-iso:iam::444455556666:role/p/q',
  'arn:unknown:iam::444455556666:role/p/q',
  'arn::iam::444455556666:role/p/q',
  'arn:aws:iam::444455556666:role/',
  'arn:aws:iam::444455556666:group/devs',
  'not-an-arn',
  'arn:aws:sts::444455556666:assumed-role/dev/s',
  'arn:aws:iam::444455556666:role//double',
];

test("principalArnKey's fast path equals the general ARN parser", () => {
  const general = (arn: string) => {
    try {
      return stripPath(arn).toLowerCase();
    } catch {
      return undefined;
    }
  };
  for (const arn of ARNS) assert.equal(principalArnKey(arn), general(arn), arn);
});

function entry(principalArn: string, i: number, over: Partial<AccessEntryRecord> = {}): AccessEntryRecord {
  const role = principalArn.includes(':role/');
  const name = principalArn.slice(principalArn.lastIndexOf('/') + 1);
  const account = principalArn.split(':')[4];
  const uuid = `0000000${i}-aaaa-bbbb-cccc-0123456789ab`;
  return {
    clusterName: 'demo',
    principalArn,
    principalId: i % 3 === 0 ? null : `AROA${i}`,
    type: 'STANDARD',
    username: role ? `arn:aws:sts::${account}:assumed-role/${name}/{{SessionName}}` : principalArn,
    kubernetesGroups: i % 2 ? ['a', 'b'] : [],
    tags: i % 4 === 1 ? { team: 'x' } : {},
    createdAt: 1_700_000_000_000 + i,
    modifiedAt: 1_700_000_000_500 + i,
    uuid,
    accessEntryArn: `arn:aws:eks:eu-west-1:111122223333:access-entry/demo/${role ? 'role' : 'user'}/${account}/${name}/${uuid}`,
    ...over,
  };
}

const entries: AccessEntryRecord[] = [
  ...ARNS.slice(0, 8).map((a, i) => entry(a, i)),
  entry('arn:aws:iam::444455556666:role/Odd', 20, { uuid: 'u', username: 'custom:{{SessionName}}', accessEntryArn: 'whatever', type: 'STANDARD' }),
  entry('arn:aws:iam::444455556666:role/node', 21, { type: 'EC2_LINUX', username: 'system:node:{{EC2PrivateDNSName}}', kubernetesGroups: ['system:nodes'] }),
  entry('arn:aws:iam::444455556666:role/other/dev', 22, { principalId: 'AROA2' }),
  entry('arn:aws:iam::444455556666:role/DEV', 23, { principalId: null }),
];
const policy = (n: string) => `arn:aws:eks::aws:cluster-access-policy/${n}`;
const associations: AssociationRecord[] = [
  { clusterName: 'demo', principalArn: entries[2]!.principalArn, policyArn: policy('AmazonEKSViewPolicy'), scope: { type: 'cluster', namespaces: [] }, associatedAt: 1, modifiedAt: 2 },
  { clusterName: 'demo', principalArn: entries[2]!.principalArn, policyArn: policy('AmazonEKSEditPolicy'), scope: { type: 'namespace', namespaces: ['dev-*', 'qa'] }, associatedAt: 3, modifiedAt: 4 },
  { clusterName: 'demo', principalArn: entries[11]!.principalArn, policyArn: policy('AmazonEKSAdminPolicy'), scope: { type: 'namespace', namespaces: ['team-a'] }, associatedAt: 5, modifiedAt: 6 },
  { clusterName: 'demo', principalArn: 'arn:aws:iam::444455556666:role/no-entry', policyArn: policy('AmazonEKSViewPolicy'), scope: { type: 'cluster', namespaces: [] }, associatedAt: 7, modifiedAt: 8 },
];

test('entries and associations round-trip', () => {
  const slice = new ClusterSlice(cluster, 1, [], entries, associations, undefined, []);
  assert.deepEqual(slice.entryList, entries);
  for (const e of entries) {
    assert.deepEqual(slice.associationsOf(e.principalArn), associations.filter((a) => a.principalArn === e.principalArn), e.principalArn);
  }
  assert.deepEqual(slice.associationsOf('arn:aws:iam::444455556666:role/no-entry'), [associations[3]]);
  // Records handed out are copies: changing one does not change the index.
  slice.entryList[1]!.kubernetesGroups.push('mutated');
  const again = new ClusterSlice(cluster, 1, [], entries, associations, undefined, []);
  assert.deepEqual(again.entryList, entries);
});

test('entriesFor answers what EntryIndex answers', () => {
  const slice = new ClusterSlice(cluster, 1, [], entries, associations, undefined, []);
  const reference = new EntryIndex(entries);
  const ids = [...entries.map((e) => e.principalId ?? 'none'), 'AROA2', 'nobody'];
  const arns = [...entries.map((e) => e.principalArn.replace(/:role\/(?:.*\/)?([^/]+)$/, ':role/$1')), 'arn:aws:iam::444455556666:role/dev', 'arn:aws:iam::444455556666:role/ADMIN'];
  for (const userId of ids) {
    for (const canonicalArn of arns) {
      const identity = { userId, canonicalArn, arn: canonicalArn, accountId: '444455556666', sessionName: '', accessKeyId: 'AKIA', stsEndpoint: 'sts' } as Identity;
      assert.deepEqual(slice.entriesFor(identity), reference.entriesFor(identity), `${userId} ${canonicalArn}`);
    }
  }
});

test('grants: by unique ID, or by ARN for entries without one', () => {
  const slice = new ClusterSlice(cluster, 1, [], entries, associations, undefined, []);
  // Two entries carry AROA2 (a renamed principal); as before, the last one's grants apply.
  assert.equal(entries[2]!.principalId, 'AROA2');
  assert.equal(entries[10]!.principalId, 'AROA2');
  const byId = slice.grantsFor('AROA2', undefined);
  assert.deepEqual(byId?.grants, []);
  assert.equal(slice.grantsFor('AROA2', undefined), byId, 'compiled once');
  const first = new ClusterSlice(cluster, 1, [], entries.slice(0, 10), associations, undefined, []).grantsFor('AROA2', undefined);
  assert.deepEqual(
    first?.grants.map((g) => [g.principalArn, g.principalId, g.policyArn, g.scope]),
    [
      [entries[2]!.principalArn, 'AROA2', policy('AmazonEKSViewPolicy'), { type: 'cluster', namespaces: [] }],
      [entries[2]!.principalArn, 'AROA2', policy('AmazonEKSEditPolicy'), { type: 'namespace', namespaces: ['dev-*', 'qa'] }],
    ],
  );
  // ID-less entry found by ARN (case-insensitively, path stripped); the caller's ID is in the reasons.
  const byArn = slice.grantsFor('AROAZZZ', 'arn:aws:iam::444455556666:role/dev');
  assert.deepEqual(byArn?.grants.map((g) => [g.principalArn, g.principalId, g.policyArn]), [[entries[11]!.principalArn, 'AROAZZZ', policy('AmazonEKSAdminPolicy')]]);
  assert.equal(slice.grantsFor('AROA9', 'arn:aws:iam::444455556666:role/nobody'), undefined);
  // An entry with an ID is never found by ARN.
  assert.equal(slice.grantsFor('AROAOTHER', 'arn:aws:iam::444455556666:role/Ops'), undefined);
});
