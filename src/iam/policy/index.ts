/**
 * # iam/policy — IAM policy language (pure)
 * document.ts parses and validates; match.ts holds the action/resource/variable predicates;
 * conditions.ts the condition operators (fail-closed on unsupported ones); evaluate.ts the
 * identity-policy decision; trust.ts role trust for AssumeRole; managed.ts the AWS managed
 * policies as data.
 */
export { parsePolicy, PolicyParseError } from './document.js';
export type { PolicyDocument, PolicyKind, Statement, PrincipalSpec, ConditionClause, Effect, PolicyVersion } from './document.js';
export { actionMatches, resourceMatches, arnMatches, globMatch, substituteVariables } from './match.js';
export type { ContextMap, ContextValue } from './match.js';
export { evaluateClause, evaluateConditions, isSupportedOperator } from './conditions.js';
export type { ConditionResult } from './conditions.js';
export { evaluatePolicies, statementApplies, statementCovers, contextMap } from './evaluate.js';
export type { AccessRequest, Decision, MatchedStatement } from './evaluate.js';
export { evaluateTrust, principalMatches } from './trust.js';
export type { TrustCaller, TrustDecision, TrustMatch } from './trust.js';
export { getAwsManagedPolicy, listAwsManagedPolicies, isAwsManagedArn, AWS_MANAGED_POLICY_PREFIX } from './managed.js';
