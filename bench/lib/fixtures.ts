/**
 * Synthetic data at scale, shaped exactly as Entryway's API writes it: cluster records, access
 * entries (default usernames, derived access-entry ARNs, random UUIDs) and policy associations.
 * Every cluster has its own principals (no two clusters share an ARN), a quarter of role names
 * carry capitals and a tenth carry a path, so nothing is flattered by sharing or lower-case ARNs.
 */
import { randomUUID } from 'node:crypto';
import type { AccessEntryRecord, AssociationRecord, ClusterRecord } from '../../src/model/types.js';
import { accessEntryArn, checkEntryPrincipal, defaultUsername } from '../../src/rules/entry.js';
import { must } from '../../src/rules/violation.js';

export const CLUSTER_ACCOUNT = '111122223333';
/** Principals live in accounts Entryway's IAM does not hold (as cross-account access entries do). */
const PRINCIPAL_ACCOUNTS = Array.from({ length: 10 }, (_, i) => String(444455550000 + i).padStart(12, '0'));
const POLICY = (n: string) => `arn:aws:eks::aws:cluster-access-policy/${n}`;
const T0 = Date.UTC(2025, 0, 1);

export const clusterName = (c: number) => `cluster-${String(c).padStart(4, '0')}`;

export function clusterRecord(name: string, mode: ClusterRecord['authenticationMode'] = 'API', accountId = CLUSTER_ACCOUNT): ClusterRecord {
  return {
    name,
    id: randomUUID(),
    accountId,
    region: 'us-east-1',
    arn: `arn:aws:eks:us-east-1:${accountId}:cluster/${name}`,
    createdAt: T0,
    readyAt: T0,
    version: '1.31',
    platformVersion: 'eks.1',
    roleArn: `arn:aws:iam::${accountId}:role/eks-cluster`,
    spec: { resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] } },
    tags: {},
    authenticationMode: mode,
    bootstrapClusterCreatorAdminPermissions: false,
    creator: { arn: `arn:aws:iam::${accountId}:user/admin`, principalArn: `arn:aws:iam::${accountId}:user/admin`, principalId: 'AIDAADMINADMINADMIN01', accountId },
    hiddenCreatorAdmin: false,
    settings: { lockoutProtection: true },
  } as ClusterRecord;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** A unique ID like IAM's (AROA/AIDA + 17 base32 characters), deterministic in (c, i). */
export function principalIdOf(c: number, i: number, kind: 'user' | 'role'): string {
  let m = c * 100_000 + i;
  let s = '';
  for (let k = 0; k < 17; k++) {
    s += B32[m % 32];
    m = Math.floor(m / 32);
  }
  return (kind === 'user' ? 'AIDA' : 'AROA') + s;
}

export function principalArnOf(c: number, i: number): { arn: string; kind: 'user' | 'role' } {
  const account = PRINCIPAL_ACCOUNTS[(c + i) % PRINCIPAL_ACCOUNTS.length]!;
  if (i % 5 === 4) return { arn: `arn:aws:iam::${account}:user/c${c}-dev-${i}@example.com`, kind: 'user' };
  const name = i % 4 === 1 ? `C${c}-Team-${i}` : `c${c}-team-${i}`;
  const path = i % 10 === 3 ? '/teams/platform/' : '/';
  return { arn: `arn:aws:iam::${account}:role${path}${name}`, kind: 'role' };
}

export function entryRecord(cluster: ClusterRecord, c: number, i: number): AccessEntryRecord {
  const { arn, kind } = principalArnOf(c, i);
  const principal = must(checkEntryPrincipal(arn, 'STANDARD', cluster.accountId));
  const uuid = randomUUID();
  const t = T0 + c * 3_000_000 + i * 1000;
  return {
    clusterName: cluster.name,
    principalArn: arn,
    principalId: principalIdOf(c, i, kind),
    type: 'STANDARD',
    username: defaultUsername('STANDARD', principal, arn),
    kubernetesGroups: i % 7 === 0 ? ['developers'] : [],
    tags: {},
    createdAt: t,
    modifiedAt: t,
    uuid,
    accessEntryArn: accessEntryArn({ partition: principal.partition, region: cluster.region, clusterAccountId: cluster.accountId, clusterName: cluster.name, principal, uuid }),
  };
}

/** The grants the benchmark uses, rotated over entries: one association per entry. */
export const GRANTS: readonly { policy: string; scope: AssociationRecord['scope'] }[] = [
  { policy: 'AmazonEKSViewPolicy', scope: { type: 'cluster', namespaces: [] } },
  { policy: 'AmazonEKSEditPolicy', scope: { type: 'namespace', namespaces: ['dev-*'] } },
  { policy: 'AmazonEKSAdminPolicy', scope: { type: 'namespace', namespaces: ['team-a'] } },
];

export function associationRecord(e: AccessEntryRecord, i: number, which = i % GRANTS.length): AssociationRecord {
  const g = GRANTS[which]!;
  return {
    clusterName: e.clusterName,
    principalArn: e.principalArn,
    policyArn: POLICY(g.policy),
    scope: { type: g.scope.type, namespaces: [...g.scope.namespaces] },
    associatedAt: e.createdAt,
    modifiedAt: e.createdAt,
  };
}
