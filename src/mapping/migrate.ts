// `entryway migrate aws-auth`: plans how aws-auth rows become access entries (eks-access.md §3.5,
// §7.2–7.3, Appendix B). Pure: IAM is reached only through the optional resolvePrincipal callback,
// the plan is plain JSON, and viewAfterMigration turns it into the view mapIdentity would see.
import { classifyPrincipal } from '../arn/index.js';
import { checkEntryPrincipal, checkGroups, checkUsername, defaultGroups, defaultUsername } from '../rules/entry.js';
import type { PrincipalArnInfo } from '../rules/entry.js';
import type { RuleViolation } from '../rules/violation.js';
import type { AccessEntryRecord, AccessEntryType, AssociationRecord, AuthenticationMode, AwsAuthMapping } from '../model/types.js';
import { accessPolicyArn } from '../policy/catalogue.js';
import type { AwsAuthLists } from './aws-auth.js';
import { createMappingView, lookupAwsAuth, principalArnKey } from './identity.js';
import type { CreatorGrant, MappingView } from './identity.js';
import { GROUP_MASTERS, isNodeEntryType, nodeGroups, nodeTypeForRow, nodeUsername } from './nodes.js';
import { EC2_PRIVATE_DNS_NAME } from './templates.js';

export type MigrationTarget = 'API_AND_CONFIG_MAP' | 'API';

/** What Entryway's IAM knows about a principal: its real ARN (role path included) and unique ID. */
export interface ResolvedPrincipal {
  arn: string;
  principalId: string | null;
}

/**
 * Looks an aws-auth ARN up in Entryway's IAM. For roles the ARN has no path (aws-auth cannot hold
 * one) and the answer supplies it. Returns null when the account is Entryway's and the principal
 * does not exist, undefined when it cannot tell (an account Entryway does not hold).
 */
export type ResolvePrincipal = (arn: string, kind: 'role' | 'user') => ResolvedPrincipal | null | undefined;

export interface MigrationInput {
  awsAuth: AwsAuthLists;
  entries: readonly AccessEntryRecord[];
  associations: readonly AssociationRecord[];
  clusterAccountId: string;
  currentMode: AuthenticationMode;
  target: MigrationTarget;
  resolvePrincipal?: ResolvePrincipal;
  /** The CONFIG_MAP creator's hidden admin grant (ClusterRecord.creator / hiddenCreatorAdmin). */
  creator?: CreatorGrant;
  hiddenCreatorAdmin?: boolean;
}

export interface ProposedPolicy {
  policyArn: string;
  accessScope: { type: 'cluster'; namespaces: string[] };
}

/** A CreateAccessEntry (+ AssociateAccessPolicy) call, and what the entry will then hold. */
export interface ProposedEntry {
  principalArn: string;
  /** From resolvePrincipal; null when unknown (the entry service captures it on create). */
  principalId: string | null;
  type: AccessEntryType;
  /** To send; undefined lets EKS fill its default (always so for node types). */
  username?: string;
  /** What the entry's username will be. */
  effectiveUsername: string;
  kubernetesGroups: string[];
  accessPolicies: ProposedPolicy[];
}

export type ItemStatus =
  /** Create this entry. */
  | 'create'
  /** An entry for the principal exists and equals the proposal. */
  | 'exists_identical'
  /** An entry exists and differs; it already wins over the row in API_AND_CONFIG_MAP. */
  | 'exists_different'
  /** The row maps callers today and has no faithful access-entry form. */
  | 'cannot_migrate'
  /** The row maps nobody (dead, shadowed, or superseded); nothing to create. */
  | 'not_needed';

export type ProblemCode =
  | 'shadowed'
  | 'dead_row'
  | 'superseded_by_creator'
  | 'principal_refused'
  | 'principal_not_found'
  | 'service_linked_role'
  | 'role_path_unknown'
  | 'role_path_resolved'
  | 'node_row_not_role'
  | 'node_username_differs'
  | 'node_groups_lost'
  | 'node_groups_added'
  | 'reserved_group'
  | 'group_refused'
  | 'username_refused'
  | 'template_not_allowed'
  | 'template_unconfirmed'
  | 'empty_username'
  | 'system_masters'
  | 'system_authenticated'
  | 'account_mapping'
  | 'mode_transition';

export interface PlanProblem {
  code: ProblemCode;
  /** blocker: the row cannot move; warning: moves, but look; info: what the planner did. */
  severity: 'blocker' | 'warning' | 'info';
  message: string;
}

export interface PlanItem {
  /** e.g. `mapRoles[2]`. */
  id: string;
  section: 'mapRoles' | 'mapUsers';
  index: number;
  mapping: AwsAuthMapping;
  status: ItemStatus;
  entry?: ProposedEntry;
  existing?: { entry: AccessEntryRecord; associations: AssociationRecord[] };
  /** existing vs proposed, when an entry exists. */
  differences: string[];
  /** Whether `entry` authenticates the principal as the row does (system:masters counted as the cluster-admin policy). */
  equivalent: boolean;
  problems: PlanProblem[];
}

export interface MigrationPlan {
  target: MigrationTarget;
  currentMode: AuthenticationMode;
  clusterAccountId: string;
  /** UpdateClusterConfig authenticationMode values to apply, in order. */
  transitions: AuthenticationMode[];
  items: PlanItem[];
  accounts: { accountId: string; problem: PlanProblem }[];
  /**
   * Leaving CONFIG_MAP turns the creator's hidden grant into a visible admin entry (EKS does this
   * itself, eks-access.md §3.2). Listed so the equivalence check sees it; the mode change creates it.
   */
  creatorEntry?: ProposedEntry;
  blocked: boolean;
  /** Why the target mode cannot be reached (empty when not blocked). */
  blockers: string[];
  summary: Record<ItemStatus, number>;
}

const CLUSTER_ADMIN = 'AmazonEKSClusterAdminPolicy';
const SSO_ROLE = /^AWSReservedSSO_/;
const SLR_NAME = /^AWSServiceRoleFor/;

/**
 * Plans the move of every aws-auth row to access entries. One item per row (document order);
 * rows become: node rows (`system:nodes`) → EC2_LINUX / EC2_WINDOWS (`eks:kube-proxy-windows`) /
 * FARGATE_LINUX (`system:node-proxier`) / HYBRID_LINUX (`system:node:{{SessionName}}`); rows with
 * `system:masters` → STANDARD + AmazonEKSClusterAdminPolicy (cluster scope), username kept,
 * `system:masters` dropped, other groups kept; other rows → STANDARD with the same username and
 * groups. Each proposal is checked with the access-entry rules EKS applies (src/entries/rules.ts).
 *
 * `blocked`: for `API`, any row that maps callers today but cannot move, and any mapAccounts
 * (aws-auth stops being read); for `API_AND_CONFIG_MAP` only an impossible mode transition (rows
 * that cannot move keep working from aws-auth).
 */
export function planAwsAuthMigration(input: MigrationInput): MigrationPlan {
  const creatorKey = input.creator ? principalArnKey(input.creator.principalArn) : undefined;
  const creatorEntry =
    input.currentMode === 'CONFIG_MAP' && input.hiddenCreatorAdmin && input.creator ? planCreatorEntry(input.creator, input.clusterAccountId) : undefined;

  const items: PlanItem[] = [];
  for (const section of ['mapRoles', 'mapUsers'] as const) {
    input.awsAuth[section].forEach((mapping, index) => {
      items.push(planRow(input, section, index, mapping, creatorEntry ? creatorKey : undefined));
    });
  }

  const accounts = input.awsAuth.mapAccounts.map((accountId) => ({
    accountId,
    problem: {
      code: 'account_mapping' as const,
      severity: input.target === 'API' ? ('blocker' as const) : ('warning' as const),
      message:
        input.target === 'API'
          ? `mapAccounts lists ${accountId}: every principal of that account is authenticated today and access entries have no account-wide equivalent. Create entries for the principals that need access, then remove the account from mapAccounts.`
          : `mapAccounts lists ${accountId}: it has no access-entry equivalent and keeps working from aws-auth.`,
    },
  }));

  const blockers: string[] = [];
  const transitions = modeTransitions(input.currentMode, input.target);
  if (transitions === undefined) {
    blockers.push(`the authentication mode cannot change from ${input.currentMode} to ${input.target} (modes only move CONFIG_MAP → API_AND_CONFIG_MAP → API).`);
  }
  if (input.target === 'API') {
    for (const item of items) {
      if (item.status !== 'cannot_migrate') continue;
      const why = item.problems.filter((p) => p.severity === 'blocker').map((p) => p.message);
      blockers.push(`${item.id} (${item.mapping.arn}) cannot become an access entry: ${why.join(' ')}`);
    }
    for (const a of accounts) blockers.push(a.problem.message);
  }

  const summary: Record<ItemStatus, number> = { create: 0, exists_identical: 0, exists_different: 0, cannot_migrate: 0, not_needed: 0 };
  for (const item of items) summary[item.status]++;

  return {
    target: input.target,
    currentMode: input.currentMode,
    clusterAccountId: input.clusterAccountId,
    transitions: transitions ?? [],
    items,
    accounts,
    ...(creatorEntry ? { creatorEntry } : {}),
    blocked: blockers.length > 0,
    blockers,
    summary,
  };
}

/** The mode updates to run (EKS allows only one step at a time); undefined if impossible. */
export function modeTransitions(from: AuthenticationMode, to: MigrationTarget): AuthenticationMode[] | undefined {
  if (from === to) return [];
  if (from === 'CONFIG_MAP') return to === 'API' ? ['API_AND_CONFIG_MAP', 'API'] : ['API_AND_CONFIG_MAP'];
  if (from === 'API_AND_CONFIG_MAP' && to === 'API') return ['API'];
  return undefined;
}

function planCreatorEntry(creator: CreatorGrant, clusterAccountId: string): ProposedEntry | undefined {
  const checked = checkEntryPrincipal(creator.principalArn, 'STANDARD', clusterAccountId);
  if (!checked.ok) return undefined;
  const info: PrincipalArnInfo = checked.value;
  return {
    principalArn: creator.principalArn,
    principalId: creator.principalId,
    type: 'STANDARD',
    effectiveUsername: defaultUsername('STANDARD', info, creator.principalArn),
    kubernetesGroups: [],
    accessPolicies: [clusterAdmin(info.partition)],
  };
}

const clusterAdmin = (partition: string): ProposedPolicy => ({
  policyArn: accessPolicyArn(CLUSTER_ADMIN, partition),
  accessScope: { type: 'cluster', namespaces: [] },
});

function planRow(input: MigrationInput, section: 'mapRoles' | 'mapUsers', index: number, mapping: AwsAuthMapping, creatorKey: string | undefined): PlanItem {
  const item: PlanItem = { id: `${section}[${index}]`, section, index, mapping, status: 'create', differences: [], equivalent: true, problems: [] };
  const problem = (code: ProblemCode, severity: PlanProblem['severity'], message: string) => item.problems.push({ code, severity, message });
  const done = (status: ItemStatus): PlanItem => {
    item.status = status;
    return item;
  };

  // Only the row a caller would actually get can matter (last row per ARN, mapRoles before mapUsers).
  const effective = lookupAwsAuth(input.awsAuth, mapping.arn);
  if (effective && (effective.section !== section || effective.index !== index)) {
    problem('shadowed', 'info', `${effective.section}[${effective.index}] has the same ARN and is the row that applies; this one is never used.`);
    return done('not_needed');
  }

  // Which principal the row denotes, and whether it can match a caller today.
  const cls = classifyPrincipal(mapping.arn);
  if (cls.kind === 'other') {
    problem('dead_row', 'warning', `'${mapping.arn}' is not a usable principal ARN (${cls.reason}); the row matches nobody today.`);
    return done('not_needed');
  }
  if (cls.kind === 'sts-session' && cls.sessionType === 'assumed-role') {
    problem('dead_row', 'warning', `${mapping.arn} is an STS session ARN, which aws-auth never matches; the row matches nobody today.`);
    return done('not_needed');
  }
  if ((cls.kind === 'iam-role' || cls.kind === 'service-linked-role') && cls.path !== '/') {
    problem(
      'dead_row',
      'warning',
      `role ARN ${mapping.arn} has a path, so the row matches nobody today (sessions present the role without its path). ` +
        `An access entry with this ARN WOULD match, newly granting access: create one deliberately if that is intended.`,
    );
    return done('not_needed');
  }
  if (cls.kind === 'sts-session' || cls.kind === 'root') {
    problem('principal_refused', 'blocker', `${mapping.arn} maps callers today but access entries take only IAM users and roles.`);
    return done('cannot_migrate');
  }
  const kind = cls.kind === 'iam-user' ? 'user' : 'role';
  if (kind === 'role' && SLR_NAME.test(cls.name)) {
    problem('service_linked_role', 'blocker', `${cls.name} looks like a service-linked role; access entries cannot be created for service-linked roles.`);
    return done('cannot_migrate');
  }

  // The real ARN: aws-auth cannot carry a role's path, access entries need it.
  let principalArn = mapping.arn;
  let principalId: string | null = null;
  const resolved = input.resolvePrincipal?.(mapping.arn, kind);
  if (resolved === null) {
    problem('principal_not_found', 'warning', `no ${kind} ${mapping.arn} exists, so the row matches nobody today and CreateAccessEntry would refuse it.`);
    return done('not_needed');
  }
  if (resolved) {
    principalArn = resolved.arn;
    principalId = resolved.principalId;
    if (principalArn !== mapping.arn) problem('role_path_resolved', 'info', `the ${kind}'s real ARN is ${principalArn}; the entry uses it.`);
  } else if (kind === 'role') {
    problem(
      'role_path_unknown',
      'warning',
      SSO_ROLE.test(cls.name)
        ? `${cls.name} is an IAM Identity Center role; its real ARN has the path aws-reserved/sso.amazonaws.com/<region>/ ` +
            `(arn:${cls.partition}:iam::${cls.accountId}:role/aws-reserved/sso.amazonaws.com/<region>/${cls.name}). Use that ARN for the entry.`
        : `the role's path is unknown here; if the role has one, the entry must use its real ARN including the path.`,
    );
  }
  if (creatorKey !== undefined && principalArnKey(principalArn) === creatorKey) {
    problem('superseded_by_creator', 'info', 'this is the cluster creator, whose admin entry the mode change creates; it takes precedence over the row.');
    return done('not_needed');
  }

  const proposal = proposeEntry(input, mapping, kind, principalArn, principalId, problem);
  item.equivalent = proposal.equivalent;
  if (proposal.entry) item.entry = proposal.entry;

  const existing = input.entries.find((e) => principalArnKey(e.principalArn) === principalArnKey(principalArn));
  if (existing) {
    const associations = input.associations.filter((a) => a.principalArn === existing.principalArn);
    item.existing = { entry: existing, associations };
    if (!item.entry) {
      item.differences.push('the row has no access-entry form (see problems); the existing entry already decides this principal.');
      return done('exists_different');
    }
    item.differences = compareEntry(existing, associations, item.entry);
    return done(item.differences.length === 0 ? 'exists_identical' : 'exists_different');
  }
  return done(item.problems.some((p) => p.severity === 'blocker') ? 'cannot_migrate' : 'create');
}

type ProblemFn = (code: ProblemCode, severity: PlanProblem['severity'], message: string) => void;

function proposeEntry(
  input: MigrationInput,
  mapping: AwsAuthMapping,
  kind: 'role' | 'user',
  principalArn: string,
  principalId: string | null,
  problem: ProblemFn,
): { entry?: ProposedEntry; equivalent: boolean } {
  const refused = (code: ProblemCode, v: RuleViolation, what: string) => problem(code, 'blocker', `${what}: ${v.message}`);
  const nodeType = nodeTypeForRow(mapping.username, mapping.groups);
  if (nodeType && kind === 'user') {
    problem('node_row_not_role', 'blocker', `the row gives an IAM user the group system:nodes; node access entries take IAM roles only and other entries refuse system: groups.`);
    return { equivalent: false };
  }

  if (nodeType) {
    let blocked = false;
    let equivalent = true;
    const checked = checkEntryPrincipal(principalArn, nodeType, input.clusterAccountId);
    if (!checked.ok) {
      refused('principal_refused', checked.violation, `an ${nodeType} entry cannot use ${principalArn}`);
      blocked = true;
    }
    const username = nodeUsername(nodeType);
    if (mapping.username !== username) {
      problem('node_username_differs', 'blocker', `an ${nodeType} entry authenticates nodes as ${username}, but the row names them ${mapping.username || '(empty)'}; node names would change.`);
      blocked = true;
    }
    const fixed = nodeGroups(nodeType);
    const lost = mapping.groups.filter((g) => !fixed.includes(g));
    const added = fixed.filter((g) => !mapping.groups.includes(g));
    if (lost.length > 0) {
      problem('node_groups_lost', 'blocker', `an ${nodeType} entry carries only ${fixed.join(', ')}; the row's ${lost.join(', ')} would be lost.`);
      blocked = true;
    }
    if (added.length > 0) {
      problem('node_groups_added', 'warning', `an ${nodeType} entry also grants ${added.join(', ')}, which the row does not.`);
      equivalent = false;
    }
    if (blocked) return { equivalent: false };
    return {
      entry: { principalArn, principalId, type: nodeType, effectiveUsername: username, kubernetesGroups: [], accessPolicies: [] },
      equivalent,
    };
  }

  let blocked = false;
  let equivalent = true;
  let info: PrincipalArnInfo | undefined;
  const principal = checkEntryPrincipal(principalArn, 'STANDARD', input.clusterAccountId);
  if (principal.ok) info = principal.value;
  else {
    refused('principal_refused', principal.violation, `an access entry cannot use ${principalArn}`);
    blocked = true;
  }

  const masters = mapping.groups.includes(GROUP_MASTERS);
  const reserved = mapping.groups.filter((g) => g.startsWith('system:') && g !== GROUP_MASTERS && g !== 'system:authenticated');
  if (masters) problem('system_masters', 'info', `system:masters becomes ${CLUSTER_ADMIN} at cluster scope.`);
  if (mapping.groups.includes('system:authenticated')) {
    problem('system_authenticated', 'info', 'system:authenticated is dropped: Kubernetes adds it to every authenticated user anyway.');
  }
  if (reserved.length > 0) {
    problem('reserved_group', 'blocker', `access entries refuse groups starting with system:, and ${reserved.join(', ')} has no access-entry equivalent.`);
    blocked = true;
  }
  const keep = mapping.groups.filter((g) => !g.startsWith('system:'));
  let groups: string[] = [];
  const kept = checkGroups(keep);
  if (kept.ok) groups = kept.value;
  else {
    refused('group_refused', kept.violation, 'the groups cannot be kept');
    blocked = true;
  }
  for (const g of keep) {
    if (g.includes(EC2_PRIVATE_DNS_NAME)) {
      problem('template_not_allowed', 'blocker', `group ${g} uses {{EC2PrivateDNSName}}, which only node entries resolve.`);
      blocked = true;
    }
  }

  let username: string | undefined;
  if (mapping.username === '') {
    problem('empty_username', 'warning', 'the row has no username (callers get an empty one today); the entry gets EKS\'s default username instead.');
    equivalent = false;
  } else if (mapping.username.includes(EC2_PRIVATE_DNS_NAME)) {
    problem('template_not_allowed', 'blocker', `username ${mapping.username} uses {{EC2PrivateDNSName}}, which only EC2_LINUX/EC2_WINDOWS entries resolve.`);
    blocked = true;
  } else {
    const checked = checkUsername(mapping.username);
    if (checked.ok) username = checked.value;
    else {
      refused('username_refused', checked.violation, `access entries refuse the username ${mapping.username}`);
      blocked = true;
    }
    if (/\{\{(AccountID|AccessKeyID)\}\}/.test(mapping.username)) {
      problem('template_unconfirmed', 'warning', `whether EKS accepts {{AccountID}}/{{AccessKeyID}} in access-entry usernames is unconfirmed; Entryway renders them.`);
    }
  }
  if (blocked || !info) return { equivalent: false };
  return {
    entry: {
      principalArn,
      principalId,
      type: 'STANDARD',
      ...(username !== undefined ? { username } : {}),
      effectiveUsername: username ?? defaultUsername('STANDARD', info, principalArn),
      kubernetesGroups: groups,
      accessPolicies: masters ? [clusterAdmin(info.partition)] : [],
    },
    equivalent,
  };
}

/** Differences between an existing entry (+ its associations) and a proposal; [] when identical. */
function compareEntry(existing: AccessEntryRecord, associations: readonly AssociationRecord[], proposed: ProposedEntry): string[] {
  const diffs: string[] = [];
  if (existing.principalId !== null && proposed.principalId !== null && existing.principalId !== proposed.principalId) {
    diffs.push(`the existing entry is stale: it was created for principal ID ${existing.principalId}, the principal is now ${proposed.principalId}.`);
  }
  if (existing.type !== proposed.type) diffs.push(`type is ${existing.type}, the row needs ${proposed.type}.`);
  if (!isNodeEntryType(proposed.type) && existing.type === proposed.type) {
    if (existing.username !== proposed.effectiveUsername) diffs.push(`username is ${existing.username}, the row has ${proposed.effectiveUsername}.`);
    const missing = proposed.kubernetesGroups.filter((g) => !existing.kubernetesGroups.includes(g));
    const extra = existing.kubernetesGroups.filter((g) => !proposed.kubernetesGroups.includes(g));
    if (missing.length) diffs.push(`the entry lacks groups ${missing.join(', ')}.`);
    if (extra.length) diffs.push(`the entry has extra groups ${extra.join(', ')}.`);
  }
  const sig = (p: { policyArn: string; scope: { type: string; namespaces: readonly string[] } }) =>
    `${p.policyArn} (${p.scope.type}${p.scope.type === 'namespace' ? `: ${[...p.scope.namespaces].sort().join(',')}` : ''})`;
  const have = associations.map((a) => sig({ policyArn: a.policyArn, scope: a.scope }));
  const want = proposed.accessPolicies.map((p) => sig({ policyArn: p.policyArn, scope: p.accessScope }));
  const missingPolicies = want.filter((w) => !have.includes(w));
  const extraPolicies = have.filter((h) => !want.includes(h));
  if (missingPolicies.length) diffs.push(`the entry lacks access policies ${missingPolicies.join(', ')}.`);
  if (extraPolicies.length) diffs.push(`the entry has extra access policies ${extraPolicies.join(', ')}.`);
  return diffs;
}

/**
 * The cluster as it would be once the plan is carried out: existing entries plus every `create`
 * item and the creator entry, with their policy associations; aws-auth still read in
 * API_AND_CONFIG_MAP, ignored in API. Feed `view` to mapIdentity and `associations` to the policy
 * engine to compare identities and permissions before and after.
 */
export function viewAfterMigration(
  plan: MigrationPlan,
  before: { entries: readonly AccessEntryRecord[]; associations: readonly AssociationRecord[]; awsAuth: AwsAuthLists },
  opts: { clusterName: string; now: number },
): { view: MappingView; entries: AccessEntryRecord[]; associations: AssociationRecord[] } {
  const entries = [...before.entries];
  const associations = [...before.associations];
  const proposals = plan.items.filter((i) => i.status === 'create' && i.entry).map((i) => ({ id: i.id, entry: i.entry as ProposedEntry }));
  const creator = plan.creatorEntry;
  if (creator && !entries.some((e) => principalArnKey(e.principalArn) === principalArnKey(creator.principalArn))) {
    proposals.push({ id: 'creator', entry: creator });
  }
  for (const { id, entry: p } of proposals) {
    entries.push({
      clusterName: opts.clusterName,
      principalArn: p.principalArn,
      principalId: p.principalId,
      type: p.type,
      username: p.effectiveUsername,
      kubernetesGroups: isNodeEntryType(p.type) ? defaultGroups(p.type) : [...p.kubernetesGroups],
      tags: {},
      createdAt: opts.now,
      modifiedAt: opts.now,
      uuid: `planned-${id}`,
      accessEntryArn: `planned:${id}`,
    });
    for (const pol of p.accessPolicies) {
      associations.push({
        clusterName: opts.clusterName,
        principalArn: p.principalArn,
        policyArn: pol.policyArn,
        scope: { type: pol.accessScope.type, namespaces: [...pol.accessScope.namespaces] },
        associatedAt: opts.now,
        modifiedAt: opts.now,
      });
    }
  }
  const view = createMappingView({ mode: plan.target, entries, awsAuth: plan.target === 'API' ? undefined : before.awsAuth, hiddenCreatorAdmin: false });
  return { view, entries, associations };
}

/** A human-readable rendering of the plan for the CLI (the JSON form is the plan itself). */
export function formatMigrationPlan(plan: MigrationPlan): string {
  const lines: string[] = [];
  const steps = plan.transitions.length ? plan.transitions.join(' → ') : 'none';
  lines.push(`Migration of aws-auth to access entries: ${plan.currentMode} → ${plan.target} (mode updates: ${steps})`);
  lines.push(plan.blocked ? `BLOCKED:` : 'Not blocked.');
  for (const b of plan.blockers) lines.push(`  - ${b}`);
  const s = plan.summary;
  lines.push(`Rows: ${s.create} to create, ${s.exists_identical} already present, ${s.exists_different} present but different, ${s.cannot_migrate} cannot migrate, ${s.not_needed} not needed.`);
  for (const item of plan.items) {
    lines.push('');
    lines.push(`${item.id} ${item.mapping.arn}: ${item.status.replace(/_/g, ' ')}${item.equivalent || !item.entry ? '' : ' (not equivalent)'}`);
    if (item.entry) {
      const e = item.entry;
      lines.push(`  entry: ${e.principalArn} type=${e.type} username=${e.effectiveUsername}${e.kubernetesGroups.length ? ` groups=${e.kubernetesGroups.join(',')}` : ''}`);
      for (const p of e.accessPolicies) lines.push(`  policy: ${p.policyArn} (${p.accessScope.type})`);
    }
    for (const d of item.differences) lines.push(`  differs: ${d}`);
    for (const p of item.problems) lines.push(`  ${p.severity}: ${p.message}`);
  }
  for (const a of plan.accounts) lines.push('', `mapAccounts ${a.accountId}: ${a.problem.severity}: ${a.problem.message}`);
  if (plan.creatorEntry) lines.push('', `cluster creator: the mode change creates ${plan.creatorEntry.principalArn} with ${CLUSTER_ADMIN}.`);
  return lines.join('\n');
}
