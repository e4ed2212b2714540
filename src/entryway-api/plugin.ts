/**
 * Entryway's own management API (rest-json under /entryway/v1, SigV4 service `eks`, actions in the
 * `entryway:` IAM namespace): what EKS has no API for — the aws-auth ConfigMap, `can-i`, the EC2
 * instance table behind {{EC2PrivateDNSName}}, extra accounts, webhook wiring, per-cluster settings,
 * the audit trail, doctor and the aws-auth migration. The CLI and a console call it; going through
 * the server means a change reaches every replica's index at once.
 */
import type { FastifyInstance } from 'fastify';
import { eksError } from '../errors/aws-error.js';
import { singleQueryValue } from '../aws/rest-json.js';
import { handleManagementCall } from '../aws/management-call.js';
import { auditEventOf } from '../ops/operation.js';
import { applyAwsAuth, deleteAwsAuth } from '../clusters/aws-auth.js';
import { createIdentityMapping, deleteIdentityMapping, getIdentityMappings } from '../clusters/identity-mappings.js';
import { assertVisible, loadCluster } from '../clusters/view.js';
import { loadClusterForWrite } from '../clusters/updates.js';
import { canI } from '../authz/can-i.js';
import { providerAccepts } from '../oidc/config.js';
import { diagnose } from '../doctor/doctor.js';
import { applyMigration, parseTarget, planMigration } from '../migration/service.js';
import { createAccount } from '../iam/index.js';
import type { AuditEvent } from '../model/types.js';
import type { AuditQuery } from '../store/repo.js';
import { accessPolicyArn, allAccessPolicies } from '../policy/catalogue.js';
import { accessEntryShape, associatedPolicyShape } from '../eks-api/shapes.js';
import type { EntrywayApiOptions, EntrywayRoute } from './route.js';
import { attributesFromBody, optionalStr, str, strList } from './route.js';
import { EFFECTIVE_ACCESS_ROUTES, lastUseShape, unusedAfterFrom } from './effective-routes.js';
import { lastUseOf } from '../authn/last-use.js';

export type { EntrywayApiOptions, EntrywayCall, EntrywayRoute } from './route.js';
export { attributesFromBody } from './route.js';

const BUILTIN_ROUTES: EntrywayRoute[] = [
  {
    method: 'GET',
    url: '/entryway/v1/clusters/:name/aws-auth',
    operation: 'GetAwsAuth',
    kind: 'read',
    clusterScoped: true,
    run: async ({ ctx, params }) => {
      const view = await loadCluster(ctx.tx, params.name);
      assertVisible(ctx, view);
      const r = await ctx.tx.getAwsAuth(view.record.name);
      if (!r) throw eksError.notFound(`Cluster ${view.record.name} has no aws-auth ConfigMap.`);
      return { awsAuth: r };
    },
  },
  {
    method: 'PUT',
    url: '/entryway/v1/clusters/:name/aws-auth',
    operation: 'PutAwsAuth',
    kind: 'write',
    clusterScoped: true,
    run: async ({ ctx, params, body }) => {
      const yaml = str(body.yaml, 'yaml', 1024 * 1024);
      const r = await applyAwsAuth(ctx, params.name, yaml);
      if (!r.ok) {
        // Committed: the rejection is recorded on the kept mapping; the caller gets a 400.
        return {
          status: 400,
          body: {
            message: `The aws-auth document was rejected and the last good mapping is still in force: ${r.error.message}`,
            error: r.error,
            kept: r.kept ? { mapRoles: r.kept.mapRoles.length, mapUsers: r.kept.mapUsers.length, mapAccounts: r.kept.mapAccounts.length } : null,
          },
        };
      }
      return {
        applied: !r.unchanged,
        ignoredInApiMode: r.ignored,
        mapRoles: r.record.mapRoles.length,
        mapUsers: r.record.mapUsers.length,
        mapAccounts: r.record.mapAccounts.length,
        warnings: r.record.warnings,
      };
    },
  },
  {
    method: 'DELETE',
    url: '/entryway/v1/clusters/:name/aws-auth',
    operation: 'DeleteAwsAuth',
    kind: 'write',
    clusterScoped: true,
    run: async ({ ctx, params }) => ({ deleted: await deleteAwsAuth(ctx, params.name) }),
  },
  {
    method: 'GET',
    url: '/entryway/v1/clusters/:name/identity-mappings',
    operation: 'GetIdentityMappings',
    kind: 'read',
    clusterScoped: true,
    run: async ({ ctx, params, query }) => {
      const arn = singleQueryValue(query, 'arn');
      return { identityMappings: await getIdentityMappings(ctx, params.name ?? '', arn === undefined ? undefined : str(arn, 'arn', 2048)) };
    },
  },
  {
    method: 'POST',
    url: '/entryway/v1/clusters/:name/identity-mappings',
    operation: 'CreateIdentityMapping',
    kind: 'write',
    clusterScoped: true,
    run: async ({ ctx, params, body }) => {
      const arn = optionalStr(body.arn, 'arn', 2048);
      const account = optionalStr(body.account, 'account', 12);
      if ((arn === undefined) === (account === undefined)) throw eksError.invalidParameter('Give exactly one of arn (a role or user) or account.');
      const username = optionalStr(body.username, 'username', 256);
      const groups = body.groups === undefined || body.groups === null ? undefined : strList(body.groups, 'groups');
      if (account !== undefined && (username !== undefined || groups !== undefined)) throw eksError.invalidParameter('An account mapping takes no username or groups.');
      if (body.noDuplicateArns !== undefined && typeof body.noDuplicateArns !== 'boolean') throw eksError.invalidParameter('noDuplicateArns must be true or false.');
      const r = await createIdentityMapping(ctx, params.name ?? '', {
        ...(arn !== undefined ? { arn } : {}),
        ...(account !== undefined ? { account } : {}),
        ...(username !== undefined ? { username } : {}),
        ...(groups !== undefined ? { groups } : {}),
        noDuplicateArns: body.noDuplicateArns === true,
      });
      return { applied: !r.applied.unchanged, ignoredInApiMode: r.applied.ignored, warnings: r.applied.record.warnings };
    },
  },
  {
    method: 'DELETE',
    url: '/entryway/v1/clusters/:name/identity-mappings',
    operation: 'DeleteIdentityMapping',
    kind: 'write',
    clusterScoped: true,
    run: async ({ ctx, params, query }) => {
      const arn = singleQueryValue(query, 'arn');
      const account = singleQueryValue(query, 'account');
      if ((arn === undefined) === (account === undefined)) throw eksError.invalidParameter('Give exactly one of arn or account.');
      const all = singleQueryValue(query, 'all');
      if (all !== undefined && all !== 'true' && all !== 'false') throw eksError.invalidParameter('all must be true or false.');
      const r = await deleteIdentityMapping(ctx, params.name ?? '', {
        ...(arn !== undefined ? { arn: str(arn, 'arn', 2048) } : {}),
        ...(account !== undefined ? { account: str(account, 'account', 12) } : {}),
        all: all === 'true',
      });
      return { removed: r.removed, remainingWithArn: r.remaining, ignoredInApiMode: r.applied.ignored };
    },
  },
  {
    method: 'POST',
    url: '/entryway/v1/clusters/:name/can-i',
    operation: 'CanI',
    kind: 'read',
    clusterScoped: true,
    run: async ({ ctx, params, body, o }) => {
      const view = await loadCluster(ctx.tx, params.name);
      assertVisible(ctx, view);
      await o.indexes.settled();
      const principalArn = str(body.principalArn, 'principalArn', 2048);
      const sessionName = body.sessionName === undefined ? undefined : str(body.sessionName, 'sessionName', 64);
      return { ...canI(o.indexes, { cluster: view.record.name, principalArn, ...(sessionName ? { sessionName } : {}), attrs: attributesFromBody(body) }, ctx.now, { connectedSts: o.unheld?.connectedSts ?? false }) };
    },
  },
  {
    method: 'PUT',
    url: '/entryway/v1/ec2-instances/:instanceId',
    operation: 'PutEc2Instance',
    kind: 'write',
    clusterScoped: false,
    run: async ({ ctx, params, body }) => {
      const id = String(params.instanceId);
      if (!/^i-(\w{8}|\w{17})$/.test(id)) throw eksError.invalidParameter('instanceId must look like i-0123456789abcdef0.');
      const dns = str(body.privateDnsName, 'privateDnsName', 253);
      if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(dns)) throw eksError.invalidParameter('privateDnsName must be a DNS name such as ip-10-0-1-23.ec2.internal.');
      await ctx.tx.putEc2Instance({ instanceId: id, privateDnsName: dns, updatedAt: ctx.now });
      ctx.audit.resource = id;
      ctx.audit.after = { privateDnsName: dns };
      return { instanceId: id, privateDnsName: dns };
    },
  },
  {
    method: 'DELETE',
    url: '/entryway/v1/ec2-instances/:instanceId',
    operation: 'DeleteEc2Instance',
    kind: 'write',
    clusterScoped: false,
    run: async ({ ctx, params }) => {
      ctx.audit.resource = String(params.instanceId);
      if (!(await ctx.tx.deleteEc2Instance(String(params.instanceId)))) throw eksError.notFound(`No EC2 instance ${String(params.instanceId).slice(0, 64)} is registered.`);
      return {};
    },
  },
  {
    method: 'GET',
    url: '/entryway/v1/ec2-instances',
    operation: 'ListEc2Instances',
    kind: 'read',
    clusterScoped: false,
    run: async ({ ctx }) => ({ instances: await ctx.tx.listEc2Instances() }),
  },
  {
    method: 'POST',
    url: '/entryway/v1/accounts',
    operation: 'CreateAccount',
    kind: 'write',
    clusterScoped: false,
    run: async ({ ctx, body }) => {
      const accountId = body.accountId === undefined ? undefined : str(body.accountId, 'accountId', 12);
      if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw eksError.invalidParameter('accountId must be 12 digits.');
      if (accountId !== undefined && (await ctx.tx.getAccount(accountId))) throw eksError.inUse(`Account ${accountId} already exists.`);
      const c = await createAccount(ctx.tx, { ...(accountId ? { accountId } : {}), partition: ctx.partition, now: ctx.now });
      ctx.audit.resource = c.accountId;
      ctx.audit.after = { accountId: c.accountId, administrator: c.userArn, accessKeyId: c.accessKeyId };
      return { account: { accountId: c.accountId, administratorArn: c.userArn, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey } };
    },
  },
  {
    method: 'GET',
    url: '/entryway/v1/accounts',
    operation: 'ListAccounts',
    kind: 'read',
    clusterScoped: false,
    run: async ({ ctx }) => ({ accounts: await ctx.tx.listAccounts() }),
  },
  {
    method: 'GET',
    url: '/entryway/v1/clusters/:name/webhook-config',
    // Not a Get*: it carries the webhook bearer token, which read-only principals must not see.
    operation: 'ExportWebhookConfig',
    kind: 'read',
    clusterScoped: true,
    run: async ({ ctx, params, o }) => {
      const view = await loadCluster(ctx.tx, params.name);
      assertVisible(ctx, view);
      const w = o.webhookConfig();
      // Only providers Entryway accepts tokens for now, so kube-apiserver's config says the same.
      const providers = (await ctx.tx.listIdentityProviders(view.record.name)).filter((p) => providerAccepts(p, ctx.now));
      return {
        cluster: view.record.name,
        authenticateUrl: `${w.url}/clusters/${encodeURIComponent(view.record.name)}/authenticate`,
        authorizeUrl: `${w.url}/clusters/${encodeURIComponent(view.record.name)}/authorize`,
        ...(w.ca ? { certificateAuthorityData: Buffer.from(w.ca).toString('base64') } : {}),
        token: w.token,
        ...(w.oidcCa ? { identityProviderCa: w.oidcCa } : {}),
        identityProviders: providers.map((p) => ({
          name: p.name,
          issuerUrl: p.issuerUrl,
          clientId: p.clientId,
          usernameClaim: p.usernameClaim,
          usernamePrefix: p.usernamePrefix,
          groupsClaim: p.groupsClaim,
          groupsPrefix: p.groupsPrefix,
          requiredClaims: p.requiredClaims,
        })),
      };
    },
  },
  {
    method: 'PUT',
    url: '/entryway/v1/clusters/:name/settings',
    operation: 'UpdateClusterSettings',
    kind: 'write',
    clusterScoped: true,
    run: async ({ ctx, params, body }) => {
      const view = await loadClusterForWrite(ctx, params.name);
      const c = view.record;
      const before = { ...c.settings };
      if (body.lockoutProtection !== undefined) {
        if (typeof body.lockoutProtection !== 'boolean') throw eksError.invalidParameter('lockoutProtection must be true or false.');
        c.settings.lockoutProtection = body.lockoutProtection;
      }
      if (body.endpoint !== undefined) {
        if (body.endpoint === null) delete c.endpointOverride;
        else {
          const ep = str(body.endpoint, 'endpoint', 2048);
          if (!/^https:\/\//.test(ep)) throw eksError.invalidParameter('endpoint must be an https:// URL (the cluster\'s kube-apiserver).');
          const caData = body.certificateAuthorityData === undefined ? undefined : str(body.certificateAuthorityData, 'certificateAuthorityData', 65536);
          c.endpointOverride = { endpoint: ep, ...(caData ? { caData } : {}) };
        }
      }
      await ctx.tx.updateCluster(c);
      ctx.audit.clusterName = c.name;
      ctx.audit.resource = c.arn;
      ctx.audit.before = before;
      ctx.audit.after = { ...c.settings, ...(c.endpointOverride ? { endpoint: c.endpointOverride.endpoint } : {}) };
      return { cluster: c.name, settings: c.settings, ...(c.endpointOverride ? { endpoint: c.endpointOverride.endpoint } : {}) };
    },
  },
  {
    method: 'GET',
    url: '/entryway/v1/clusters/:name/settings',
    operation: 'GetClusterSettings',
    kind: 'read',
    clusterScoped: true,
    run: async ({ ctx, params }) => {
      const view = await loadCluster(ctx.tx, params.name);
      assertVisible(ctx, view);
      return { cluster: view.record.name, settings: view.record.settings, ...(view.record.endpointOverride ? { endpoint: view.record.endpointOverride.endpoint } : {}) };
    },
  },
  {
    method: 'GET',
    url: '/entryway/v1/clusters/:name/doctor',
    operation: 'Doctor',
    kind: 'read',
    clusterScoped: true,
    run: async ({ ctx, params, o, query }) => {
      const view = await loadCluster(ctx.tx, params.name);
      assertVisible(ctx, view);
      await o.indexes.settled();
      const slice = o.indexes.clusters.get(view.record.name);
      if (!slice) throw eksError.unavailable('The cluster is not loaded in this replica yet; retry.');
      const afterMs = unusedAfterFrom(query, o.unusedAfterMs ?? 90 * 86_400_000);
      const uses = o.lastUse ? await o.lastUse.lastUses(slice.name) : undefined;
      const unused = uses ? { afterMs, lastUsedAt: (kind: Parameters<typeof lastUseOf>[2], key: string) => lastUseOf(uses, slice.name, kind, key)?.lastUsedAt } : undefined;
      return {
        cluster: slice.name,
        authenticationMode: slice.mode(ctx.now),
        unusedAfterDays: Math.round(afterMs / 86_400_000),
        findings: diagnose(slice, o.indexes.credentials, ctx.now, { connectedSts: o.unheld?.connectedSts ?? false, ...(unused ? { unused } : {}) }),
      };
    },
  },
  {
    method: 'POST',
    url: '/entryway/v1/clusters/:name/migration/plan',
    operation: 'PlanAwsAuthMigration',
    kind: 'read',
    clusterScoped: true,
    run: async ({ ctx, params, body }) => {
      const yaml = body.yaml === undefined ? undefined : str(body.yaml, 'yaml', 1024 * 1024);
      return { ...(await planMigration(ctx.tx, ctx.caller, params.name, parseTarget(body.targetMode), ctx.now, yaml)) };
    },
  },
  {
    method: 'POST',
    url: '/entryway/v1/clusters/:name/migration/apply',
    operation: 'ApplyAwsAuthMigration',
    kind: 'steps',
    clusterScoped: true,
    run: async ({ ctx, params, body, o, req, caller }) => {
      const yaml = body.yaml === undefined ? undefined : str(body.yaml, 'yaml', 1024 * 1024);
      if (body.allowChanges !== undefined && typeof body.allowChanges !== 'boolean') throw eksError.invalidParameter('allowChanges must be true or false.');
      const r = await applyMigration({
        store: o.store,
        now: o.now,
        clusterName: String(params.name),
        target: parseTarget(body.targetMode),
        allowChanges: body.allowChanges === true,
        ...(yaml !== undefined ? { yaml } : {}),
        ctx: (tx) => ({ ...ctx, tx, now: o.now(), audit: { clusterName: null, resource: null } }),
        settled: () => o.indexes.settled(),
        // Each step commits with its own record, as one operation of the same path.
        onStep: async (tx, step) =>
          o.audit(
            auditEventOf(
              {
                requestId: req.id,
                sourceIp: req.ip,
                at: o.now(),
                service: 'entryway',
                operation: `ApplyAwsAuthMigration/${step.operation}`,
                caller,
                note: { clusterName: String(params.name), resource: step.resource, ...(step.after !== undefined ? { after: step.after } : {}) },
              },
              'Success',
            ),
            tx,
          ),
      });
      return { ...r };
    },
  },
  {
    // Every entry of a cluster with its associated policies in one read (the console's Access tab:
    // ListAccessEntries + DescribeAccessEntry + ListAssociatedAccessPolicies per entry otherwise).
    method: 'GET',
    url: '/entryway/v1/clusters/:name/access-entries',
    operation: 'ListAccessEntryDetails',
    kind: 'read',
    clusterScoped: true,
    run: async ({ ctx, params, query, o }) => {
      const view = await loadCluster(ctx.tx, params.name);
      assertVisible(ctx, view);
      // `?countOnly=true`: the number alone (the clusters list), without reading every entry.
      if (singleQueryValue(query, 'countOnly') === 'true') return { clusterName: view.record.name, count: await ctx.tx.countEntries(view.record.name) };
      const byPrincipal = new Map<string, Record<string, unknown>[]>();
      for (const a of await ctx.tx.listClusterAssociations(view.record.name)) {
        const list = byPrincipal.get(a.principalArn) ?? [];
        list.push(associatedPolicyShape(a));
        byPrincipal.set(a.principalArn, list);
      }
      const entries = await ctx.tx.listEntries(view.record.name);
      const uses = o.lastUse ? await o.lastUse.lastUses(view.record.name) : new Map();
      return {
        clusterName: view.record.name,
        accessEntries: entries.map((e) => ({
          ...accessEntryShape(e),
          associatedAccessPolicies: byPrincipal.get(e.principalArn) ?? [],
          ...lastUseShape(lastUseOf(uses, view.record.name, 'entry', e.principalArn)),
        })),
      };
    },
  },
  {
    // The access policy catalogue with its rules (EKS's ListAccessPolicies gives names and ARNs only).
    method: 'GET',
    url: '/entryway/v1/access-policies',
    operation: 'ListAccessPolicyRules',
    kind: 'read',
    clusterScoped: false,
    run: async ({ o }) => ({
      accessPolicies: allAccessPolicies().map((p) => ({
        name: p.name,
        arn: accessPolicyArn(p.name, o.partition),
        description: p.description,
        rules: p.rules,
        rulesDocumented: p.rulesDocumented,
        serviceLinkedRolesOnly: p.serviceLinkedRolesOnly,
        ...(p.allowedScopes ? { allowedScopes: p.allowedScopes } : {}),
        ...(p.mirrorsKubernetesClusterRole ? { mirrorsKubernetesClusterRole: p.mirrorsKubernetesClusterRole } : {}),
      })),
    }),
  },
  {
    method: 'GET',
    url: '/entryway/v1/audit',
    operation: 'ListAuditEvents',
    kind: 'read',
    clusterScoped: false,
    run: async ({ ctx, query, o }) => {
      const num = (k: string) => {
        const v = singleQueryValue(query, k);
        if (v === undefined || v === '') return undefined;
        if (!/^\d{1,16}$/.test(v)) throw eksError.invalidParameter(`${k} must be a non-negative integer.`);
        return Number(v);
      };
      const limit = num('limit') ?? 100;
      if (limit < 1 || limit > 1000) throw eksError.invalidParameter('limit must be between 1 and 1000.');
      const kind = singleQueryValue(query, 'kind');
      if (kind !== undefined && !['management', 'authentication', 'authorization'].includes(kind)) throw eksError.invalidParameter('kind must be management, authentication or authorization.');
      const order = singleQueryValue(query, 'order') ?? 'oldest';
      if (order !== 'oldest' && order !== 'newest') throw eksError.invalidParameter('order must be oldest or newest.');
      // `eks:AssociateAccessPolicy` and `AssociateAccessPolicy` both name the operation.
      const opFilter = singleQueryValue(query, 'operation');
      const [opService, opName] = opFilter?.includes(':') ? [opFilter.slice(0, opFilter.indexOf(':')), opFilter.slice(opFilter.indexOf(':') + 1)] : [undefined, opFilter];
      const service = singleQueryValue(query, 'service') ?? opService;
      const str = (k: string) => {
        const v = singleQueryValue(query, k);
        return v === undefined || v === '' ? undefined : v;
      };
      const q: AuditQuery = {
        limit,
        order,
        ...(str('cluster') !== undefined ? { clusterName: str('cluster') } : {}),
        ...(num('since') !== undefined ? { since: num('since') } : {}),
        ...(num('until') !== undefined ? { until: num('until') } : {}),
        ...(num('afterId') !== undefined ? { afterId: num('afterId') } : {}),
        ...(num('beforeId') !== undefined ? { beforeId: num('beforeId') } : {}),
        ...(str('principal') !== undefined ? { principalArn: str('principal') } : {}),
        ...(str('target') !== undefined ? { target: str('target') } : {}),
        ...(service ? { service } : {}),
        ...(opName ? { operation: opName } : {}),
        ...(kind ? { kind: kind as AuditEvent['kind'] } : {}),
      };
      const events = await ctx.tx.queryAudit(q);
      const last = events[events.length - 1];
      const more = events.length === limit && last?.id !== undefined;
      const recording = { decisionSampling: o.auditDecisions ?? 0, reads: o.auditReads ?? false };
      if (order === 'newest') return { events, recording, ...(more ? { nextBeforeId: last.id } : {}) };
      return { events, recording, ...(more ? { nextAfterId: last.id } : {}) };
    },
  },
];

export async function entrywayApiPlugin(app: FastifyInstance, o: EntrywayApiOptions): Promise<void> {
  for (const route of [...BUILTIN_ROUTES, ...EFFECTIVE_ACCESS_ROUTES]) {
    app.route({
      method: route.method,
      url: route.url,
      ...(route.bodyLimit ? { bodyLimit: route.bodyLimit } : {}),
      handler: (req, reply) =>
        handleManagementCall(req, reply, o, {
          service: 'entryway',
          operation: route.operation,
          kind: route.kind,
          authorization: (call) => ({
            action: `entryway:${route.operation}`,
            resource: route.clusterScoped ? `arn:${o.partition}:eks:${o.region}:${call.caller.accountId}:cluster/${call.params.name}` : '*',
          }),
          run: async (call, ctx) => {
            const out = await route.run({ ...call, ctx, o });
            return 'status' in out && typeof out.status === 'number' ? (out as { status: number; body: Record<string, unknown> }) : { status: 200, body: out };
          },
        }),
    });
  }
}
