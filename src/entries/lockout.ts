/**
 * Lock-out protection — a deliberate difference from EKS. In API mode the only way in is an access
 * entry, so removing the last entry that holds AmazonEKSClusterAdminPolicy at cluster scope (deleting
 * it, disassociating the policy, or narrowing it to namespaces) leaves nobody able to administer the
 * cluster. While the cluster's `lockoutProtection` setting is on (the default), such a change is
 * refused with a message naming the setting. Moving a cluster to API while its only admin path is an
 * aws-auth `system:masters` row is refused the same way.
 */
import { eksError } from '../aws/errors.js';
import type { ClusterView } from '../clusters/service.js';
import { effectiveCluster } from '../clusters/rules.js';
import type { AccessScope, AuthenticationMode } from '../model/types.js';
import type { Tx } from '../store/repo.js';

const CLUSTER_ADMIN = 'AmazonEKSClusterAdminPolicy';
const isClusterAdmin = (policyArn: string) => policyArn.endsWith(`:cluster-access-policy/${CLUSTER_ADMIN}`);

export type AdminPathChange =
  | { kind: 'delete-entry'; principalArn: string }
  | { kind: 'disassociate'; principalArn: string; policyArn: string }
  | { kind: 'associate'; principalArn: string; policyArn: string; scope: AccessScope };

function settingHint(cluster: string): string {
  return `Entryway's lock-out protection (cluster setting lockoutProtection, on by default) refuses to leave an API-mode cluster without an administrator. Give another principal ${CLUSTER_ADMIN} at cluster scope first, or turn the protection off: entryway cluster settings --cluster ${cluster} --lockout-protection false`;
}

/** Principals that hold AmazonEKSClusterAdminPolicy at cluster scope. */
async function clusterAdmins(tx: Tx, cluster: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const a of await tx.listClusterAssociations(cluster)) if (isClusterAdmin(a.policyArn) && a.scope.type === 'cluster') out.add(a.principalArn);
  return out;
}

export async function assertAdminPathRemains(tx: Tx, view: ClusterView, now: number, change: AdminPathChange): Promise<void> {
  const c = view.record;
  if (!c.settings.lockoutProtection) return;
  if (effectiveCluster(c, view.updates, now).authenticationMode !== 'API') return;
  const before = await clusterAdmins(tx, c.name);
  if (!before.has(change.principalArn) || before.size !== 1) return;
  const removes =
    change.kind === 'delete-entry' ||
    (change.kind === 'disassociate' && isClusterAdmin(change.policyArn)) ||
    (change.kind === 'associate' && isClusterAdmin(change.policyArn) && change.scope.type !== 'cluster');
  if (!removes) return;
  const what =
    change.kind === 'delete-entry'
      ? `deleting the access entry of ${change.principalArn}`
      : change.kind === 'disassociate'
        ? `disassociating ${CLUSTER_ADMIN} from ${change.principalArn}`
        : `narrowing ${CLUSTER_ADMIN} of ${change.principalArn} to namespaces`;
  throw eksError.invalidRequest(`Refusing ${what}: it is the last cluster-admin access path of cluster ${c.name}. ${settingHint(c.name)}`);
}

/** A move to API mode must not drop the last admin path when that path is an aws-auth system:masters row. */
export async function assertModeMoveKeepsAdmin(tx: Tx, view: ClusterView, to: AuthenticationMode): Promise<void> {
  const c = view.record;
  if (to !== 'API' || !c.settings.lockoutProtection) return;
  if ((await clusterAdmins(tx, c.name)).size > 0) return;
  const awsAuth = await tx.getAwsAuth(c.name);
  const masters = [...(awsAuth?.mapRoles ?? []), ...(awsAuth?.mapUsers ?? [])].filter((m) => m.groups.includes('system:masters'));
  if (!masters.length) return;
  throw eksError.invalidRequest(
    `Refusing to move cluster ${c.name} to API: its administrators (${masters.map((m) => m.arn).join(', ')}) come from aws-auth system:masters, which API mode ignores, and no access entry has ${CLUSTER_ADMIN} at cluster scope. Migrate them first (entryway migrate aws-auth). ${settingHint(c.name)}`,
  );
}
