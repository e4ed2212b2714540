/**
 * The four EKS identity-provider-config operations over one store transaction.
 *
 * Association and disassociation are asynchronous cluster updates (types
 * AssociateIdentityProviderConfig / DisassociateIdentityProviderConfig, param IdentityProviderConfig
 * `[{"type":"oidc","name":"…"}]` as EKS reports it), so they share the one-update-in-flight rule
 * with every other cluster update. A config is CREATING until its update completes (`activeAt`),
 * then ACTIVE; after a disassociation it is DELETING until `deletingAt`, then gone: reads hide it
 * from that instant and the next write on the cluster removes the row.
 * They work in every authentication mode.
 */
import type { AssociateIdentityProviderConfigRequest, DescribeIdentityProviderConfigRequest, DisassociateIdentityProviderConfigRequest } from '../model/eks-inputs.generated.js';
import { eksError } from '../errors/aws-error.js';
import { eksMessages } from '../rules/messages.js';
import type { OpContext } from '../ops/context.js';
import { startUpdate } from '../clusters/service.js';
import type { ClusterView } from '../clusters/view.js';
import { assertVisible, loadCluster } from '../clusters/view.js';
import { loadClusterForWrite } from '../clusters/updates.js';
import { effectiveCluster } from '../rules/cluster.js';
import type { OidcProviderRecord, UpdateRecord } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import {
  MAX_COMBINED_CONFIG_BYTES,
  clusterOwnIssuer,
  configBytes,
  identityProviderConfigArn,
  oidcMessages,
  parseAssociateRequest,
  parseProviderRef,
  providerLimit,
  providerStatus,
} from './config.js';

export const ASSOCIATE_UPDATE = 'AssociateIdentityProviderConfig';
export const DISASSOCIATE_UPDATE = 'DisassociateIdentityProviderConfig';

const updateParams = (name: string) => [{ type: 'IdentityProviderConfig', value: JSON.stringify([{ type: 'oidc', name }]) }];

/** Removes configs whose disassociation has completed; returns the ones that remain. */
async function purgeGone(tx: Tx, cluster: string, now: number): Promise<OidcProviderRecord[]> {
  const all = await tx.listIdentityProviders(cluster);
  const kept: OidcProviderRecord[] = [];
  for (const p of all) {
    if (providerStatus(p, now) === 'GONE') await tx.deleteIdentityProvider(cluster, p.name);
    else kept.push(p);
  }
  return kept;
}

function assertNoUpdateInFlight(ctx: OpContext, view: ClusterView, type: string): void {
  const eff = effectiveCluster(view.record, view.updates, ctx.now);
  if (eff.inProgress) throw eksError.inUse(eksMessages.updateInProgress(type, view.record.name, eff.inProgress.id), { clusterName: view.record.name });
}

export async function associateIdentityProviderConfig(ctx: OpContext, input: AssociateIdentityProviderConfigRequest): Promise<{ update: UpdateRecord; provider: OidcProviderRecord }> {
  const { config, tags } = parseAssociateRequest({ oidc: input.oidc, tags: input.tags });
  const view = await loadClusterForWrite(ctx, input.clusterName);
  const c = view.record;
  const existing = await purgeGone(ctx.tx, c.name, ctx.now);
  assertNoUpdateInFlight(ctx, view, ASSOCIATE_UPDATE);
  if (existing.some((p) => p.name === config.name)) throw eksError.inUse(oidcMessages.nameInUse(c.name, config.name), { clusterName: c.name });
  if (config.issuerUrl === clusterOwnIssuer(c.region, c.id)) throw eksError.invalidParameter(oidcMessages.sameAsClusterIssuer, { clusterName: c.name });
  if (existing.some((p) => p.issuerUrl === config.issuerUrl)) throw eksError.invalidParameter(oidcMessages.issuerInUse(c.name, config.issuerUrl), { clusterName: c.name });
  const limit = providerLimit(c.version);
  if (existing.length >= limit) throw eksError.invalidRequest(oidcMessages.tooMany(c.name, c.version, limit), { clusterName: c.name });
  if (existing.reduce((n, p) => n + configBytes(p), configBytes(config)) > MAX_COMBINED_CONFIG_BYTES) {
    throw eksError.invalidParameter(oidcMessages.tooLarge(c.name), { clusterName: c.name });
  }

  const update = await startUpdate(ctx, c, ASSOCIATE_UPDATE, updateParams(config.name), { identityProviderConfig: { action: 'associate', type: 'oidc', name: config.name } });
  const provider: OidcProviderRecord = {
    clusterName: c.name,
    name: config.name,
    arn: identityProviderConfigArn(ctx.partition, c.region, c.accountId, c.name, config.name),
    issuerUrl: config.issuerUrl,
    clientId: config.clientId,
    ...(config.usernameClaim !== undefined ? { usernameClaim: config.usernameClaim } : {}),
    ...(config.usernamePrefix !== undefined ? { usernamePrefix: config.usernamePrefix } : {}),
    ...(config.groupsClaim !== undefined ? { groupsClaim: config.groupsClaim } : {}),
    ...(config.groupsPrefix !== undefined ? { groupsPrefix: config.groupsPrefix } : {}),
    requiredClaims: config.requiredClaims,
    tags,
    createdAt: ctx.now,
    activeAt: update.completesAt,
  };
  await ctx.tx.putIdentityProvider(provider);
  ctx.audit.clusterName = c.name;
  ctx.audit.resource = provider.arn;
  ctx.audit.after = { identityProviderConfig: publicConfig(provider), update: update.id };
  return { update, provider };
}

export async function disassociateIdentityProviderConfig(ctx: OpContext, input: DisassociateIdentityProviderConfigRequest): Promise<UpdateRecord> {
  const name = parseProviderRef(input.identityProviderConfig);
  const view = await loadClusterForWrite(ctx, input.clusterName);
  const c = view.record;
  const existing = await purgeGone(ctx.tx, c.name, ctx.now);
  const provider = existing.find((p) => p.name === name);
  if (!provider) throw eksError.notFound(oidcMessages.notFound(c.name, name), { clusterName: c.name });
  assertNoUpdateInFlight(ctx, view, DISASSOCIATE_UPDATE);
  const update = await startUpdate(ctx, c, DISASSOCIATE_UPDATE, updateParams(name), { identityProviderConfig: { action: 'disassociate', type: 'oidc', name } });
  if (update.completesAt <= ctx.now) await ctx.tx.deleteIdentityProvider(c.name, name);
  else await ctx.tx.putIdentityProvider({ ...provider, deletingAt: update.completesAt });
  ctx.audit.clusterName = c.name;
  ctx.audit.resource = provider.arn;
  ctx.audit.before = { identityProviderConfig: publicConfig(provider) };
  ctx.audit.after = { update: update.id };
  return update;
}

/** A visible (not yet gone) config of a cluster the caller may see, or ResourceNotFoundException. */
export async function describeIdentityProviderConfig(ctx: Pick<OpContext, 'tx' | 'caller' | 'now'>, input: DescribeIdentityProviderConfigRequest): Promise<OidcProviderRecord> {
  const name = parseProviderRef(input.identityProviderConfig);
  const view = await loadCluster(ctx.tx, input.clusterName);
  assertVisible(ctx, view);
  const p = await ctx.tx.getIdentityProvider(view.record.name, name);
  if (!p || providerStatus(p, ctx.now) === 'GONE') throw eksError.notFound(oidcMessages.notFound(view.record.name, name), { clusterName: view.record.name });
  return p;
}

/** The visible configs of a cluster, by name (code-unit order, whatever the database collation). */
export async function listIdentityProviderConfigs(ctx: Pick<OpContext, 'tx' | 'caller' | 'now'>, clusterName: unknown): Promise<OidcProviderRecord[]> {
  const view = await loadCluster(ctx.tx, clusterName);
  assertVisible(ctx, view);
  return (await ctx.tx.listIdentityProviders(view.record.name))
    .filter((p) => providerStatus(p, ctx.now) !== 'GONE')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The configuration fields (no times), for audit records. */
function publicConfig(p: OidcProviderRecord): Record<string, unknown> {
  const { clusterName: _c, createdAt: _a, activeAt: _b, deletingAt: _d, ...rest } = p;
  return rest;
}

/** OidcIdentityProviderConfig as DescribeIdentityProviderConfig returns it (unset optional fields omitted). */
export function oidcConfigShape(p: OidcProviderRecord, now: number): Record<string, unknown> {
  const status = providerStatus(p, now);
  return {
    identityProviderConfigName: p.name,
    identityProviderConfigArn: p.arn,
    clusterName: p.clusterName,
    issuerUrl: p.issuerUrl,
    clientId: p.clientId,
    ...(p.usernameClaim !== undefined ? { usernameClaim: p.usernameClaim } : {}),
    ...(p.usernamePrefix !== undefined ? { usernamePrefix: p.usernamePrefix } : {}),
    ...(p.groupsClaim !== undefined ? { groupsClaim: p.groupsClaim } : {}),
    ...(p.groupsPrefix !== undefined ? { groupsPrefix: p.groupsPrefix } : {}),
    requiredClaims: p.requiredClaims,
    tags: p.tags,
    status: status === 'GONE' ? 'DELETING' : status,
  };
}
