/**
 * # iam — Entryway's own IAM and STS (offline identity provider)
 *
 * - accounts.ts: `bootstrap(store)` (primary account + `entryway-admin`), `createAccount(tx)`.
 * - credentials.ts / authenticate.ts: access key → secret + Caller; SigV4 request
 *   authentication and per-protocol AWS errors.
 * - authorize.ts: identity-policy authorization for EKS/IAM/STS actions (bootstrap admin is
 *   break-glass).
 * - policy/: the IAM policy language (parse, evaluate, trust, AWS managed policies as data).
 * - users.ts, roles.ts, policies.ts, sts.ts: the operations; operations.ts: the action table the
 *   query-protocol plugin (aws-query/) routes to.
 * - ids.ts: AWS-shaped IDs and secrets.
 */
export { bootstrap, createAccount, BOOTSTRAP_ADMIN_USER, ADMINISTRATOR_ACCESS } from './accounts.js';
export type { AccountCredentials, BootstrapResult, CreateAccountOptions } from './accounts.js';
export { resolveAccessKey, callerIdentity, userCaller, sessionCaller } from './credentials.js';
export type { CredentialFailure, ResolvedCredential, ResolveResult } from './credentials.js';
export {
  authenticateRequest,
  authenticateOrThrow,
  authFailureToAwsError,
  queryAuthError,
  restJsonAuthError,
  checkSessionToken,
  describeAuthFailure,
} from './authenticate.js';
export type { AuthFailure, AuthResult, Authenticated, AuthenticateOptions } from './authenticate.js';
export {
  authorize,
  evaluateAccess,
  accessDeniedError,
  identityPolicies,
  callerContext,
  isBootstrapAdmin,
  SETTING_BOOTSTRAP_ADMIN_ARN,
  SETTING_BOOTSTRAP_ADMIN_ID,
  SETTING_PRIMARY_ACCOUNT,
} from './authorize.js';
export type { AuthorizeRequest, AccessDecision } from './authorize.js';
export { findOperation, listOperations, API_VERSIONS } from './operations.js';
export type { Operation, QueryService } from './operations.js';
export type { IamContext } from './context.js';
export { iamError, iamMessages } from './errors.js';
export { assumeRoleAllowed, sessionDuration, issueSession } from './sts.js';
export * as ids from './ids.js';
export * as policy from './policy/index.js';
