/**
 * Effective permissions of a set of scoped rule lists, and an exact comparison
 * of two such sets — what a migration needs to prove, for example, that
 * "aws-auth group system:masters (ClusterRole cluster-admin)" and
 * "AmazonEKSClusterAdminPolicy at cluster scope" grant the same.
 *
 * Grants and Kubernetes ClusterRoles (`data/k8s-default-clusterroles.json`)
 * both become `ScopedRules`: a rule list bound at cluster scope
 * (ClusterRoleBinding) or to namespace patterns (RoleBindings).
 *
 * The comparison is RBAC's own `Covers` check (component-helpers
 * policy_comparator): each side is broken into atoms — one verb, one group, one
 * resource, one name (or all names) at one scope — and an atom is missing from
 * the other side unless a single rule there covers it, with `*` covered only by
 * `*` and `x/sub` also by `*\/sub`. It is exact on rules; it does not know which
 * resources are cluster-scoped, so a namespace-scope atom for e.g. `nodes`
 * counts even though no request can use it. Namespace patterns are compared
 * pattern by pattern (`dev-*` covers `dev-a` and `dev-a*`; `*` covers all).
 * Optional probe requests are decided on both sides with the plain predicates
 * of rbac.ts and reported where they differ.
 */
import type { Grant } from './engine.js';
import { grantRules } from './engine.js';
import type { PolicyRule, RequestAttributes } from './rbac.js';
import { apiGroupMatches, isNonResourceRequest, nonResourceURLMatches, resourceMatches, resourceNameMatches, rulesAllow, verbMatches } from './rbac.js';
import type { AccessScope } from './scope.js';
import { scopeCoversNamespace } from './scope.js';

export interface ScopedRules {
  /** Human label, e.g. the policy ARN or `ClusterRole/cluster-admin`. */
  readonly source: string;
  readonly scope: AccessScope;
  readonly rules: readonly PolicyRule[];
}

export type PermissionAtom =
  | {
      readonly kind: 'resource';
      /** `undefined` = cluster scope; otherwise the namespace pattern. */
      readonly namespace: string | undefined;
      readonly verb: string;
      readonly group: string;
      readonly resource: string;
      /** `undefined` = every name. */
      readonly resourceName: string | undefined;
      /** Readable, unique, sortable key (`cluster get deployments.apps`, `ns:dev-* create pods/exec`). */
      readonly key: string;
    }
  | { readonly kind: 'nonResource'; readonly verb: string; readonly url: string; readonly key: string };

export interface ProbeDifference {
  readonly attrs: RequestAttributes;
  readonly a: boolean;
  readonly b: boolean;
}

export interface PermissionComparison {
  readonly equivalent: boolean;
  /** Atoms A grants that B does not cover. */
  readonly onlyInA: readonly PermissionAtom[];
  /** Atoms B grants that A does not cover. */
  readonly onlyInB: readonly PermissionAtom[];
  /** Probes decided differently (only when probes were given). */
  readonly probeDifferences: readonly ProbeDifference[];
}

const CLUSTER: AccessScope = Object.freeze({ type: 'cluster', namespaces: Object.freeze([]) });

export function scopedRulesFromGrants(grants: readonly Grant[]): ScopedRules[] {
  return grants.map((g) => ({ source: g.policyArn, scope: g.scope, rules: grantRules(g) }));
}

/** A ClusterRole bound cluster-wide (default) or, via RoleBindings, in namespaces. */
export function scopedRulesFromClusterRole(role: { readonly name: string; readonly rules: readonly PolicyRule[] }, scope: AccessScope = CLUSTER): ScopedRules {
  return { source: `ClusterRole/${role.name}`, scope, rules: role.rules };
}

/** Every atom the set grants, de-duplicated and sorted by key. */
export function effectivePermissions(set: readonly ScopedRules[]): PermissionAtom[] {
  const out = new Map<string, PermissionAtom>();
  for (const entry of set) {
    const patterns: readonly (string | undefined)[] = entry.scope.type === 'cluster' ? [undefined] : entry.scope.namespaces;
    for (const rule of entry.rules) {
      for (const verb of rule.verbs) {
        if (entry.scope.type === 'cluster') {
          for (const url of rule.nonResourceURLs ?? []) {
            const key = `cluster ${verb} ${url}`;
            out.set(key, { kind: 'nonResource', verb, url, key });
          }
        }
        const names: readonly (string | undefined)[] = rule.resourceNames && rule.resourceNames.length > 0 ? rule.resourceNames : [undefined];
        for (const namespace of patterns) {
          for (const group of rule.apiGroups ?? []) {
            for (const resource of rule.resources ?? []) {
              for (const resourceName of names) {
                const key = `${namespace === undefined ? 'cluster' : `ns:${namespace}`} ${verb} ${resource}${group === '' ? '' : `.${group}`}${resourceName === undefined ? '' : ` name=${resourceName}`}`;
                out.set(key, { kind: 'resource', namespace, verb, group, resource, resourceName, key });
              }
            }
          }
        }
      }
    }
  }
  return [...out.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

/** Does namespace pattern `outer` cover every namespace pattern `inner` can match? */
function patternCovers(outer: string, inner: string): boolean {
  if (!outer.endsWith('*') || outer.indexOf('*') !== outer.length - 1) return outer === inner;
  const prefix = outer.slice(0, -1);
  return inner.startsWith(prefix);
}

function atomCovered(atom: PermissionAtom, set: readonly ScopedRules[]): boolean {
  for (const entry of set) {
    if (atom.kind === 'nonResource') {
      if (entry.scope.type !== 'cluster') continue;
      for (const rule of entry.rules) if (verbMatches(rule, atom.verb) && nonResourceURLMatches(rule, atom.url)) return true;
      continue;
    }
    if (atom.namespace !== undefined && entry.scope.type === 'namespace') {
      const inner = atom.namespace;
      if (!entry.scope.namespaces.some((p) => patternCovers(p, inner))) continue;
    } else if (entry.scope.type !== 'cluster') continue;
    const slash = atom.resource.indexOf('/');
    const sub = slash < 0 ? '' : atom.resource.slice(slash + 1);
    for (const rule of entry.rules) {
      if (!verbMatches(rule, atom.verb) || !apiGroupMatches(rule, atom.group) || !resourceMatches(rule, atom.resource, sub)) continue;
      const ruleHasNames = rule.resourceNames !== undefined && rule.resourceNames.length > 0;
      if (atom.resourceName === undefined ? !ruleHasNames : resourceNameMatches(rule, atom.resourceName)) return true;
    }
  }
  return false;
}

/** Does the set allow the request? Plain RBAC predicates plus binding semantics per scope. */
export function scopedRulesAllow(set: readonly ScopedRules[], attrs: RequestAttributes): boolean {
  for (const entry of set) {
    if (entry.scope.type === 'namespace') {
      if (isNonResourceRequest(attrs) || attrs.namespace === '' || !scopeCoversNamespace(entry.scope, attrs.namespace)) continue;
    }
    if (rulesAllow(entry.rules, attrs)) return true;
  }
  return false;
}

export function comparePermissions(a: readonly ScopedRules[], b: readonly ScopedRules[], options: { readonly probes?: readonly RequestAttributes[] } = {}): PermissionComparison {
  const onlyInA = effectivePermissions(a).filter((atom) => !atomCovered(atom, b));
  const onlyInB = effectivePermissions(b).filter((atom) => !atomCovered(atom, a));
  const probeDifferences: ProbeDifference[] = [];
  for (const attrs of options.probes ?? []) {
    const inA = scopedRulesAllow(a, attrs);
    const inB = scopedRulesAllow(b, attrs);
    if (inA !== inB) probeDifferences.push({ attrs, a: inA, b: inB });
  }
  return { equivalent: onlyInA.length === 0 && onlyInB.length === 0 && probeDifferences.length === 0, onlyInA, onlyInB, probeDifferences };
}
