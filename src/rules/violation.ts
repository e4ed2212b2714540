/**
 * What a pure rule says when input breaks it: a stable code, the facts, and a sentence in the
 * wording of the service the rule comes from (EKS's where known). Never a wire error: each edge's
 * error table (aws/error-tables.ts) decides how a violation is answered in its protocol —
 * `invalid_parameter` as EKS's InvalidParameterException, `invalid_request` (the input is fine but
 * the resource's state forbids it) as InvalidRequestException.
 */
export type ViolationKind = 'invalid_parameter' | 'invalid_request';

export class RuleViolation extends Error {
  override readonly name = 'RuleViolation';
  constructor(
    /** Stable and specific, e.g. `username_reserved`; callers and tests branch on it. */
    readonly code: string,
    message: string,
    readonly kind: ViolationKind = 'invalid_parameter',
    readonly facts: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const isRuleViolation = (e: unknown): e is RuleViolation => e instanceof RuleViolation;

/** A rule's answer for callers that collect problems instead of stopping at the first (the migration planner). */
export type Checked<T> = { ok: true; value: T } | { ok: false; violation: RuleViolation };

export const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
export const violated = (code: string, message: string, kind: ViolationKind = 'invalid_parameter', facts: Record<string, unknown> = {}): Checked<never> => ({
  ok: false,
  violation: new RuleViolation(code, message, kind, facts),
});

/** For callers that stop at the first violation (the domain services). */
export function must<T>(c: Checked<T>): T {
  if (!c.ok) throw c.violation;
  return c.value;
}
