/**
 * Verified ID-token claims → Kubernetes user, with kube-apiserver's OIDC rules
 * (`plugin/pkg/authenticator/token/oidc`, the `--oidc-*` flag semantics EKS exposes). Pure.
 *
 * Order: username (and the email_verified rule), groups, required claims.
 * - username: the `usernameClaim` (default `sub`) must be a non-empty string. Prefix: `-` disables
 *   prefixing; a given prefix is prepended verbatim; none given → `<issuerUrl>#`, except for the
 *   `email` claim, which stays unprefixed.
 * - email: when the username claim is `email` and an `email_verified` claim is present, it must be
 *   the boolean `true` (absent is accepted).
 * - groups: the `groupsClaim`, when configured and present, is a string or an array of strings;
 *   `groupsPrefix` is prepended to each.
 * - requiredClaims: each claim must be present, a string, and equal the configured value.
 * OIDC users get no uid and no extra: they carry no IAM principal, so access policies never apply.
 */
import type { KubernetesUser } from '../mapping/identity.js';

export interface ClaimMappingConfig {
  issuerUrl: string;
  usernameClaim?: string;
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  requiredClaims: Record<string, string>;
}

export type ClaimMapping = { ok: true; user: KubernetesUser } | { ok: false; reason: string; message: string };

const fail = (reason: string, message: string): ClaimMapping => ({ ok: false, reason, message });
const show = (s: string) => JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);

export function usernameClaimOf(c: Pick<ClaimMappingConfig, 'usernameClaim'>): string {
  return c.usernameClaim ?? 'sub';
}

/** The effective username prefix (Kubernetes' defaulting of `--oidc-username-prefix`). */
export function usernamePrefixOf(c: Pick<ClaimMappingConfig, 'issuerUrl' | 'usernameClaim' | 'usernamePrefix'>): string {
  if (c.usernamePrefix === '-') return '';
  if (c.usernamePrefix !== undefined) return c.usernamePrefix;
  return usernameClaimOf(c) === 'email' ? '' : `${c.issuerUrl}#`;
}

function claim(claims: Record<string, unknown>, name: string): { present: boolean; value: unknown } {
  return Object.hasOwn(claims, name) ? { present: true, value: claims[name] } : { present: false, value: undefined };
}

export function mapClaims(c: ClaimMappingConfig, claims: Record<string, unknown>): ClaimMapping {
  const usernameClaim = usernameClaimOf(c);
  const u = claim(claims, usernameClaim);
  if (!u.present) return fail('oidc_username_claim', `the ID token has no ${show(usernameClaim)} claim (the username claim)`);
  if (typeof u.value !== 'string') return fail('oidc_username_claim', `the username claim ${show(usernameClaim)} is not a string`);
  if (u.value.length === 0) return fail('oidc_username_claim', `the username claim ${show(usernameClaim)} is empty`);
  if (usernameClaim === 'email') {
    const v = claim(claims, 'email_verified');
    if (v.present) {
      if (typeof v.value !== 'boolean') return fail('oidc_email_unverified', 'the email_verified claim is not a boolean');
      if (!v.value) return fail('oidc_email_unverified', `email ${show(u.value)} is not verified`);
    }
  }
  const username = usernamePrefixOf(c) + u.value;

  let groups: string[] = [];
  if (c.groupsClaim !== undefined) {
    const g = claim(claims, c.groupsClaim);
    if (g.present && g.value !== null) {
      if (typeof g.value === 'string') groups = [g.value];
      else if (Array.isArray(g.value) && g.value.every((x) => typeof x === 'string')) groups = g.value as string[];
      else return fail('oidc_groups_claim', `the groups claim ${show(c.groupsClaim)} must be a string or an array of strings`);
    }
    const p = c.groupsPrefix ?? '';
    if (p) groups = groups.map((x) => p + x);
  }

  for (const [name, want] of Object.entries(c.requiredClaims)) {
    const r = claim(claims, name);
    if (!r.present) return fail('oidc_required_claim', `required claim ${show(name)} is not in the ID token`);
    if (typeof r.value !== 'string') return fail('oidc_required_claim', `required claim ${show(name)} is not a string`);
    if (r.value !== want) return fail('oidc_required_claim', `required claim ${show(name)} does not have the required value`);
  }
  return { ok: true, user: { username, uid: '', groups, extra: {} } };
}
