/**
 * # arn — ARNs of IAM/STS identities (pure)
 *
 * Mirrors aws-iam-authenticator `pkg/arn` (reference iam-authenticator.md §2.2, §8.3):
 * - `parseArn`: aws-sdk-go `arn.Parse` (prefix `arn:`, six sections, the resource keeps further
 *   colons, partition/service/resource non-empty) plus the 8-partition allowlist, with upstream's
 *   messages (`arn '<x>' is invalid: …`, `… does not have a recognized partition`).
 * - `canonicalize`: assumed-role → `arn:<p>:iam::<acct>:role/<parts[1..n-1] joined>`;
 *   federated-user, iam user/role/root unchanged; case preserved; same error wording.
 * - `stripPath`: role ARNs keep first + last resource segment; others unchanged.
 *
 * Added for EKS access entries (eks-access.md §2.1, §2.3): `classifyPrincipal`
 * (iam-user / iam-role / service-linked-role / sts-session / root / other, with IAM path and name)
 * and `assumedRoleUsername` (EKS's default STANDARD username for a role).
 *
 * Divergences: `classifyPrincipal` is stricter than upstream (12-digit account, empty region, IAM
 * name/path syntax) because it validates user input; `canonicalize` stays as lenient as upstream
 * (e.g. it accepts `role` with no name, and any account string) because it reads what STS said.
 * Errors are thrown as `ArnError` with a stable `code`.
 */
export {
  PARTITIONS,
  isPartition,
  parseArn,
  formatArn,
  canonicalize,
  stripPath,
  roleNameOf,
  userNameOf,
  classifyPrincipal,
  assumedRoleUsername,
  ArnError,
} from './arn.js';
export type { Partition, Arn, ArnErrorCode, PrincipalKind, CanonicalIdentity, PrincipalClass } from './arn.js';
