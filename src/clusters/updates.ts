/**
 * Asynchronous updates take effect when their time has come: whichever call (or the background
 * sweeper) first loads the cluster for a write settles them. Finishing a move out of CONFIG_MAP
 * writes the creator's admin entry (entries/creator.ts), so this module sits above both.
 */
import type { ClusterRecord, UpdateRecord } from '../model/types.js';
import type { OpContext } from '../ops/context.js';
import { accessPolicyArn } from '../policy/catalogue.js';
import { effectiveCluster } from '../rules/cluster.js';
import { CLUSTER_ADMIN_POLICY_NAME } from '../rules/admin.js';
import { createCreatorEntry } from '../entries/creator.js';
import type { ClusterView } from './view.js';
import { assertVisible, loadCluster } from './view.js';

/**
 * Loads a cluster for a write: locks it (PostgreSQL) and first writes the effect of any update that
 * has completed, so validation sees the cluster as clients see it.
 */
export async function loadClusterForWrite(ctx: OpContext, name: unknown): Promise<ClusterView> {
  const view = await loadCluster(ctx.tx, name, { forUpdate: true });
  assertVisible(ctx, view);
  await settleUpdates(ctx, view);
  return view;
}

/** Writes the effects of completed updates. Idempotent; any replica may do it. */
export async function settleUpdates(ctx: OpContext, view: ClusterView): Promise<void> {
  const eff = effectiveCluster(view.record, view.updates, ctx.now);
  for (const u of eff.due) {
    if (u.finalStatus === 'Successful') await applyUpdateEffect(ctx, view.record, u);
    u.applied = true;
    await ctx.tx.saveUpdate(u);
  }
  if (eff.due.length) await ctx.tx.updateCluster(view.record);
}

async function applyUpdateEffect(ctx: OpContext, c: ClusterRecord, u: UpdateRecord): Promise<void> {
  const effect = u.effect;
  if (typeof effect.authenticationMode === 'string') {
    const from = c.authenticationMode;
    c.authenticationMode = effect.authenticationMode as ClusterRecord['authenticationMode'];
    // Enabling access entries turns the hidden CONFIG_MAP creator grant into a visible entry,
    // as EKS does ("an access entry that reflects pre-existing permissions").
    if (from === 'CONFIG_MAP' && c.hiddenCreatorAdmin) {
      await createCreatorEntry({ ...ctx, now: u.completesAt }, c, accessPolicyArn(CLUSTER_ADMIN_POLICY_NAME, ctx.partition));
      c.hiddenCreatorAdmin = false;
    }
  }
  if (effect.spec && typeof effect.spec === 'object') {
    c.spec = { ...c.spec, ...(effect.spec as Record<string, unknown>) };
  }
  // A completed disassociation removes the identity provider config (its status was DELETING).
  const ipc = effect.identityProviderConfig as { action?: string; name?: string } | undefined;
  if (ipc?.action === 'disassociate' && ipc.name) await ctx.tx.deleteIdentityProvider(c.name, ipc.name);
}

