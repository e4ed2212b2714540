/**
 * # mapping — verified IAM identity → Kubernetes user (pure)
 *
 * - `templates`: `{{EC2PrivateDNSName}}` (injected lookup), `{{AccountID}}`, `{{SessionName}}`,
 *   `{{SessionNameRaw}}`, `{{AccessKeyID}}` in upstream order; reserved username prefixes.
 * - `aws-auth`: parse (upstream rules, but a broken section rejects the whole document so the
 *   caller keeps the last good mapping) and serialise the aws-auth ConfigMap.
 * - `identity`: `mapIdentity` per authentication mode (access entries / aws-auth / both, the
 *   CONFIG_MAP creator), entry matching by unique ID + path-stripped ARN with stale-entry
 *   detection, TokenReview uid/extra; the lookup keys the index files entries under.
 * - `nodes`: node entry types' usernames and groups, aws-auth node row → type.
 * - `migrate`: the `entryway migrate aws-auth` planner and the view after migration.
 *
 * Divergences from EKS/aws-iam-authenticator are marked DIVERGENCE, guesses UNCONFIRMED, in the
 * doc comments of the functions concerned.
 */
export { renderTemplate, renderUser, checkReservedPrefix, reservedPrefixMessage, hasTemplate, TemplateError, RESERVED_USERNAME_PREFIXES, EC2_PRIVATE_DNS_NAME } from './templates.js';
export type { TemplateVars, TemplateErrorCode } from './templates.js';
export { parseAwsAuth, serializeAwsAuth, AWS_AUTH_SECTIONS, AWS_AUTH_MAX_BYTES, AWS_AUTH_MAX_FLOW_DEPTH } from './aws-auth.js';
export type { AwsAuthLists, AwsAuthSection, AwsAuthError, AwsAuthErrorCode, AwsAuthParseResult } from './aws-auth.js';
export {
  mapIdentity,
  matchEntry,
  entryLookupKeys,
  identityLookupKeys,
  principalArnKey,
  kubernetesUser,
  createMappingView,
  lookupAwsAuth,
  EntryIndex,
  AwsAuthIndex,
  EXTRA_KEYS,
  NOT_MAPPED_REASON,
} from './identity.js';
export type {
  Identity,
  MappingView,
  EntryLookup,
  CreatorGrant,
  MapOptions,
  MapResult,
  MapFailureCode,
  MappingSource,
  MappingNote,
  KubernetesUser,
  IamKubernetesUser,
  ExtraKey,
  EntryMatch,
  AwsAuthMatch,
} from './identity.js';
export { NODE_ENTRY_TYPES, isNodeEntryType, nodeUsername, nodeGroups, nodeTypeForRow } from './nodes.js';
export type { NodeEntryType } from './nodes.js';
export { planAwsAuthMigration, viewAfterMigration, modeTransitions, formatMigrationPlan } from './migrate.js';
export type {
  MigrationInput,
  MigrationPlan,
  MigrationTarget,
  PlanItem,
  PlanProblem,
  ProblemCode,
  ItemStatus,
  ProposedEntry,
  ProposedPolicy,
  ResolvePrincipal,
  ResolvedPrincipal,
} from './migrate.js';
