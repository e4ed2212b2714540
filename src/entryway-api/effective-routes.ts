/**
 * Effective access in Entryway's API: a cluster's RBAC snapshot (import, read, delete), `who-can`,
 * the access report and last use. Every answer comes from the index slice the webhooks use
 * (authz/effective.ts), after `settled()` so a change just made is counted. Reads are
 * `entryway:Get*`/`List*`/`WhoCan` on the cluster ARN: the read-only managed policy allows them.
 */
import { randomUUID } from 'node:crypto';
import { eksError } from '../errors/aws-error.js';
import { singleQueryValue } from '../aws/rest-json.js';
import { assertVisible, loadCluster } from '../clusters/view.js';
import { loadClusterForWrite } from '../clusters/updates.js';
import type { ClusterSlice } from '../index/access-index.js';
import { rbacStateOf } from '../index/access-index.js';
import { accessReport, describeBasis, rbacBasis, whoCan } from '../authz/effective.js';
import { lastUseOf } from '../authn/last-use.js';
import { RbacParseError, parseRbacObjects } from '../rbac/index.js';
import type { RbacSnapshotRecord } from '../rbac/index.js';
import type { LastUseRecord } from '../model/last-use.js';
import type { EntrywayCall, EntrywayRoute } from './route.js';
import { attributesFromBody } from './route.js';

/** Largest RBAC document accepted (the CLI sends a reduced copy; a raw `-o yaml` of a big cluster is larger). */
export const MAX_RBAC_DOCUMENT_BYTES = 16 * 1024 * 1024;

async function sliceOf(call: EntrywayCall): Promise<ClusterSlice> {
  const view = await loadCluster(call.ctx.tx, call.params.name);
  assertVisible(call.ctx, view);
  await call.o.indexes.settled();
  const slice = call.o.indexes.clusters.get(view.record.name);
  if (!slice) throw eksError.unavailable('The cluster is not loaded in this replica yet; retry.');
  return slice;
}

function snapshotSummary(slice: ClusterSlice, now: number): Record<string, unknown> {
  const r = slice.rbac;
  const basis = rbacBasis(slice, now);
  if (!r) return { cluster: slice.name, imported: false, description: describeBasis(basis) };
  return {
    cluster: slice.name,
    imported: true,
    snapshotId: r.snapshotId,
    importedAt: r.importedAt,
    importedBy: r.importedBy,
    ageSeconds: basis.ageSeconds,
    counts: r.counts,
    warnings: r.warnings,
    addedDefaults: r.compiled.addedDefaults,
    description: describeBasis(basis),
  };
}

const lastUseShape = (u: LastUseRecord | undefined) => (u ? { lastUsedAt: u.lastUsedAt, lastUsedFrom: u.sourceIp } : { lastUsedAt: null });

export const EFFECTIVE_ACCESS_ROUTES: EntrywayRoute[] = [
  {
    method: 'PUT',
    url: '/entryway/v1/clusters/:name/rbac',
    operation: 'ImportRbacSnapshot',
    kind: 'write',
    clusterScoped: true,
    bodyLimit: MAX_RBAC_DOCUMENT_BYTES,
    run: async ({ ctx, params, body }) => {
      const view = await loadClusterForWrite(ctx, params.name);
      if (typeof body.document !== 'string' || body.document.length === 0) throw eksError.invalidParameter('document is required: the output of kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml (or -o json).');
      let parsed;
      try {
        parsed = parseRbacObjects(body.document);
      } catch (e) {
        if (e instanceof RbacParseError) throw eksError.invalidParameter(`The RBAC document was not imported: ${e.message}`);
        throw e;
      }
      const c = parsed.counts;
      if (c.clusterRoles + c.clusterRoleBindings + c.roles + c.roleBindings === 0) throw eksError.invalidParameter('The RBAC document was not imported: it holds no ClusterRoles, ClusterRoleBindings, Roles or RoleBindings.');
      const record: RbacSnapshotRecord = {
        clusterName: view.record.name,
        snapshotId: randomUUID(),
        importedAt: ctx.now,
        importedBy: ctx.caller.arn,
        source: 'import',
        counts: parsed.counts,
        warnings: parsed.warnings.slice(0, 100),
        objects: parsed.objects,
      };
      const state = rbacStateOf(record);
      await ctx.tx.putRbacSnapshot(record);
      ctx.audit.clusterName = view.record.name;
      ctx.audit.resource = view.record.arn;
      ctx.audit.after = { snapshotId: record.snapshotId, counts: record.counts };
      return { cluster: view.record.name, snapshotId: record.snapshotId, importedAt: record.importedAt, counts: record.counts, warnings: state.warnings, addedDefaults: state.compiled.addedDefaults };
    },
  },
  {
    method: 'GET',
    url: '/entryway/v1/clusters/:name/rbac',
    operation: 'GetRbacSnapshot',
    kind: 'read',
    clusterScoped: true,
    run: async (call) => {
      const slice = await sliceOf(call);
      const out = snapshotSummary(slice, call.ctx.now);
      if (singleQueryValue(call.query, 'objects') === 'true' && slice.rbac) {
        const r = await call.ctx.tx.getRbacSnapshot(slice.name);
        if (r) out.objects = r.objects;
      }
      return out;
    },
  },
  {
    method: 'DELETE',
    url: '/entryway/v1/clusters/:name/rbac',
    operation: 'DeleteRbacSnapshot',
    kind: 'write',
    clusterScoped: true,
    run: async ({ ctx, params }) => {
      const view = await loadClusterForWrite(ctx, params.name);
      ctx.audit.clusterName = view.record.name;
      ctx.audit.resource = view.record.arn;
      if (!(await ctx.tx.deleteRbacSnapshot(view.record.name))) throw eksError.notFound(`Cluster ${view.record.name} has no RBAC snapshot.`);
      return { cluster: view.record.name, deleted: true };
    },
  },
  {
    method: 'POST',
    url: '/entryway/v1/clusters/:name/who-can',
    operation: 'WhoCan',
    kind: 'read',
    clusterScoped: true,
    run: async (call) => {
      const slice = await sliceOf(call);
      const attrs = attributesFromBody(call.body);
      return { cluster: slice.name, request: attrs, rbac: snapshotSummary(slice, call.ctx.now), principals: whoCan(slice, attrs, call.ctx.now) };
    },
  },
  {
    method: 'GET',
    url: '/entryway/v1/clusters/:name/access-report',
    operation: 'GetAccessReport',
    kind: 'read',
    clusterScoped: true,
    run: async (call) => {
      const slice = await sliceOf(call);
      const uses = call.o.lastUse ? await call.o.lastUse.lastUses(slice.name) : new Map<string, LastUseRecord>();
      const rows = accessReport(slice, call.ctx.now).map((r) => {
        const s = r.source;
        const u =
          s.kind === 'access-entry'
            ? lastUseOf(uses, slice.name, 'entry', s.principalArn)
            : s.kind === 'aws-auth'
              ? lastUseOf(uses, slice.name, 'aws-auth', `${s.section}:${s.arn}`)
              : s.kind === 'aws-auth-account'
                ? lastUseOf(uses, slice.name, 'aws-auth', `mapAccounts:${s.accountId}`)
                : s.kind === 'cluster-creator'
                  ? lastUseOf(uses, slice.name, 'creator', s.principalArn)
                  : s.group === undefined && s.user === undefined
                    ? lastUseOf(uses, slice.name, 'oidc', s.provider)
                    : undefined;
        return { ...r, ...lastUseShape(u) };
      });
      return { cluster: slice.name, rbac: snapshotSummary(slice, call.ctx.now), principals: rows };
    },
  },
  {
    method: 'GET',
    url: '/entryway/v1/clusters/:name/last-use',
    operation: 'ListLastUse',
    kind: 'read',
    clusterScoped: true,
    run: async (call) => {
      const slice = await sliceOf(call);
      const uses = call.o.lastUse ? await call.o.lastUse.lastUses(slice.name) : new Map<string, LastUseRecord>();
      return {
        cluster: slice.name,
        lastUse: [...uses.values()].sort((a, b) => (a.kind + a.key < b.kind + b.key ? -1 : 1)).map((u) => ({ kind: u.kind, key: u.key, lastUsedAt: u.lastUsedAt, lastUsedFrom: u.sourceIp })),
      };
    },
  },
];

/** Days in `?unusedDays=` (doctor): a positive integer, or the server's default. */
export function unusedAfterFrom(query: Record<string, unknown>, defaultMs: number): number {
  const v = singleQueryValue(query as never, 'unusedDays');
  if (v === undefined || v === '') return defaultMs;
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1) throw eksError.invalidParameter('unusedDays must be a whole number of days, at least 1.');
  return Number(v) * 86_400_000;
}

export { lastUseShape };
