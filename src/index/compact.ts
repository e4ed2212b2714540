/**
 * Compact in-memory form of a cluster's access entries and policy associations (index/ only).
 *
 * At 1,000 clusters × 3,000 entries a plain record per entry costs ~2.3 KB of heap (eleven
 * properties, a derived access-entry ARN, a UUID string, a username that repeats the ARN, its own
 * tags object and groups array, plus lookup-key strings and map entries), so 3 million entries do not
 * fit in 2 GB. Here an entry is a row in columns:
 *
 * - the principal ARN and unique ID strings (the only per-entry strings kept);
 * - type, username, groups and tags as small indexes into per-slice tables of distinct values
 *   (`[]`, `{}` and the default username are shared by nearly every entry);
 * - timestamps in Float64Arrays, the UUID as 16 bytes;
 * - the access-entry ARN not at all when it is the one Entryway derives from the rest (always, for
 *   entries created through the API); anything that does not round-trip is kept verbatim in an
 *   overflow map, so a record read back is always equal to the one stored.
 *
 * Records are materialised on demand as fresh plain objects (so callers may keep or mutate them).
 */
import type { AccessEntryRecord, AccessEntryType, AccessScope, AssociationRecord, Tags } from '../model/types.js';
import { principalArnKey, principalParts } from '../mapping/identity.js';
import type { PrincipalParts } from '../mapping/identity.js';
import { accessEntryArn, defaultUsername } from '../rules/entry.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Writes a canonical lower-case UUID's 16 bytes at `at`; false (nothing written) for any other string. */
function packUuid(s: string, out: Uint8Array, at: number): boolean {
  if (s.length !== 36 || s.charCodeAt(8) !== 45 || s.charCodeAt(13) !== 45 || s.charCodeAt(18) !== 45 || s.charCodeAt(23) !== 45) return false;
  let k = 0;
  for (let j = 0; j < 36; j += 2) {
    if (j === 8 || j === 13 || j === 18 || j === 23) j++;
    const hi = hexDigit(s.charCodeAt(j));
    const lo = hexDigit(s.charCodeAt(j + 1));
    if (hi < 0 || lo < 0) return false;
    out[at + k++] = (hi << 4) | lo;
  }
  return k === 16;
}

/** rules/entry.ts `defaultUsername`, from the ARN alone (undefined when a STANDARD entry's ARN does not parse). */
export function derivedUsername(type: AccessEntryType, arn: string, p: PrincipalParts | undefined): string | undefined {
  if (type !== 'STANDARD') return defaultUsername(type, p ?? { partition: '', accountId: '', kind: 'role', name: '' }, arn);
  return p ? defaultUsername(type, p, arn) : undefined;
}

const SESSION_TAIL = '/{{SessionName}}';

/** username === derivedUsername(type, arn, p), without building the derived string. */
function isDerivedUsername(u: string, type: AccessEntryType, arn: string, p: PrincipalParts | undefined): boolean {
  if (type !== 'STANDARD') return u === derivedUsername(type, arn, p);
  if (!p) return false;
  if (p.kind === 'user') return u === arn;
  // arn:P:sts::A:assumed-role/NAME/{{SessionName}}
  let at = 4 + p.partition.length;
  if (u.length !== at + 6 + p.accountId.length + 14 + p.name.length + SESSION_TAIL.length) return false;
  if (!u.startsWith('arn:') || !u.startsWith(p.partition, 4) || !u.startsWith(':sts::', at)) return false;
  at += 6;
  if (!u.startsWith(p.accountId, at)) return false;
  at += p.accountId.length;
  if (!u.startsWith(':assumed-role/', at)) return false;
  at += 14;
  return u.startsWith(p.name, at) && u.endsWith(SESSION_TAIL);
}

/** s === derivedEntryArn(...), given the entry ARN prefix up to the principal kind, without building it. */
function isDerivedEntryArn(s: string, prefix: string, p: PrincipalParts, uuid: string): boolean {
  // PREFIX KIND/ACCOUNT/NAME/UUID
  if (s.length !== prefix.length + p.kind.length + 1 + p.accountId.length + 1 + p.name.length + 1 + uuid.length) return false;
  let at = prefix.length;
  if (!s.startsWith(prefix) || !s.startsWith(p.kind, at)) return false;
  at += p.kind.length;
  if (s.charCodeAt(at) !== 47 || !s.startsWith(p.accountId, at + 1)) return false;
  at += 1 + p.accountId.length;
  if (s.charCodeAt(at) !== 47 || !s.startsWith(p.name, at + 1)) return false;
  at += 1 + p.name.length;
  return s.charCodeAt(at) === 47 && s.endsWith(uuid);
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** Per-slice table of distinct values, compared by a string key. */
class Table<T> {
  readonly values: T[] = [];
  private readonly byKey = new Map<string, number>();
  add(key: string, make: () => T): number {
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(make());
      this.byKey.set(key, i);
    }
    return i;
  }
}

const NO_DERIVED = -1;

/** Index into a candidate list: one entry (most keys), or several in entry order. */
export type Slot = number | number[];

function addSlot(map: Map<string, Slot>, key: string, i: number): void {
  const cur = map.get(key);
  if (cur === undefined) map.set(key, i);
  else if (typeof cur === 'number') map.set(key, [cur, i]);
  else cur.push(i);
}

export interface SliceContext {
  clusterName: string;
  region: string;
  accountId: string;
}

/** Columns of one cluster's entries and associations. Immutable once built. */
export class EntryColumns {
  readonly size: number;
  readonly arns: string[];
  readonly ids: (string | null)[];
  private readonly type: Uint8Array;
  /** NO_DERIVED (-1): the derived default username; otherwise an index into `usernames`. */
  private readonly user: Int32Array;
  private readonly groups: Uint32Array;
  private readonly tags: Uint32Array;
  private readonly created: Float64Array;
  private readonly modified: Float64Array;
  /** 16 bytes per entry; entries whose UUID is not canonical keep it in `overflow`. */
  private readonly uuid: Uint8Array;
  private readonly types: AccessEntryType[];
  private readonly usernames: string[];
  private readonly groupSets: readonly string[][];
  private readonly tagSets: readonly Tags[];
  /** Values that do not round-trip through the columns, by entry index. */
  private readonly overflow = new Map<number, { uuid?: string; accessEntryArn?: string; clusterName?: string }>();

  /** Associations of entry i are assocOrder[assocStart[i] .. assocStart[i+1]). */
  private readonly assocStart: Int32Array;
  private readonly assocPolicy: Uint16Array | Uint32Array;
  private readonly assocScope: Uint32Array;
  private readonly assocAt: Float64Array;
  private readonly assocModified: Float64Array;
  private readonly policies: string[];
  /** Shared frozen scopes (compileGrants copies what it keeps). */
  readonly scopes: readonly AccessScope[];
  /** Associations of principals without an entry here, or not in this cluster: kept verbatim. */
  private readonly looseAssociations = new Map<string, AssociationRecord[]>();
  /** Entries by principal ID, and by `principalArnKey` of their ARN (mapping's entryLookupKeys). */
  readonly byId = new Map<string, Slot>();
  readonly byArnKey = new Map<string, Slot>();

  constructor(
    private readonly ctx: SliceContext,
    entries: readonly AccessEntryRecord[],
    associations: readonly AssociationRecord[],
  ) {
    const n = entries.length;
    this.size = n;
    this.arns = new Array<string>(n);
    this.ids = new Array<string | null>(n);
    this.type = new Uint8Array(n);
    this.user = new Int32Array(n);
    this.groups = new Uint32Array(n);
    this.tags = new Uint32Array(n);
    this.created = new Float64Array(n);
    this.modified = new Float64Array(n);
    this.uuid = new Uint8Array(n * 16);
    const types = new Table<AccessEntryType>();
    const usernames = new Table<string>();
    const groupSets = new Table<string[]>();
    const tagSets = new Table<Tags>();
    const exact = new Map<string, number>();
    const arnPrefix = new Map<string, string>();
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      const arn = e.principalArn;
      this.arns[i] = arn;
      this.ids[i] = e.principalId;
      exact.set(arn, i);
      const parts = principalParts(arn);
      if (e.principalId !== null) addSlot(this.byId, e.principalId, i);
      const k = principalArnKey(arn, parts);
      // Reuse the ARN string itself as the key when it already is its own key (no path, lower case).
      if (k !== undefined) addSlot(this.byArnKey, k === arn ? arn : k, i);
      this.type[i] = types.add(e.type, () => e.type);
      this.user[i] = isDerivedUsername(e.username, e.type, arn, parts) ? NO_DERIVED : usernames.add(e.username, () => e.username);
      this.groups[i] = groupSets.add(e.kubernetesGroups.length === 0 ? '' : JSON.stringify(e.kubernetesGroups), () => Object.freeze([...e.kubernetesGroups]) as string[]);
      this.tags[i] = tagSets.add(isEmpty(e.tags) ? '' : JSON.stringify(e.tags), () => Object.freeze({ ...e.tags }));
      this.created[i] = e.createdAt;
      this.modified[i] = e.modifiedAt;
      const extra: { uuid?: string; accessEntryArn?: string; clusterName?: string } = {};
      if (!packUuid(e.uuid, this.uuid, i * 16)) extra.uuid = e.uuid;
      if (parts) {
        let prefix = arnPrefix.get(parts.partition);
        if (prefix === undefined) arnPrefix.set(parts.partition, (prefix = `arn:${parts.partition}:eks:${ctx.region}:${ctx.accountId}:access-entry/${ctx.clusterName}/`));
        if (!isDerivedEntryArn(e.accessEntryArn, prefix, parts, e.uuid)) extra.accessEntryArn = e.accessEntryArn;
      } else extra.accessEntryArn = e.accessEntryArn;
      if (e.clusterName !== ctx.clusterName) extra.clusterName = e.clusterName;
      if (extra.uuid !== undefined || extra.accessEntryArn !== undefined || extra.clusterName !== undefined) this.overflow.set(i, extra);
    }
    this.types = types.values;
    this.usernames = usernames.values;
    this.groupSets = groupSets.values;
    this.tagSets = tagSets.values;

    // Associations, grouped by entry in their given order.
    const owner = new Int32Array(associations.length);
    const counts = new Int32Array(n + 1);
    for (let k = 0; k < associations.length; k++) {
      const a = associations[k]!;
      const i = a.clusterName === ctx.clusterName ? exact.get(a.principalArn) : undefined;
      if (i === undefined) {
        owner[k] = -1;
        const list = this.looseAssociations.get(a.principalArn);
        if (list) list.push(a);
        else this.looseAssociations.set(a.principalArn, [a]);
        continue;
      }
      owner[k] = i;
      counts[i + 1]!++;
    }
    this.assocStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) this.assocStart[i + 1] = this.assocStart[i]! + counts[i + 1]!;
    const m = this.assocStart[n]!;
    const policies = new Table<string>();
    const scopes = new Table<AccessScope>();
    const policyIdx = new Uint32Array(m);
    this.assocScope = new Uint32Array(m);
    this.assocAt = new Float64Array(m);
    this.assocModified = new Float64Array(m);
    const fill = this.assocStart.slice(0, n);
    for (let k = 0; k < associations.length; k++) {
      const i = owner[k]!;
      if (i < 0) continue;
      const a = associations[k]!;
      const slot = fill[i]!++;
      policyIdx[slot] = policies.add(a.policyArn, () => a.policyArn);
      const ns = a.scope.namespaces;
      this.assocScope[slot] = scopes.add(ns.length === 0 ? a.scope.type : `${a.scope.type}\u0000${ns.join('\u0000')}`, () =>
        Object.freeze({ type: a.scope.type, namespaces: Object.freeze([...a.scope.namespaces]) as string[] }),
      );
      this.assocAt[slot] = a.associatedAt;
      this.assocModified[slot] = a.modifiedAt;
    }
    this.policies = policies.values;
    this.assocPolicy = this.policies.length <= 0xffff ? Uint16Array.from(policyIdx) : policyIdx;
    this.scopes = scopes.values;
  }

  uuidOf(i: number): string {
    const o = this.overflow.get(i);
    if (o?.uuid !== undefined) return o.uuid;
    const b = this.uuid;
    const at = i * 16;
    let s = '';
    for (let k = 0; k < 16; k++) {
      if (k === 4 || k === 6 || k === 8 || k === 10) s += '-';
      s += HEX[b[at + k]!];
    }
    return s;
  }

  typeOf(i: number): AccessEntryType {
    return this.types[this.type[i]!]!;
  }

  usernameOf(i: number): string {
    const u = this.user[i]!;
    if (u !== NO_DERIVED) return this.usernames[u]!;
    const arn = this.arns[i]!;
    return derivedUsername(this.typeOf(i), arn, principalParts(arn))!;
  }

  /** The shared frozen groups of entry i: read-only (records get a copy). */
  groupsOf(i: number): readonly string[] {
    return this.groupSets[this.groups[i]!]!;
  }

  /** The entry as stored, as a fresh plain object. */
  record(i: number): AccessEntryRecord {
    const arn = this.arns[i]!;
    const o = this.overflow.get(i);
    const uuid = this.uuidOf(i);
    const type = this.typeOf(i);
    const u = this.user[i]!;
    const parts = principalParts(arn);
    return {
      clusterName: o?.clusterName ?? this.ctx.clusterName,
      principalArn: arn,
      principalId: this.ids[i]!,
      type,
      username: u !== NO_DERIVED ? this.usernames[u]! : derivedUsername(type, arn, parts)!,
      kubernetesGroups: [...this.groupSets[this.groups[i]!]!],
      tags: { ...this.tagSets[this.tags[i]!]! },
      createdAt: this.created[i]!,
      modifiedAt: this.modified[i]!,
      uuid,
      accessEntryArn: o?.accessEntryArn ?? accessEntryArn({ partition: parts!.partition, region: this.ctx.region, clusterAccountId: this.ctx.accountId, clusterName: this.ctx.clusterName, principal: parts!, uuid }),
    };
  }

  associationCount(i: number): number {
    return this.assocStart[i + 1]! - this.assocStart[i]!;
  }

  /** Policy ARN and shared scope of entry i's k-th association. */
  association(i: number, k: number): { policyArn: string; scope: AccessScope } {
    const slot = this.assocStart[i]! + k;
    return { policyArn: this.policies[this.assocPolicy[slot]!]!, scope: this.scopes[this.assocScope[slot]!]! };
  }

  associationRecords(i: number): AssociationRecord[] {
    const out: AssociationRecord[] = [];
    const arn = this.arns[i]!;
    for (let slot = this.assocStart[i]!; slot < this.assocStart[i + 1]!; slot++) {
      const scope = this.scopes[this.assocScope[slot]!]!;
      out.push({
        clusterName: this.ctx.clusterName,
        principalArn: arn,
        policyArn: this.policies[this.assocPolicy[slot]!]!,
        scope: { type: scope.type, namespaces: [...scope.namespaces] },
        associatedAt: this.assocAt[slot]!,
        modifiedAt: this.assocModified[slot]!,
      });
    }
    return out;
  }

  looseAssociationsOf(principalArn: string): readonly AssociationRecord[] | undefined {
    return this.looseAssociations.get(principalArn);
  }
}
