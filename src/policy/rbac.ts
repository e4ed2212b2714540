/**
 * Kubernetes RBAC rule matching, with the exact semantics of upstream
 * `pkg/apis/rbac/v1/evaluation_helpers.go` (k8s-authn-authz §3.2).
 *
 * EKS access policies are published as RBAC rules and EKS's audit reasons use
 * RBAC vocabulary, so these predicates are the evaluation model for policies
 * (eks-access Appendix A). They are deliberately tiny and allocation-free; the
 * engine compiles rules into indexes for the hot path and these stay the
 * reference implementation it is tested against.
 */

/** One RBAC `PolicyRule` (rbac.authorization.k8s.io/v1 JSON shape). */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

/** Attributes of a request for an API object (SubjectAccessReview `resourceAttributes`). */
export interface ResourceAttributes {
  /** `""` for cluster-scoped resources and for cluster-wide lists (`-A`). */
  readonly namespace: string;
  readonly verb: string;
  /** `""` is the core group. */
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  /** `""` for requests without a name (create, list, watch, deletecollection). */
  readonly name: string;
}

/** Attributes of a request for a non-resource URL (SubjectAccessReview `nonResourceAttributes`). */
export interface NonResourceAttributes {
  readonly path: string;
  readonly verb: string;
}

/** What an authorizer is asked about; narrow with `isNonResourceRequest`. */
export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

export function isNonResourceRequest(attrs: RequestAttributes): attrs is NonResourceAttributes {
  return 'path' in attrs;
}

/** `resource` or `resource/subresource`, the string RBAC rules are matched against. */
export function combinedResource(resource: string, subresource: string): string {
  return subresource === '' ? resource : `${resource}/${subresource}`;
}

const EMPTY: readonly string[] = [];

/** Verbs are opaque strings: `*` or exact (case-sensitive) equality. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs) if (v === '*' || v === verb) return true;
  return false;
}

/** `*` or exact equality; `""` is the core group. */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  for (const g of rule.apiGroups ?? EMPTY) if (g === '*' || g === group) return true;
  return false;
}

/**
 * `*` matches everything (subresources included); otherwise the rule must equal
 * the combined `resource/subresource` exactly, or be `*\/<subresource>` when the
 * request has a subresource. `pods/*` is not a wildcard (it only equals a
 * request whose subresource is literally `*`), and `pods` does not cover `pods/log`.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? EMPTY) {
    if (r === '*' || r === combined) return true;
    if (subresource !== '' && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** No names = every name; otherwise exact membership, so nameless requests never match. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames;
  if (names === undefined || names.length === 0) return true;
  return names.includes(name);
}

/**
 * `*`, exact path, or a rule ending in `*` used as a prefix after trimming all
 * trailing `*`s (so `/healthz/*` matches `/healthz/` and `/healthz/x`, not `/healthz`).
 */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? EMPTY) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(trimTrailingStars(u))) return true;
  }
  return false;
}

export function trimTrailingStars(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 42 /* '*' */) end--;
  return s.slice(0, end);
}

/** Upstream `RuleAllows`: all four resource predicates, or verb + URL for non-resource requests. */
export function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  if (isNonResourceRequest(attrs)) return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path);
  return (
    verbMatches(rule, attrs.verb) &&
    apiGroupMatches(rule, attrs.group) &&
    resourceMatches(rule, combinedResource(attrs.resource, attrs.subresource), attrs.subresource) &&
    resourceNameMatches(rule, attrs.name)
  );
}

/** True when any rule allows; the uncompiled reference the engine must agree with. */
export function rulesAllow(rules: readonly PolicyRule[], attrs: RequestAttributes): boolean {
  for (const rule of rules) if (ruleAllows(rule, attrs)) return true;
  return false;
}
