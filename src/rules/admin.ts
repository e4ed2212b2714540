/**
 * Who can administer a cluster through Entryway: the one predicate behind lock-out protection,
 * `entryway doctor` and the admin-path metric. Pure; the caller supplies what IAM says about each
 * principal.
 *
 * An access entry is an admin path when it holds AmazonEKSClusterAdminPolicy at cluster scope AND
 * its principal can still authenticate as the principal the entry was made for:
 * - in an account Entryway's IAM holds: the principal exists and has the unique ID the entry
 *   captured (a deleted, or deleted and re-created, principal matches nobody — as on EKS);
 * - in an account Entryway does not hold: only when some STS can verify its tokens (connected STS,
 *   or the operator explicitly accepts such principals); offline, nobody can ever present its token.
 */

export const CLUSTER_ADMIN_POLICY_NAME = 'AmazonEKSClusterAdminPolicy';

/** `arn:<partition>:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`, any partition. */
export function isClusterAdminPolicy(policyArn: string): boolean {
  return /^arn:[a-z-]+:eks::aws:cluster-access-policy\/AmazonEKSClusterAdminPolicy$/.test(policyArn);
}

export function isClusterAdminGrant(a: { policyArn: string; scope: { type: string } }): boolean {
  return isClusterAdminPolicy(a.policyArn) && a.scope.type === 'cluster';
}

/** What IAM says about the principal of an entry. */
export type PrincipalStatus =
  | { held: true; principalId: string | undefined }
  /** An account Entryway does not hold; `verifiable`: a connected STS (or the operator) vouches for its tokens. */
  | { held: false; verifiable: boolean };

export type EntryLiveness = 'live' | 'deleted' | 'recreated' | 'unverifiable';

export function entryLiveness(entry: { principalId: string | null }, status: PrincipalStatus): EntryLiveness {
  if (!status.held) return status.verifiable ? 'live' : 'unverifiable';
  if (status.principalId === undefined) return 'deleted';
  // An entry without a captured ID in a held account (made before the account was held) matches by ARN.
  if (entry.principalId !== null && entry.principalId !== status.principalId) return 'recreated';
  return 'live';
}

export function liveAdminEntries<E extends { principalArn: string; principalId: string | null }>(
  entries: Iterable<E>,
  grantsOf: (principalArn: string) => readonly { policyArn: string; scope: { type: string } }[],
  statusOf: (e: E) => PrincipalStatus,
): E[] {
  const out: E[] = [];
  for (const e of entries) if (grantsOf(e.principalArn).some(isClusterAdminGrant) && entryLiveness(e, statusOf(e)) === 'live') out.push(e);
  return out;
}
