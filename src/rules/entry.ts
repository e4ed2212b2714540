/**
 * Access-entry rules as EKS applies them (eks-access.md §1–2, §10). Pure: each `check…` returns the
 * value or a RuleViolation, never a wire error. Where EKS's wording is not known (UNCONFIRMED in
 * the reference) the message is ours, written in EKS's style. The services, the migration planner
 * and the in-memory index all use these functions; nothing keeps a copy.
 */
import type { AccessEntryType } from '../model/types.js';
import { ACCESS_ENTRY_TYPES } from '../model/types.js';
import { eksMessages } from './messages.js';
import type { PrincipalArnInfo, PrincipalViolation } from './principal.js';
import { checkPrincipalArn, describePrincipalViolation } from './principal.js';
import { describeTemplateProblem, templateProblems } from './templates.js';
import type { Checked } from './violation.js';
import { ok, RuleViolation, violated } from './violation.js';

export type { PrincipalArnInfo };

/** What the derived forms (default username, entry ARN) read of a principal. */
export type PrincipalNameParts = Pick<PrincipalArnInfo, 'partition' | 'accountId' | 'kind' | 'name'>;

export const MAX_ENTRIES_PER_CLUSTER = 3000;
/** Limits EKS does not publish; chosen generously so real input fits and hostile input does not. */
export const MAX_USERNAME_LENGTH = 1024;
export const MAX_GROUP_LENGTH = 1024;
export const MAX_GROUPS = 100;

export const RESERVED_USERNAME_PREFIXES = ['system:', 'eks:', 'aws:', 'amazon:', 'iam:'] as const;

export function checkEntryType(input: unknown): Checked<AccessEntryType> {
  if (input === undefined || input === null) return ok('STANDARD');
  if (typeof input !== 'string' || !(ACCESS_ENTRY_TYPES as readonly string[]).includes(input)) {
    return violated(
      'entry_type_invalid',
      `The type ${typeof input === 'string' ? input : JSON.stringify(input)} is not a valid access entry type. Valid types are ${ACCESS_ENTRY_TYPES.join(', ')}.`,
    );
  }
  return ok(input as AccessEntryType);
}

/**
 * A principal mistake in EKS's wording first (clients and tests match on it), then which mistake
 * it is (rules/principal.ts).
 */
export function principalViolation(v: PrincipalViolation, clusterAccountId: string): RuleViolation {
  const say = (message: string) => new RuleViolation(`principal_${v.code}`, message, 'invalid_parameter', { ...v });
  switch (v.code) {
    case 'missing':
      return say('principalArn is required.');
    case 'service_linked_role':
      return say(eksMessages.serviceLinkedRole);
    case 'node_type_needs_role':
    case 'node_type_other_account':
      return say(describePrincipalViolation(v, clusterAccountId));
    case 'session':
      return say(`${eksMessages.principalFormat}. ${describePrincipalViolation(v, clusterAccountId)}`);
    default:
      return say(`${eksMessages.invalidPrincipal} ${describePrincipalViolation(v, clusterAccountId)}`);
  }
}

export function checkEntryPrincipal(input: unknown, type: AccessEntryType, clusterAccountId: string): Checked<PrincipalArnInfo> {
  const r = checkPrincipalArn(input, type, clusterAccountId);
  return r.ok ? ok(r.principal) : { ok: false, violation: principalViolation(r.violation, clusterAccountId) };
}

/** C0 controls and DEL: never part of a Kubernetes user or group name, an ARN or a cluster name. */
export function hasControlCharacters(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

const SESSION_VARS = ['{{SessionName}}', '{{SessionNameRaw}}'];

/** A caller-supplied username (create or update). */
export function checkUsername(input: unknown): Checked<string> {
  const no = (code: string, message: string) => violated(`username_${code}`, message);
  if (typeof input !== 'string') return no('not_string', 'username must be a string.');
  if (input.length === 0) return no('empty', 'username must not be empty.');
  if (input.length > MAX_USERNAME_LENGTH) return no('too_long', `username must be at most ${MAX_USERNAME_LENGTH} characters.`);
  if (hasControlCharacters(input)) return no('control_characters', 'username must not contain control characters.');
  for (const prefix of RESERVED_USERNAME_PREFIXES) {
    if (input.startsWith(prefix)) return no('reserved', eksMessages.usernameReserved(prefix));
  }
  // A session variable must come after a colon, so a role session cannot pick an arbitrary username.
  const first = Math.min(...SESSION_VARS.map((v) => input.indexOf(v)).filter((i) => i >= 0));
  if (Number.isFinite(first) && !input.slice(0, first).includes(':')) {
    return no('session_before_colon', 'The username is invalid: when it contains {{SessionName}} or {{SessionNameRaw}}, a colon (:) must come before the first such variable.');
  }
  // A malformed template is refused, as EKS does; {{EC2PrivateDNSName}} on a non-node entry is
  // doctor's to report (its type decides, and node entries take no custom username).
  const bad = templateProblems(input, true)[0];
  if (bad) return no('template', `The username is invalid: ${describeTemplateProblem(bad)}`);
  return ok(input);
}

export function checkGroups(input: unknown): Checked<string[]> {
  if (input === undefined || input === null) return ok([]);
  const no = (code: string, message: string) => violated(`group_${code}`, message);
  if (!Array.isArray(input)) return no('not_list', 'kubernetesGroups must be a list of strings.');
  if (input.length > MAX_GROUPS) return no('too_many', `kubernetesGroups must contain at most ${MAX_GROUPS} groups.`);
  const out: string[] = [];
  for (const g of input) {
    if (typeof g !== 'string') return no('not_list', 'kubernetesGroups must be a list of strings.');
    if (g.length === 0) return no('empty', 'The kubernetes group name must not be empty.');
    if (g.length > MAX_GROUP_LENGTH) return no('too_long', `The kubernetes group name must be at most ${MAX_GROUP_LENGTH} characters.`);
    if (hasControlCharacters(g)) return no('control_characters', 'The kubernetes group name must not contain control characters.');
    if (g.startsWith('system:')) return no('reserved', eksMessages.groupReserved(g));
    if (!out.includes(g)) out.push(g);
  }
  return ok(out);
}

/** The username EKS fills in when none is given (eks-access.md §1.2, §2.1). */
export function defaultUsername(type: AccessEntryType, principal: PrincipalNameParts, principalArn: string): string {
  switch (type) {
    case 'STANDARD':
      return principal.kind === 'user'
        ? principalArn
        : `arn:${principal.partition}:sts::${principal.accountId}:assumed-role/${principal.name}/{{SessionName}}`;
    case 'EC2_LINUX':
    case 'EC2_WINDOWS':
      return 'system:node:{{EC2PrivateDNSName}}';
    default:
      // FARGATE_LINUX, HYBRID_LINUX, EC2 are documented/observed; HYPERPOD_LINUX is UNCONFIRMED and
      // given the same session-name form.
      return 'system:node:{{SessionName}}';
  }
}

/** kubernetesGroups the API reports for a type (observed `["system:nodes"]` for node types). */
export function defaultGroups(type: AccessEntryType): string[] {
  return type === 'STANDARD' ? [] : ['system:nodes'];
}

/** Which types may have access policies: STANDARD, and EC2 (EKS Auto Mode nodes). */
export function typeAcceptsPolicies(type: AccessEntryType): boolean {
  return type === 'STANDARD' || type === 'EC2';
}

/**
 * EKS refuses every access-policy operation — associate, disassociate and list — on an entry of a
 * node type with the same InvalidParameterException (seen from real EKS when ACK's read path lists
 * associations of an EC2_LINUX entry: aws-controllers-k8s/community#2144).
 */
export function checkAcceptsPolicies(type: AccessEntryType): Checked<AccessEntryType> {
  return typeAcceptsPolicies(type) ? ok(type) : violated('entry_type_takes_no_policies', eksMessages.onlyStandard);
}

/** The ARN EKS gives an entry: access-entry/<cluster>/<role|user>/<principal account>/<name>/<uuid>. */
export function accessEntryArn(p: { partition: string; region: string; clusterAccountId: string; clusterName: string; principal: PrincipalNameParts; uuid: string }): string {
  return `arn:${p.partition}:eks:${p.region}:${p.clusterAccountId}:access-entry/${p.clusterName}/${p.principal.kind}/${p.principal.accountId}/${p.principal.name}/${p.uuid}`;
}

/** Access entries exist only where the cluster's mode reads them. */
export function checkModeTakesEntries(mode: string): Checked<string> {
  return mode === 'CONFIG_MAP' ? violated('mode_config_map_only', eksMessages.modeMustAllowApi, 'invalid_request') : ok(mode);
}
