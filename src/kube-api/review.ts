/**
 * What the three review APIs answer for an authenticated caller of one cluster. Pure: the cluster's
 * index slice, the user (as the authenticator mapped it) and the clock in; status objects out.
 *
 * The decision mirrors kube-apiserver's chain as far as Entryway can see it (authz/effective.ts):
 * `system:masters`, then access policies (keyed by the IAM principal ID in the user's extra; the
 * cluster's authentication mode gates them), then RBAC — the cluster's imported snapshot with the
 * default roles and bindings every cluster has, or only those defaults when nothing was imported.
 * Never `denied`: nothing here is a definite deny.
 *
 * `can-i --list` lists the access-policy rules too. EKS's endpoint cannot (kube-apiserver asks the
 * webhook nothing for SelfSubjectRulesReview, so EKS shows RBAC rules only — eks-access §5.2);
 * Entryway's endpoint can. With an RBAC snapshot the list is complete as of that snapshot; without
 * one it is marked `incomplete` and says why.
 */
import type { ClusterSlice } from '../index/access-index.js';
import { decideJoined, describeBasis, rbacRulesFor } from '../authz/effective.js';
import { GROUP_MASTERS } from '../mapping/nodes.js';
import type { NonResourceRule, RequestAttributes, ResourceRule } from '../policy/engine.js';
import { rulesFor } from '../policy/engine.js';
import type { PolicyRule } from '../policy/rbac.js';
import { principalIdFromReview } from '../webhooks/sar.js';
import type { KubernetesUser } from '../mapping/identity.js';

export const GROUP_AUTHENTICATED = 'system:authenticated';

export const RBAC_NOT_VISIBLE = "RBAC in the cluster may still allow it (no RBAC snapshot of this cluster was imported: entryway rbac import)";

export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** SelfSubjectReview `status.userInfo`: kube-apiserver appends `system:authenticated` to every authenticated user. */
export function userInfoOf(user: KubernetesUser): UserInfo {
  const groups = user.groups.includes(GROUP_AUTHENTICATED) ? [...user.groups] : [...user.groups, GROUP_AUTHENTICATED];
  return { username: user.username, uid: user.uid, groups, extra: { ...user.extra } };
}

const isMaster = (user: KubernetesUser): boolean => user.groups.includes(GROUP_MASTERS);

/** The IAM principal whose access policies apply, read from the user's extra as the SAR webhook does. */
export function principalOf(user: KubernetesUser): { principalId: string; canonicalArn: string | undefined } | undefined {
  const p = principalIdFromReview({ uid: user.uid, extra: new Map(Object.entries(user.extra)) });
  return p.ok ? { principalId: p.principalId, canonicalArn: p.canonicalArn } : undefined;
}

export interface AccessVerdict {
  allowed: boolean;
  reason: string;
}

/** SelfSubjectAccessReview `status` for the caller. */
export function decideAccess(slice: ClusterSlice, user: KubernetesUser, attrs: RequestAttributes, now: number): AccessVerdict {
  const d = decideJoined(slice, user, principalOf(user), attrs, now);
  if (d.allowed) return { allowed: true, reason: d.path!.via === 'system:masters' ? `allowed: ${d.path!.description}` : d.path!.description };
  const rbac = d.rbac.complete ? `no RBAC binding allows it either (${describeBasis(d.rbac)})` : RBAC_NOT_VISIBLE;
  return { allowed: false, reason: `${d.explanation ?? 'no access policy allows this request'}; ${rbac}` };
}

export interface RulesReviewStatus {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  evaluationError?: string;
}

const RBAC_RULES_MISSING = "no RBAC snapshot of this cluster was imported (entryway rbac import): rules of Roles and ClusterRoles bound there to this user or its groups are not listed, only the defaults every cluster has";

/** SelfSubjectRulesReview `status`: the caller's rules in `namespace` ("" = cluster-wide rules only). */
export function rulesReview(slice: ClusterSlice, user: KubernetesUser, namespace: string, now: number): RulesReviewStatus {
  const out: RulesReviewStatus = { resourceRules: [], nonResourceRules: [], incomplete: true };
  const seen = new Set<string>();
  const add = (rule: PolicyRule): void => {
    const key = JSON.stringify([rule.verbs, rule.apiGroups, rule.resources, rule.resourceNames, rule.nonResourceURLs]);
    if (seen.has(key)) return;
    seen.add(key);
    if (rule.nonResourceURLs !== undefined) out.nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
    else {
      const r: ResourceRule = { verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [] };
      out.resourceRules.push(rule.resourceNames && rule.resourceNames.length > 0 ? { ...r, resourceNames: rule.resourceNames } : r);
    }
  };

  if (isMaster(user)) {
    // cluster-admin's rules: everything, so nothing RBAC could add is missing.
    add({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    add({ verbs: ['*'], nonResourceURLs: ['*'] });
    out.incomplete = false;
  }
  const notes: string[] = [];
  const principal = principalOf(user);
  if (slice.mode(now) === 'CONFIG_MAP') notes.push(`access policies do not apply: cluster ${slice.name} is in CONFIG_MAP mode`);
  else if (!principal) notes.push('access policies do not apply: the user has no IAM principal ID');
  else {
    const grants = slice.grantsFor(principal.principalId, principal.canonicalArn);
    if (grants) {
      const r = rulesFor(grants, namespace);
      for (const rule of r.resourceRules) add(rule);
      for (const rule of r.nonResourceRules) add(rule);
    } else notes.push('access policies do not apply: no access entry belongs to this principal');
  }
  for (const rule of rbacRulesFor(slice, user, namespace)) add(rule);
  // With a snapshot the list is what the cluster's RBAC and the access policies give.
  if (slice.rbac) out.incomplete = false;
  if (out.incomplete) out.evaluationError = [...notes, RBAC_RULES_MISSING].join('; ');
  return out;
}
