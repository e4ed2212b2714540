// ARN parsing, identity canonicalisation and principal classification. Pure; see ./index.ts for
// which upstream behaviour is mirrored and where we diverge.

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'] as const;
export type Partition = (typeof PARTITIONS)[number];

export const isPartition = (s: string): s is Partition => (PARTITIONS as readonly string[]).includes(s);

export interface Arn {
  partition: Partition;
  service: string;
  region: string;
  accountId: string;
  /** Everything after the fifth colon; may itself contain ':' and '/'. */
  resource: string;
}

export type ArnErrorCode =
  | 'invalid' // not an ARN at all (prefix, sections, empty partition/service/resource)
  | 'unknown_partition'
  | 'not_identity' // a well-formed ARN that does not name an IAM/STS identity
  | 'not_role'
  | 'not_user';

/** Thrown by every function here; callers branch on `code`, the message is upstream's wording. */
export class ArnError extends Error {
  override readonly name = 'ArnError';
  constructor(
    readonly code: ArnErrorCode,
    readonly arn: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits an ARN the way aws-sdk-go's `arn.Parse` does (6 sections, the resource keeps any further
 * colons) and additionally requires a known partition.
 */
export function parseArn(s: string): Arn {
  const invalid = (why: string) => new ArnError('invalid', s, `arn '${s}' is invalid: '${why}'`);
  if (!s.startsWith('arn:')) throw invalid('arn: invalid prefix');
  const first = s.split(':', 5);
  if (first.length < 5) throw invalid('arn: not enough sections');
  const head = first.join(':').length + 1;
  if (head > s.length) throw invalid('arn: not enough sections');
  const [, partition, service, region, accountId] = first as [string, string, string, string, string];
  const resource = s.slice(head);
  if (partition === '') throw invalid('arn: invalid partition');
  if (service === '') throw invalid('arn: invalid service');
  if (resource === '') throw invalid('arn: invalid resource');
  if (!isPartition(partition)) throw new ArnError('unknown_partition', s, `arn '${s}' does not have a recognized partition`);
  return { partition, service, region, accountId, resource };
}

export const formatArn = (a: Arn): string => `arn:${a.partition}:${a.service}:${a.region}:${a.accountId}:${a.resource}`;

export type PrincipalKind = 'USER' | 'ROLE' | 'ROOT' | 'ASSUMED_ROLE' | 'FEDERATED_USER';

export interface CanonicalIdentity {
  canonicalArn: string;
  kind: PrincipalKind;
  accountId: string;
  partition: Partition;
  /** Last resource segment of an assumed-role ARN (the STS session name). */
  sessionName?: string;
}

/**
 * aws-iam-authenticator's `arn.Canonicalize`: an assumed-role session becomes the IAM role it came
 * from (STS never shows a role's path, so neither does the result); IAM users, roles, root and STS
 * federated users are returned unchanged, case preserved.
 */
export function canonicalize(arn: string): CanonicalIdentity {
  const a = parseArn(arn);
  const parts = a.resource.split('/');
  const type = parts[0];
  const base = { accountId: a.accountId, partition: a.partition };
  if (a.service === 'sts') {
    if (type === 'assumed-role') {
      if (parts.length < 3) throw new ArnError('not_identity', arn, `assumed-role arn '${arn}' does not have a role`);
      // Everything between "assumed-role" and the session name; upstream joins rather than takes
      // the second-to-last part, so a (never issued) pathed assumed-role ARN keeps its path.
      const role = parts.slice(1, -1).join('/');
      return {
        ...base,
        canonicalArn: `arn:${a.partition}:iam::${a.accountId}:role/${role}`,
        kind: 'ASSUMED_ROLE',
        sessionName: parts[parts.length - 1] as string,
      };
    }
    if (type === 'federated-user') return { ...base, canonicalArn: arn, kind: 'FEDERATED_USER' };
    throw new ArnError('not_identity', arn, `unrecognized resource ${a.resource} for service sts`);
  }
  if (a.service === 'iam') {
    if (type === 'role') return { ...base, canonicalArn: arn, kind: 'ROLE' };
    if (type === 'user') return { ...base, canonicalArn: arn, kind: 'USER' };
    if (type === 'root') return { ...base, canonicalArn: arn, kind: 'ROOT' };
    throw new ArnError('not_identity', arn, `unrecognized resource ${a.resource} for service iam`);
  }
  throw new ArnError('not_identity', arn, `service ${a.service} in arn ${arn} is not a valid service for identities`);
}

/**
 * Upstream `StripPath`: for a role ARN keep only the first and last resource segments
 * (`role/a/b/R` → `role/R`), which is what a role looks like once it comes back from STS.
 * Any other ARN is returned unchanged; a non-ARN throws.
 */
export function stripPath(arn: string): string {
  const a = parseArn(arn);
  const parts = a.resource.split('/');
  if (parts[0] !== 'role' || parts.length <= 2) return arn;
  return formatArn({ ...a, resource: `role/${parts[parts.length - 1] as string}` });
}

/**
 * Name of the role an ARN refers to: the last segment of an IAM role ARN (path dropped), or the
 * role segment of an STS assumed-role ARN.
 */
export function roleNameOf(arn: string): string {
  const a = parseArn(arn);
  const parts = a.resource.split('/');
  if (a.service === 'iam' && parts[0] === 'role' && parts.length >= 2 && parts[parts.length - 1] !== '') {
    return parts[parts.length - 1] as string;
  }
  if (a.service === 'sts' && parts[0] === 'assumed-role' && parts.length >= 3) return parts[parts.length - 2] as string;
  throw new ArnError('not_role', arn, `arn '${arn}' is not a role ARN`);
}

/** Name of the IAM user an ARN refers to (path dropped). */
export function userNameOf(arn: string): string {
  const a = parseArn(arn);
  const parts = a.resource.split('/');
  if (a.service === 'iam' && parts[0] === 'user' && parts.length >= 2 && parts[parts.length - 1] !== '') {
    return parts[parts.length - 1] as string;
  }
  throw new ArnError('not_user', arn, `arn '${arn}' is not a user ARN`);
}

// IAM's own constraints on names and paths (IAM API reference: userNameType/roleNameType, pathType).
const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
const IAM_PATH = /^\/(?:[\x21-\x7e]+\/)?$/;
const ACCOUNT_ID = /^\d{12}$/;

interface PrincipalBase {
  arn: string;
  partition: Partition;
  accountId: string;
}

/** What a principal ARN handed to CreateAccessEntry turns out to be. */
export type PrincipalClass =
  | (PrincipalBase & { kind: 'iam-user' | 'iam-role' | 'service-linked-role'; path: string; name: string })
  | (PrincipalBase & { kind: 'sts-session'; sessionType: 'assumed-role' | 'federated-user'; name: string })
  | (PrincipalBase & { kind: 'root' })
  | { kind: 'other'; arn: string; reason: string };

/**
 * Classifies a principal ARN for access-entry validation. Stricter than `canonicalize`: the account
 * must be 12 digits, the region empty, names and paths must be ones IAM would accept. Never throws;
 * anything unusable is `other` with a reason (for logs, not for matching).
 */
export function classifyPrincipal(arn: string): PrincipalClass {
  let a: Arn;
  try {
    a = parseArn(arn);
  } catch (e) {
    return { kind: 'other', arn, reason: (e as Error).message };
  }
  const other = (reason: string): PrincipalClass => ({ kind: 'other', arn, reason });
  if (!ACCOUNT_ID.test(a.accountId)) return other('account id is not 12 digits');
  if (a.region !== '') return other('IAM and STS principal ARNs have no region');
  const base = { arn, partition: a.partition, accountId: a.accountId };
  const slash = a.resource.indexOf('/');
  const type = slash < 0 ? a.resource : a.resource.slice(0, slash);
  if (a.service === 'sts') {
    const parts = a.resource.split('/');
    // assumed-role/<role>/<session> names the role; federated-user/<name> the user.
    if (type === 'assumed-role' && parts.length >= 3) return { ...base, kind: 'sts-session', sessionType: type, name: parts[parts.length - 2] as string };
    if (type === 'federated-user' && parts.length >= 2) return { ...base, kind: 'sts-session', sessionType: type, name: parts[parts.length - 1] as string };
    return other(`unrecognized resource ${a.resource} for service sts`);
  }
  if (a.service !== 'iam') return other(`service ${a.service} is not an identity service`);
  if (a.resource === 'root') return { ...base, kind: 'root' };
  if (type !== 'user' && type !== 'role') return other(`unrecognized resource ${a.resource} for service iam`);
  if (slash < 0) return other(`${type} ARN has no name`);
  const rest = a.resource.slice(slash + 1);
  const lastSlash = rest.lastIndexOf('/');
  const path = lastSlash < 0 ? '/' : `/${rest.slice(0, lastSlash + 1)}`;
  const name = rest.slice(lastSlash + 1);
  if (!IAM_NAME.test(name)) return other(`invalid ${type} name '${name}'`);
  if (path.length > 512 || !IAM_PATH.test(path)) return other(`invalid path '${path}'`);
  if (type === 'user') return { ...base, kind: 'iam-user', path, name };
  const kind = path.startsWith('/aws-service-role/') ? 'service-linked-role' : 'iam-role';
  return { ...base, kind, path, name };
}

/**
 * EKS's default username for a STANDARD access entry of an IAM role: the assumed-role ARN the
 * role's sessions will present, path removed, with the session name left as a template.
 */
export function assumedRoleUsername(roleArn: string): string {
  const a = parseArn(roleArn);
  if (a.service !== 'iam') throw new ArnError('not_role', roleArn, `arn '${roleArn}' is not a role ARN`);
  return `arn:${a.partition}:sts::${a.accountId}:assumed-role/${roleNameOf(roleArn)}/{{SessionName}}`;
}
