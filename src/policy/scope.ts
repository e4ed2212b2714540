/**
 * Access scopes (`AccessScope {type, namespaces}`) and namespace patterns.
 *
 * Pattern grammar (EKS documents only `dev-*`; everything beyond is our decision):
 * - `name`   — exactly that namespace (a DNS-1123 label).
 * - `prefix*` — every namespace starting with `prefix` (including `prefix` itself
 *   when that is a valid name). The prefix must be a valid start of a label.
 * - `*` alone — every namespace. It is still a *namespace* scope: it never covers
 *   cluster-scoped resources, non-resource URLs, or cluster-wide requests such as
 *   `list pods -A` (namespace ""). Use cluster scope for those.
 * - A `*` anywhere else (`*-dev`, `a*b`, `dev-**`) is rejected by validation; if
 *   such a pattern reaches matching anyway it is compared literally and, since
 *   namespace names cannot contain `*`, matches nothing.
 */
import type { AccessScopeType } from './catalogue.js';

export interface AccessScope {
  readonly type: AccessScopeType;
  /** Always `[]` for cluster scope (as EKS returns it). */
  readonly namespaces: readonly string[];
}

/** True when namespace-scope `pattern` covers the request namespace `ns`. */
export function namespaceMatches(pattern: string, ns: string): boolean {
  if (ns === '') return false;
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === ns;
  if (star !== pattern.length - 1) return pattern === ns;
  return ns.startsWith(pattern.slice(0, star));
}

/** True when any pattern of a namespace scope covers `ns`. */
export function scopeCoversNamespace(scope: AccessScope, ns: string): boolean {
  if (scope.type === 'cluster') return true;
  for (const p of scope.namespaces) if (namespaceMatches(p, ns)) return true;
  return false;
}

export type AccessScopeErrorCode =
  | 'InvalidScope'
  | 'InvalidScopeType'
  | 'MissingNamespaces'
  | 'UnexpectedNamespaces'
  | 'InvalidNamespaces'
  | 'EmptyNamespace'
  | 'InvalidNamespace'
  | 'DuplicateNamespace';

/**
 * A rejected access scope. Branch on `code`; `message` is for humans.
 * EKS's own texts for these cases are UNCONFIRMED (eks-access §12): ours are
 * written in EKS's style and the API layer maps every code to
 * InvalidParameterException.
 */
export class AccessScopeError extends Error {
  override readonly name = 'AccessScopeError';
  constructor(
    readonly code: AccessScopeErrorCode,
    message: string,
    /** The offending namespace, when there is one. */
    readonly namespace?: string,
  ) {
    super(message);
  }
}

export type AccessScopeResult = { readonly ok: true; readonly scope: AccessScope } | { readonly ok: false; readonly error: AccessScopeError };

const LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9][-a-z0-9]*$/;
const MAX_LABEL = 63;
const SHOWN = 80; // echo at most this much of a bad value back

/** Valid namespace pattern per the grammar above. */
export function isValidNamespacePattern(p: string): boolean {
  if (p === '*') return true;
  if (p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return prefix.length <= MAX_LABEL && LABEL_PREFIX.test(prefix);
  }
  return p.length <= MAX_LABEL && LABEL.test(p);
}

/**
 * Validates a wire-format access scope (`{type, namespaces}`) and normalises it:
 * cluster scope gets `namespaces: []`; namespace scope keeps the caller's order.
 * Absent or `null` namespaces count as none.
 */
export function validateAccessScope(input: unknown): AccessScopeResult {
  const fail = (code: AccessScopeErrorCode, message: string, namespace?: string): AccessScopeResult => ({
    ok: false,
    error: new AccessScopeError(code, message, namespace),
  });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail('InvalidScope', 'The access scope must be an object with a type and, for namespace scope, namespaces.');
  }
  const { type, namespaces } = input as { type?: unknown; namespaces?: unknown };
  if (type !== 'cluster' && type !== 'namespace') {
    return fail('InvalidScopeType', `The access scope type ${describe(type)} is not valid. Valid values are [cluster, namespace].`);
  }
  if (namespaces !== undefined && namespaces !== null && !Array.isArray(namespaces)) {
    return fail('InvalidNamespaces', 'The access scope namespaces must be a list of namespace names.');
  }
  const list: unknown[] = Array.isArray(namespaces) ? namespaces : [];
  if (type === 'cluster') {
    if (list.length > 0) return fail('UnexpectedNamespaces', 'Namespaces cannot be specified when the access scope type is cluster.');
    return { ok: true, scope: Object.freeze({ type, namespaces: Object.freeze([]) }) };
  }
  if (list.length === 0) return fail('MissingNamespaces', 'At least one namespace must be specified when the access scope type is namespace.');
  const seen = new Set<string>();
  for (const ns of list) {
    if (typeof ns !== 'string') return fail('InvalidNamespace', `The namespace ${describe(ns)} is not valid. Namespaces must be strings.`);
    if (ns === '') return fail('EmptyNamespace', 'Namespace names in an access scope cannot be empty.', ns);
    if (!isValidNamespacePattern(ns)) {
      return fail(
        'InvalidNamespace',
        `The namespace ${describe(ns)} is not valid. A namespace must be a lowercase RFC 1123 label of at most 63 characters ` +
          `(a-z, 0-9, '-', starting and ending with an alphanumeric character), optionally ending in a single '*' wildcard.`,
        ns,
      );
    }
    if (seen.has(ns)) return fail('DuplicateNamespace', `The namespace ${describe(ns)} is specified more than once.`, ns);
    seen.add(ns);
  }
  return { ok: true, scope: Object.freeze({ type, namespaces: Object.freeze([...(list as string[])]) }) };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > SHOWN ? `${v.slice(0, SHOWN)}…` : v);
  if (v === undefined) return '(missing)';
  if (v === null) return 'null';
  return Array.isArray(v) ? 'of type array' : `of type ${typeof v}`;
}
