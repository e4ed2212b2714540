/**
 * The in-memory index the hot path reads: webhooks and the kubectl review endpoints answer from here,
 * never from the database. It holds, per cluster, the record, unapplied updates, access entries keyed
 * for identity mapping, policy grants keyed by principal, the last good aws-auth and OIDC providers;
 * and IAM credentials for offline token checks. The store's change feed keeps it current: a change
 * reloads the slices it touched; a 'resync' (lost feed) compares revisions and reloads what moved.
 * Lookups cost the same whatever the number of clusters or entries (maps keyed by principal).
 */
import type { AccessEntryRecord, AssociationRecord, AuthenticationMode, AwsAuthRecord, ClusterRecord, OidcProviderRecord, UpdateRecord } from '../model/types.js';
import { effectiveCluster } from '../rules/cluster.js';
import { AwsAuthIndex, entryLookupKeys, principalArnKey } from '../mapping/index.js';
import type { EntryLookup, Identity, MappingView } from '../mapping/index.js';
import { EntryColumns } from './compact.js';
import type { Slot } from './compact.js';
import type { CompiledGrants, Grant } from '../policy/engine.js';
import { compileGrants } from '../policy/engine.js';
import type { Change, Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';
import { CompiledRbac } from '../rbac/evaluate.js';
import type { RbacCounts, RbacSnapshotRecord } from '../rbac/objects.js';

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
  private readonly byId: Map<string, Slot>;
  private readonly byArnKey: Map<string, Slot>;
  /** Compiled grants by entry index (ID path), and by `index\0principalId` (ARN path). */
  private compiledById: (CompiledGrants | undefined)[] | undefined;
  private readonly compiledByArn = new Map<string, CompiledGrants>();
  /** Mode and mapping view when no unapplied update can change them with time. */
  private readonly fixedMode: AuthenticationMode | undefined;
  private fixedView: MappingView | undefined;

  constructor(
    readonly record: ClusterRecord,
    readonly revision: number,
    readonly updates: readonly UpdateRecord[],
    entryList: readonly AccessEntryRecord[],
    associations: readonly AssociationRecord[],
    readonly awsAuth: AwsAuthRecord | undefined,
    readonly identityProviders: readonly OidcProviderRecord[],
    /** The cluster's imported RBAC, compiled (absent: none imported). */
    readonly rbac?: RbacState,
  ) {
    this.cols = new EntryColumns({ clusterName: record.name, region: record.region, accountId: record.accountId }, entryList, associations);
    this.byId = this.cols.byId;
    this.byArnKey = this.cols.byArnKey;
    this.awsAuthIndex = awsAuth ? new AwsAuthIndex(awsAuth) : undefined;
    this.fixedMode = updates.length === 0 ? record.authenticationMode : undefined;
  }

  get name(): string {
    return this.record.name;
  }

  /**
   * Every access entry, for tools (doctor, migration); the hot path uses the keyed lookups.
   * Materialised on access (~1 µs per entry): the list of the slice read last is reused until the
   * current task ends, so a tool calling this in a loop pays once, and a walk over every slice
   * holds one slice's records at a time. Walks that need only ARNs and IDs should use `principals`.
   */
  get entryList(): readonly AccessEntryRecord[] {
    if (lastList.slice === this) return lastList.list;
    const out: AccessEntryRecord[] = new Array(this.cols.size);
    for (let i = 0; i < this.cols.size; i++) out[i] = this.cols.record(i);
    if (lastList.slice === undefined) queueMicrotask(() => ((lastList.slice = undefined), (lastList.list = [])));
    lastList.slice = this;
    lastList.list = out;
    return out;
  }

  /** Principal ARN and unique ID of every entry, without materialising records. */
  *principals(): IterableIterator<{ principalArn: string; principalId: string | null }> {
    const { arns, ids } = this.cols;
    for (let i = 0; i < arns.length; i++) yield { principalArn: arns[i]!, principalId: ids[i]! };
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
    const s = this.byId.get(principalId);
    if (s !== undefined) {
      const i = typeof s === 'number' ? s : s[s.length - 1]!;
      return this.compiledById?.[i] ?? this.compile(i, principalId, i);
    }
    return this.grantsByArn(principalId, canonicalArn);
  }

  private grantsByArn(principalId: string, canonicalArn: string | undefined): CompiledGrants | undefined {
    if (!canonicalArn) return undefined;
    const k = principalArnKey(canonicalArn);
    const s = k === undefined ? undefined : this.byArnKey.get(k);
    // Only entries without a principal ID are found by ARN (the last one, as before).
    let i: number | undefined;
    if (typeof s === 'number') i = this.cols.ids[s] === null ? s : undefined;
    else if (s) for (const j of s) if (this.cols.ids[j] === null) i = j;
    if (i === undefined) return undefined;
    const key = `${i}\u0000${principalId}`;
    return this.compiledByArn.get(key) ?? this.compile(i, principalId, key);
  }

  private compile(i: number, principalId: string, key: number | string): CompiledGrants {
    const cols = this.cols;
    const principalArn = cols.arns[i]!;
    const grants: Grant[] = [];
    for (let k = 0, n = cols.associationCount(i); k < n; k++) grants.push({ principalArn, principalId, ...cols.association(i, k) });
    for (const a of cols.looseAssociationsOf(principalArn) ?? []) grants.push({ principalArn, principalId, policyArn: a.policyArn, scope: a.scope });
    const c = compileGrants(grants);
    if (typeof key === 'number') (this.compiledById ??= new Array<CompiledGrants | undefined>(cols.size).fill(undefined))[key] = c;
    else this.compiledByArn.set(key, c);
    noteCompiled(this, key);
    return c;
  }

  /** @internal Drops one compiled-grant cache entry (bounded cache eviction). */
  forgetCompiled(key: number | string): void {
    if (typeof key === 'number') {
      if (this.compiledById) this.compiledById[key] = undefined;
    } else this.compiledByArn.delete(key);
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

/** See ClusterSlice.entryList. */
const lastList: { slice: ClusterSlice | undefined; list: readonly AccessEntryRecord[] } = { slice: undefined, list: [] };


/** A cluster's RBAC snapshot as the index holds it: what it says about itself, and compiled. */
export interface RbacState {
  readonly snapshotId: string;
  readonly importedAt: number;
  readonly importedBy: string;
  readonly counts: RbacCounts;
  readonly warnings: readonly string[];
  readonly compiled: CompiledRbac;
}

export function rbacStateOf(r: RbacSnapshotRecord): RbacState {
  const compiled = new CompiledRbac(r.objects);
  return { snapshotId: r.snapshotId, importedAt: r.importedAt, importedBy: r.importedBy, counts: r.counts, warnings: [...r.warnings, ...compiled.warnings], compiled };
}

/** Reads the cluster's RBAC; an unchanged snapshot (same ID) keeps the compiled one it had. */
async function loadRbac(tx: Tx, name: string, previous: RbacState | undefined): Promise<RbacState | undefined> {
  const id = await tx.getRbacSnapshotId(name);
  if (id === undefined) return undefined;
  if (previous?.snapshotId === id) return previous;
  const r = await tx.getRbacSnapshot(name);
  return r ? rbacStateOf(r) : undefined;
}

export async function loadClusterSlice(tx: Tx, name: string, previous?: ClusterSlice): Promise<ClusterSlice | undefined> {
  const row = await tx.getClusterRow(name);
  if (!row) return undefined;
  const [updates, entries, associations, awsAuth, idps] = [
    await tx.listUpdates(name),
    await tx.listEntries(name),
    await tx.listClusterAssociations(name),
    await tx.getAwsAuth(name),
    await tx.listIdentityProviders(name),
  ];
  const rbac = await loadRbac(tx, name, previous?.rbac);
  return new ClusterSlice(row.record, row.revision, updates.filter((u) => !u.applied), entries, associations, awsAuth, idps, rbac);
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
    // One cluster at a time: each cluster's parsed rows then die young. Loading several at once
    // kept enough of them alive to be promoted to the old generation, which at 3 million entries
    // cost ~0.8 GB more resident memory and more time in full GCs.
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
    const slice = await this.store.read((tx) => loadClusterSlice(tx, name, this.slices.get(name)));
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
