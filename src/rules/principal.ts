/**
 * The principal ARN of an access entry: which forms EKS takes, and — for each mistake — what it is,
 * as a typed violation with the facts (never a wire error). Pure. entries/rules.ts maps a violation
 * to EKS's InvalidParameterException, keeping EKS's wording first and adding which mistake it is.
 */
import { isPartition } from '../arn/arn.js';
import type { AccessEntryType } from '../model/types.js';

export interface PrincipalArnInfo {
  partition: string;
  accountId: string;
  kind: 'user' | 'role';
  /** Path with leading and trailing slash, e.g. `/` or `/aws-reserved/sso.amazonaws.com/`. */
  path: string;
  name: string;
}

export type PrincipalViolation =
  | { code: 'missing' }
  | { code: 'too_long' }
  | { code: 'bare_name'; name: string }
  | { code: 'session'; partition: string; accountId: string; role: string }
  | { code: 'root'; accountId: string }
  | { code: 'not_user_or_role'; arn: string }
  | { code: 'malformed'; arn: string }
  | { code: 'service_linked_role' }
  | { code: 'node_type_needs_role'; type: AccessEntryType }
  | { code: 'node_type_other_account'; type: AccessEntryType; clusterAccountId: string };

const IAM_ARN = /^arn:([^:]+):iam::(\d{12}):(user|role)(\/.*)$/;
const NAME_CHARS = /^[\w+=,.@-]{1,128}$/;
const PATH_CHARS = /^\/([\x21-\x7e]+\/)*$/;

export type PrincipalCheck = { ok: true; principal: PrincipalArnInfo } | { ok: false; violation: PrincipalViolation };

/**
 * Access entries take IAM users and roles only (role paths allowed); STS sessions and
 * service-linked roles are refused; non-STANDARD types need a role in the cluster's account.
 */
export function checkPrincipalArn(input: unknown, type: AccessEntryType, clusterAccountId: string): PrincipalCheck {
  const no = (violation: PrincipalViolation): PrincipalCheck => ({ ok: false, violation });
  if (typeof input !== 'string' || input.length === 0) return no({ code: 'missing' });
  if (input.length > 2048) return no({ code: 'too_long' });
  if (!input.startsWith('arn:')) return NAME_CHARS.test(input) ? no({ code: 'bare_name', name: input }) : no({ code: 'malformed', arn: input });
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(input);
  if (session || /^arn:[^:]+:sts::/.test(input)) return no({ code: 'session', partition: session?.[1] ?? 'aws', accountId: session?.[2] ?? clusterAccountId, role: session?.[3] ?? '' });
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(input);
  if (root) return no({ code: 'root', accountId: root[1]! });
  const m = IAM_ARN.exec(input);
  if (!m || !isPartition(m[1]!)) {
    return /^arn:[^:]+:iam::\d{12}:[a-z-]+\//.test(input) ? no({ code: 'not_user_or_role', arn: input }) : no({ code: 'malformed', arn: input });
  }
  const [, partition, accountId, kind, rest] = m as unknown as [string, string, string, 'user' | 'role', string];
  const lastSlash = rest.lastIndexOf('/');
  const path = rest.slice(0, lastSlash + 1);
  const name = rest.slice(lastSlash + 1);
  if (!NAME_CHARS.test(name) || !PATH_CHARS.test(path) || path.length > 512) return no({ code: 'malformed', arn: input });
  if (kind === 'role' && path.startsWith('/aws-service-role/')) return no({ code: 'service_linked_role' });
  if (type !== 'STANDARD') {
    if (kind !== 'role') return no({ code: 'node_type_needs_role', type });
    if (accountId !== clusterAccountId) return no({ code: 'node_type_other_account', type, clusterAccountId });
  }
  return { ok: true, principal: { partition, accountId, kind, path, name } };
}

const shown = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** What the mistake is, in a sentence a user can act on. */
export function describePrincipalViolation(v: PrincipalViolation, clusterAccountId: string): string {
  switch (v.code) {
    case 'missing':
      return 'principalArn is required.';
    case 'too_long':
      return 'The ARN is longer than 2048 characters.';
    case 'bare_name':
      return `${shown(v.name)} is a name, not an ARN: use arn:aws:iam::${clusterAccountId}:user/${v.name} or arn:aws:iam::${clusterAccountId}:role/${v.name}.`;
    case 'session':
      return `It is a role session (an STS assumed-role ARN), not an IAM principal: use the role's ARN${v.role ? `, arn:${v.partition}:iam::${v.accountId}:role/${v.role} (with the role's path, if it has one)` : ''}.`;
    case 'root':
      return `arn:aws:iam::${v.accountId}:root is the account's root user: access entries take IAM users and roles.`;
    case 'not_user_or_role':
      return `${shown(v.arn)} is not an IAM user or role: access entries take arn:<partition>:iam::<account>:user/<name> or …:role/<name>.`;
    case 'malformed':
      return `${shown(v.arn)} is not a well-formed IAM user or role ARN (arn:<partition>:iam::<12-digit account>:user|role/[path/]<name>).`;
    case 'service_linked_role':
      return 'Service-linked roles cannot have access entries.';
    case 'node_type_needs_role':
      return `The principalArn for an access entry of type ${v.type} must be an IAM role.`;
    case 'node_type_other_account':
      return `The principalArn for an access entry of type ${v.type} must be an IAM role in the cluster's account (${v.clusterAccountId}).`;
  }
}
