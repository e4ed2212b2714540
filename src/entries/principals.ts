/**
 * What Entryway's IAM says about the principal an access entry names, read in the caller's
 * transaction: the input of the pure admin-path rule (rules/admin.ts) and of entry creation.
 */
import type { PrincipalStatus } from '../rules/admin.js';
import { checkPrincipalArn } from '../rules/principal.js';
import type { Tx } from '../store/repo.js';
import type { PrincipalArnInfo } from '../rules/entry.js';

/** Result of looking a principal up in Entryway's own IAM. */
export type PrincipalResolution =
  | { held: false }
  | { held: true; exists: false }
  | { held: true; exists: true; principalId: string; arn: string };

/**
 * EKS resolves the principal in IAM when an entry is created and keeps its unique ID. Entryway can
 * do that for accounts its IAM holds; principals of other accounts are matched by ARN alone.
 * The ARN must name the principal exactly, path included (a missing SSO path is "invalid principal").
 */
export async function resolvePrincipal(tx: Tx, p: Pick<PrincipalArnInfo, 'accountId' | 'kind' | 'name' | 'path'>): Promise<PrincipalResolution> {
  if (!(await tx.getAccount(p.accountId))) return { held: false };
  if (p.kind === 'user') {
    const u = await tx.getUser(p.accountId, p.name);
    return u && u.path === p.path ? { held: true, exists: true, principalId: u.userId, arn: u.arn } : { held: true, exists: false };
  }
  const r = await tx.getRole(p.accountId, p.name);
  return r && r.path === p.path ? { held: true, exists: true, principalId: r.roleId, arn: r.arn } : { held: true, exists: false };
}

/** The admin-path rule's view of an entry's principal; `verifiable`: tokens of unheld accounts can be checked. */
export async function principalStatus(tx: Tx, principalArn: string, verifiable: boolean): Promise<PrincipalStatus> {
  // Entries hold only ARNs that passed the principal rule when they were made.
  const parsed = checkPrincipalArn(principalArn, 'STANDARD', '');
  if (!parsed.ok) return { held: false, verifiable };
  const r = await resolvePrincipal(tx, parsed.principal);
  if (!r.held) return { held: false, verifiable };
  return { held: true, principalId: r.exists ? r.principalId : undefined };
}
