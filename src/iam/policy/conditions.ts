/**
 * Condition operators (IAM "Condition element" semantics), pure.
 *
 * Supported: String{Equals,NotEquals,EqualsIgnoreCase,NotEqualsIgnoreCase,Like,NotLike},
 * Arn{Equals,NotEquals,Like,NotLike}, Bool, Null, Numeric{Equals,NotEquals,LessThan,
 * LessThanEquals,GreaterThan,GreaterThanEquals}, Date{…same six}, IpAddress, NotIpAddress; each
 * with the `IfExists` suffix and the `ForAnyValue:` / `ForAllValues:` set qualifiers.
 *
 * Rules: keys within an operator block, and operator blocks, are ANDed; the values listed for a
 * key are ORed. An absent key makes a positive operator false and a negated one (`…Not…`,
 * NotIpAddress) true; `…IfExists` makes any operator true on an absent key. `ForAllValues` is true
 * on an absent or empty key, `ForAnyValue` false. A multi-valued key without a qualifier behaves
 * like ForAnyValue for positive operators and like "no value matches" for negated ones.
 *
 * Anything else (BinaryEquals, unknown names) is `unsupported`: the caller fails closed — an Allow
 * statement with such a condition does not apply, a Deny statement does.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { ConditionClause } from './document.js';
import type { ContextMap, ContextValue } from './match.js';
import { arnMatches, globMatch, substituteVariables } from './match.js';

export type ConditionResult = true | false | 'unsupported';

type Matcher = (contextValue: string, policyValue: string) => boolean | undefined;

const num = (s: string): number | undefined => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : undefined);
const date = (s: string): number | undefined => {
  if (/^\d+$/.test(s)) return Number(s) * 1000; // epoch seconds
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
};

function compare(parse: (s: string) => number | undefined, test: (a: number, b: number) => boolean): Matcher {
  return (c, p) => {
    const a = parse(c);
    const b = parse(p);
    return a === undefined || b === undefined ? false : test(a, b);
  };
}

function ipMatches(c: string, p: string): boolean {
  const ip = c.trim();
  const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
  if (!family) return false;
  const [net, bitsRaw] = p.trim().split('/');
  if (!net) return false;
  const netFamily = isIPv4(net) ? 'ipv4' : isIPv6(net) ? 'ipv6' : undefined;
  if (netFamily !== family) return false;
  const bits = bitsRaw === undefined ? (family === 'ipv4' ? 32 : 128) : Number(bitsRaw);
  if (!Number.isInteger(bits) || bits < 0 || bits > (family === 'ipv4' ? 32 : 128)) return false;
  const list = new BlockList();
  list.addSubnet(net, bits, family);
  return list.check(ip, family);
}

/** Positive matchers; negated operators are the "no policy value matches" of their positive twin. */
const POSITIVE: Record<string, Matcher> = {
  stringequals: (c, p) => c === p,
  stringequalsignorecase: (c, p) => c.toLowerCase() === p.toLowerCase(),
  stringlike: (c, p) => globMatch(p, c),
  arnequals: (c, p) => arnMatches(p, c),
  arnlike: (c, p) => arnMatches(p, c),
  bool: (c, p) => c.toLowerCase() === p.toLowerCase(),
  numericequals: compare(num, (a, b) => a === b),
  numericlessthan: compare(num, (a, b) => a < b),
  numericlessthanequals: compare(num, (a, b) => a <= b),
  numericgreaterthan: compare(num, (a, b) => a > b),
  numericgreaterthanequals: compare(num, (a, b) => a >= b),
  dateequals: compare(date, (a, b) => a === b),
  datelessthan: compare(date, (a, b) => a < b),
  datelessthanequals: compare(date, (a, b) => a <= b),
  dategreaterthan: compare(date, (a, b) => a > b),
  dategreaterthanequals: compare(date, (a, b) => a >= b),
  ipaddress: ipMatches,
};

const NEGATED: Record<string, string> = {
  stringnotequals: 'stringequals',
  stringnotequalsignorecase: 'stringequalsignorecase',
  stringnotlike: 'stringlike',
  arnnotequals: 'arnequals',
  arnnotlike: 'arnlike',
  numericnotequals: 'numericequals',
  datenotequals: 'dateequals',
  notipaddress: 'ipaddress',
};

interface Operator {
  matcher: Matcher;
  negated: boolean;
  ifExists: boolean;
  set: 'any' | 'all' | undefined;
  isNull: boolean;
}

function parseOperator(raw: string): Operator | undefined {
  let name = raw;
  let set: Operator['set'];
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const q = name.slice(0, colon).toLowerCase();
    if (q === 'foranyvalue') set = 'any';
    else if (q === 'forallvalues') set = 'all';
    else return undefined;
    name = name.slice(colon + 1);
  }
  let lower = name.toLowerCase();
  let ifExists = false;
  if (lower.endsWith('ifexists')) {
    ifExists = true;
    lower = lower.slice(0, -'ifexists'.length);
  }
  if (lower === 'null') return { matcher: () => false, negated: false, ifExists: false, set, isNull: true };
  const positive = NEGATED[lower];
  const matcher = POSITIVE[positive ?? lower];
  if (!matcher) return undefined;
  return { matcher, negated: positive !== undefined, ifExists, set, isNull: false };
}

export const isSupportedOperator = (raw: string): boolean => parseOperator(raw) !== undefined;

const asStrings = (v: ContextValue): string[] => (Array.isArray(v) ? [...(v as readonly string[])] : [String(v)]);

/** Evaluates one clause against the context. `variables`: 2012-10-17 documents substitute `${…}`. */
export function evaluateClause(clause: ConditionClause, context: ContextMap, variables: boolean): ConditionResult {
  const op = parseOperator(clause.operator);
  if (!op) return 'unsupported';
  const value = context.get(clause.key.toLowerCase());
  const present = value !== undefined && !(Array.isArray(value) && value.length === 0);

  if (op.isNull) {
    // {"Null": {"k": "true"}} — true when k is absent.
    const wantAbsent = clause.values.some((v) => v.toLowerCase() === 'true');
    const wantPresent = clause.values.some((v) => v.toLowerCase() === 'false');
    return (wantAbsent && !present) || (wantPresent && present);
  }

  const policyValues: string[] = [];
  for (const v of clause.values) {
    const s = variables ? substituteVariables(v, context) : v;
    if (s !== undefined) policyValues.push(s);
  }
  /** One context value against the listed values: positive = any matches, negated = none does. */
  const single = (c: string): boolean => {
    const any = policyValues.some((p) => op.matcher(c, p) === true);
    return op.negated ? !any : any;
  };

  if (op.set === 'all') return !present || asStrings(value as ContextValue).every(single);
  if (op.set === 'any') return present && asStrings(value as ContextValue).some(single);
  if (!present) return op.ifExists || op.negated;
  const values = asStrings(value as ContextValue);
  return op.negated ? values.every(single) : values.some(single);
}

/** ANDs every clause. false wins over unsupported, unsupported over true. */
export function evaluateConditions(clauses: readonly ConditionClause[], context: ContextMap, variables: boolean): ConditionResult {
  let result: ConditionResult = true;
  for (const c of clauses) {
    const r = evaluateClause(c, context, variables);
    if (r === false) return false;
    if (r === 'unsupported') result = 'unsupported';
  }
  return result;
}
