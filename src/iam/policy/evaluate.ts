/**
 * Identity-policy evaluation (IAM "policy evaluation logic", single account, no boundaries or
 * session policies): an explicit Deny in any statement wins; otherwise some Allow must apply;
 * otherwise the request is implicitly denied. Pure.
 */
import type { PolicyDocument, Statement } from './document.js';
import { evaluateConditions } from './conditions.js';
import type { ContextMap, ContextValue } from './match.js';
import { actionMatches, resourceMatches, substituteVariables } from './match.js';

export interface AccessRequest {
  /** `service:Action`, e.g. `eks:CreateAccessEntry`. */
  action: string;
  /** ARN of the resource, or `*` for actions without one. */
  resource: string;
  context: ContextMap;
}

export interface MatchedStatement {
  /** Index of the document in the list given to `evaluatePolicies`. */
  policy: number;
  statement: number;
  sid?: string;
}

export type Decision =
  | { effect: 'Allow'; by: MatchedStatement }
  | { effect: 'ExplicitDeny'; by: MatchedStatement }
  | { effect: 'ImplicitDeny' };

/** Builds a ContextMap from plain keys (any case). Undefined values are left out. */
export function contextMap(values: Record<string, ContextValue | undefined>): ContextMap {
  const m = new Map<string, ContextValue>();
  for (const [k, v] of Object.entries(values)) if (v !== undefined) m.set(k.toLowerCase(), v);
  return m;
}

function anyResourceMatches(patterns: readonly string[], resource: string, context: ContextMap, variables: boolean): boolean {
  return patterns.some((p) => {
    const s = variables ? substituteVariables(p, context) : p;
    return s !== undefined && resourceMatches(s, resource);
  });
}

/** Does the statement's Action/NotAction and Resource/NotResource cover the request? */
export function statementCovers(st: Statement, req: AccessRequest, variables: boolean): boolean {
  if (st.action && !st.action.some((a) => actionMatches(a, req.action))) return false;
  if (st.notAction && st.notAction.some((a) => actionMatches(a, req.action))) return false;
  if (st.resource && !anyResourceMatches(st.resource, req.resource, req.context, variables)) return false;
  if (st.notResource && anyResourceMatches(st.notResource, req.resource, req.context, variables)) return false;
  return true;
}

/**
 * Whether a statement applies. Conditions that cannot be evaluated (unsupported operators) fail
 * closed: the statement applies if it denies and does not if it allows.
 */
export function statementApplies(st: Statement, req: AccessRequest, variables: boolean): boolean {
  if (!statementCovers(st, req, variables)) return false;
  const c = evaluateConditions(st.conditions, req.context, variables);
  return c === 'unsupported' ? st.effect === 'Deny' : c;
}

export function evaluatePolicies(docs: readonly PolicyDocument[], req: AccessRequest): Decision {
  let allow: MatchedStatement | undefined;
  for (const [pi, doc] of docs.entries()) {
    const variables = doc.version === '2012-10-17';
    for (const [si, st] of doc.statements.entries()) {
      if (!statementApplies(st, req, variables)) continue;
      const by: MatchedStatement = { policy: pi, statement: si, ...(st.sid !== undefined ? { sid: st.sid } : {}) };
      if (st.effect === 'Deny') return { effect: 'ExplicitDeny', by };
      allow ??= by;
    }
  }
  return allow ? { effect: 'Allow', by: allow } : { effect: 'ImplicitDeny' };
}
