/**
 * A cluster as the domain services read it: its record and its updates, visible only to its own
 * account. Depends on the store alone, so every service may use it without a cycle.
 */
import { eksError } from '../errors/aws-error.js';
import type { ClusterRecord, UpdateRecord } from '../model/types.js';
import { isValidClusterName } from '../rules/cluster.js';
import { eksMessages } from '../rules/messages.js';
import type { Tx } from '../store/repo.js';

export interface ClusterView {
  record: ClusterRecord;
  updates: UpdateRecord[];
}

export async function loadCluster(tx: Tx, name: unknown, opts: { forUpdate?: boolean } = {}): Promise<ClusterView> {
  // A name EKS would refuse cannot exist; answering without a query also keeps bytes such as NUL,
  // which PostgreSQL refuses in text parameters, away from the store.
  if (!isValidClusterName(name)) throw eksError.notFound(eksMessages.clusterNotFound(String(name).slice(0, 200)));
  const record = await tx.getCluster(name, opts);
  if (!record) throw eksError.notFound(eksMessages.clusterNotFound(name), { clusterName: name });
  return { record, updates: await tx.listUpdates(name) };
}

/** A caller sees only its own account's clusters (EKS clusters are per account). */
export function assertVisible(ctx: { caller: { accountId: string } }, view: ClusterView): void {
  if (view.record.accountId !== ctx.caller.accountId) {
    throw eksError.notFound(eksMessages.clusterNotFound(view.record.name), { clusterName: view.record.name });
  }
}

