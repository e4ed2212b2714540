/**
 * A compiled, lookup-based form of a list of RBAC rules.
 *
 * Rules are broken into (verb, group, resource) atoms, each carrying the union
 * of the resource names the rules allow (`ALL` when any rule has none). Atoms
 * are then indexed per verb and per group, with the `*` entries folded into
 * every concrete key, so a request costs two map lookups to reach its resource
 * table plus up to three probes there (`*`, exact `resource/subresource`,
 * `*\/subresource`). Because a rule is a plain conjunction of independent
 * per-field set memberships, the union-of-atoms index answers exactly what
 * `rulesAllow` in rbac.ts answers; tests cross-check the two on random input.
 */
import type { NonResourceAttributes, PolicyRule, ResourceAttributes } from './rbac.js';
import { trimTrailingStars } from './rbac.js';

/** `ALL` = every name (some rule had no resourceNames); otherwise the allowed names. */
type Names = typeof ALL | ReadonlySet<string>;
const ALL = true;

interface ResourceTable {
  /** Rule resource `*`. */
  readonly star: Names | undefined;
  /** Exact combined `resource[/subresource]` (includes literal `*\/x` and `pods/*` strings). */
  readonly exact: ReadonlyMap<string, Names>;
  /** The same entries split at the first `/`: `pods/log` → `pods` → `log`. */
  readonly split: ReadonlyMap<string, ReadonlyMap<string, Names>>;
  /** Rule resource `*\/<sub>`, keyed by `<sub>`. */
  readonly bySubresource: ReadonlyMap<string, Names>;
}

interface VerbTable {
  readonly byGroup: ReadonlyMap<string, ResourceTable>;
  /** Atoms whose group is `*` only: used for groups no rule names. */
  readonly anyGroup: ResourceTable | undefined;
}

interface UrlTable {
  readonly all: boolean;
  readonly exact: ReadonlySet<string>;
  /** Rules ending in `*`, trailing stars trimmed. */
  readonly prefixes: readonly string[];
}

export interface RuleIndex {
  readonly byVerb: ReadonlyMap<string, VerbTable>;
  /** Atoms whose verb is `*` only: used for verbs no rule names. */
  readonly anyVerb: VerbTable | undefined;
  readonly urlByVerb: ReadonlyMap<string, UrlTable>;
  readonly urlAnyVerb: UrlTable | undefined;
  /** No rule at all: nothing can match. */
  readonly empty: boolean;
}

interface Atom {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly names: Names;
}

interface UrlAtom {
  readonly verb: string;
  readonly url: string;
}

export function compileRules(rules: readonly PolicyRule[]): RuleIndex {
  const atoms: Atom[] = [];
  const urlAtoms: UrlAtom[] = [];
  for (const rule of rules) {
    const names: Names = rule.resourceNames && rule.resourceNames.length > 0 ? new Set(rule.resourceNames) : ALL;
    for (const verb of rule.verbs) {
      for (const url of rule.nonResourceURLs ?? []) urlAtoms.push({ verb, url });
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) atoms.push({ verb, group, resource, names });
      }
    }
  }
  const byVerb = new Map<string, VerbTable>();
  for (const verb of concreteKeys(atoms.map((a) => a.verb))) byVerb.set(verb, verbTable(atoms.filter((a) => a.verb === verb || a.verb === '*')));
  const wildVerb = atoms.filter((a) => a.verb === '*');
  const urlByVerb = new Map<string, UrlTable>();
  for (const verb of concreteKeys(urlAtoms.map((a) => a.verb))) urlByVerb.set(verb, urlTable(urlAtoms.filter((a) => a.verb === verb || a.verb === '*')));
  const wildUrl = urlAtoms.filter((a) => a.verb === '*');
  return Object.freeze({
    byVerb,
    anyVerb: wildVerb.length > 0 ? verbTable(wildVerb) : undefined,
    urlByVerb,
    urlAnyVerb: wildUrl.length > 0 ? urlTable(wildUrl) : undefined,
    empty: atoms.length === 0 && urlAtoms.length === 0,
  });
}

function concreteKeys(keys: readonly string[]): Set<string> {
  const out = new Set(keys);
  out.delete('*');
  return out;
}

function verbTable(atoms: readonly Atom[]): VerbTable {
  const byGroup = new Map<string, ResourceTable>();
  for (const group of concreteKeys(atoms.map((a) => a.group))) byGroup.set(group, resourceTable(atoms.filter((a) => a.group === group || a.group === '*')));
  const wild = atoms.filter((a) => a.group === '*');
  return Object.freeze({ byGroup, anyGroup: wild.length > 0 ? resourceTable(wild) : undefined });
}

function resourceTable(atoms: readonly Atom[]): ResourceTable {
  let star: Names | undefined;
  const exact = new Map<string, Names>();
  const split = new Map<string, Map<string, Names>>();
  const bySubresource = new Map<string, Names>();
  for (const a of atoms) {
    if (a.resource === '*') {
      star = union(star, a.names);
      continue;
    }
    exact.set(a.resource, union(exact.get(a.resource), a.names));
    const slash = a.resource.indexOf('/');
    const head = slash < 0 ? a.resource : a.resource.slice(0, slash);
    const tail = slash < 0 ? '' : a.resource.slice(slash + 1);
    let subs = split.get(head);
    if (subs === undefined) split.set(head, (subs = new Map()));
    subs.set(tail, union(subs.get(tail), a.names));
    // `*/` with an empty subresource can never match (requests without a subresource skip this table).
    if (a.resource.startsWith('*/') && a.resource.length > 2) {
      const sub = a.resource.slice(2);
      bySubresource.set(sub, union(bySubresource.get(sub), a.names));
    }
  }
  return Object.freeze({ star, exact, split, bySubresource });
}

function union(a: Names | undefined, b: Names): Names {
  if (a === undefined) return b;
  if (a === ALL || b === ALL) return ALL;
  return new Set([...a, ...b]);
}

function urlTable(atoms: readonly UrlAtom[]): UrlTable {
  let all = false;
  const exact = new Set<string>();
  const prefixes = new Set<string>();
  for (const { url } of atoms) {
    if (url === '*') all = true;
    else if (url.endsWith('*')) prefixes.add(trimTrailingStars(url));
    else exact.add(url);
  }
  // An empty prefix (rule `**`) matches every path, like `*`.
  if (prefixes.has('')) all = true;
  return Object.freeze({ all, exact, prefixes: Object.freeze([...prefixes]) });
}

function hasName(names: Names, name: string): boolean {
  return names === ALL || names.has(name);
}

export function indexAllowsResource(ix: RuleIndex, a: ResourceAttributes): boolean {
  const verbs = ix.byVerb.get(a.verb) ?? ix.anyVerb;
  if (verbs === undefined) return false;
  const t = verbs.byGroup.get(a.group) ?? verbs.anyGroup;
  if (t === undefined) return false;
  if (t.star !== undefined && hasName(t.star, a.name)) return true;
  const sub = a.subresource;
  // Exact combined match. With a subresource but no `/` in the resource,
  // `resource/sub` splits back uniquely at the first `/`, so the two-level map
  // answers the same without building and hashing a new string.
  let names =
    sub === '' ? t.exact.get(a.resource) : a.resource.includes('/') ? t.exact.get(`${a.resource}/${sub}`) : t.split.get(a.resource)?.get(sub);
  if (names !== undefined && hasName(names, a.name)) return true;
  if (sub === '') return false;
  names = t.bySubresource.get(sub);
  return names !== undefined && hasName(names, a.name);
}

export function indexAllowsNonResource(ix: RuleIndex, a: NonResourceAttributes): boolean {
  const t = ix.urlByVerb.get(a.verb) ?? ix.urlAnyVerb;
  if (t === undefined) return false;
  if (t.all || t.exact.has(a.path)) return true;
  const prefixes = t.prefixes;
  for (let i = 0; i < prefixes.length; i++) if (a.path.startsWith(prefixes[i]!)) return true;
  return false;
}
