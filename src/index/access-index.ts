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
import { AwsAuthIndex, EntryIndex, entryLookupKeys, principalArnKey } from '../mapping/index.js';
import type { Identity, MappingView } from '../mapping/index.js';
import type { CompiledGrants, Grant } from '../policy/engine.js';
import { compileGrants } from '../policy/engine.js';
import type { Change, Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';

/** Everything the hot path needs about one cluster. Immutable once built; replaced on reload. */
export class ClusterSlice {
  readonly entries: EntryIndex;
  readonly awsAuthIndex: AwsAuthIndex | undefined;
  /** Grants by IAM unique ID, and by lower-cased path-stripped ARN for ID-less (foreign) entries. */
  private readonly associationsByEntry = new Map<string, AssociationRecord[]>();
  private readonly grantKeyToEntry = new Map<string, AccessEntryRecord>();
  private readonly compiled = new Map<string, CompiledGrants>();

  constructor(
    readonly record: ClusterRecord,
    readonly revision: number,
    readonly updates: readonly UpdateRecord[],
    /** Every access entry, for tools (doctor, migration); the hot path uses the keyed lookups. */
    readonly entryList: readonly AccessEntryRecord[],
    associations: readonly AssociationRecord[],
    readonly awsAuth: AwsAuthRecord | undefined,
    readonly identityProviders: readonly OidcProviderRecord[],
  ) {
    const entries = entryList;
    this.entries = new EntryIndex(entries);
    this.awsAuthIndex = awsAuth ? new AwsAuthIndex(awsAuth) : undefined;
    for (const a of associations) {
      const list = this.associationsByEntry.get(a.principalArn);
      if (list) list.push(a);
      else this.associationsByEntry.set(a.principalArn, [a]);
    }
    for (const e of entries) {
      if (e.principalId) this.grantKeyToEntry.set(`id:${e.principalId}`, e);
      else {
        const k = principalArnKey(e.principalArn);
        if (k) this.grantKeyToEntry.set(`arn:${k}`, e);
      }
    }
  }

  get name(): string {
    return this.record.name;
  }

  mode(now: number): AuthenticationMode {
    return effectiveCluster(this.record, this.updates, now).authenticationMode;
  }

  /** The identity-mapping view at `now` (mode moves take effect when their update completes). */
  mappingView(now: number): MappingView {
    return {
      mode: this.mode(now),
      creator: { principalId: this.record.creator.principalId, principalArn: this.record.creator.principalArn },
      hiddenCreatorAdmin: this.record.hiddenCreatorAdmin,
      awsAuth: this.awsAuthIndex,
      entriesFor: (identity: Identity) => this.entries.entriesFor(identity),
    };
  }

  /**
   * The access policy grants of the principal behind a request: by unique ID (the entry must have
   * been created for this ID), or for entries of principals Entryway's IAM does not hold, by ARN.
   * Compiled on first use and kept with the slice.
   */
  grantsFor(principalId: string, canonicalArn: string | undefined): CompiledGrants | undefined {
    let entry = this.grantKeyToEntry.get(`id:${principalId}`);
    if (!entry && canonicalArn) {
      const k = principalArnKey(canonicalArn);
      if (k) entry = this.grantKeyToEntry.get(`arn:${k}`);
    }
    if (!entry) return undefined;
    const cacheKey = `${entry.principalArn}\u0000${principalId}`;
    let c = this.compiled.get(cacheKey);
    if (!c) {
      const grants: Grant[] = (this.associationsByEntry.get(entry.principalArn) ?? []).map((a) => ({
        principalArn: a.principalArn,
        principalId,
        policyArn: a.policyArn,
        scope: a.scope,
      }));
      c = compileGrants(grants);
      this.compiled.set(cacheKey, c);
    }
    return c;
  }

  associationsOf(principalArn: string): readonly AssociationRecord[] {
    return this.associationsByEntry.get(principalArn) ?? [];
  }
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
