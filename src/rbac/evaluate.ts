/**
 * Kubernetes RBAC over one cluster's snapshot, with upstream's semantics (k8s-authn-authz §3,
 * `plugin/pkg/auth/authorizer/rbac` and the aggregation controller):
 * - ClusterRoleBindings apply to every request; a RoleBinding only to requests whose namespace is
 *   its own (so never to cluster-scoped resources, non-resource URLs or `-A` lists). A RoleBinding
 *   may refer to a ClusterRole, whose rules then apply in that namespace only.
 * - Subjects: User by exact name, Group by membership, ServiceAccount as the username
 *   `system:serviceaccount:<ns>:<name>` (namespace defaulting to the RoleBinding's).
 * - A binding to a role that does not exist grants nothing (listed in `warnings`).
 * - ClusterRoles with an `aggregationRule` get the union of the rules of the ClusterRoles their
 *   selectors match (sorted by name, itself excluded, duplicates dropped), repeated until nothing
 *   changes — what the controller converges to. A complete snapshot of a live cluster gives back the
 *   rules it already shows; a hand-written one gets them filled in.
 * - Default ClusterRoles and ClusterRoleBindings (defaults.ts) are added when the snapshot lacks
 *   them by name: every cluster has them.
 * `system:masters` and access policies are not RBAC; authz/effective.ts joins them.
 * Pure: no I/O. Built once per snapshot; a decision is a few map lookups plus the candidate
 * bindings' rules.
 */
import type { PolicyRule, RequestAttributes } from '../policy/rbac.js';
import { isNonResourceRequest, ruleAllows } from '../policy/rbac.js';
import { DEFAULT_CLUSTER_ROLE_BINDINGS, DEFAULT_CLUSTER_ROLES } from './defaults.js';
import type { LabelSelector, RbacBinding, RbacObjects, RbacRole, RbacSubject } from './objects.js';

/** Whether a selector matches a label set (metav1.LabelSelector semantics; `{}` matches all). */
export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(val!)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(val!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

const ruleKey = (r: PolicyRule): string => JSON.stringify([r.verbs, r.apiGroups ?? null, r.resources ?? null, r.resourceNames ?? null, r.nonResourceURLs ?? null]);

/**
 * ClusterRoles with their aggregated rules, as the controller leaves them. Returns new role objects
 * for aggregated ones; others are returned as they are.
 */
export function aggregateClusterRoles(roles: readonly RbacRole[]): RbacRole[] {
  const cluster = roles.filter((r) => r.kind === 'ClusterRole').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const current = new Map<string, RbacRole>(cluster.map((r) => [r.name, r]));
  const aggregated = cluster.filter((r) => r.aggregationRule);
  // Each round can only lengthen a chain by one; bounded so a cycle of selectors cannot spin.
  for (let round = 0; round <= aggregated.length; round++) {
    let changed = false;
    for (const agg of aggregated) {
      const rules: PolicyRule[] = [];
      const seen = new Set<string>();
      for (const sel of agg.aggregationRule!.clusterRoleSelectors) {
        for (const src of current.values()) {
          if (src.name === agg.name || !selectorMatches(sel, src.labels)) continue;
          for (const r of src.rules) {
            const k = ruleKey(r);
            if (!seen.has(k)) {
              seen.add(k);
              rules.push(r);
            }
          }
        }
      }
      const before = current.get(agg.name)!;
      if (before.rules.length !== rules.length || before.rules.some((r, i) => ruleKey(r) !== ruleKey(rules[i]!))) {
        current.set(agg.name, { ...before, rules });
        changed = true;
      }
    }
    if (!changed) break;
  }
  return roles.map((r) => (r.kind === 'ClusterRole' ? current.get(r.name)! : r));
}

/** One binding with its role's effective rules. */
export interface ResolvedBinding {
  readonly binding: RbacBinding;
  /** The role's rules (aggregated); empty when the role is missing. */
  readonly rules: readonly PolicyRule[];
  readonly roleFound: boolean;
  /** Came from the defaults, not from the snapshot. */
  readonly builtIn: boolean;
}

/** How a request is allowed through RBAC: binding → role → rule, for the subject that matched. */
export interface RbacPath {
  readonly binding: { kind: RbacBinding['kind']; name: string; namespace?: string };
  readonly role: { kind: RbacRole['kind']; name: string };
  readonly subject: RbacSubject;
  readonly rule: PolicyRule;
  /** The binding is one of the cluster's defaults, not in the imported snapshot. */
  readonly builtIn: boolean;
  /** The User subject only matches some sessions of a templated username (who-can, reports). */
  readonly conditional?: string;
}

/** kube-apiserver's wording: `ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`. */
export function describeRbacPath(p: Pick<RbacPath, 'binding' | 'role' | 'subject'>): string {
  const b = p.binding.namespace ? `${p.binding.name}/${p.binding.namespace}` : p.binding.name;
  const s = p.subject.kind === 'ServiceAccount' ? `${p.subject.namespace ?? p.binding.namespace ?? ''}/${p.subject.name}` : p.subject.name;
  return `${p.binding.kind} "${b}" of ${p.role.kind} "${p.role.name}" to ${p.subject.kind} "${s}"`;
}

/** Who is asking, for subject matching. `user` says whether a User subject's name is theirs. */
export interface RbacWho {
  /** 'yes', 'no', or a condition (a templated username matching only some sessions). */
  user: (name: string) => 'yes' | 'no' | { condition: string };
  groups: ReadonlySet<string>;
  /** The exact username, when there is one: only its bindings are looked at (no scan). */
  exact?: string;
}

export const exactWho = (username: string, groups: readonly string[]): RbacWho => ({ user: (n) => (n === username ? 'yes' : 'no'), groups: new Set(groups), exact: username });

/** The namespace a ServiceAccount subject means (RoleBindings default it to their own). */
function saNamespace(s: RbacSubject, b: RbacBinding): string | undefined {
  return s.namespace ?? b.namespace;
}

export class CompiledRbac {
  readonly bindings: readonly ResolvedBinding[];
  readonly roles: ReadonlyMap<string, RbacRole>;
  readonly warnings: readonly string[];
  /** Names of the defaults that were added because the snapshot lacked them. */
  readonly addedDefaults: readonly string[];

  constructor(objects: RbacObjects, opts: { defaults?: boolean } = {}) {
    const warnings: string[] = [];
    const added: string[] = [];
    const roles = [...objects.roles];
    const bindings = [...objects.bindings];
    const builtIn = new Set<RbacBinding>();
    if (opts.defaults !== false) {
      const haveRoles = new Set(roles.filter((r) => r.kind === 'ClusterRole').map((r) => r.name));
      for (const r of DEFAULT_CLUSTER_ROLES) {
        if (haveRoles.has(r.name)) continue;
        roles.push(r);
        added.push(`ClusterRole ${r.name}`);
      }
      const haveBindings = new Set(bindings.filter((b) => b.kind === 'ClusterRoleBinding').map((b) => b.name));
      for (const b of DEFAULT_CLUSTER_ROLE_BINDINGS) {
        if (haveBindings.has(b.name)) continue;
        bindings.push(b);
        builtIn.add(b);
        added.push(`ClusterRoleBinding ${b.name}`);
      }
    }
    const effective = aggregateClusterRoles(roles);
    const byKey = new Map<string, RbacRole>();
    for (const r of effective) byKey.set(roleKeyOf(r.kind, r.name, r.namespace), r);
    this.roles = byKey;
    // ClusterRoleBindings first, then RoleBindings: the order the RBAC authorizer visits them.
    const ordered = [...bindings.filter((b) => b.kind === 'ClusterRoleBinding'), ...bindings.filter((b) => b.kind === 'RoleBinding')];
    this.bindings = ordered.map((b) => {
      const role = byKey.get(roleKeyOf(b.roleRef.kind, b.roleRef.name, b.roleRef.kind === 'Role' ? b.namespace : undefined));
      if (!role) warnings.push(`${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name} refers to ${b.roleRef.kind} ${b.roleRef.name}, which does not exist: it grants nothing`);
      return { binding: b, rules: role?.rules ?? [], roleFound: role !== undefined, builtIn: builtIn.has(b) };
    });
    this.warnings = warnings;
    this.addedDefaults = added;
    for (let i = 0; i < this.bindings.length; i++) {
      const b = this.bindings[i]!.binding;
      for (const s of b.subjects) {
        const key = s.kind === 'Group' ? s.name : s.kind === 'User' ? s.name : saUsername(saNamespace(s, b), s.name);
        if (key === undefined) continue;
        const map = s.kind === 'Group' ? this.byGroup : this.byUser;
        const list = map.get(key);
        if (list) {
          if (list[list.length - 1] !== i) list.push(i);
        } else map.set(key, [i]);
      }
    }
  }

  /** Binding indexes by group subject, and by username (User subjects and ServiceAccounts). */
  private readonly byGroup = new Map<string, number[]>();
  private readonly byUser = new Map<string, number[]>();

  /** Every username a User or ServiceAccount subject names (who-can matches templates against these). */
  userSubjects(): IterableIterator<string> {
    return this.byUser.keys();
  }

  /** Namespaces that Roles and RoleBindings name (where namespaced rights can differ). */
  namespaces(): string[] {
    const s = new Set<string>();
    for (const b of this.bindings) if (b.binding.namespace) s.add(b.binding.namespace);
    return [...s].sort();
  }

  /** The subject of binding `b` that applies to `who`, with a condition when it only may. */
  private subjectFor(b: RbacBinding, who: RbacWho): { subject: RbacSubject; conditional?: string } | undefined {
    let maybe: { subject: RbacSubject; conditional: string } | undefined;
    for (const s of b.subjects) {
      if (s.kind === 'Group') {
        if (who.groups.has(s.name)) return { subject: s };
        continue;
      }
      const name = s.kind === 'User' ? s.name : saUsername(saNamespace(s, b), s.name);
      if (name === undefined) continue;
      const m = who.user(name);
      if (m === 'yes') return { subject: s };
      if (m !== 'no' && !maybe) maybe = { subject: s, conditional: m.condition };
    }
    return maybe;
  }

  /** Bindings that apply to `who`, in authorizer order, each with the subject that matched. */
  bindingsFor(who: RbacWho): Array<{ resolved: ResolvedBinding; subject: RbacSubject; conditional?: string }> {
    const idx = new Set<number>();
    for (const g of who.groups) for (const i of this.byGroup.get(g) ?? []) idx.add(i);
    for (const u of who.exact !== undefined ? [who.exact] : this.byUser.keys()) for (const i of this.byUser.get(u) ?? []) idx.add(i);
    const out: Array<{ resolved: ResolvedBinding; subject: RbacSubject; conditional?: string }> = [];
    for (const i of [...idx].sort((a, b) => a - b)) {
      const resolved = this.bindings[i]!;
      const m = this.subjectFor(resolved.binding, who);
      if (m) out.push({ resolved, ...m });
    }
    return out;
  }

  /** The first binding and rule that allow the request, or undefined (RBAC has no opinion). */
  decide(who: RbacWho, attrs: RequestAttributes): RbacPath | undefined {
    const ns = isNonResourceRequest(attrs) ? '' : attrs.namespace;
    for (const { resolved, subject, conditional } of this.bindingsFor(who)) {
      if (!appliesIn(resolved.binding, ns)) continue;
      for (const rule of resolved.rules) if (ruleAllows(rule, attrs)) return pathOf(resolved, subject, rule, conditional);
    }
    return undefined;
  }

  /** Rules that apply in `namespace` ("" = cluster-wide only), each with its path (can-i --list). */
  rulesFor(who: RbacWho, namespace: string): RbacPath[] {
    const out: RbacPath[] = [];
    for (const { resolved, subject, conditional } of this.bindingsFor(who)) {
      const b = resolved.binding;
      if (b.kind === 'RoleBinding' && (namespace === '' || b.namespace !== namespace)) continue;
      for (const rule of resolved.rules) {
        // A RoleBinding's non-resource rules never apply (non-resource requests have no namespace).
        if (b.kind === 'RoleBinding' && rule.nonResourceURLs) continue;
        out.push(pathOf(resolved, subject, rule, conditional));
      }
    }
    return out;
  }
}

/** ClusterRoleBindings apply everywhere; RoleBindings to requests in their namespace. */
export function appliesIn(b: RbacBinding, namespace: string): boolean {
  return b.kind === 'ClusterRoleBinding' || (namespace !== '' && b.namespace === namespace);
}

function pathOf(resolved: ResolvedBinding, subject: RbacSubject, rule: PolicyRule, conditional: string | undefined): RbacPath {
  const b = resolved.binding;
  return {
    binding: { kind: b.kind, name: b.name, ...(b.namespace ? { namespace: b.namespace } : {}) },
    role: { kind: b.roleRef.kind, name: b.roleRef.name },
    subject,
    rule,
    builtIn: resolved.builtIn,
    ...(conditional ? { conditional } : {}),
  };
}

function roleKeyOf(kind: string, name: string, namespace: string | undefined): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

export function saUsername(namespace: string | undefined, name: string): string | undefined {
  return namespace ? `system:serviceaccount:${namespace}:${name}` : undefined;
}
