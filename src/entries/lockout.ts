/**
 * Lock-out protection — a deliberate difference from EKS. In API mode the only way in is an access
 * entry, so removing the last entry that holds AmazonEKSClusterAdminPolicy at cluster scope (deleting
 * it, disassociating the policy, or narrowing it to namespaces) leaves nobody able to administer the
 * cluster. While the cluster's `lockoutProtection` setting is on (the default), such a change is
 * refused with a message naming the setting. Moving a cluster to API while its only admin path is an
 * aws-auth `system:masters` row is refused the same way.
 */
import { eksError } from '../errors/aws-error.js';
import type { ClusterView } from '../clusters/view.js';
import { effectiveCluster } from '../rules/cluster.js';
import type { UnheldPrincipals } from '../ops/context.js';
import type { AccessScope, AuthenticationMode } from '../model/types.js';
import { CLUSTER_ADMIN_POLICY_NAME as CLUSTER_ADMIN, isClusterAdminGrant, isClusterAdminPolicy, liveAdminEntries } from '../rules/admin.js';
import type { PrincipalStatus } from '../rules/admin.js';
import type { Tx } from '../store/repo.js';
import { principalStatus } from './principals.js';

export type AdminPathChange =
  | { kind: 'delete-entry'; principalArn: string }
  | { kind: 'disassociate'; principalArn: string; policyArn: string }
  | { kind: 'associate'; principalArn: string; policyArn: string; scope: AccessScope };

function settingHint(cluster: string): string {
  return `Entryway's lock-out protection (cluster setting lockoutProtection, on by default) refuses to leave an API-mode cluster without an administrator. Give another principal ${CLUSTER_ADMIN} at cluster scope first, or turn the protection off: entryway cluster settings --cluster ${cluster} --lockout-protection false`;
}

/**
 * The principals that can administer the cluster today: entries with AmazonEKSClusterAdminPolicy at
 * cluster scope whose principal still exists with the unique ID the entry was made for (or, in an
 * account Entryway does not hold, can be verified by the connected STS). Dead entries do not count.
 */
export async function liveClusterAdmins(tx: Tx, cluster: string, unheld: UnheldPrincipals | undefined): Promise<Set<string>> {
  const byPrincipal = new Map<string, { policyArn: string; scope: { type: string } }[]>();
  for (const a of await tx.listClusterAssociations(cluster)) if (isClusterAdminGrant(a)) byPrincipal.set(a.principalArn, [...(byPrincipal.get(a.principalArn) ?? []), a]);
  const entries = [];
  const statuses = new Map<string, PrincipalStatus>();
  for (const arn of byPrincipal.keys()) {
    const e = await tx.getEntry(cluster, arn);
    if (!e) continue;
    entries.push(e);
    statuses.set(arn, await principalStatus(tx, arn, unheld?.connectedSts ?? false));
  }
  const live = liveAdminEntries(entries, (arn) => byPrincipal.get(arn) ?? [], (e) => statuses.get(e.principalArn)!);
  return new Set(live.map((e) => e.principalArn));
}

export async function assertAdminPathRemains(ctx: { tx: Tx; unheld?: UnheldPrincipals }, view: ClusterView, now: number, change: AdminPathChange): Promise<void> {
  const c = view.record;
  if (!c.settings.lockoutProtection) return;
  if (effectiveCluster(c, view.updates, now).authenticationMode !== 'API') return;
  const live = await liveClusterAdmins(ctx.tx, c.name, ctx.unheld);
  // A dead admin entry (its principal deleted or re-created) can always be removed.
  if (!live.has(change.principalArn) || live.size !== 1) return;
  const removes =
    change.kind === 'delete-entry' ||
    (change.kind === 'disassociate' && isClusterAdminPolicy(change.policyArn)) ||
    (change.kind === 'associate' && isClusterAdminPolicy(change.policyArn) && change.scope.type !== 'cluster');
  if (!removes) return;
  const what =
    change.kind === 'delete-entry'
      ? `to delete the access entry of ${change.principalArn}`
      : change.kind === 'disassociate'
        ? `to disassociate ${CLUSTER_ADMIN} from ${change.principalArn}`
        : `to narrow ${CLUSTER_ADMIN} of ${change.principalArn} to namespaces`;
  throw eksError.invalidRequest(`Refusing ${what}: it is the last cluster-admin access path of cluster ${c.name}. ${settingHint(c.name)}`);
}

/**
 * Deleting an IAM user or role that is the last live cluster-admin path of an API-mode cluster
 * (with lock-out protection on) would lock everyone out just as deleting its entry would; the
 * clusters it would orphan are returned so IAM can refuse with a DeleteConflict.
 */
export async function clustersOrphanedByDeleting(tx: Tx, principalArn: string, now: number, unheld: UnheldPrincipals | undefined): Promise<string[]> {
  const out: string[] = [];
  for (const name of await tx.listEntryClustersOf(principalArn)) {
    const row = await tx.getClusterRow(name);
    if (!row) continue;
    const c = row.record;
    if (!c.settings.lockoutProtection) continue;
    const updates = await tx.listUpdates(name);
    if (effectiveCluster(c, updates, now).authenticationMode !== 'API') continue;
    const live = await liveClusterAdmins(tx, name, unheld);
    if (live.size === 1 && live.has(principalArn)) out.push(name);
  }
  return out;
}

/** A move to API mode must not drop the last admin path when that path is an aws-auth system:masters row. */
export async function assertModeMoveKeepsAdmin(tx: Tx, view: ClusterView, to: AuthenticationMode, unheld?: UnheldPrincipals): Promise<void> {
  const c = view.record;
  if (to !== 'API' || !c.settings.lockoutProtection) return;
  if ((await liveClusterAdmins(tx, c.name, unheld)).size > 0) return;
  const awsAuth = await tx.getAwsAuth(c.name);
  const masters = [...(awsAuth?.mapRoles ?? []), ...(awsAuth?.mapUsers ?? [])].filter((m) => m.groups.includes('system:masters'));
  if (!masters.length) return;
  throw eksError.invalidRequest(
    `Refusing to move cluster ${c.name} to API: its administrators (${masters.map((m) => m.arn).join(', ')}) come from aws-auth system:masters, which API mode ignores, and no access entry has ${CLUSTER_ADMIN} at cluster scope. Migrate them first (entryway migrate aws-auth). ${settingHint(c.name)}`,
  );
}
