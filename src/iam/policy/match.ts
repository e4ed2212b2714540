/**
 * The matching predicates of IAM policy evaluation (pure, each with its own test table):
 * - actions match case-insensitively, `*` any run of characters and `?` one character;
 * - resources match case-sensitively, ARN section by section (a wildcard never crosses the colon
 *   between partition, service, region and account; the resource section is everything after the
 *   fifth colon, so wildcards there span `/` and `:`); a lone `*` matches everything;
 * - policy variables `${aws:username}` etc. (2012-10-17 documents only) are replaced from the
 *   request context before matching; an unknown variable makes the element match nothing.
 */

export type ContextValue = string | number | boolean | readonly string[];
/** Request context keyed by lower-cased condition key (keys are case-insensitive in IAM). */
export type ContextMap = ReadonlyMap<string, ContextValue>;

const regexCache = new Map<string, RegExp>();

/** `*` → any run, `?` → one character, everything else literal. */
export function globToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = regexCache.get(cacheKey);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
    re = new RegExp(`^${body}$`, ignoreCase ? 'i' : '');
    if (regexCache.size > 5000) regexCache.clear();
    regexCache.set(cacheKey, re);
  }
  return re;
}

export const globMatch = (pattern: string, value: string, ignoreCase = false): boolean =>
  !pattern.includes('*') && !pattern.includes('?')
    ? ignoreCase
      ? pattern.toLowerCase() === value.toLowerCase()
      : pattern === value
    : globToRegExp(pattern, ignoreCase).test(value);

/** `iam:Get*` matches `iam:GetUser` and `IAM:getuser`. */
export const actionMatches = (pattern: string, action: string): boolean => globMatch(pattern, action, true);

/** Splits at the first five colons; the sixth section keeps any further colons. */
function arnSections(s: string): string[] {
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < 5; i++) {
    const c = rest.indexOf(':');
    if (c < 0) break;
    out.push(rest.slice(0, c));
    rest = rest.slice(c + 1);
  }
  out.push(rest);
  return out;
}

/** ARN-aware, case-sensitive glob match (also used by the Arn* condition operators). */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = arnSections(pattern);
  const a = arnSections(arn);
  if (p.length === 6 && a.length === 6) return p.every((section, i) => globMatch(section, a[i] as string));
  // A pattern with fewer sections (`arn:aws:*`) lets its last section take the rest of the ARN.
  if (p.length < 6 && a.length >= p.length) {
    const head = p.slice(0, -1);
    const tail = a.slice(p.length - 1).join(':');
    return head.every((section, i) => globMatch(section, a[i] as string)) && globMatch(p[p.length - 1] as string, tail);
  }
  return false;
}

export const resourceMatches = arnMatches;

const VARIABLE = /\$\{([^}]*)\}/g;

/**
 * Replaces `${key}` (and the escapes `${*}`, `${?}`, `${$}`) from the context. Returns undefined
 * when a variable has no single string value, so the element cannot match.
 */
export function substituteVariables(s: string, context: ContextMap): string | undefined {
  if (!s.includes('${')) return s;
  let missing = false;
  // Known divergence: IAM matches the escapes `${*}`/`${?}` literally; here they become the
  // character itself, which then globs. Nothing Entryway ships uses them.
  const out = s.replace(VARIABLE, (_m, inner: string) => {
    if (inner === '*' || inner === '?' || inner === '$') return inner;
    const [key, fallback] = splitDefault(inner);
    const v = context.get(key.toLowerCase());
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (fallback !== undefined) return fallback;
    missing = true;
    return '';
  });
  return missing ? undefined : out;
}

/** `${aws:username, 'nobody'}` — IAM's default-value form. */
function splitDefault(inner: string): [string, string | undefined] {
  const m = /^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(inner);
  return m ? [m[1] as string, m[2]] : [inner.trim(), undefined];
}
