/**
 * Effective access: the cluster's RBAC (rbac/) joined with what Entryway maps and grants — access
 * entries, aws-auth rows, identity providers and access policies — over one cluster's index slice.
 *
 * kube-apiserver's chain, as far as Entryway can see it (docs/effective-access.md):
 * 1. `system:masters` may do anything (the privileged-group authorizer, before any other).
 * 2. Access policies (EKS's webhook authorizer; Entryway's SubjectAccessReview webhook).
 * 3. RBAC: the imported snapshot, with the default roles and bindings every cluster has. Without a
 *    snapshot only those defaults are known and answers say so (`rbac.complete: false`).
 * Other authorizers (Node, further webhooks) and admission are invisible to Entryway.
 *
 * Who the principals are follows the cluster's authentication mode exactly as token reviews do
 * (mapping/identity.ts): API — access entries; API_AND_CONFIG_MAP — entries, then aws-auth rows no
 * entry shadows, then mapAccounts; CONFIG_MAP — the creator's hidden admin grant, aws-auth, and
 * mapAccounts. Identity providers in every mode. Every authenticated user is in
 * `system:authenticated`.
 *
 * Usernames with templates (`{{SessionName}}` …) are not one name: a User subject that only some
 * sessions would carry is a conditional path ("when the session name is alice").
 */
import type { AccessEntryRecord, OidcProviderRecord } from '../model/types.js';
import type { ClusterSlice, RbacState } from '../index/access-index.js';
import type { Grant } from '../policy/engine.js';
import { grantRules } from '../policy/engine.js';
import type { PolicyRule, RequestAttributes } from '../policy/rbac.js';
import { isNonResourceRequest, ruleAllows } from '../policy/rbac.js';
import type { AccessScope } from '../policy/scope.js';
import { namespaceMatches } from '../policy/scope.js';
import type { RbacPath, RbacWho, RiskId } from '../rbac/index.js';
import { CompiledRbac, RISK_TITLES, appliesIn, describeRbacPath, exactWho, risksOfRule } from '../rbac/index.js';
import { GROUP_MASTERS, isNodeEntryType, nodeGroups, nodeUsername } from '../mapping/nodes.js';
import { principalArnKey } from '../mapping/index.js';
import { providerAccepts } from '../oidc/config.js';
import { usernamePrefixOf } from '../oidc/claims.js';
import { authorize } from './authorizer.js';

export const GROUP_AUTHENTICATED = 'system:authenticated';

/** RBAC with nothing imported: the defaults every cluster has, and nothing else. */
const DEFAULTS_ONLY = new CompiledRbac({ roles: [], bindings: [] });

/** What RBAC an answer used. */
export interface RbacBasis {
  /** A snapshot was imported: the answer counts the cluster's RBAC as of `importedAt`. */
  complete: boolean;
  importedAt?: number;
  ageSeconds?: number;
  counts?: RbacState['counts'];
}

export function rbacOf(slice: ClusterSlice): CompiledRbac {
  return slice.rbac?.compiled ?? DEFAULTS_ONLY;
}

export function rbacBasis(slice: ClusterSlice, now: number): RbacBasis {
  const r = slice.rbac;
  if (!r) return { complete: false };
  return { complete: true, importedAt: r.importedAt, ageSeconds: Math.max(0, Math.floor((now - r.importedAt) / 1000)), counts: r.counts };
}

/** "RBAC snapshot of 2026-12-07T10:00:00Z (3 h old)", or what is missing without one. */
export function describeBasis(b: RbacBasis): string {
  if (!b.complete) return "no RBAC snapshot of this cluster was imported (entryway rbac import): only the default roles and bindings every cluster has are counted";
  return `RBAC snapshot of ${new Date(b.importedAt!).toISOString()} (${age(b.ageSeconds!)} old)`;
}

function age(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} days`;
}

// ---------------------------------------------------------------- one request, one user

export type AccessPath =
  | { via: 'system:masters'; description: string }
  | { via: 'access-policy'; policyArn: string; scope: AccessScope; principalArn: string; description: string }
  | ({ via: 'rbac'; description: string } & RbacPath);

export interface JoinedDecision {
  allowed: boolean;
  /** The first thing in kube-apiserver's chain that allows it. */
  path?: AccessPath;
  /** Why nothing allowed it (access policies' side). */
  explanation?: string;
  rbac: RbacBasis;
}

export function rbacAccessPath(p: RbacPath): AccessPath {
  return { via: 'rbac', ...p, description: `RBAC: allowed by ${describeRbacPath(p)}${p.builtIn ? ' (a default binding of every cluster)' : ''}${p.conditional ? `, ${p.conditional}` : ''}` };
}

/**
 * The answer for an authenticated user (username and groups as the cluster sees them; the IAM
 * principal, when there is one, for access policies).
 */
export function decideJoined(
  slice: ClusterSlice,
  user: { username: string; groups: readonly string[] },
  principal: { principalId: string; canonicalArn?: string | undefined } | undefined,
  attrs: RequestAttributes,
  now: number,
): JoinedDecision {
  const rbac = rbacBasis(slice, now);
  if (user.groups.includes(GROUP_MASTERS)) {
    return { allowed: true, path: { via: 'system:masters', description: `member of group ${GROUP_MASTERS}, which kube-apiserver lets do anything` }, rbac };
  }
  const d = authorize(slice, principal, attrs, now);
  if (d.allowed) {
    return { allowed: true, path: { via: 'access-policy', policyArn: d.grant.policyArn, scope: d.grant.scope, principalArn: d.grant.principalArn, description: d.reason }, rbac };
  }
  const groups = user.groups.includes(GROUP_AUTHENTICATED) ? user.groups : [...user.groups, GROUP_AUTHENTICATED];
  const p = rbacOf(slice).decide(exactWho(user.username, groups), attrs);
  if (p) return { allowed: true, path: rbacAccessPath(p), rbac };
  return { allowed: false, explanation: d.explanation ?? 'no access policy allows it', rbac };
}

/** The rules that apply in `namespace` through RBAC, for `can-i --list`. */
export function rbacRulesFor(slice: ClusterSlice, user: { username: string; groups: readonly string[] }, namespace: string): PolicyRule[] {
  const groups = user.groups.includes(GROUP_AUTHENTICATED) ? user.groups : [...user.groups, GROUP_AUTHENTICATED];
  return rbacOf(slice)
    .rulesFor(exactWho(user.username, groups), namespace)
    .map((p) => p.rule);
}

// ---------------------------------------------------------------- the cluster's principals

/** Where a principal's Kubernetes identity comes from. */
export type PrincipalSource =
  | { kind: 'access-entry'; principalArn: string; type: AccessEntryRecord['type'] }
  | { kind: 'aws-auth'; section: 'mapRoles' | 'mapUsers'; arn: string; index: number }
  | { kind: 'aws-auth-account'; accountId: string }
  | { kind: 'cluster-creator'; principalArn: string }
  | { kind: 'oidc'; provider: string; issuerUrl: string; group?: string; user?: string };

export interface ClusterPrincipal {
  /** What to call it: an IAM ARN, `account:<id>`, or `oidc:<provider>[ group <g>| user <u>]`. */
  name: string;
  source: PrincipalSource;
  /** The username (template placeholders kept) and groups (system:authenticated included). */
  username: string;
  groups: string[];
  /** Why it has no rights through this source although it is listed (shadowed aws-auth rows). */
  inactive?: string;
  /** Access-policy grants (access entries in API modes only). */
  grants: Grant[];
  who: RbacWho;
}

const PLACEHOLDER = /\{\{(EC2PrivateDNSName|AccountID|SessionName|SessionNameRaw|AccessKeyID)\}\}/g;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Subject matching for a templated username: exact without placeholders, else a pattern. */
export function templateWho(template: string, accountId: string | undefined, groups: readonly string[]): RbacWho {
  const t = accountId ? template.replaceAll('{{AccountID}}', accountId) : template;
  if (!PLACEHOLDER.test(t)) return exactWho(t, groups);
  PLACEHOLDER.lastIndex = 0;
  const parts = t.split(PLACEHOLDER);
  // split with a capture group alternates literal, placeholder name, literal, …
  let re = '^';
  const names: string[] = [];
  parts.forEach((part, i) => {
    if (i % 2 === 0) re += escapeRe(part);
    else {
      names.push(part);
      re += part === 'EC2PrivateDNSName' ? '([a-z0-9.-]+)' : part === 'AccessKeyID' ? '([A-Z0-9]+)' : '([\\w+=,.@-]+)';
    }
  });
  const pattern = new RegExp(`${re}$`);
  return {
    groups: new Set(groups),
    user: (name) => {
      const m = pattern.exec(name);
      if (!m) return 'no';
      return { condition: `only when ${names.map((n, i) => `${n} is ${m[i + 1]}`).join(' and ')} (username ${name})` };
    },
  };
}

const withAuthenticated = (groups: readonly string[]) => (groups.includes(GROUP_AUTHENTICATED) ? [...groups] : [...groups, GROUP_AUTHENTICATED]);

const accountOf = (arn: string): string | undefined => /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];

/** Every principal the cluster's mode lets authenticate, with the identity each gets. */
export function clusterPrincipals(slice: ClusterSlice, now: number, opts: { oidcGroups?: Iterable<string>; oidcUsers?: Iterable<string> } = {}): ClusterPrincipal[] {
  const mode = slice.mode(now);
  const out: ClusterPrincipal[] = [];
  const entryArnKeys = new Set<string>();
  if (mode !== 'CONFIG_MAP') {
    for (const e of slice.entryList) {
      const k = principalArnKey(e.principalArn);
      if (k) entryArnKeys.add(k);
      const username = isNodeEntryType(e.type) ? nodeUsername(e.type) : e.username;
      const groups = withAuthenticated(isNodeEntryType(e.type) ? nodeGroups(e.type) : e.kubernetesGroups);
      const grants = slice.associationsOf(e.principalArn).map((a) => ({ principalArn: e.principalArn, principalId: e.principalId ?? '', policyArn: a.policyArn, scope: a.scope }));
      out.push({ name: e.principalArn, source: { kind: 'access-entry', principalArn: e.principalArn, type: e.type }, username, groups, grants, who: templateWho(username, accountOf(e.principalArn), groups) });
    }
  }
  if (mode === 'CONFIG_MAP' && slice.record.hiddenCreatorAdmin && slice.record.creator.principalArn) {
    const arn = slice.record.creator.principalArn;
    const groups = withAuthenticated([GROUP_MASTERS]);
    out.push({ name: arn, source: { kind: 'cluster-creator', principalArn: arn }, username: arn, groups, grants: [], who: exactWho(arn, groups) });
  }
  if (mode !== 'API' && slice.awsAuth) {
    for (const section of ['mapRoles', 'mapUsers'] as const) {
      // The last row of an ARN applies (mapping/identity.ts); earlier duplicates never do.
      const last = new Map<string, number>();
      slice.awsAuth[section].forEach((m, i) => last.set(m.arn.toLowerCase(), i));
      slice.awsAuth[section].forEach((m, index) => {
        const groups = withAuthenticated(m.groups);
        const k = principalArnKey(m.arn);
        const inactive =
          last.get(m.arn.toLowerCase()) !== index
            ? `a later ${section} row for the same ARN applies instead`
            : section === 'mapUsers' && slice.awsAuth!.mapRoles.some((r) => r.arn.toLowerCase() === m.arn.toLowerCase())
              ? 'a mapRoles row for the same ARN applies instead'
              : mode === 'API_AND_CONFIG_MAP' && k !== undefined && entryArnKeys.has(k)
                ? 'an access entry for the same principal wins in API_AND_CONFIG_MAP mode'
                : undefined;
        out.push({ name: m.arn, source: { kind: 'aws-auth', section, arn: m.arn, index }, username: m.username, groups, grants: [], who: templateWho(m.username, accountOf(m.arn), groups), ...(inactive ? { inactive } : {}) });
      });
    }
    for (const accountId of slice.awsAuth.mapAccounts) {
      const groups = withAuthenticated([]);
      // The username is the principal's ARN: any IAM ARN of the account.
      const who: RbacWho = {
        groups: new Set(groups),
        user: (n) => (new RegExp(`^arn:[^:]+:(iam|sts)::${accountId}:`).test(n) ? { condition: `only for the principal ${n}` } : 'no'),
      };
      out.push({ name: `account:${accountId}`, source: { kind: 'aws-auth-account', accountId }, username: `arn:…:${accountId}:…`, groups, grants: [], who });
    }
  }
  for (const p of slice.identityProviders) if (providerAccepts(p, now)) out.push(...oidcPrincipals(p, opts));
  return out;
}

/**
 * An identity provider's principals: anyone it signs a token for (system:authenticated), and one
 * per group or user that RBAC names with the provider's prefixes (the groups a token may carry).
 */
function oidcPrincipals(p: OidcProviderRecord, opts: { oidcGroups?: Iterable<string>; oidcUsers?: Iterable<string> }): ClusterPrincipal[] {
  const base = { kind: 'oidc' as const, provider: p.name, issuerUrl: p.issuerUrl };
  const uPrefix = usernamePrefixOf(p);
  const gPrefix = p.groupsPrefix ?? '';
  const any = withAuthenticated([]);
  const out: ClusterPrincipal[] = [
    {
      name: `oidc:${p.name}`,
      source: base,
      username: `${uPrefix}<${p.usernameClaim ?? 'sub'}>`,
      groups: any,
      grants: [],
      who: { groups: new Set(any), user: (n) => (n.startsWith(uPrefix) && n.length > uPrefix.length ? { condition: `only for the user ${n}` } : 'no') },
    },
  ];
  if (p.groupsClaim !== undefined) {
    for (const g of opts.oidcGroups ?? []) {
      if (!g.startsWith(gPrefix) || g.startsWith('system:')) continue;
      const groups = withAuthenticated([g]);
      out.push({ name: `oidc:${p.name} group ${g.slice(gPrefix.length)}`, source: { ...base, group: g.slice(gPrefix.length) }, username: `${uPrefix}<${p.usernameClaim ?? 'sub'}>`, groups, grants: [], who: { groups: new Set(groups), user: () => 'no' } });
    }
  }
  for (const u of opts.oidcUsers ?? []) {
    if (uPrefix === '' || !u.startsWith(uPrefix)) continue;
    const groups = withAuthenticated([]);
    out.push({ name: `oidc:${p.name} user ${u.slice(uPrefix.length)}`, source: { ...base, user: u.slice(uPrefix.length) }, username: u, groups, grants: [], who: exactWho(u, groups) });
  }
  return out;
}

/** Group and user names that RBAC bindings name (where identity-provider principals can matter). */
function subjectNames(rbac: CompiledRbac): { groups: string[]; users: string[] } {
  const groups = new Set<string>();
  for (const b of rbac.bindings) for (const s of b.binding.subjects) if (s.kind === 'Group') groups.add(s.name);
  return { groups: [...groups], users: [...rbac.userSubjects()] };
}

// ---------------------------------------------------------------- who can

export interface WhoCanRow {
  cluster: string;
  principal: string;
  source: PrincipalSource;
  username: string;
  groups: string[];
  paths: AccessPath[];
}

function scopeCovers(scope: AccessScope, attrs: RequestAttributes): boolean {
  if (scope.type === 'cluster') return true;
  if (isNonResourceRequest(attrs) || attrs.namespace === '') return false;
  return scope.namespaces.some((p) => namespaceMatches(p, attrs.namespace));
}

/** Every path by which `principal` may make the request (empty: it may not). */
export function pathsFor(slice: ClusterSlice, principal: ClusterPrincipal, attrs: RequestAttributes): AccessPath[] {
  if (principal.inactive) return [];
  const paths: AccessPath[] = [];
  if (principal.groups.includes(GROUP_MASTERS)) paths.push({ via: 'system:masters', description: `member of group ${GROUP_MASTERS}, which kube-apiserver lets do anything` });
  for (const g of principal.grants) {
    if (!scopeCovers(g.scope, attrs) || !grantRules(g).some((r) => ruleAllows(r, attrs))) continue;
    const short = g.policyArn.split('/').pop();
    const where = g.scope.type === 'cluster' ? 'cluster scope' : `namespace scope ${g.scope.namespaces.join(', ')}`;
    paths.push({ via: 'access-policy', policyArn: g.policyArn, scope: g.scope, principalArn: g.principalArn, description: `access policy ${short} (${where})` });
  }
  const rbac = rbacOf(slice);
  const ns = isNonResourceRequest(attrs) ? '' : attrs.namespace;
  for (const { resolved, subject, conditional } of rbac.bindingsFor(principal.who)) {
    if (!appliesIn(resolved.binding, ns)) continue;
    const rule = resolved.rules.find((r) => ruleAllows(r, attrs));
    if (!rule) continue;
    const b = resolved.binding;
    paths.push(
      rbacAccessPath({
        binding: { kind: b.kind, name: b.name, ...(b.namespace ? { namespace: b.namespace } : {}) },
        role: { kind: b.roleRef.kind, name: b.roleRef.name },
        subject,
        rule,
        builtIn: resolved.builtIn,
        ...(conditional ? { conditional } : {}),
      }),
    );
  }
  return paths;
}

export function whoCan(slice: ClusterSlice, attrs: RequestAttributes, now: number): WhoCanRow[] {
  const names = subjectNames(rbacOf(slice));
  const rows: WhoCanRow[] = [];
  for (const p of clusterPrincipals(slice, now, { oidcGroups: names.groups, oidcUsers: names.users })) {
    const paths = pathsFor(slice, p, attrs);
    if (paths.length > 0) rows.push({ cluster: slice.name, principal: p.name, source: p.source, username: p.username, groups: p.groups, paths });
  }
  return rows;
}

// ---------------------------------------------------------------- access report

export interface RightsLine {
  /** e.g. `ClusterRole view`, `access policy AmazonEKSEditPolicy`, `system:masters`. */
  what: string;
  /** `cluster`, or the namespaces (patterns for access-policy scopes). */
  scope: 'cluster' | string[];
  path: string;
  builtIn?: boolean;
  conditional?: string;
}

export interface RiskFinding {
  id: RiskId;
  title: string;
  scope: 'cluster' | string[];
  path: string;
  rule?: PolicyRule;
  conditional?: string;
}

export interface ReportRow {
  cluster: string;
  principal: string;
  source: PrincipalSource;
  username: string;
  groups: string[];
  inactive?: string;
  rights: RightsLine[];
  risks: RiskFinding[];
}

export function accessReport(slice: ClusterSlice, now: number): ReportRow[] {
  const rbac = rbacOf(slice);
  const names = subjectNames(rbac);
  const rows: ReportRow[] = [];
  for (const p of clusterPrincipals(slice, now, { oidcGroups: names.groups, oidcUsers: names.users })) {
    const rights: RightsLine[] = [];
    const risks: RiskFinding[] = [];
    const addRisks = (rules: readonly PolicyRule[], clusterWide: boolean, scope: 'cluster' | string[], path: string, conditional?: string) => {
      for (const rule of rules) {
        for (const id of risksOfRule(rule, clusterWide)) {
          // One finding per risk and path (the first rule that carries it).
          if (risks.some((r) => r.id === id && r.path === path)) continue;
          risks.push({ id, title: RISK_TITLES[id], scope, path, rule, ...(conditional ? { conditional } : {}) });
        }
      }
    };
    if (!p.inactive) {
      if (p.groups.includes(GROUP_MASTERS)) {
        const path = `group ${GROUP_MASTERS} (kube-apiserver allows it everything)`;
        rights.push({ what: 'system:masters', scope: 'cluster', path });
        risks.push({ id: 'cluster-admin', title: RISK_TITLES['cluster-admin'], scope: 'cluster', path });
      }
      for (const g of p.grants) {
        const short = g.policyArn.split('/').pop()!;
        const clusterWide = g.scope.type === 'cluster';
        const scope = clusterWide ? 'cluster' : [...g.scope.namespaces];
        const path = `access policy ${short} (${clusterWide ? 'cluster scope' : `namespace scope ${g.scope.namespaces.join(', ')}`})`;
        rights.push({ what: `access policy ${short}`, scope, path });
        addRisks(grantRules(g), clusterWide, scope, path);
      }
      for (const { resolved, subject, conditional } of rbac.bindingsFor(p.who)) {
        const b = resolved.binding;
        const clusterWide = b.kind === 'ClusterRoleBinding';
        const scope = clusterWide ? 'cluster' : [b.namespace!];
        const path = describeRbacPath({ binding: { kind: b.kind, name: b.name, ...(b.namespace ? { namespace: b.namespace } : {}) }, role: b.roleRef, subject });
        rights.push({ what: `${b.roleRef.kind} ${b.roleRef.name}`, scope, path, ...(resolved.builtIn ? { builtIn: true } : {}), ...(conditional ? { conditional } : {}) });
        addRisks(resolved.rules, clusterWide, scope, path, conditional);
      }
    }
    rows.push({ cluster: slice.name, principal: p.name, source: p.source, username: p.username, groups: p.groups, ...(p.inactive ? { inactive: p.inactive } : {}), rights, risks });
  }
  return rows;
}
