/**
 * Building an access entry from its parts (every rule checked, the principal resolved in IAM), and
 * the cluster creator's admin entry. Used by CreateAccessEntry, by CreateCluster and by settling a
 * move out of CONFIG_MAP; depends only on the rules and the store.
 */
import { randomUUID } from 'node:crypto';
import { eksError } from '../errors/aws-error.js';
import { validateTags } from '../rules/tags.js';
import type { AccessEntryRecord, ClusterRecord } from '../model/types.js';
import type { OpContext } from '../ops/context.js';
import {
  MAX_ENTRIES_PER_CLUSTER,
  accessEntryArn,
  checkEntryPrincipal,
  checkEntryType,
  checkGroups,
  checkUsername,
  defaultGroups,
  defaultUsername,
} from '../rules/entry.js';
import { eksMessages } from '../rules/messages.js';
import { must } from '../rules/violation.js';
import type { PrincipalResolution } from './principals.js';
import { resolvePrincipal } from './principals.js';

export async function newEntry(
  ctx: OpContext,
  cluster: ClusterRecord,
  input: { principalArn: unknown; type: unknown; username: unknown; kubernetesGroups: unknown; tags: unknown },
  /** The principal's unique ID when it is already known (the cluster creator): IAM is not consulted. */
  knownPrincipalId?: string,
): Promise<AccessEntryRecord> {
  const type = must(checkEntryType(input.type));
  const principal = must(checkEntryPrincipal(input.principalArn, type, cluster.accountId));
  const principalArn = input.principalArn as string;
  // Reserved-prefix checks come before the STANDARD-only check: EKS answers a node entry that
  // re-sends `system:node:…` with "The username must not begin with system:".
  const username = input.username === undefined || input.username === null ? undefined : must(checkUsername(input.username));
  const groups = must(checkGroups(input.kubernetesGroups));
  if (type !== 'STANDARD' && (username !== undefined || groups.length > 0)) throw eksError.invalidParameter(eksMessages.onlyStandard);
  const tags = validateTags(input.tags, eksError.invalidParameter);

  // The creator was authenticated when it created the cluster; it may have been deleted from IAM
  // since, and its entry must still be written (or a mode move could never complete).
  const resolved: PrincipalResolution =
    knownPrincipalId !== undefined ? { held: true, exists: true, principalId: knownPrincipalId, arn: principalArn } : await resolvePrincipal(ctx.tx, principal);
  if (resolved.held && !resolved.exists) {
    throw eksError.invalidParameter(
      `${eksMessages.invalidPrincipal} ${principal.kind === 'user' ? 'IAM user' : 'IAM role'} ${principal.path === '/' ? '' : principal.path}${principal.name} does not exist in account ${principal.accountId} of Entryway's IAM (check the name and path, or create it first with aws iam create-${principal.kind}).`,
    );
  }
  if (!resolved.held && knownPrincipalId === undefined) {
    const unheld = ctx.unheld ?? { connectedSts: false, accept: false };
    if (!unheld.connectedSts && !unheld.accept) {
      throw eksError.invalidParameter(
        `${eksMessages.invalidPrincipal} Account ${principal.accountId} is not held by Entryway's IAM and Entryway runs without --connected-sts, so no token of this principal can ever be verified and the entry would match nobody. Check the account ID, start Entryway with --connected-sts, or accept such principals with --allow-unverifiable-principals.`,
      );
    }
  }

  if (await ctx.tx.getEntry(cluster.name, principalArn)) throw eksError.inUse(eksMessages.entryInUse, { clusterName: cluster.name });
  if ((await ctx.tx.countEntries(cluster.name)) >= MAX_ENTRIES_PER_CLUSTER) {
    throw eksError.limitExceeded(`The cluster ${cluster.name} already has the maximum number of access entries (${MAX_ENTRIES_PER_CLUSTER}).`, {
      clusterName: cluster.name,
    });
  }
  const uuid = randomUUID();
  return {
    clusterName: cluster.name,
    principalArn,
    principalId: resolved.held && resolved.exists ? resolved.principalId : null,
    type,
    username: username ?? defaultUsername(type, principal, principalArn),
    kubernetesGroups: type === 'STANDARD' ? groups : defaultGroups(type),
    tags,
    createdAt: ctx.now,
    modifiedAt: ctx.now,
    uuid,
    accessEntryArn: accessEntryArn({
      partition: principal.partition,
      region: cluster.region,
      clusterAccountId: cluster.accountId,
      clusterName: cluster.name,
      principal,
      uuid,
    }),
  };
}

/** The creator's cluster-admin entry (at creation with bootstrap, or when CONFIG_MAP is left). */
export async function createCreatorEntry(ctx: OpContext, cluster: ClusterRecord, policyArn: string): Promise<void> {
  const principalArn = cluster.creator.principalArn;
  if (!(await ctx.tx.getEntry(cluster.name, principalArn))) {
    // The creator is the caller EKS authenticated, so its unique ID is known even across accounts.
    const entry = await newEntry(
      ctx,
      cluster,
      { principalArn, type: 'STANDARD', username: undefined, kubernetesGroups: undefined, tags: undefined },
      cluster.creator.principalId,
    );
    await ctx.tx.insertEntry(entry);
  }
  if (!(await ctx.tx.getAssociation(cluster.name, principalArn, policyArn))) {
    await ctx.tx.putAssociation({
      clusterName: cluster.name,
      principalArn,
      policyArn,
      scope: { type: 'cluster', namespaces: [] },
      associatedAt: ctx.now,
      modifiedAt: ctx.now,
    });
  }
}

