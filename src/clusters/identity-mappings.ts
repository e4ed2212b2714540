/**
 * eksctl-style identity mappings (`entryway iamidentitymapping create|get|delete`) over a cluster's
 * aws-auth document. Each change reads the document and writes the edited one in the same
 * transaction, with the cluster locked (the compare-and-swap happens under the lock: two
 * concurrent edits serialize and neither is lost), through `applyAwsAuth` — the same validation,
 * last-good rule, audit record and change feed as `aws-auth apply`.
 */
import { eksError } from '../errors/aws-error.js';
import type { AddMapping, IdentityMapping, RemoveMapping } from '../mapping/aws-auth-edit.js';
import { addMapping, listMappings, removeMapping } from '../mapping/aws-auth-edit.js';
import type { OpContext } from '../ops/context.js';
import type { Tx } from '../store/repo.js';
import type { ApplyAwsAuthResult } from './aws-auth.js';
import { applyAwsAuth } from './aws-auth.js';
import { loadClusterForWrite } from './updates.js';
import { assertVisible, loadCluster } from './view.js';

export interface MappingChange {
  /** The rows a delete removed (eksctl prints them). */
  removed: IdentityMapping[];
  /** Rows of the same ARN still there after a delete without --all. */
  remaining: number;
  applied: Extract<ApplyAwsAuthResult, { ok: true }>;
}

async function edit(ctx: OpContext, clusterName: string, change: (source: string | undefined) => ReturnType<typeof addMapping>): Promise<MappingChange> {
  const view = await loadClusterForWrite(ctx, clusterName);
  const current = await ctx.tx.getAwsAuth(view.record.name);
  const r = change(current?.source);
  if (!r.ok) {
    if (r.code === 'not_found') throw eksError.notFound(r.message, { clusterName: view.record.name });
    if (r.code === 'duplicate_arn') throw eksError.inUse(r.message, { clusterName: view.record.name });
    throw eksError.invalidParameter(r.message, { clusterName: view.record.name });
  }
  const applied = await applyAwsAuth(ctx, view.record.name, r.yaml);
  // The edited document can still fail validation (e.g. a username aws-iam-authenticator
  // refuses): the operation fails, its transaction rolls back, and the reason is the answer.
  if (!applied.ok) throw eksError.invalidParameter(`The aws-auth edit was refused: ${applied.error.message}`, { clusterName: view.record.name });
  return { removed: r.removed, remaining: r.remaining, applied };
}

export function createIdentityMapping(ctx: OpContext, clusterName: string, m: AddMapping): Promise<MappingChange> {
  return edit(ctx, clusterName, (source) => addMapping(source, m));
}

export function deleteIdentityMapping(ctx: OpContext, clusterName: string, m: RemoveMapping): Promise<MappingChange> {
  return edit(ctx, clusterName, (source) => removeMapping(source, m));
}

/** The cluster's mappings as eksctl lists them, optionally only those of one ARN. */
export async function getIdentityMappings(ctx: { tx: Tx; caller: { accountId: string }; now: number }, clusterName: string, arn?: string): Promise<IdentityMapping[]> {
  const view = await loadCluster(ctx.tx, clusterName);
  assertVisible(ctx, view);
  const current = await ctx.tx.getAwsAuth(view.record.name);
  const all = listMappings(current?.source);
  if (!Array.isArray(all)) throw eksError.invalidRequest(all.error, { clusterName: view.record.name });
  if (arn === undefined) return all;
  const mine = all.filter((m) => ('rolearn' in m ? m.rolearn : 'userarn' in m ? m.userarn : undefined) === arn);
  if (!mine.length) throw eksError.notFound(`no iamidentitymapping with arn ${JSON.stringify(arn)} found`, { clusterName: view.record.name });
  return mine;
}
