/**
 * The in-memory index the hot path reads: webhooks and the kubectl review endpoints answer from here,
 * never from the database. It holds, per cluster, the record, unapplied updates, access entries keyed
 * for identity mapping, policy grants keyed by principal, the last good aws-auth and OIDC providers;
 * and IAM credentials for offline token checks. The store's change feed keeps it current: a change
 * reloads the slices it touched; a 'resync' (lost feed) compares revisions and reloads what moved.
 * Lookups cost the same whatever the number of clusters or entries (maps keyed by principal).
 */
import type { AccessEntryRecord, AssociationRecord, AuthenticationMode, AwsAuthRecord, ClusterRecord, OidcProviderRecord, UpdateRecord } from '../model/types.js';
import { effectiveCluster } from '../clusters/rules.js';
import { AwsAuthIndex, entryLookupKeys, principalArnKey } from '../mapping/index.js';
import type { EntryLookup, Identity, MappingView } from '../mapping/index.js';
import { EntryColumns } from './compact.js';
import type { CompiledGrants, Grant } from '../policy/engine.js';
import { compileGrants } from '../policy/engine.js';
import type { Change, Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';

/**
 * Compiled grants kept across all slices, at most this many principals: compiling costs ~10 µs and
 * ~1–3 KB per principal, so principals are compiled on their first review and the oldest compiled
 * ones are dropped (and recompiled when they come back) beyond this bound.
 */
export const COMPILED_GRANTS_LIMIT = 100_000;

/** FIFO of compiled-grant cache insertions across slices (weakly held, so dropped slices go). */
const compiledRing = {
  slices: new Array<WeakRef<ClusterSlice> | undefined>(COMPILED_GRANTS_LIMIT),
  keys: new Array<number | string | undefined>(COMPILED_GRANTS_LIMIT),
  next: 0,
};

function noteCompiled(slice: ClusterSlice, key: number | string): void {
  const r = compiledRing;
  const old = r.slices[r.next]?.deref();
  const oldKey = r.keys[r.next];
  if (old && oldKey !== undefined) old.forgetCompiled(oldKey);
  r.slices[r.next] = new WeakRef(slice);
  r.keys[r.next] = key;
  r.next = (r.next + 1) % COMPILED_GRANTS_LIMIT;
}

/** Index into a candidate list: one entry (most keys), or several in entry order. */
type Slot = number | number[];

function addSlot(map: Map<string, Slot>, key: string, i: number): void {
  const cur = map.get(key);
  if (cur === undefined) map.set(key, i);
  else if (typeof cur === 'number') map.set(key, [cur, i]);
  else cur.push(i);
}

/**
 * Everything the hot path needs about one cluster. Immutable once built; replaced on reload.
 * Entries and associations are held in compact columns (index/compact.ts) and keyed by unique ID
 * and by lower-cased path-stripped ARN (mapping's `entryLookupKeys`); records are materialised
 * only for the entries a lookup returns.
 */
export class ClusterSlice implements EntryLookup {
  /** The identity-mapping lookup (this slice). */
  readonly entries: EntryLookup = this;
  readonly awsAuthIndex: AwsAuthIndex | undefined;
  private readonly cols: EntryColumns;
  /** Entries by principal ID, and by principalArnKey of their ARN. */
  private readonly byId = new Map<string, Slot>();
  private readonly byArnKey = new Map<string, Slot>();
  /** Compiled grants by entry index (ID path) or `index\0principalId` (ARN path). */
  private readonly compiled = new Map<number | string, CompiledGrants>();
  /** Mode and mapping view when no unapplied update can change them with time. */
  private readonly fixedMode: AuthenticationMode | undefined;
  private fixedView: MappingView | undefined;
  private listRef: WeakRef<readonly AccessEntryRecord[]> | undefined;

  constructor(
    readonly record: ClusterRecord,
    readonly revision: number,
    readonly updates: readonly UpdateRecord[],
    entryList: readonly AccessEntryRecord[],
    associations: readonly AssociationRecord[],
    readonly awsAuth: AwsAuthRecord | undefined,
    readonly identityProviders: readonly OidcProviderRecord[],
  ) {
    this.cols = new EntryColumns({ clusterName: record.name, region: record.region, accountId: record.accountId }, entryList, associations);
    this.awsAuthIndex = awsAuth ? new AwsAuthIndex(awsAuth) : undefined;
    const { arns, ids } = this.cols;
    for (let i = 0; i < arns.length; i++) {
      const id = ids[i];
      if (id !== null && id !== undefined) addSlot(this.byId, id, i);
      const arn = arns[i]!;
      const k = principalArnKey(arn);
      // Reuse the ARN string itself as the key when it already is its own key (no path, lower case).
      if (k !== undefined) addSlot(this.byArnKey, k === arn ? arn : k, i);
    }
    this.fixedMode = updates.length === 0 ? record.authenticationMode : undefined;
  }

  get name(): string {
    return this.record.name;
  }

  /** Every access entry, for tools (doctor, migration); the hot path uses the keyed lookups. */
  get entryList(): readonly AccessEntryRecord[] {
    let list = this.listRef?.deref();
    if (!list) {
      const out: AccessEntryRecord[] = new Array(this.cols.size);
      for (let i = 0; i < this.cols.size; i++) out[i] = this.cols.record(i);
      list = out;
      this.listRef = new WeakRef(list);
    }
    return list;
  }

  get entryCount(): number {
    return this.cols.size;
  }

  mode(now: number): AuthenticationMode {
    return this.fixedMode ?? effectiveCluster(this.record, this.updates, now).authenticationMode;
  }

  /** Every entry filed under any of `identityLookupKeys(identity)`, as EntryIndex returns them. */
  entriesFor(identity: Identity): AccessEntryRecord[] {
    const a = this.byId.get(identity.userId);
    const k = principalArnKey(identity.canonicalArn);
    const b = k === undefined ? undefined : this.byArnKey.get(k);
    if (a === undefined && b === undefined) return [];
    const out: AccessEntryRecord[] = [];
    const seen: number[] = [];
    const add = (s: Slot | undefined) => {
      if (s === undefined) return;
      if (typeof s === 'number') {
        if (!seen.includes(s)) {
          seen.push(s);
          out.push(this.cols.record(s));
        }
      } else for (const i of s) add(i);
    };
    add(a);
    add(b);
    return out;
  }

  /** The identity-mapping view at `now` (mode moves take effect when their update completes). */
  mappingView(now: number): MappingView {
    if (this.fixedMode !== undefined && this.fixedView) return this.fixedView;
    const view: MappingView = {
      mode: this.mode(now),
      creator: { principalId: this.record.creator.principalId, principalArn: this.record.creator.principalArn },
      hiddenCreatorAdmin: this.record.hiddenCreatorAdmin,
      awsAuth: this.awsAuthIndex,
      entriesFor: (identity: Identity) => this.entriesFor(identity),
    };
    if (this.fixedMode !== undefined) this.fixedView = view;
    return view;
  }

  /**
   * The access policy grants of the principal behind a request: by unique ID (the entry must have
   * been created for this ID), or for entries of principals Entryway's IAM does not hold, by ARN.
   * Compiled on first use and kept (see COMPILED_GRANTS_LIMIT).
   */
  grantsFor(principalId: string, canonicalArn: string | undefined): CompiledGrants | undefined {
    let i = last(this.byId.get(principalId));
    let key: number | string;
    if (i !== undefined) key = i;
    else {
      if (!canonicalArn) return undefined;
      const k = principalArnKey(canonicalArn);
      const s = k === undefined ? undefined : this.byArnKey.get(k);
      // Only entries without a principal ID are found by ARN (the last one, as before).
      if (typeof s === 'number') i = this.cols.ids[s] === null ? s : undefined;
      else if (s) for (const j of s) if (this.cols.ids[j] === null) i = j;
      if (i === undefined) return undefined;
      key = `${i}\u0000${principalId}`;
    }
    let c = this.compiled.get(key);
    if (!c) {
      const cols = this.cols;
      const principalArn = cols.arns[i]!;
      const grants: Grant[] = [];
      for (let k = 0, n = cols.associationCount(i); k < n; k++) grants.push({ principalArn, principalId, ...cols.association(i, k) });
      for (const a of cols.looseAssociationsOf(principalArn) ?? []) grants.push({ principalArn, principalId, policyArn: a.policyArn, scope: a.scope });
      c = compileGrants(grants);
      this.compiled.set(key, c);
      noteCompiled(this, key);
    }
    return c;
  }

  /** @internal Drops one compiled-grant cache entry (bounded cache eviction). */
  forgetCompiled(key: number | string): void {
    this.compiled.delete(key);
  }

  associationsOf(principalArn: string): readonly AssociationRecord[] {
    const k = principalArnKey(principalArn);
    const s = k === undefined ? undefined : this.byArnKey.get(k);
    let i: number | undefined;
    if (typeof s === 'number') i = this.cols.arns[s] === principalArn ? s : undefined;
    else if (s) i = s.find((j) => this.cols.arns[j] === principalArn);
    const own = i === undefined ? [] : this.cols.associationRecords(i);
    const loose = this.cols.looseAssociationsOf(principalArn);
    return loose ? [...own, ...loose] : own;
  }
}

function last(s: Slot | undefined): number | undefined {
  return s === undefined ? undefined : typeof s === 'number' ? s : s[s.length - 1];
}

export async function loadClusterSlice(tx: Tx, name: string): Promise<ClusterSlice | undefined> {
  const row = await tx.getClusterRow(name);
  if (!row) return undefined;
  const [updates, entries, associations, awsAuth, idps] = [
    await tx.listUpdates(name),
    await tx.listEntries(name),
    await tx.listClusterAssociations(name),
    await tx.getAwsAuth(name),
    await tx.listIdentityProviders(name),
  ];
  return new ClusterSlice(row.record, row.revision, updates.filter((u) => !u.applied), entries, associations, awsAuth, idps);
}

export interface IndexEvents {
  onReload?: (kind: string) => void;
  onResync?: () => void;
  onError?: (e: unknown) => void;
}

/** The index of all clusters. IAM credentials live in CredentialIndex (index/credentials.ts). */
export class ClusterIndex {
  private readonly slices = new Map<string, ClusterSlice>();
  private pending = new Set<string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly events: IndexEvents = {},
  ) {}

  get(name: string): ClusterSlice | undefined {
    return this.slices.get(name);
  }

  get size(): number {
    return this.slices.size;
  }

  all(): IterableIterator<ClusterSlice> {
    return this.slices.values();
  }

  /** Loads every cluster (start-up, or after a lost change feed when revisions are unknown). */
  async loadAll(): Promise<void> {
    const names = await this.store.read(async (tx) => [...(await tx.clusterRevisions()).keys()]);
    for (const name of names) await this.reload(name);
  }

  /** Reloads only clusters whose revision differs from what the index holds (and drops deleted ones). */
  async resync(): Promise<void> {
    const revisions = await this.store.read((tx) => tx.clusterRevisions());
    for (const name of [...this.slices.keys()]) if (!revisions.has(name)) this.slices.delete(name);
    for (const [name, rev] of revisions) if (this.slices.get(name)?.revision !== rev) await this.reload(name);
    this.events.onResync?.();
  }

  async reload(name: string): Promise<void> {
    const slice = await this.store.read((tx) => loadClusterSlice(tx, name));
    if (slice) this.slices.set(name, slice);
    else this.slices.delete(name);
    this.events.onReload?.('cluster');
  }

  /**
   * Applies a change-feed event. Local changes are applied before the API call that made them
   * returns (callers await `settled()`), so a deleted entry stops working on the next review.
   */
  apply(changes: readonly Change[]): Promise<void> {
    for (const c of changes) if (c.kind === 'cluster') this.pending.add(c.name);
    return this.drain();
  }

  requestResync(): Promise<void> {
    this.chain = this.chain.then(() => this.resync()).catch((e) => this.events.onError?.(e));
    return this.chain;
  }

  private drain(): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        const names = [...this.pending];
        this.pending = new Set();
        for (const n of names) await this.reload(n);
      })
      .catch((e) => {
        this.events.onError?.(e);
      });
    return this.chain;
  }

  /** Resolves once every change applied so far has been loaded. */
  settled(): Promise<void> {
    return this.chain;
  }
}

export { entryLookupKeys };
