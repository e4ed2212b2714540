/**
 * The aws-auth ConfigMap of a cluster, as Entryway keeps it: applied through the API
 * (`entryway aws-auth apply`) or a watched file (`serve --aws-auth CLUSTER=FILE`). A document that
 * does not parse is refused as a whole and the last good mapping stays in force — the error is kept
 * on the record so operators can see why their change did not apply (aws-iam-authenticator would
 * instead drop every row of the broken section, the classic aws-auth lock-out).
 */
import type { AwsAuthError } from '../mapping/index.js';
import { parseAwsAuth } from '../mapping/index.js';
import type { AwsAuthRecord } from '../model/types.js';
import type { OpContext } from '../ops/context.js';
import { loadClusterForWrite } from './updates.js';
import { effectiveCluster } from '../rules/cluster.js';

export type ApplyAwsAuthResult =
  | { ok: true; record: AwsAuthRecord; ignored: boolean; unchanged: boolean }
  | { ok: false; error: AwsAuthError; kept: AwsAuthRecord | undefined };

export async function applyAwsAuth(ctx: OpContext, clusterName: unknown, yaml: string): Promise<ApplyAwsAuthResult> {
  const view = await loadClusterForWrite(ctx, clusterName);
  const name = view.record.name;
  const current = await ctx.tx.getAwsAuth(name);
  const parsed = parseAwsAuth(yaml);
  ctx.audit.clusterName = name;
  ctx.audit.resource = `${view.record.arn}/aws-auth`;
  if (!parsed.ok) {
    if (current) await ctx.tx.putAwsAuth({ ...current, lastError: { at: ctx.now, message: parsed.error.message } });
    ctx.audit.after = { rejected: parsed.error.message };
    return { ok: false, error: parsed.error, kept: current };
  }
  const ignored = effectiveCluster(view.record, view.updates, ctx.now).authenticationMode === 'API';
  if (current && current.source === yaml && !current.lastError) return { ok: true, record: current, ignored, unchanged: true };
  const record: AwsAuthRecord = {
    clusterName: name,
    source: yaml,
    mapRoles: parsed.mapRoles,
    mapUsers: parsed.mapUsers,
    mapAccounts: parsed.mapAccounts,
    appliedAt: ctx.now,
    warnings: parsed.warnings,
  };
  await ctx.tx.putAwsAuth(record);
  ctx.audit.before = current ? summary(current) : undefined;
  ctx.audit.after = summary(record);
  return { ok: true, record, ignored, unchanged: false };
}

export async function deleteAwsAuth(ctx: OpContext, clusterName: unknown): Promise<boolean> {
  const view = await loadClusterForWrite(ctx, clusterName);
  const current = await ctx.tx.getAwsAuth(view.record.name);
  ctx.audit.clusterName = view.record.name;
  ctx.audit.resource = `${view.record.arn}/aws-auth`;
  if (!current) return false;
  await ctx.tx.deleteAwsAuth(view.record.name);
  ctx.audit.before = summary(current);
  return true;
}

/** What the audit trail keeps of an aws-auth document: the mappings, not the raw YAML. */
function summary(r: AwsAuthRecord): Record<string, unknown> {
  return { mapRoles: r.mapRoles, mapUsers: r.mapUsers, mapAccounts: r.mapAccounts };
}
