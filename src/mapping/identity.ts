// Verified IAM identity → Kubernetes user, per the cluster's authentication mode
// (iam-authenticator.md §3–5, eks-access.md §3, §9–10). Pure: the caller passes an in-memory view
// of the cluster and, for `{{EC2PrivateDNSName}}`, a lookup.
import { parseArn, stripPath, assumedRoleUsername } from '../arn/index.js';
import type { AccessEntryRecord, AuthenticationMode, AwsAuthMapping } from '../model/types.js';
import type { AwsAuthLists } from './aws-auth.js';
import { isNodeEntryType, nodeGroups, nodeUsername } from './nodes.js';
import { RESERVED_USERNAME_PREFIXES, TemplateError, checkReservedPrefix, renderUser, reservedPrefixMessage } from './templates.js';
import type { TemplateVars } from './templates.js';
import type { Identity as TokenIdentity } from '../token/index.js';

/**
 * The verified caller: the fields of src/token's `Identity` that mapping reads (a Pick, so the
 * token module's value is passed as is and tests need not invent `principalKind`).
 */
export type Identity = Pick<TokenIdentity, 'arn' | 'canonicalArn' | 'accountId' | 'userId' | 'sessionName' | 'accessKeyId' | 'stsEndpoint'>;

// ---------------------------------------------------------------- access-entry lookup keys

const COMMON_PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov']);

/**
 * The ARN form entries and callers are compared in: role path removed, lower-cased (what
 * aws-iam-authenticator's DynamicFile `userIDStrict` compares). undefined for a malformed ARN,
 * which therefore never matches (upstream PR 1046 closed exactly that bypass).
 */
export function principalArnKey(arn: string, parts: PrincipalParts | undefined = principalParts(arn)): string | undefined {
  // IAM user/role ARNs in the common partitions (every review's caller and nearly every entry)
  // without the general ARN parser; the same answers (src/index/compact.test.ts).
  if (parts && COMMON_PARTITIONS.has(parts.partition)) {
    if (parts.kind === 'user') return arn.toLowerCase();
    // role/NAME keeps its form; role/PATH/NAME loses the path (stripPath).
    const first = arn.indexOf('/');
    if (arn.indexOf('/', first + 1) < 0) return arn.toLowerCase();
    return `arn:${parts.partition}:iam::${parts.accountId}:role/${parts.name}`.toLowerCase();
  }
  try {
    return stripPath(arn).toLowerCase();
  } catch {
    return undefined;
  }
}


/** Parts of an IAM user/role ARN (lookup keys, derived usernames), or undefined when it is not one. */
export interface PrincipalParts {
  partition: string;
  accountId: string;
  kind: 'user' | 'role';
  name: string;
}

export function principalParts(arn: string): PrincipalParts | undefined {
  // arn:PARTITION:iam::ACCOUNT:user|role/[path/]NAME
  if (!arn.startsWith('arn:')) return undefined;
  const p1 = arn.indexOf(':', 4);
  if (p1 < 0 || !arn.startsWith(':iam::', p1)) return undefined;
  const p2 = arn.indexOf(':', p1 + 6);
  if (p2 < 0) return undefined;
  const rest = arn.slice(p2 + 1);
  const kind = rest.startsWith('user/') ? 'user' : rest.startsWith('role/') ? 'role' : undefined;
  if (!kind) return undefined;
  return { partition: arn.slice(4, p1), accountId: arn.slice(p1 + 6, p2), kind, name: rest.slice(rest.lastIndexOf('/') + 1) };
}

const idKey = (id: string) => `id:${id}`;
const arnKey = (k: string) => `arn:${k}`;

/**
 * Keys an index should file an entry under: its principal ID (when captured) and its
 * path-stripped ARN. The ARN key is kept even for entries with an ID so that a re-created
 * principal (same ARN, new ID) still finds the stale entry and can be told why it does not match.
 */
export function entryLookupKeys(entry: Pick<AccessEntryRecord, 'principalArn' | 'principalId'>): string[] {
  const keys: string[] = [];
  if (entry.principalId !== null) keys.push(idKey(entry.principalId));
  const k = principalArnKey(entry.principalArn);
  if (k !== undefined) keys.push(arnKey(k));
  return keys;
}

/** Keys to look a caller up under; `entriesFor` returns every entry filed under any of them. */
export function identityLookupKeys(identity: Pick<Identity, 'userId' | 'canonicalArn'>): string[] {
  const keys = [idKey(identity.userId)];
  const k = principalArnKey(identity.canonicalArn);
  if (k !== undefined) keys.push(arnKey(k));
  return keys;
}

export type EntryMatch =
  | { kind: 'match'; entry: AccessEntryRecord }
  /** Same ARN, different unique ID: the principal was deleted and re-created. EKS ignores such entries silently. */
  | { kind: 'stale_entry'; entry: AccessEntryRecord; reason: string }
  /** Same unique ID, different ARN (a renamed/moved IAM user): upstream's ErrIDAndARNMismatch. */
  | { kind: 'arn_mismatch'; entry: AccessEntryRecord; reason: string }
  | { kind: 'none' };

/**
 * Chooses the access entry for a caller among the candidates an index returned.
 * - Entry with a principal ID: the ID must equal the caller's and the path-stripped, lower-cased
 *   ARNs must be equal (so role paths work, and a re-created principal does not inherit access).
 * - Entry without (principal of an account Entryway's IAM does not hold): the ARN alone decides;
 *   a re-created principal cannot be told apart there.
 */
export function matchEntry(identity: Pick<Identity, 'userId' | 'canonicalArn'>, candidates: Iterable<AccessEntryRecord>): EntryMatch {
  const key = principalArnKey(identity.canonicalArn);
  let byArnOnly: AccessEntryRecord | undefined;
  let stale: AccessEntryRecord | undefined;
  let mismatch: AccessEntryRecord | undefined;
  for (const entry of candidates) {
    const sameArn = key !== undefined && principalArnKey(entry.principalArn) === key;
    if (entry.principalId === null) {
      if (sameArn) byArnOnly ??= entry;
    } else if (entry.principalId === identity.userId) {
      if (sameArn) return { kind: 'match', entry };
      mismatch ??= entry;
    } else if (sameArn) {
      stale ??= entry;
    }
  }
  if (byArnOnly) return { kind: 'match', entry: byArnOnly };
  if (mismatch) {
    return {
      kind: 'arn_mismatch',
      entry: mismatch,
      reason:
        `access entry ${mismatch.principalArn} belongs to principal ID ${identity.userId}, which now authenticates as ` +
        `${identity.canonicalArn}: the IAM principal was renamed or moved. Re-create the access entry with the current ARN.`,
    };
  }
  if (stale) {
    return {
      kind: 'stale_entry',
      entry: stale,
      reason:
        `access entry ${stale.principalArn} was created for principal ID ${stale.principalId}, but ${identity.canonicalArn} ` +
        `now has principal ID ${identity.userId}: the IAM principal was deleted and re-created, and the entry does not ` +
        `apply to the new one. Delete the access entry and create it again.`,
    };
  }
  return { kind: 'none' };
}

/** What an index must offer: every entry filed under any of `identityLookupKeys(identity)`. */
export interface EntryLookup {
  entriesFor(identity: Identity): Iterable<AccessEntryRecord>;
}

/** A simple in-memory EntryLookup keyed by `entryLookupKeys` (tests, planners, small clusters). */
export class EntryIndex implements EntryLookup {
  private readonly byKey = new Map<string, AccessEntryRecord[]>();
  constructor(entries: Iterable<AccessEntryRecord>) {
    for (const e of entries) {
      for (const k of entryLookupKeys(e)) {
        const list = this.byKey.get(k);
        if (list) list.push(e);
        else this.byKey.set(k, [e]);
      }
    }
  }
  entriesFor(identity: Identity): AccessEntryRecord[] {
    const out: AccessEntryRecord[] = [];
    for (const k of identityLookupKeys(identity)) {
      for (const e of this.byKey.get(k) ?? []) if (!out.includes(e)) out.push(e);
    }
    return out;
  }
}

// ---------------------------------------------------------------- aws-auth lookup

export interface AwsAuthMatch {
  section: 'mapRoles' | 'mapUsers';
  /** Row index within its section, in document order. */
  index: number;
  mapping: AwsAuthMapping;
}

/**
 * Which aws-auth row a canonical ARN gets: mapRoles first, then mapUsers, compared
 * case-insensitively. Among rows with the same ARN the LAST one applies, which is what
 * aws-iam-authenticator does for roles (rows are stored in a map keyed by the lower-cased ARN)
 * and for exact-duplicate users. DIVERGENCE: case-variant user duplicates are a random pick
 * upstream; here the last one applies too, so the answer is deterministic.
 */
export class AwsAuthIndex {
  private readonly roles = new Map<string, AwsAuthMatch>();
  private readonly users = new Map<string, AwsAuthMatch>();
  readonly accounts: ReadonlySet<string>;
  constructor(lists: AwsAuthLists) {
    lists.mapRoles.forEach((mapping, index) => this.roles.set(mapping.arn.toLowerCase(), { section: 'mapRoles', index, mapping }));
    lists.mapUsers.forEach((mapping, index) => this.users.set(mapping.arn.toLowerCase(), { section: 'mapUsers', index, mapping }));
    this.accounts = new Set(lists.mapAccounts);
  }
  lookup(canonicalArn: string): AwsAuthMatch | undefined {
    const k = canonicalArn.toLowerCase();
    return this.roles.get(k) ?? this.users.get(k);
  }
}

/** Same answer as AwsAuthIndex, by scanning (for callers that did not build an index). */
export function lookupAwsAuth(awsAuth: AwsAuthLists | AwsAuthIndex, canonicalArn: string): AwsAuthMatch | undefined {
  if (awsAuth instanceof AwsAuthIndex) return awsAuth.lookup(canonicalArn);
  const k = canonicalArn.toLowerCase();
  const last = (section: 'mapRoles' | 'mapUsers', rows: readonly AwsAuthMapping[]): AwsAuthMatch | undefined => {
    for (let i = rows.length - 1; i >= 0; i--) {
      const mapping = rows[i] as AwsAuthMapping;
      if (mapping.arn.toLowerCase() === k) return { section, index: i, mapping };
    }
    return undefined;
  };
  return last('mapRoles', awsAuth.mapRoles) ?? last('mapUsers', awsAuth.mapUsers);
}

const accountAllowed = (awsAuth: AwsAuthLists | AwsAuthIndex, accountId: string): boolean =>
  awsAuth instanceof AwsAuthIndex ? awsAuth.accounts.has(accountId) : awsAuth.mapAccounts.includes(accountId);

// ---------------------------------------------------------------- the view and the result

/** The hidden admin grant of a CONFIG_MAP cluster's creator (ClusterRecord.creator). */
export interface CreatorGrant {
  principalId: string;
  principalArn: string;
}

/** What the index hands mapIdentity for one cluster. */
export interface MappingView extends EntryLookup {
  mode: AuthenticationMode;
  creator?: CreatorGrant | undefined;
  /** ClusterRecord.hiddenCreatorAdmin; only consulted in CONFIG_MAP. */
  hiddenCreatorAdmin: boolean;
  /** The last good aws-auth; an AwsAuthIndex avoids a scan per request. */
  awsAuth?: AwsAuthLists | AwsAuthIndex | undefined;
}

export interface MapOptions {
  /** Resolves `{{EC2PrivateDNSName}}`; without it every template using it fails. */
  lookupPrivateDnsName?: TemplateVars['lookupPrivateDnsName'];
  /** Reserved username prefixes for access entries (default: EKS's five). */
  reservedPrefixes?: readonly string[];
}

export const EXTRA_KEYS = ['arn', 'canonicalArn', 'sessionName', 'accessKeyId', 'principalId', 'sigs.k8s.io/aws-iam-authenticator/principalId'] as const;
export type ExtraKey = (typeof EXTRA_KEYS)[number];

/**
 * TokenReview `status.user`, whoever authenticated it (IAM or OIDC). `groups` may be empty; upstream
 * then omits it from the JSON.
 */
export interface KubernetesUser {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** An IAM-mapped user: `extra` holds exactly the six keys, each a one-element array even when ''. */
export interface IamKubernetesUser extends KubernetesUser {
  extra: Record<ExtraKey, [string]>;
}

export type MappingSource =
  | { kind: 'access_entry'; entry: AccessEntryRecord }
  | ({ kind: 'aws_auth' } & AwsAuthMatch)
  | { kind: 'aws_auth_account'; accountId: string }
  | { kind: 'cluster_creator'; principalArn: string };

export type MapFailureCode = 'not_mapped' | 'stale_entry' | 'arn_mismatch' | 'template_error' | 'reserved_username';

/** Entries that looked like the caller's but were refused; worth logging even when another source mapped the caller. */
export interface MappingNote {
  code: 'stale_entry' | 'arn_mismatch';
  reason: string;
  entry: AccessEntryRecord;
}

export type MapResult =
  | { ok: true; user: IamKubernetesUser; source: MappingSource; notes: MappingNote[] }
  | { ok: false; code: MapFailureCode; reason: string; source?: MappingSource; notes: MappingNote[] };

export const NOT_MAPPED_REASON = 'identity is not mapped';

/** uid and extra as aws-iam-authenticator sets them (iam-authenticator.md §5). */
export function kubernetesUser(identity: Identity, username: string, groups: string[]): IamKubernetesUser {
  return {
    username,
    uid: `aws-iam-authenticator:${identity.accountId}:${identity.userId}`,
    groups,
    extra: {
      arn: [identity.arn],
      canonicalArn: [identity.canonicalArn],
      sessionName: [identity.sessionName],
      accessKeyId: [identity.accessKeyId],
      principalId: [identity.userId],
      'sigs.k8s.io/aws-iam-authenticator/principalId': [identity.userId],
    },
  };
}

/**
 * The Kubernetes identity the cluster's authentication mode gives a verified IAM identity.
 *
 * Order (first hit decides; a template or reserved-username failure of that hit denies, no later
 * source is tried — upstream `doMapping`):
 * - `API`: access entries only.
 * - `API_AND_CONFIG_MAP`: access entry (wins), then aws-auth mapRoles, mapUsers, then mapAccounts.
 * - `CONFIG_MAP`: the creator's hidden admin grant, then aws-auth as above. Entries never apply.
 *
 * A stale or mismatched entry is skipped like upstream (so aws-auth may still map the caller) but,
 * unlike EKS, reported: in `notes`, and as the failure code when nothing else maps the caller.
 */
export function mapIdentity(identity: Identity, view: MappingView, opts: MapOptions = {}): MapResult {
  const notes: MappingNote[] = [];
  const vars: TemplateVars = {
    accountId: identity.accountId,
    sessionName: identity.sessionName,
    accessKeyId: identity.accessKeyId,
    lookupPrivateDnsName: opts.lookupPrivateDnsName,
  };
  const render = (username: string, groups: readonly string[], source: MappingSource, reserved?: readonly string[]): MapResult => {
    let out;
    try {
      out = renderUser(username, groups, vars);
    } catch (e) {
      if (e instanceof TemplateError) return { ok: false, code: 'template_error', reason: e.message, source, notes };
      throw e;
    }
    if (reserved && checkReservedPrefix(out.username, reserved) !== undefined) {
      return { ok: false, code: 'reserved_username', reason: reservedPrefixMessage(out.username, 'DynamicFile', reserved), source, notes };
    }
    return { ok: true, user: kubernetesUser(identity, out.username, out.groups), source, notes };
  };

  if (view.mode === 'API' || view.mode === 'API_AND_CONFIG_MAP') {
    const m = matchEntry(identity, view.entriesFor(identity));
    if (m.kind === 'match') {
      const entry = m.entry;
      const source: MappingSource = { kind: 'access_entry', entry };
      if (isNodeEntryType(entry.type)) return render(nodeUsername(entry.type), nodeGroups(entry.type), source);
      return render(entry.username, entry.kubernetesGroups, source, opts.reservedPrefixes ?? RESERVED_USERNAME_PREFIXES);
    }
    if (m.kind !== 'none') notes.push({ code: m.kind, reason: m.reason, entry: m.entry });
  }

  if (view.mode === 'CONFIG_MAP' && view.hiddenCreatorAdmin && view.creator && view.creator.principalId === identity.userId) {
    return render(creatorUsername(identity), ['system:masters'], { kind: 'cluster_creator', principalArn: view.creator.principalArn });
  }

  if ((view.mode === 'CONFIG_MAP' || view.mode === 'API_AND_CONFIG_MAP') && view.awsAuth) {
    const row = lookupAwsAuth(view.awsAuth, identity.canonicalArn);
    // The aws-auth backend has no reserved prefixes: node rows use system:node:… usernames.
    if (row) return render(row.mapping.username, row.mapping.groups, { kind: 'aws_auth', ...row });
    if (accountAllowed(view.awsAuth, identity.accountId)) {
      // No templating and no groups (upstream returns straight after IsAccountAllowed).
      return { ok: true, user: kubernetesUser(identity, identity.canonicalArn, []), source: { kind: 'aws_auth_account', accountId: identity.accountId }, notes };
    }
  }

  const first = notes[0];
  if (first) return { ok: false, code: first.code, reason: first.reason, notes };
  return { ok: false, code: 'not_mapped', reason: NOT_MAPPED_REASON, notes };
}

/**
 * Username of the CONFIG_MAP creator's hidden grant. UNCONFIRMED (EKS shows nothing): we use what
 * an access entry with the default username would give — the user ARN, or
 * `arn:<p>:sts::<acct>:assumed-role/<role>/{{SessionName}}` for a role — so the creator looks the
 * same before and after the move to access entries, when EKS turns the grant into a visible entry.
 */
function creatorUsername(identity: Identity): string {
  try {
    const a = parseArn(identity.canonicalArn);
    if (a.service === 'iam' && a.resource.startsWith('role/')) return assumedRoleUsername(identity.canonicalArn);
  } catch {
    /* fall through to the ARN itself */
  }
  return identity.canonicalArn;
}

/** Builds a MappingView from plain data (tests, the migration planner, small deployments). */
export function createMappingView(input: {
  mode: AuthenticationMode;
  entries?: Iterable<AccessEntryRecord>;
  awsAuth?: AwsAuthLists | undefined;
  creator?: CreatorGrant | undefined;
  hiddenCreatorAdmin?: boolean;
}): MappingView {
  const index = new EntryIndex(input.entries ?? []);
  return {
    mode: input.mode,
    creator: input.creator,
    hiddenCreatorAdmin: input.hiddenCreatorAdmin ?? false,
    awsAuth: input.awsAuth ? new AwsAuthIndex(input.awsAuth) : undefined,
    entriesFor: (identity) => index.entriesFor(identity),
  };
}
