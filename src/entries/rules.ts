/**
 * Access-entry rules as EKS applies them (eks-access.md §1–2, §10). Pure: every function takes its
 * inputs and returns a value or throws the EKS error the rule defines. Where EKS's wording is not
 * known (UNCONFIRMED in the reference) the message is ours, written in EKS's style.
 */
import type { AwsError } from '../aws/errors.js';
import { eksError, eksMessages } from '../aws/errors.js';
import type { PrincipalArnInfo, PrincipalViolation } from '../rules/principal.js';
import { checkPrincipalArn, describePrincipalViolation } from '../rules/principal.js';
import { describeTemplateProblem, templateProblems } from '../rules/templates.js';
import type { AccessEntryType } from '../model/types.js';
import { ACCESS_ENTRY_TYPES } from '../model/types.js';

export const MAX_ENTRIES_PER_CLUSTER = 3000;
/** Limits EKS does not publish; chosen generously so real input fits and hostile input does not. */
export const MAX_USERNAME_LENGTH = 1024;
export const MAX_GROUP_LENGTH = 1024;
export const MAX_GROUPS = 100;

export const RESERVED_USERNAME_PREFIXES = ['system:', 'eks:', 'aws:', 'amazon:', 'iam:'] as const;

export function parseEntryType(input: unknown): AccessEntryType {
  if (input === undefined || input === null) return 'STANDARD';
  if (typeof input !== 'string' || !(ACCESS_ENTRY_TYPES as readonly string[]).includes(input)) {
    throw eksError.invalidParameter(
      `The type ${typeof input === 'string' ? input : JSON.stringify(input)} is not a valid access entry type. Valid types are ${ACCESS_ENTRY_TYPES.join(', ')}.`,
    );
  }
  return input as AccessEntryType;
}

/** What the principal ARN given to CreateAccessEntry denotes. */
export type { PrincipalArnInfo };

/**
 * EKS's InvalidParameterException for a principal mistake: EKS's wording first (clients and tests
 * match on it), then which mistake it is (rules/principal.ts).
 */
export function principalError(v: PrincipalViolation, clusterAccountId: string): AwsError {
  switch (v.code) {
    case 'missing':
      return eksError.invalidParameter('principalArn is required.');
    case 'service_linked_role':
      return eksError.invalidParameter(eksMessages.serviceLinkedRole);
    case 'node_type_needs_role':
    case 'node_type_other_account':
      return eksError.invalidParameter(describePrincipalViolation(v, clusterAccountId));
    case 'session':
      return eksError.invalidParameter(`${eksMessages.principalFormat}. ${describePrincipalViolation(v, clusterAccountId)}`);
    default:
      return eksError.invalidParameter(`${eksMessages.invalidPrincipal} ${describePrincipalViolation(v, clusterAccountId)}`);
  }
}

export function parsePrincipalArn(input: unknown, type: AccessEntryType, clusterAccountId: string): PrincipalArnInfo {
  const r = checkPrincipalArn(input, type, clusterAccountId);
  if (!r.ok) throw principalError(r.violation, clusterAccountId);
  return r.principal;
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
export function validateUsername(input: unknown): string {
  if (typeof input !== 'string') throw eksError.invalidParameter('username must be a string.');
  if (input.length === 0) throw eksError.invalidParameter('username must not be empty.');
  if (input.length > MAX_USERNAME_LENGTH) throw eksError.invalidParameter(`username must be at most ${MAX_USERNAME_LENGTH} characters.`);
  if (hasControlCharacters(input)) throw eksError.invalidParameter('username must not contain control characters.');
  for (const prefix of RESERVED_USERNAME_PREFIXES) {
    if (input.startsWith(prefix)) throw eksError.invalidParameter(eksMessages.usernameReserved(prefix));
  }
  // A session variable must come after a colon, so a role session cannot pick an arbitrary username.
  const first = Math.min(...SESSION_VARS.map((v) => input.indexOf(v)).filter((i) => i >= 0));
  if (Number.isFinite(first) && !input.slice(0, first).includes(':')) {
    throw eksError.invalidParameter(
      'The username is invalid: when it contains {{SessionName}} or {{SessionNameRaw}}, a colon (:) must come before the first such variable.',
    );
  }
  // A malformed template is refused, as EKS does; {{EC2PrivateDNSName}} on a non-node entry is
  // doctor's to report (its type decides, and node entries take no custom username).
  const bad = templateProblems(input, true)[0];
  if (bad) throw eksError.invalidParameter(`The username is invalid: ${describeTemplateProblem(bad)}`);
  return input;
}

export function validateGroups(input: unknown): string[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) throw eksError.invalidParameter('kubernetesGroups must be a list of strings.');
  if (input.length > MAX_GROUPS) throw eksError.invalidParameter(`kubernetesGroups must contain at most ${MAX_GROUPS} groups.`);
  const out: string[] = [];
  for (const g of input) {
    if (typeof g !== 'string') throw eksError.invalidParameter('kubernetesGroups must be a list of strings.');
    if (g.length === 0) throw eksError.invalidParameter('The kubernetes group name must not be empty.');
    if (g.length > MAX_GROUP_LENGTH) throw eksError.invalidParameter(`The kubernetes group name must be at most ${MAX_GROUP_LENGTH} characters.`);
    if (hasControlCharacters(g)) throw eksError.invalidParameter('The kubernetes group name must not contain control characters.');
    if (g.startsWith('system:')) throw eksError.invalidParameter(eksMessages.groupReserved(g));
    if (!out.includes(g)) out.push(g);
  }
  return out;
}

/** The username EKS fills in when none is given (eks-access.md §1.2, §2.1). */
export function defaultUsername(type: AccessEntryType, principal: PrincipalArnInfo, principalArn: string): string {
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
export function assertAcceptsPolicies(type: AccessEntryType): void {
  if (!typeAcceptsPolicies(type)) throw eksError.invalidParameter(eksMessages.onlyStandard);
}

/** The ARN EKS gives an entry: access-entry/<cluster>/<role|user>/<principal account>/<name>/<uuid>. */
export function accessEntryArn(p: { partition: string; region: string; clusterAccountId: string; clusterName: string; principal: PrincipalArnInfo; uuid: string }): string {
  return `arn:${p.partition}:eks:${p.region}:${p.clusterAccountId}:access-entry/${p.clusterName}/${p.principal.kind}/${p.principal.accountId}/${p.principal.name}/${p.uuid}`;
}

export function assertNotConfigMapOnly(mode: string): void {
  if (mode === 'CONFIG_MAP') throw eksError.invalidRequest(eksMessages.modeMustAllowApi);
}
