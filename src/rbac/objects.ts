/**
 * A cluster's RBAC objects as Entryway keeps them: what `kubectl get clusterroles,
 * clusterrolebindings,roles,rolebindings -A -o yaml|json` prints (a `List`), reduced to the fields
 * authorization reads (k8s-authn-authz §3). Parsing is strict about the fields it keeps — a
 * malformed rule or subject is an error naming the item — and ignores everything else (metadata
 * such as managedFields, status), so a snapshot of a real cluster imports as it is.
 */
import { parseAllDocuments } from 'yaml';
import type { PolicyRule } from '../policy/rbac.js';

export type RoleKind = 'Role' | 'ClusterRole';
export type BindingKind = 'RoleBinding' | 'ClusterRoleBinding';
export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface RbacRole {
  kind: RoleKind;
  name: string;
  /** Roles only. */
  namespace?: string;
  labels: Record<string, string>;
  rules: PolicyRule[];
  /** ClusterRoles only: rules are the union of the ClusterRoles these select (aggregate.ts). */
  aggregationRule?: { clusterRoleSelectors: LabelSelector[] };
}

export interface RbacSubject {
  kind: SubjectKind;
  name: string;
  namespace?: string;
}

export interface RbacBinding {
  kind: BindingKind;
  name: string;
  /** RoleBindings only. */
  namespace?: string;
  roleRef: { kind: RoleKind; name: string };
  subjects: RbacSubject[];
}

export interface RbacObjects {
  roles: RbacRole[];
  bindings: RbacBinding[];
}

export interface RbacCounts {
  clusterRoles: number;
  clusterRoleBindings: number;
  roles: number;
  roleBindings: number;
}

/** A cluster's imported snapshot, as stored (one per cluster; an import replaces it whole). */
export interface RbacSnapshotRecord {
  clusterName: string;
  /** Changes with every import, so an index can tell whether it holds the current one. */
  snapshotId: string;
  importedAt: number;
  importedBy: string;
  /** import: `entryway rbac import` / the API. */
  source: 'import';
  counts: RbacCounts;
  /** Items skipped or oddities worth showing (not errors). */
  warnings: string[];
  objects: RbacObjects;
}

export class RbacParseError extends Error {}

/** Limits that keep one import bounded (a large real cluster has a few thousand objects). */
export const RBAC_LIMITS = { objects: 50_000, rulesPerRole: 1_000, subjectsPerBinding: 1_000, stringsPerField: 1_000 } as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(v: unknown, where: string, required: boolean): string[] | undefined {
  if (v === undefined || v === null) {
    if (required) throw new RbacParseError(`${where} is required (a list of strings)`);
    return undefined;
  }
  if (!Array.isArray(v) || v.length > RBAC_LIMITS.stringsPerField || v.some((s) => typeof s !== 'string')) {
    throw new RbacParseError(`${where} must be a list of strings`);
  }
  return v as string[];
}

function name(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 253) throw new RbacParseError(`${where} must be a non-empty string`);
  return v;
}

function rule(v: unknown, where: string): PolicyRule {
  if (!isObj(v)) throw new RbacParseError(`${where} must be an object`);
  const verbs = strings(v.verbs, `${where}.verbs`, true)!;
  const out: { -readonly [K in keyof PolicyRule]: PolicyRule[K] } = { verbs };
  const apiGroups = strings(v.apiGroups, `${where}.apiGroups`, false);
  const resources = strings(v.resources, `${where}.resources`, false);
  const resourceNames = strings(v.resourceNames, `${where}.resourceNames`, false);
  const nonResourceURLs = strings(v.nonResourceURLs, `${where}.nonResourceURLs`, false);
  if (apiGroups) out.apiGroups = apiGroups;
  if (resources) out.resources = resources;
  if (resourceNames && resourceNames.length > 0) out.resourceNames = resourceNames;
  if (nonResourceURLs && nonResourceURLs.length > 0) out.nonResourceURLs = nonResourceURLs;
  return out;
}

function labels(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new RbacParseError(`${where} must map strings to strings`);
  return { ...(v as Record<string, string>) };
}

function selector(v: unknown, where: string): LabelSelector {
  if (!isObj(v)) throw new RbacParseError(`${where} must be a label selector`);
  const out: LabelSelector = {};
  if (v.matchLabels !== undefined && v.matchLabels !== null) out.matchLabels = labels(v.matchLabels, `${where}.matchLabels`);
  if (v.matchExpressions !== undefined && v.matchExpressions !== null) {
    if (!Array.isArray(v.matchExpressions)) throw new RbacParseError(`${where}.matchExpressions must be a list`);
    out.matchExpressions = v.matchExpressions.map((e, i) => {
      const w = `${where}.matchExpressions[${i}]`;
      if (!isObj(e)) throw new RbacParseError(`${w} must be an object`);
      const op = e.operator;
      if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') throw new RbacParseError(`${w}.operator must be In, NotIn, Exists or DoesNotExist`);
      const values = strings(e.values, `${w}.values`, false) ?? [];
      if ((op === 'In' || op === 'NotIn') && values.length === 0) throw new RbacParseError(`${w}.values must not be empty for ${op}`);
      if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) throw new RbacParseError(`${w}.values must be empty for ${op}`);
      return { key: name(e.key, `${w}.key`), operator: op, ...(values.length ? { values } : {}) };
    });
  }
  return out;
}

function subject(v: unknown, where: string): RbacSubject {
  if (!isObj(v)) throw new RbacParseError(`${where} must be an object`);
  const kind = v.kind;
  if (kind !== 'User' && kind !== 'Group' && kind !== 'ServiceAccount') throw new RbacParseError(`${where}.kind must be User, Group or ServiceAccount`);
  const ns = v.namespace;
  if (ns !== undefined && ns !== null && typeof ns !== 'string') throw new RbacParseError(`${where}.namespace must be a string`);
  return { kind, name: name(v.name, `${where}.name`), ...(typeof ns === 'string' && ns !== '' ? { namespace: ns } : {}) };
}

const KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

function item(v: unknown, where: string, warnings: string[], out: RbacObjects): void {
  if (!isObj(v)) throw new RbacParseError(`${where} must be an object`);
  const kind = v.kind;
  if (typeof kind !== 'string' || !KINDS.has(kind)) {
    warnings.push(`${where}: kind ${JSON.stringify(kind)} is not an RBAC object; skipped`);
    return;
  }
  if (typeof v.apiVersion === 'string' && !v.apiVersion.startsWith('rbac.authorization.k8s.io/')) {
    warnings.push(`${where}: apiVersion ${v.apiVersion} is not rbac.authorization.k8s.io; skipped`);
    return;
  }
  const meta = isObj(v.metadata) ? v.metadata : {};
  const n = name(meta.name, `${where}.metadata.name`);
  const at = `${where} (${kind} ${n})`;
  const namespaced = kind === 'Role' || kind === 'RoleBinding';
  const ns = namespaced ? name(meta.namespace, `${at}.metadata.namespace`) : undefined;
  if (kind === 'Role' || kind === 'ClusterRole') {
    const rawRules = v.rules ?? [];
    if (!Array.isArray(rawRules) || rawRules.length > RBAC_LIMITS.rulesPerRole) throw new RbacParseError(`${at}.rules must be a list of at most ${RBAC_LIMITS.rulesPerRole} rules`);
    const role: RbacRole = { kind, name: n, labels: labels(meta.labels, `${at}.metadata.labels`), rules: rawRules.map((r, i) => rule(r, `${at}.rules[${i}]`)) };
    if (ns !== undefined) role.namespace = ns;
    if (kind === 'ClusterRole' && isObj(v.aggregationRule)) {
      const sel = v.aggregationRule.clusterRoleSelectors ?? [];
      if (!Array.isArray(sel)) throw new RbacParseError(`${at}.aggregationRule.clusterRoleSelectors must be a list`);
      role.aggregationRule = { clusterRoleSelectors: sel.map((s, i) => selector(s, `${at}.aggregationRule.clusterRoleSelectors[${i}]`)) };
    }
    out.roles.push(role);
    return;
  }
  const ref = v.roleRef;
  if (!isObj(ref) || (ref.kind !== 'Role' && ref.kind !== 'ClusterRole')) throw new RbacParseError(`${at}.roleRef.kind must be Role or ClusterRole`);
  if (kind === 'ClusterRoleBinding' && ref.kind === 'Role') throw new RbacParseError(`${at}.roleRef: a ClusterRoleBinding can only refer to a ClusterRole`);
  const rawSubjects = v.subjects ?? [];
  if (!Array.isArray(rawSubjects) || rawSubjects.length > RBAC_LIMITS.subjectsPerBinding) throw new RbacParseError(`${at}.subjects must be a list of at most ${RBAC_LIMITS.subjectsPerBinding} subjects`);
  const binding: RbacBinding = {
    kind: kind as BindingKind,
    name: n,
    roleRef: { kind: ref.kind, name: name(ref.name, `${at}.roleRef.name`) },
    subjects: rawSubjects.map((s, i) => subject(s, `${at}.subjects[${i}]`)),
  };
  if (ns !== undefined) binding.namespace = ns;
  out.bindings.push(binding);
}

/**
 * Reads a `List` (or one object, or several YAML documents) of RBAC objects, as JSON or YAML.
 * Throws RbacParseError with the item's position and name on anything it cannot read.
 */
export function parseRbacObjects(text: string): { objects: RbacObjects; counts: RbacCounts; warnings: string[] } {
  let docs: unknown[];
  try {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) docs = [JSON.parse(text)];
    else {
      const parsed = parseAllDocuments(text);
      const list = Array.isArray(parsed) ? parsed : [parsed];
      docs = [];
      for (const d of list) {
        if (d.errors.length > 0) throw new RbacParseError(`not valid YAML: ${d.errors[0]!.message.split('\n')[0]}`);
        const v = d.toJS({ maxAliasCount: 100 }) as unknown;
        if (v !== null && v !== undefined) docs.push(v);
      }
    }
  } catch (e) {
    if (e instanceof RbacParseError) throw e;
    throw new RbacParseError(`not valid JSON or YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const items: Array<{ v: unknown; where: string }> = [];
  docs.forEach((d, di) => {
    const prefix = docs.length > 1 ? `document ${di + 1} ` : '';
    if (Array.isArray(d)) d.forEach((v, i) => items.push({ v, where: `${prefix}items[${i}]` }));
    else if (isObj(d) && typeof d.kind === 'string' && d.kind.endsWith('List')) {
      if (!Array.isArray(d.items)) throw new RbacParseError(`${prefix}${d.kind}.items must be a list`);
      d.items.forEach((v, i) => items.push({ v, where: `${prefix}items[${i}]` }));
    } else items.push({ v: d, where: `${prefix}object` });
  });
  if (items.length > RBAC_LIMITS.objects) throw new RbacParseError(`the snapshot has ${items.length} objects; at most ${RBAC_LIMITS.objects} are accepted`);
  const objects: RbacObjects = { roles: [], bindings: [] };
  const warnings: string[] = [];
  for (const { v, where } of items) item(v, where, warnings, objects);
  const seen = new Set<string>();
  for (const o of [...objects.roles, ...objects.bindings]) {
    const k = `${o.kind}/${o.namespace ?? ''}/${o.name}`;
    if (seen.has(k)) throw new RbacParseError(`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} appears twice`);
    seen.add(k);
  }
  return { objects, counts: countObjects(objects), warnings };
}

export function countObjects(o: RbacObjects): RbacCounts {
  const c: RbacCounts = { clusterRoles: 0, clusterRoleBindings: 0, roles: 0, roleBindings: 0 };
  for (const r of o.roles) {
    if (r.kind === 'ClusterRole') c.clusterRoles++;
    else c.roles++;
  }
  for (const b of o.bindings) {
    if (b.kind === 'ClusterRoleBinding') c.clusterRoleBindings++;
    else c.roleBindings++;
  }
  return c;
}
