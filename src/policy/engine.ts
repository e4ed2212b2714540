/**
 * The access-policy decision engine behind the SubjectAccessReview webhook.
 *
 * Like EKS, it only ever allows or has no opinion — it never denies — so RBAC
 * in the cluster still decides everything the policies do not grant.
 *
 * Scopes follow RBAC binding semantics (eks-access §5.2, INFERRED there):
 * - `cluster` ≈ a ClusterRoleBinding of the policy: every request, including
 *   cluster-scoped resources and non-resource URLs.
 * - `namespace` ≈ a RoleBinding of the policy in each matching namespace: only
 *   requests whose namespace attribute is non-empty and matches a pattern. So no
 *   cluster-scoped resources, no non-resource URLs, no cluster-wide lists
 *   (`list pods -A` has namespace ""). RBAC's quirk carries over: `get
 *   namespaces/<ns>` has namespace `<ns>`, so a namespace scope on `<ns>` with a
 *   policy that grants `namespaces` lets you read that one namespace object.
 *
 * Evaluation order mirrors the RBAC authorizer: cluster-scope grants first, then
 * namespace-scope grants, each in the order given; the first grant that allows
 * names itself in the reason.
 *
 * Cost: compile once per principal (callers index compiled grants by principal,
 * so the number of principals or clusters never enters a decision); a decision
 * is a few map lookups per grant. Compiled policies are memoised by policy name,
 * so any number of associations of one policy share one index.
 */
import { getAccessPolicy, parseAccessPolicyArn } from './catalogue.js';
import type { PolicyRule, RequestAttributes } from './rbac.js';
import { isNonResourceRequest } from './rbac.js';
import type { RuleIndex } from './ruleindex.js';
import { compileRules, indexAllowsNonResource, indexAllowsResource } from './ruleindex.js';
import type { AccessScope } from './scope.js';
import { namespaceMatches } from './scope.js';

export type { RequestAttributes, ResourceAttributes, NonResourceAttributes } from './rbac.js';

/** One access policy association of one access entry. */
export interface Grant {
  /** The access entry's IAM principal ARN (as stored, e.g. `arn:aws:iam::111122223333:role/dev`). */
  readonly principalArn: string;
  /** The IAM unique ID (`AROA…`/`AIDA…`) the caller authenticated as. */
  readonly principalId: string;
  readonly policyArn: string;
  readonly scope: AccessScope;
}

export type Decision =
  | { readonly allowed: true; readonly reason: string; readonly grant: Grant }
  | { readonly allowed: false };

/** Why a grant can never allow anything; useful for diagnostics (`entryway doctor`). */
export type InertReason =
  /** The policy ARN is not in the catalogue. */
  | 'UnknownPolicy'
  /** AWS publishes no rules for the policy (`rulesDocumented: false`), so it grants nothing. */
  | 'RulesUndocumented'
  /** A namespace scope with no namespaces covers nothing. */
  | 'EmptyNamespaceScope';

export interface InertGrant {
  readonly grant: Grant;
  readonly reason: InertReason;
}

interface ClusterBinding {
  readonly rules: RuleIndex;
  /** Precomputed so a cluster-scope allow allocates nothing. */
  readonly decision: Decision & { allowed: true };
}

interface NamespaceBinding {
  readonly grant: Grant;
  readonly rules: RuleIndex;
  readonly exact: ReadonlySet<string>;
  readonly prefixes: readonly string[];
  readonly reasonHead: string;
  readonly reasonTail: string;
}

/** One principal's grants in evaluation form. Immutable; build with `compileGrants`. */
export interface CompiledGrants {
  readonly grants: readonly Grant[];
  readonly inert: readonly InertGrant[];
  readonly cluster: readonly ClusterBinding[];
  readonly namespaced: readonly NamespaceBinding[];
}

const NO_OPINION: Decision = Object.freeze({ allowed: false });

/** Compiled catalogue policies by name: immutable data derived from the immutable catalogue. */
const policyCache = new Map<string, { rules: readonly PolicyRule[]; index: RuleIndex; documented: boolean }>();

/** Catalogue rules for a policy ARN in any partition, compiled once per policy. */
function compiledPolicy(policyArn: string): { rules: readonly PolicyRule[]; index: RuleIndex; documented: boolean } | null {
  const name = parseAccessPolicyArn(policyArn)?.name;
  if (name === undefined) return null;
  let hit = policyCache.get(name);
  if (hit === undefined) {
    const policy = getAccessPolicy(policyArn);
    // Misses are not cached, so the cache is bounded by the catalogue size.
    if (policy === undefined) return null;
    hit = { rules: policy.rules, index: compileRules(policy.rules), documented: policy.rulesDocumented };
    policyCache.set(name, hit);
  }
  return hit;
}

/** The policy rules a grant carries (empty for unknown or undocumented policies). */
export function grantRules(grant: Grant): readonly PolicyRule[] {
  return compiledPolicy(grant.policyArn)?.rules ?? [];
}

/**
 * Compiles one principal's grants. Never throws: grants that cannot allow
 * anything are left out of evaluation and reported in `inert`. Scopes are
 * assumed validated (`validateAccessScope`); an invalid pattern is matched
 * literally and so matches nothing.
 */
export function compileGrants(grants: readonly Grant[]): CompiledGrants {
  // Copy only the grant fields, so store records passed in are neither retained nor frozen.
  const frozen: Grant[] = grants.map((g) =>
    Object.freeze({
      principalArn: g.principalArn,
      principalId: g.principalId,
      policyArn: g.policyArn,
      scope: Object.freeze({ type: g.scope.type, namespaces: Object.freeze([...g.scope.namespaces]) }),
    }),
  );
  const inert: InertGrant[] = [];
  const cluster: ClusterBinding[] = [];
  const namespaced: NamespaceBinding[] = [];
  for (const grant of frozen) {
    const policy = compiledPolicy(grant.policyArn);
    if (policy === null) {
      inert.push(Object.freeze({ grant, reason: 'UnknownPolicy' as const }));
      continue;
    }
    if (!policy.documented || policy.index.empty) {
      inert.push(Object.freeze({ grant, reason: 'RulesUndocumented' as const }));
      continue;
    }
    const { principalArn, principalId, policyArn } = grant;
    if (grant.scope.type === 'cluster') {
      const reason = `EKS Access Policy: allowed by ClusterRoleBinding "${principalArn}+${policyArn}" of ClusterRole "${policyArn}" to User "${principalId}"`;
      cluster.push(Object.freeze({ rules: policy.index, decision: Object.freeze({ allowed: true as const, reason, grant }) }));
      continue;
    }
    if (grant.scope.namespaces.length === 0) {
      inert.push(Object.freeze({ grant, reason: 'EmptyNamespaceScope' as const }));
      continue;
    }
    const exact = new Set<string>();
    const prefixes: string[] = [];
    for (const p of grant.scope.namespaces) {
      // Same grammar as namespaceMatches: only a single trailing `*` is a wildcard.
      if (p.length > 0 && p.indexOf('*') === p.length - 1) prefixes.push(p.slice(0, -1));
      else exact.add(p);
    }
    namespaced.push(
      Object.freeze({
        grant,
        rules: policy.index,
        exact,
        prefixes: Object.freeze(prefixes),
        // Namespace-scope wording is UNCONFIRMED; it follows RBAC's `RoleBinding "name/ns"` form.
        reasonHead: `EKS Access Policy: allowed by RoleBinding "${principalArn}+${policyArn}/`,
        reasonTail: `" of ClusterRole "${policyArn}" to User "${principalId}"`,
      }),
    );
  }
  return Object.freeze({ grants: Object.freeze(frozen), inert: Object.freeze(inert), cluster: Object.freeze(cluster), namespaced: Object.freeze(namespaced) });
}

/** Allow (with an EKS-style audit reason and the grant) or no opinion. Never deny. */
export function decide(compiled: CompiledGrants, attrs: RequestAttributes): Decision {
  // Indexed loops: measurably cheaper than iterators on this path.
  const cluster = compiled.cluster;
  if (isNonResourceRequest(attrs)) {
    for (let i = 0; i < cluster.length; i++) if (indexAllowsNonResource(cluster[i]!.rules, attrs)) return cluster[i]!.decision;
    return NO_OPINION;
  }
  for (let i = 0; i < cluster.length; i++) if (indexAllowsResource(cluster[i]!.rules, attrs)) return cluster[i]!.decision;
  const ns = attrs.namespace;
  if (ns === '') return NO_OPINION;
  const namespaced = compiled.namespaced;
  for (let i = 0; i < namespaced.length; i++) {
    const b = namespaced[i]!;
    if (inNamespace(b, ns) && indexAllowsResource(b.rules, attrs)) {
      return { allowed: true, reason: b.reasonHead + ns + b.reasonTail, grant: b.grant };
    }
  }
  return NO_OPINION;
}

function inNamespace(b: NamespaceBinding, ns: string): boolean {
  if (b.exact.has(ns)) return true;
  const prefixes = b.prefixes;
  for (let i = 0; i < prefixes.length; i++) if (ns.startsWith(prefixes[i]!)) return true;
  return false;
}

/** SelfSubjectRulesReview `resourceRules[]` item. */
export interface ResourceRule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** SelfSubjectRulesReview `nonResourceRules[]` item. */
export interface NonResourceRule {
  readonly verbs: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

export interface RulesForResult {
  readonly resourceRules: readonly ResourceRule[];
  readonly nonResourceRules: readonly NonResourceRule[];
}

/**
 * The rules that apply in `namespace`, in SelfSubjectRulesReview shape (for
 * `kubectl auth can-i --list`): cluster-scope grants always; namespace-scope
 * grants when `namespace` is non-empty and matches (their non-resource rules
 * never apply, so they are left out). `namespace` "" lists cluster grants only.
 * Identical rules from several grants are listed once.
 *
 * Note: EKS itself does not show access-policy rules in `can-i --list`
 * (eks-access §5.2); whether Entryway's own endpoint does is the caller's choice.
 */
export function rulesFor(compiledOrGrants: CompiledGrants | readonly Grant[], namespace: string): RulesForResult {
  const grants = isGrantList(compiledOrGrants) ? compiledOrGrants : compiledOrGrants.grants;
  const resourceRules: ResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  const seen = new Set<string>();
  const add = (rule: PolicyRule, withUrls: boolean): void => {
    const key = JSON.stringify([rule.verbs, rule.apiGroups, rule.resources, rule.resourceNames, rule.nonResourceURLs]);
    if (seen.has(key)) return;
    if (rule.nonResourceURLs !== undefined) {
      if (!withUrls) return;
      nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
    } else {
      const r: ResourceRule = { verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [] };
      resourceRules.push(rule.resourceNames && rule.resourceNames.length > 0 ? { ...r, resourceNames: rule.resourceNames } : r);
    }
    seen.add(key);
  };
  for (const g of grants) if (g.scope.type === 'cluster') for (const rule of grantRules(g)) add(rule, true);
  if (namespace !== '') {
    for (const g of grants) {
      if (g.scope.type !== 'namespace' || !g.scope.namespaces.some((p) => namespaceMatches(p, namespace))) continue;
      for (const rule of grantRules(g)) add(rule, false);
    }
  }
  return { resourceRules, nonResourceRules };
}

function isGrantList(v: CompiledGrants | readonly Grant[]): v is readonly Grant[] {
  return Array.isArray(v);
}
