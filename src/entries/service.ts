/**
 * Access-entry and access-policy operations of the EKS API over one store transaction.
 * Its rules live in rules/ (entry.ts, cluster.ts); the policy catalogue and scope rules in policy/.
 */
import type { AssociateAccessPolicyRequest, CreateAccessEntryRequest, DeleteAccessEntryRequest, DisassociateAccessPolicyRequest, UpdateAccessEntryRequest } from '../model/eks-inputs.generated.js';
import { eksError } from '../errors/aws-error.js';
import type { ClusterView } from '../clusters/view.js';
import { assertVisible, loadCluster } from '../clusters/view.js';
import { loadClusterForWrite } from '../clusters/updates.js';
import type { AccessEntryRecord, AccessScope, AssociationRecord } from '../model/types.js';
import type { OpContext } from '../ops/context.js';
import { getAccessPolicy } from '../policy/catalogue.js';
import { validateAccessScope } from '../policy/scope.js';
import { effectiveCluster } from '../rules/cluster.js';
import { checkAcceptsPolicies, checkGroups, checkModeTakesEntries, checkUsername, hasControlCharacters } from '../rules/entry.js';
import { eksMessages } from '../rules/messages.js';
import { must } from '../rules/violation.js';
import type { Tx } from '../store/repo.js';
import { newEntry } from './creator.js';
import { assertAdminPathRemains } from './lockout.js';

/** Effective mode gate shared by every access-entry operation. */
function assertEntriesEnabled(view: ClusterView, now: number): void {
  must(checkModeTakesEntries(effectiveCluster(view.record, view.updates, now).authenticationMode));
}

export async function createAccessEntry(ctx: OpContext, input: CreateAccessEntryRequest): Promise<AccessEntryRecord> {
  const view = await loadClusterForWrite(ctx, input.clusterName);
  assertEntriesEnabled(view, ctx.now);
  const entry = await newEntry(ctx, view.record, {
    principalArn: input.principalArn,
    type: input.type,
    username: input.username,
    kubernetesGroups: input.kubernetesGroups,
    tags: input.tags,
  });
  await ctx.tx.insertEntry(entry);
  ctx.audit.clusterName = view.record.name;
  ctx.audit.resource = entry.principalArn;
  ctx.audit.after = entryAuditView(entry);
  return entry;
}

/** Read path: the cluster must be visible and in a mode that has access entries. */
export async function loadClusterWithEntries(ctx: { tx: Tx; caller: { accountId: string }; now: number }, clusterName: unknown): Promise<ClusterView> {
  const view = await loadCluster(ctx.tx, clusterName);
  assertVisible(ctx, view);
  assertEntriesEnabled(view, ctx.now);
  return view;
}

async function requireEntry(tx: Tx, cluster: string, principalArn: unknown): Promise<AccessEntryRecord> {
  // No entry's ARN has control characters (and PostgreSQL refuses NUL in text parameters).
  if (typeof principalArn !== 'string' || principalArn.length === 0 || principalArn.length > 2048 || hasControlCharacters(principalArn)) {
    throw eksError.notFound(eksMessages.entryNotFound, { clusterName: cluster });
  }
  const e = await tx.getEntry(cluster, principalArn);
  if (!e) throw eksError.notFound(eksMessages.entryNotFound, { clusterName: cluster });
  return e;
}

export async function describeAccessEntry(
  ctx: { tx: Tx; caller: { accountId: string }; now: number },
  clusterName: unknown,
  principalArn: unknown,
): Promise<AccessEntryRecord> {
  const view = await loadClusterWithEntries(ctx, clusterName);
  return requireEntry(ctx.tx, view.record.name, principalArn);
}

export async function updateAccessEntry(ctx: OpContext, input: UpdateAccessEntryRequest): Promise<AccessEntryRecord> {
  const view = await loadClusterForWrite(ctx, input.clusterName);
  assertEntriesEnabled(view, ctx.now);
  const entry = await requireEntry(ctx.tx, view.record.name, input.principalArn);
  const before = entryAuditView(entry);
  const username = input.username === undefined ? undefined : must(checkUsername(input.username));
  const groups = input.kubernetesGroups === undefined ? undefined : must(checkGroups(input.kubernetesGroups));
  if (entry.type !== 'STANDARD' && (username !== undefined || (groups !== undefined && groups.length > 0))) {
    throw eksError.invalidParameter(eksMessages.onlyStandard);
  }
  const next: AccessEntryRecord = {
    ...entry,
    username: username ?? entry.username,
    // Node-typed entries keep the groups EKS reports for them (an empty list is accepted as no change).
    kubernetesGroups: entry.type === 'STANDARD' ? (groups ?? entry.kubernetesGroups) : entry.kubernetesGroups,
    modifiedAt: ctx.now,
  };
  await ctx.tx.updateEntry(next);
  ctx.audit.clusterName = view.record.name;
  ctx.audit.resource = entry.principalArn;
  ctx.audit.before = before;
  ctx.audit.after = entryAuditView(next);
  return next;
}

export async function deleteAccessEntry(ctx: OpContext, input: DeleteAccessEntryRequest): Promise<void> {
  const view = await loadClusterForWrite(ctx, input.clusterName);
  assertEntriesEnabled(view, ctx.now);
  const entry = await requireEntry(ctx.tx, view.record.name, input.principalArn);
  const associations = await ctx.tx.listAssociations(view.record.name, entry.principalArn, { limit: 1000 });
  await assertAdminPathRemains(ctx, view, ctx.now, { kind: 'delete-entry', principalArn: entry.principalArn });
  await ctx.tx.deleteEntry(view.record.name, entry.principalArn);
  ctx.audit.clusterName = view.record.name;
  ctx.audit.resource = entry.principalArn;
  ctx.audit.before = { ...entryAuditView(entry), associations: associations.map(associationAuditView) };
}

export async function associateAccessPolicy(ctx: OpContext, input: AssociateAccessPolicyRequest): Promise<{ entry: AccessEntryRecord; association: AssociationRecord }> {
  const view = await loadClusterForWrite(ctx, input.clusterName);
  assertEntriesEnabled(view, ctx.now);
  const entry = await requireEntry(ctx.tx, view.record.name, input.principalArn);
  if (input.policyArn === undefined || input.policyArn.length === 0) throw eksError.invalidParameter('policyArn is required.');
  const policyArn = input.policyArn;
  const policy = getAccessPolicy(policyArn);
  if (!policy) {
    throw eksError.invalidParameter(
      `The specified policyArn ${policyArn.slice(0, 256)} is not a valid access policy. Use list-access-policies to see the available policies.`,
    );
  }
  must(checkAcceptsPolicies(entry.type));
  if (policy.serviceLinkedRolesOnly) {
    throw eksError.invalidParameter(`The access policy ${policy.name} can only be associated with AWS service-linked roles.`);
  }
  if (input.accessScope === undefined) throw eksError.invalidParameter('accessScope is required.');
  const scope = parseScope(input.accessScope);
  const existing = await ctx.tx.getAssociation(view.record.name, entry.principalArn, policy.arn);
  // Re-associating is an upsert of the scope: associatedAt is kept, modifiedAt moves.
  const association: AssociationRecord = {
    clusterName: view.record.name,
    principalArn: entry.principalArn,
    policyArn: policy.arn,
    scope,
    associatedAt: existing?.associatedAt ?? ctx.now,
    modifiedAt: ctx.now,
  };
  await assertAdminPathRemains(ctx, view, ctx.now, { kind: 'associate', principalArn: entry.principalArn, policyArn: policy.arn, scope });
  await ctx.tx.putAssociation(association);
  ctx.audit.clusterName = view.record.name;
  ctx.audit.resource = `${entry.principalArn} ${policy.arn}`;
  ctx.audit.before = existing ? associationAuditView(existing) : undefined;
  ctx.audit.after = associationAuditView(association);
  return { entry, association };
}

function parseScope(input: unknown): AccessScope {
  const r = validateAccessScope(input);
  if (!r.ok) throw eksError.invalidParameter(r.error.message);
  return { type: r.scope.type, namespaces: [...r.scope.namespaces] };
}

export async function disassociateAccessPolicy(ctx: OpContext, input: DisassociateAccessPolicyRequest): Promise<void> {
  const { policyArn } = input;
  const view = await loadClusterForWrite(ctx, input.clusterName);
  assertEntriesEnabled(view, ctx.now);
  const entry = await requireEntry(ctx.tx, view.record.name, input.principalArn);
  must(checkAcceptsPolicies(entry.type));
  const policy = getAccessPolicy(policyArn);
  const existing = policy ? await ctx.tx.getAssociation(view.record.name, entry.principalArn, policy.arn) : undefined;
  if (!policy || !existing) {
    throw eksError.notFound(
      `The specified policyArn ${policyArn.slice(0, 256)} is not associated with the access entry for ${entry.principalArn}.`,
      { clusterName: view.record.name },
    );
  }
  await assertAdminPathRemains(ctx, view, ctx.now, { kind: 'disassociate', principalArn: entry.principalArn, policyArn: existing.policyArn });
  await ctx.tx.deleteAssociation(view.record.name, entry.principalArn, existing.policyArn);
  ctx.audit.clusterName = view.record.name;
  ctx.audit.resource = `${entry.principalArn} ${existing.policyArn}`;
  ctx.audit.before = associationAuditView(existing);
}

export function entryAuditView(e: AccessEntryRecord): Record<string, unknown> {
  return { principalArn: e.principalArn, type: e.type, username: e.username, kubernetesGroups: e.kubernetesGroups, tags: e.tags };
}
export function associationAuditView(a: AssociationRecord): Record<string, unknown> {
  return { principalArn: a.principalArn, policyArn: a.policyArn, accessScope: a.scope };
}
