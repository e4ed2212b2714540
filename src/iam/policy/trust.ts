/**
 * Role trust policy evaluation for sts:AssumeRole (pure).
 *
 * A trust statement names who may assume the role:
 * - `*` (or `{"AWS": "*"}`): anyone — a direct grant;
 * - a specific IAM user or role ARN (path included, exact), or an assumed-role session ARN: a
 *   direct grant to that principal (a role ARN covers every session of the role);
 * - an account (`123456789012` or `arn:aws:iam::123456789012:root`): delegation to that account —
 *   the caller's own identity policies must then also allow sts:AssumeRole on the role.
 * Service and Federated principals never match an IAM caller (Entryway has no
 * AssumeRoleWithWebIdentity/SAML). Explicit Deny statements win. The caller decides what a
 * delegation or a cross-account grant further needs (see iam/sts.ts).
 */
import type { PolicyDocument, PrincipalSpec } from './document.js';
import { statementApplies } from './evaluate.js';
import type { ContextMap } from './match.js';

export interface TrustCaller {
  accountId: string;
  /** ARN as presented (user ARN, or the assumed-role session ARN). */
  arn: string;
  /** IAM principal: user ARN, or the role ARN (with path) behind a session. */
  principalArn: string;
}

export type TrustMatch = 'principal' | 'account';

export type TrustDecision = { effect: 'Allow'; via: TrustMatch } | { effect: 'ExplicitDeny' } | { effect: 'ImplicitDeny' };

const accountOfRoot = (p: string): string | undefined => /^arn:[a-z-]+:iam::(\d{12}):root$/.exec(p)?.[1];

/** How (if at all) a Principal element names the caller. */
export function principalMatches(spec: PrincipalSpec, caller: TrustCaller): TrustMatch | undefined {
  if (spec.any) return 'principal';
  let result: TrustMatch | undefined;
  for (const p of spec.aws) {
    if (p === caller.principalArn || p === caller.arn) return 'principal';
    if (p === caller.accountId || accountOfRoot(p) === caller.accountId) result = 'account';
  }
  return result;
}

export function evaluateTrust(
  doc: PolicyDocument,
  caller: TrustCaller,
  request: { action: string; roleArn: string; context: ContextMap },
): TrustDecision {
  const variables = doc.version === '2012-10-17';
  let via: TrustMatch | undefined;
  for (const st of doc.statements) {
    let match: TrustMatch | undefined;
    if (st.principal) match = principalMatches(st.principal, caller);
    else if (st.notPrincipal) match = principalMatches(st.notPrincipal, caller) ? undefined : 'principal';
    if (!match) continue;
    if (!statementApplies(st, { action: request.action, resource: request.roleArn, context: request.context }, variables)) continue;
    if (st.effect === 'Deny') return { effect: 'ExplicitDeny' };
    if (via !== 'principal') via = match;
  }
  return via ? { effect: 'Allow', via } : { effect: 'ImplicitDeny' };
}
