/**
 * The catalogue of EKS access policies (`data/access-policies.json`).
 *
 * A new access policy is data, not code: this module only loads, validates and
 * indexes the file. It is read once, lazily, relative to this module so it
 * works from `src/` (tsx) and from `dist/` alike — both sit two levels below
 * the repository root.
 *
 * Policies with `rulesDocumented: false` are known to exist (ListAccessPolicies
 * returns them) but AWS does not publish their rules, so their `rules` are
 * empty and **they grant nothing** when associated. That is deliberate: we will
 * not invent permissions. Callers can surface the flag (e.g. warn on associate).
 */
import { readFileSync } from 'node:fs';
import type { PolicyRule } from './rbac.js';

export type AccessScopeType = 'cluster' | 'namespace';

export interface AccessPolicy {
  readonly name: string;
  /** Canonical ARN in the `aws` partition. */
  readonly arn: string;
  readonly description: string;
  readonly rules: readonly PolicyRule[];
  /** False when AWS publishes no rules; `rules` is then empty and the policy grants nothing. */
  readonly rulesDocumented: boolean;
  /** AWS designates the policy for service-linked roles only (customer roles may not use it). */
  readonly serviceLinkedRolesOnly: boolean;
  /** Scope types the policy may be associated with, when documented. */
  readonly allowedScopes: readonly AccessScopeType[] | undefined;
  /** The Kubernetes default ClusterRole the policy mirrors (`view`, `edit`, `admin`, `cluster-admin`). */
  readonly mirrorsKubernetesClusterRole: string | undefined;
}

/** `{name, arn}` exactly as ListAccessPolicies returns each item. */
export interface AccessPolicySummary {
  readonly name: string;
  readonly arn: string;
}

/** The catalogue file is malformed; `path` points at the offending JSON value. */
export class AccessPolicyCatalogueError extends Error {
  override readonly name = 'AccessPolicyCatalogueError';
  constructor(readonly path: string, detail: string) {
    super(`access policy catalogue: ${path}: ${detail}`);
  }
}

const ARN_PREFIX = ':eks::aws:cluster-access-policy/';
// AWS partitions are `aws` plus dash-separated suffixes (aws-cn, aws-us-gov, aws-iso-b, aws-eusc …).
const PARTITION = /^aws(?:-[a-z0-9]+)*$/;
const POLICY_NAME = /^[A-Za-z0-9]+$/;

/** Splits `arn:<partition>:eks::aws:cluster-access-policy/<name>`; undefined when it is not one. */
export function parseAccessPolicyArn(arn: string): { partition: string; name: string } | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const at = arn.indexOf(ARN_PREFIX, 4);
  if (at < 0) return undefined;
  const partition = arn.slice(4, at);
  const name = arn.slice(at + ARN_PREFIX.length);
  if (!PARTITION.test(partition) || !POLICY_NAME.test(name)) return undefined;
  return { partition, name };
}

export function accessPolicyArn(name: string, partition = 'aws'): string {
  return `arn:${partition}${ARN_PREFIX}${name}`;
}

/**
 * Validates the parsed JSON and returns the policies sorted by name. Exported
 * so the checks themselves can be tested without touching the file.
 */
export function parseAccessPolicyCatalogue(json: unknown): readonly AccessPolicy[] {
  if (!Array.isArray(json)) throw new AccessPolicyCatalogueError('$', 'expected an array of policies');
  const seen = new Set<string>();
  const out: AccessPolicy[] = [];
  json.forEach((raw: unknown, i) => {
    const at = `$[${i}]`;
    if (!isObject(raw)) throw new AccessPolicyCatalogueError(at, 'expected an object');
    const name = raw['name'];
    if (typeof name !== 'string' || !POLICY_NAME.test(name)) throw new AccessPolicyCatalogueError(`${at}.name`, 'expected an alphanumeric policy name');
    if (seen.has(name)) throw new AccessPolicyCatalogueError(`${at}.name`, `duplicate policy ${name}`);
    seen.add(name);
    if (raw['arn'] !== accessPolicyArn(name)) throw new AccessPolicyCatalogueError(`${at}.arn`, `expected ${accessPolicyArn(name)}`);
    const description = raw['description'];
    if (typeof description !== 'string') throw new AccessPolicyCatalogueError(`${at}.description`, 'expected a string');
    const rulesDocumented = raw['rulesDocumented'];
    if (typeof rulesDocumented !== 'boolean') throw new AccessPolicyCatalogueError(`${at}.rulesDocumented`, 'expected a boolean');
    const rawRules = raw['rules'];
    if (!Array.isArray(rawRules)) throw new AccessPolicyCatalogueError(`${at}.rules`, 'expected an array');
    const rules = rawRules.map((r: unknown, j) => parseRule(r, `${at}.rules[${j}]`));
    // Keeps the "undocumented grants nothing" promise true even if someone adds guessed rules.
    if (rulesDocumented !== (rules.length > 0)) {
      throw new AccessPolicyCatalogueError(`${at}.rules`, rulesDocumented ? 'documented policy has no rules' : 'undocumented policy must have no rules');
    }
    const slr = raw['serviceLinkedRolesOnly'];
    if (slr !== undefined && typeof slr !== 'boolean') throw new AccessPolicyCatalogueError(`${at}.serviceLinkedRolesOnly`, 'expected a boolean');
    const scopes = raw['allowedScopes'];
    if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => s === 'cluster' || s === 'namespace'))) {
      throw new AccessPolicyCatalogueError(`${at}.allowedScopes`, 'expected ["cluster"|"namespace", …]');
    }
    const mirrors = raw['mirrorsKubernetesClusterRole'];
    if (mirrors !== undefined && typeof mirrors !== 'string') throw new AccessPolicyCatalogueError(`${at}.mirrorsKubernetesClusterRole`, 'expected a string');
    out.push(
      Object.freeze({
        name,
        arn: accessPolicyArn(name),
        description,
        rules: Object.freeze(rules),
        rulesDocumented,
        serviceLinkedRolesOnly: slr === true,
        allowedScopes: scopes === undefined ? undefined : Object.freeze([...(scopes as AccessScopeType[])]),
        mirrorsKubernetesClusterRole: mirrors as string | undefined,
      }),
    );
  });
  out.sort((a, b) => compareAscii(a.name, b.name));
  return Object.freeze(out);
}

/**
 * Validates one RBAC rule. Like Kubernetes, a rule is either about resources
 * (apiGroups + resources [+ resourceNames]) or about non-resource URLs, never both.
 */
export function parseRule(raw: unknown, at: string): PolicyRule {
  if (!isObject(raw)) throw new AccessPolicyCatalogueError(at, 'expected a rule object');
  const field = (key: string): readonly string[] | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new AccessPolicyCatalogueError(`${at}.${key}`, 'expected an array of strings');
    return Object.freeze([...(v as string[])]);
  };
  for (const key of Object.keys(raw)) {
    if (!['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'].includes(key)) throw new AccessPolicyCatalogueError(`${at}.${key}`, 'unknown rule field');
  }
  const verbs = field('verbs');
  const apiGroups = field('apiGroups');
  const resources = field('resources');
  const resourceNames = field('resourceNames');
  const nonResourceURLs = field('nonResourceURLs');
  if (!verbs || verbs.length === 0) throw new AccessPolicyCatalogueError(`${at}.verbs`, 'at least one verb is required');
  if (nonResourceURLs) {
    if (apiGroups || resources || resourceNames) throw new AccessPolicyCatalogueError(at, 'a rule cannot mix nonResourceURLs with resources');
    if (nonResourceURLs.length === 0) throw new AccessPolicyCatalogueError(`${at}.nonResourceURLs`, 'must not be empty');
    return Object.freeze({ verbs, nonResourceURLs });
  }
  if (!apiGroups || apiGroups.length === 0 || !resources || resources.length === 0) {
    throw new AccessPolicyCatalogueError(at, 'a resource rule needs apiGroups and resources');
  }
  return Object.freeze(resourceNames ? { verbs, apiGroups, resources, resourceNames } : { verbs, apiGroups, resources });
}

let loaded: { readonly list: readonly AccessPolicy[]; readonly byName: ReadonlyMap<string, AccessPolicy> } | undefined;

function catalogue(): NonNullable<typeof loaded> {
  if (loaded === undefined) {
    const url = new URL('../../data/access-policies.json', import.meta.url);
    const list = parseAccessPolicyCatalogue(JSON.parse(readFileSync(url, 'utf8')) as unknown);
    loaded = { list, byName: new Map(list.map((p) => [p.name, p])) };
  }
  return loaded;
}

/** Every policy, sorted by name in ASCII order (as ListAccessPolicies returns them). */
export function allAccessPolicies(): readonly AccessPolicy[] {
  return catalogue().list;
}

/** ListAccessPolicies items; `partition` rewrites the ARNs for non-`aws` partitions. */
export function listAccessPolicies(partition = 'aws'): AccessPolicySummary[] {
  return catalogue().list.map((p) => ({ name: p.name, arn: accessPolicyArn(p.name, partition) }));
}

/**
 * Looks a policy up by ARN in any partition (`arn:aws-cn:…/AmazonEKSViewPolicy`
 * is the same policy as the `aws` one). Undefined for unknown or malformed ARNs.
 */
export function getAccessPolicy(arn: string): AccessPolicy | undefined {
  const parsed = parseAccessPolicyArn(arn);
  return parsed === undefined ? undefined : catalogue().byName.get(parsed.name);
}

export function getAccessPolicyByName(name: string): AccessPolicy | undefined {
  return catalogue().byName.get(name);
}

/** Plain code-unit order, not locale order: `AIDevOps…` sorts before `AmazonAIOps…`. */
export function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
