/**
 * Wires the store's change feed to the in-memory indexes: cluster slices, IAM credentials and the
 * EC2 instance table. A replica keeps serving its last good state while the database is away and
 * reports it (ready/readiness, metrics); it resyncs by itself when the feed comes back.
 */
import type { Store } from '../store/store.js';
import { ClusterIndex } from './access-index.js';
import { CredentialIndex } from './credentials.js';

export interface IndexHooks {
  onReload?: (kind: string) => void;
  onResync?: () => void;
  onError?: (e: unknown) => void;
}

export class Indexes {
  readonly clusters: ClusterIndex;
  readonly credentials: CredentialIndex;
  private ec2 = new Map<string, string>();
  private unsubscribe: (() => void) | undefined;
  /** True once the first full load succeeded. */
  loaded = false;
  lastError: string | undefined;

  constructor(
    private readonly store: Store,
    now: () => number,
    private readonly hooks: IndexHooks = {},
  ) {
    const onError = (e: unknown) => {
      this.lastError = (e as Error)?.message ?? String(e);
      hooks.onError?.(e);
    };
    this.clusters = new ClusterIndex(store, { ...(hooks.onReload ? { onReload: hooks.onReload } : {}), onError });
    this.credentials = new CredentialIndex(store, now, onError, (kind) => hooks.onReload?.(kind));
  }

  privateDnsName(instanceId: string): string | undefined {
    return this.ec2.get(instanceId);
  }

  private async reloadEc2(): Promise<void> {
    const rows = await this.store.read((tx) => tx.listEc2Instances());
    this.ec2 = new Map(rows.map((r) => [r.instanceId, r.privateDnsName]));
  }

  async start(): Promise<void> {
    this.unsubscribe = this.store.onChange((event) => {
      if (event.type === 'resync') {
        void this.resync();
        return;
      }
      void this.clusters.apply(event.changes);
      void this.credentials.apply(event.changes);
      if (event.changes.some((c) => c.kind === 'ec2')) void this.reloadEc2().catch((e) => this.hooks.onError?.(e));
    });
    await this.credentials.loadAll();
    await this.clusters.loadAll();
    await this.reloadEc2();
    this.loaded = true;
    this.lastError = undefined;
  }

  async resync(): Promise<void> {
    try {
      await Promise.all([this.clusters.requestResync(), this.credentials.requestResync(), this.reloadEc2()]);
      this.lastError = undefined;
      this.hooks.onResync?.();
    } catch (e) {
      this.lastError = (e as Error)?.message ?? String(e);
      this.hooks.onError?.(e);
    }
  }

  /** Resolves when every change seen so far is reflected (used before answering a write). */
  async settled(): Promise<void> {
    await Promise.all([this.clusters.settled(), this.credentials.settled()]);
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
