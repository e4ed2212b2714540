/**
 * The EKS-compatible API (rest-json, SigV4 service `eks`): routes, request parsing, authorization,
 * idempotency, audit, and AWS-style errors. Operations themselves live in clusters/ and entries/.
 */
import { createHash } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AwsError, eksError } from '../errors/aws-error.js';
import { restJsonError } from '../aws/error-tables.js';
import { sendAwsError } from '../aws/rest-json.js';
import type { AuthorizationRequest } from '../aws/management-call.js';
import { handleManagementCall } from '../aws/management-call.js';
import { readRestJsonInput } from '../aws/rest-json-input.js';
import { validateTagKeys, validateTags } from '../rules/tags.js';
import { effectiveCluster, isValidClusterName } from '../rules/cluster.js';
import type { ClusterView } from '../clusters/view.js';
import { assertVisible, loadCluster } from '../clusters/view.js';
import { settleCluster } from '../clusters/jobs.js';
import {
  createCluster,
  deleteCluster,
  tagCluster,
  updateClusterConfig,
} from '../clusters/service.js';
import {
  associateAccessPolicy,
  createAccessEntry,
  deleteAccessEntry,
  describeAccessEntry,
  disassociateAccessPolicy,
  loadClusterWithEntries,
  updateAccessEntry,
} from '../entries/service.js';
import type { Caller } from '../model/types.js';
import { getAccessPolicy, listAccessPolicies } from '../policy/catalogue.js';
import { checkAcceptsPolicies, hasControlCharacters } from '../rules/entry.js';
import { must } from '../rules/violation.js';
import { decodeNextToken, page, parseMaxResults } from './pagination.js';
import type { AnyEksRoute, EksApiOptions, EksCall } from './route.js';
import { clusterResource, registered } from './route.js';
import { identityProviderRoutes } from './identity-provider-routes.js';
import { accessEntryShape, associatedPolicyShape, clusterShape, updateShape } from './shapes.js';

export type { AuthorizationRequest };
export type { EksApiOptions, EksCall, EksRoute } from './route.js';

const clusterArnOf = (c: { caller: Caller; params: Record<string, string> }, o: EksApiOptions) => clusterResource(c, o);

/** The access entry as an IAM resource (also what CloudFormation's AccessEntry steps authorize against). */
export function accessEntryResource(c: { caller: Caller; params: Record<string, string> }, o: { partition: string; region: string }): string {
  // access-entry/<cluster>/<role|user>/<account>/<name>/<uuid>: the UUID is not known before the
  // lookup, so policies are written against access-entry/<cluster>/* as AWS documents.
  const m = /^arn:[^:]+:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(c.params.principalArn ?? '');
  const tail = m ? `${m[2]}/${m[1]}/${m[3]}/*` : '*';
  return `arn:${o.partition}:eks:${o.region}:${c.caller.accountId}:access-entry/${c.params.name ?? '*'}/${tail}`;
}

/**
 * Read path: completed-but-unwritten updates (e.g. the creator entry of a mode move) are written
 * first, by the update sweeper's own operation (its caller and audit record), not the reader's.
 */
async function readView(call: EksCall, o: EksApiOptions): Promise<ClusterView> {
  const view = await loadCluster(call.ctx.tx, call.params.name);
  assertVisible(call.ctx, view);
  if (effectiveCluster(view.record, view.updates, call.ctx.now).due.length) {
    const settled = await settleCluster(o, view.record.name, call.ctx.now, `${call.req.id}-settle`);
    // The answer reads the clock either way; the sweeper retries the write.
    if (!settled.ok) call.req.log.warn({ cluster: view.record.name, error: settled.error }, 'could not settle completed updates');
    return loadCluster(call.ctx.tx, call.params.name);
  }
  return view;
}

const ROUTES: AnyEksRoute[] = [
  {
    method: 'POST',
    url: '/clusters',
    operation: 'CreateCluster',
    kind: 'write',
    idempotent: true,
    resource: (c, o) => `arn:${o.partition}:eks:${o.region}:${c.caller.accountId}:cluster/${c.input.name ?? '*'}`,
    context: (c) => ({
      'eks:authenticationMode': c.input.accessConfig?.authenticationMode ?? 'CONFIG_MAP',
      'eks:bootstrapClusterCreatorAdminPermissions': String(c.input.accessConfig?.bootstrapClusterCreatorAdminPermissions ?? true),
    }),
    run: async (c, o) => {
      const { view } = await createCluster(c.ctx, c.input);
      return { cluster: clusterShape(view.record, view.updates, c.ctx.now, o.endpointFor(view.record.name), 'CREATING') };
    },
  },
  {
    method: 'GET',
    url: '/clusters',
    operation: 'ListClusters',
    kind: 'read',
    resource: (c, o) => `arn:${o.partition}:eks:${o.region}:${c.caller.accountId}:cluster/*`,
    run: async (c) => {
      const limit = parseMaxResults(c.input.maxResults);
      const after = decodeNextToken('clusters', c.input.nextToken);
      const names = await c.ctx.tx.listClusterNames(c.caller.accountId, after, limit + 1);
      const p = page(names, limit, (n) => n, 'clusters');
      return { clusters: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
    },
  },
  {
    method: 'GET',
    url: '/clusters/:name',
    operation: 'DescribeCluster',
    kind: 'read',
    resource: clusterArnOf,
    run: async (c, o) => {
      const view = await readView(c, o);
      return { cluster: clusterShape(view.record, view.updates, c.ctx.now, o.endpointFor(view.record.name)) };
    },
  },
  {
    method: 'DELETE',
    url: '/clusters/:name',
    operation: 'DeleteCluster',
    kind: 'write',
    resource: clusterArnOf,
    run: async (c, o) => {
      const view = await deleteCluster(c.ctx, c.input);
      return { cluster: clusterShape(view.record, view.updates, c.ctx.now, o.endpointFor(view.record.name), 'DELETING') };
    },
  },
  {
    method: 'POST',
    url: '/clusters/:name/update-config',
    operation: 'UpdateClusterConfig',
    kind: 'write',
    idempotent: true,
    resource: clusterArnOf,
    context: (c): Record<string, string> => (c.input.accessConfig?.authenticationMode === undefined ? {} : { 'eks:authenticationMode': c.input.accessConfig.authenticationMode }),
    run: async (c) => {
      const raw = c.body.accessConfig;
      const createOnly = raw && typeof raw === 'object' && !Array.isArray(raw) && 'bootstrapClusterCreatorAdminPermissions' in raw ? ['bootstrapClusterCreatorAdminPermissions'] : [];
      return { update: updateShape(await updateClusterConfig(c.ctx, { ...c.input, createOnly }), c.ctx.now) };
    },
  },
  {
    method: 'GET',
    url: '/clusters/:name/updates',
    operation: 'ListUpdates',
    kind: 'read',
    resource: clusterArnOf,
    run: async (c, o) => {
      for (const k of ['nodegroupName', 'addonName', 'capabilityName'] as const) {
        if (c.input[k] !== undefined) throw eksError.notFound(`Entryway manages no ${k.replace('Name', '')}s.`);
      }
      const limit = parseMaxResults(c.input.maxResults);
      const after = decodeNextToken(`updates/${c.params.name}`, c.input.nextToken);
      const view = await readView(c, o);
      // Keyset on "createdAt:id" so concurrent inserts never shift pages.
      const keyed = view.updates.map((u) => ({ u, k: `${String(u.createdAt).padStart(15, '0')}:${u.id}` })).filter((x) => after === undefined || x.k > after);
      const p = page(keyed, limit, (x) => x.k, `updates/${c.params.name}`);
      return { updateIds: p.items.map((x) => x.u.id), ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
    },
  },
  {
    method: 'GET',
    url: '/clusters/:name/updates/:updateId',
    operation: 'DescribeUpdate',
    kind: 'read',
    resource: clusterArnOf,
    run: async (c, o) => {
      const view = await readView(c, o);
      const u = view.updates.find((x) => x.id === c.input.updateId);
      if (!u) throw eksError.notFound(`No update found for ID: ${c.input.updateId.slice(0, 128)}.`, { clusterName: view.record.name });
      return { update: updateShape(u, c.ctx.now) };
    },
  },
  {
    method: 'POST',
    url: '/tags/:resourceArn',
    operation: 'TagResource',
    kind: 'write',
    resource: (c) => c.params.resourceArn ?? '*',
    run: async (c) => {
      const tags = validateTags(c.input.tags, eksError.badRequest);
      await withTaggable(c, async (t) => t.set({ ...t.tags, ...tags }));
      return {};
    },
  },
  {
    method: 'DELETE',
    url: '/tags/:resourceArn',
    operation: 'UntagResource',
    kind: 'write',
    resource: (c) => c.params.resourceArn ?? '*',
    run: async (c) => {
      const keys = validateTagKeys(c.input.tagKeys, eksError.badRequest);
      await withTaggable(c, async (t) => t.set(Object.fromEntries(Object.entries(t.tags).filter(([k]) => !keys.includes(k)))));
      return {};
    },
  },
  {
    method: 'GET',
    url: '/tags/:resourceArn',
    operation: 'ListTagsForResource',
    kind: 'read',
    resource: (c) => c.params.resourceArn ?? '*',
    run: async (c) => {
      let tags: Record<string, string> = {};
      await withTaggable(c, async (t) => {
        tags = t.tags;
      });
      return { tags };
    },
  },
  {
    method: 'POST',
    url: '/clusters/:name/access-entries',
    operation: 'CreateAccessEntry',
    kind: 'write',
    idempotent: true,
    resource: (c, o) => accessEntryResource({ caller: c.caller, params: { ...c.params, principalArn: c.input.principalArn ?? '' } }, o),
    context: (c) => ({
      'eks:principalArn': c.input.principalArn ?? '',
      'eks:accessEntryType': c.input.type ?? 'STANDARD',
      ...(c.input.username !== undefined ? { 'eks:username': c.input.username } : {}),
      ...(c.input.kubernetesGroups !== undefined ? { 'eks:kubernetesGroups': c.input.kubernetesGroups } : {}),
    }),
    run: async (c) => ({ accessEntry: accessEntryShape(await createAccessEntry(c.ctx, c.input)) }),
  },
  {
    method: 'GET',
    url: '/clusters/:name/access-entries',
    operation: 'ListAccessEntries',
    kind: 'read',
    resource: clusterArnOf,
    run: async (c, o) => {
      const limit = parseMaxResults(c.input.maxResults);
      const policy = c.input.associatedPolicyArn;
      const list = `entries/${c.params.name}/${policy ?? ''}`;
      const after = decodeNextToken(list, c.input.nextToken);
      await readView(c, o);
      const view = await loadClusterWithEntries(c.ctx, c.params.name);
      // Associations store the catalogue ARN, so any partition's spelling finds them; an ARN that
      // names no access policy has no entries (and arbitrary bytes never reach the store).
      const known = policy ? getAccessPolicy(policy) : undefined;
      if (policy && !known) return { accessEntries: [] };
      const arns = await c.ctx.tx.listEntryArns(view.record.name, { after, limit: limit + 1, ...(known ? { associatedPolicyArn: known.arn } : {}) });
      const p = page(arns, limit, (a) => a, list);
      return { accessEntries: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
    },
  },
  {
    method: 'GET',
    url: '/clusters/:name/access-entries/:principalArn',
    operation: 'DescribeAccessEntry',
    kind: 'read',
    resource: accessEntryResource,
    run: async (c, o) => {
      await readView(c, o);
      return { accessEntry: accessEntryShape(await describeAccessEntry(c.ctx, c.input.clusterName, c.input.principalArn)) };
    },
  },
  {
    method: 'POST',
    url: '/clusters/:name/access-entries/:principalArn',
    operation: 'UpdateAccessEntry',
    kind: 'write',
    idempotent: true,
    resource: accessEntryResource,
    context: (c) => ({
      'eks:principalArn': c.input.principalArn,
      ...(c.input.username !== undefined ? { 'eks:username': c.input.username } : {}),
      ...(c.input.kubernetesGroups !== undefined ? { 'eks:kubernetesGroups': c.input.kubernetesGroups } : {}),
    }),
    run: async (c) => ({ accessEntry: accessEntryShape(await updateAccessEntry(c.ctx, c.input)) }),
  },
  {
    method: 'DELETE',
    url: '/clusters/:name/access-entries/:principalArn',
    operation: 'DeleteAccessEntry',
    kind: 'write',
    resource: accessEntryResource,
    context: (c) => ({ 'eks:principalArn': c.input.principalArn }),
    run: async (c) => {
      await deleteAccessEntry(c.ctx, c.input);
      return {};
    },
  },
  {
    method: 'POST',
    url: '/clusters/:name/access-entries/:principalArn/access-policies',
    operation: 'AssociateAccessPolicy',
    kind: 'write',
    resource: accessEntryResource,
    context: (c) => ({
      'eks:principalArn': c.input.principalArn,
      'eks:policyArn': c.input.policyArn ?? '',
      'eks:accessScope': c.input.accessScope?.type ?? '',
      ...(c.input.accessScope?.namespaces !== undefined ? { 'eks:namespaces': c.input.accessScope.namespaces } : {}),
    }),
    run: async (c) => {
      const { entry, association } = await associateAccessPolicy(c.ctx, c.input);
      return { clusterName: entry.clusterName, principalArn: entry.principalArn, associatedAccessPolicy: associatedPolicyShape(association) };
    },
  },
  {
    method: 'GET',
    url: '/clusters/:name/access-entries/:principalArn/access-policies',
    operation: 'ListAssociatedAccessPolicies',
    kind: 'read',
    resource: accessEntryResource,
    run: async (c, o) => {
      const limit = parseMaxResults(c.input.maxResults);
      const list = `associations/${c.params.name}/${c.params.principalArn}`;
      const after = decodeNextToken(list, c.input.nextToken);
      await readView(c, o);
      const entry = await describeAccessEntry(c.ctx, c.input.clusterName, c.input.principalArn);
      must(checkAcceptsPolicies(entry.type));
      const rows = await c.ctx.tx.listAssociations(entry.clusterName, entry.principalArn, { after, limit: limit + 1 });
      const p = page(rows, limit, (a) => a.policyArn, list);
      return {
        clusterName: entry.clusterName,
        principalArn: entry.principalArn,
        associatedAccessPolicies: p.items.map(associatedPolicyShape),
        ...(p.nextToken ? { nextToken: p.nextToken } : {}),
      };
    },
  },
  {
    method: 'DELETE',
    url: '/clusters/:name/access-entries/:principalArn/access-policies/:policyArn',
    operation: 'DisassociateAccessPolicy',
    kind: 'write',
    resource: accessEntryResource,
    context: (c) => ({ 'eks:principalArn': c.input.principalArn, 'eks:policyArn': c.input.policyArn }),
    run: async (c) => {
      await disassociateAccessPolicy(c.ctx, c.input);
      return {};
    },
  },
  {
    method: 'GET',
    url: '/access-policies',
    operation: 'ListAccessPolicies',
    kind: 'read',
    resource: () => '*',
    run: async (c) => {
      const limit = parseMaxResults(c.input.maxResults);
      const after = decodeNextToken('access-policies', c.input.nextToken);
      const all = listAccessPolicies().filter((p) => after === undefined || p.name > after);
      const p = page(all, limit, (x) => x.name, 'access-policies');
      return { accessPolicies: p.items.map((x) => ({ name: x.name, arn: x.arn })), ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
    },
  },
];

/** Tag operations accept cluster and access-entry ARNs (the taggable resources Entryway holds). */
/**
 * Sets an EKS resource's tags to exactly `tags` (CloudFormation's Tags property), with TagResource's
 * checks and audit note; the caller authorized eks:TagResource and eks:UntagResource.
 */
export async function setResourceTags(ctx: EksCall['ctx'], arn: string, tags: Record<string, string>): Promise<void> {
  const call = { params: { resourceArn: arn }, caller: ctx.caller, ctx } as unknown as EksCall;
  await withTaggable(call, (t) => t.set(tags));
}

async function withTaggable(c: EksCall, fn: (t: { tags: Record<string, string>; set: (tags: Record<string, string>) => Promise<void> }) => Promise<void>): Promise<void> {
  const arn = c.params.resourceArn ?? '';
  const m = /^arn:[^:]+:eks:[^:]+:(\d{12}):(cluster|access-entry|identityproviderconfig)\/([^/]+)(?:\/(role|user|oidc)\/(?:(\d{12})\/)?([^/]+)\/([0-9a-f-]+))?$/.exec(arn);
  const notFound = () => eksError.tagNotFound(`Resource ${arn.slice(0, 300)} not found.`);
  if (!m) throw eksError.badRequest(`The resource ARN ${arn.slice(0, 300)} is not a valid Amazon EKS resource ARN.`);
  const [, account, kind, clusterName] = m as unknown as [string, string, string, string];
  if (!isValidClusterName(clusterName)) throw notFound();
  if (account !== c.caller.accountId) throw notFound();
  const cluster = await c.ctx.tx.getCluster(clusterName, { forUpdate: true });
  if (!cluster || cluster.accountId !== c.caller.accountId) throw notFound();
  c.ctx.audit.clusterName = clusterName;
  c.ctx.audit.resource = arn;
  if (kind === 'cluster') {
    if (cluster.arn !== arn) throw notFound();
    await fn({
      tags: cluster.tags,
      set: async (tags) => {
        c.ctx.audit.before = { tags: cluster.tags };
        c.ctx.audit.after = { tags };
        if (Object.keys(tags).length > 50) throw eksError.badRequest('A resource can have at most 50 tags.');
        await tagCluster(c.ctx, { ...cluster, tags: {} }, tags);
      },
    });
    return;
  }
  if (kind === 'identityproviderconfig') {
    const provider = (await c.ctx.tx.listIdentityProviders(clusterName)).find((p) => p.arn === arn);
    if (!provider) throw notFound();
    await fn({
      tags: provider.tags,
      set: async (tags) => {
        if (Object.keys(tags).length > 50) throw eksError.badRequest('A resource can have at most 50 tags.');
        c.ctx.audit.before = { tags: provider.tags };
        c.ctx.audit.after = { tags };
        await c.ctx.tx.putIdentityProvider({ ...provider, tags });
      },
    });
    return;
  }
  const entries = await c.ctx.tx.listEntries(clusterName);
  const entry = entries.find((e) => e.accessEntryArn === arn);
  if (!entry) throw notFound();
  await fn({
    tags: entry.tags,
    set: async (tags) => {
      if (Object.keys(tags).length > 50) throw eksError.badRequest('A resource can have at most 50 tags.');
      c.ctx.audit.before = { tags: entry.tags };
      c.ctx.audit.after = { tags };
      await c.ctx.tx.updateEntry({ ...entry, tags });
    },
  });
}


/** JSON with object keys sorted, so the same request from another client (key order) hashes alike. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function requestHash(op: string, params: Record<string, string>, body: Record<string, unknown>): string {
  const { clientRequestToken: _t, ...rest } = body;
  return createHash('sha256').update(canonicalJson([op, params, rest])).digest('hex');
}

/** clientRequestToken: absent, or a string of 1–64 characters (a token that is not used is a lost retry). */
function clientRequestTokenOf(body: Record<string, unknown>): string | undefined {
  const t = body.clientRequestToken;
  if (t === undefined || t === null) return undefined;
  if (typeof t !== 'string' || t.length < 1 || t.length > 64 || hasControlCharacters(t)) {
    throw eksError.invalidParameter('clientRequestToken must be a string of 1 to 64 printable characters.');
  }
  return t;
}

/**
 * Errors raised before a route handler runs (body over the limit, malformed Content-Length, …)
 * in this plugin's AWS shape; the app-level handler does not reach encapsulated plugins.
 */
/** Every EKS route Entryway serves (its tests check them against botocore's model). */
export const eksRoutes = (): readonly AnyEksRoute[] => [...ROUTES, ...identityProviderRoutes];

export async function eksApiPlugin(app: FastifyInstance, o: EksApiOptions): Promise<void> {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    sendAwsError(reply, restJsonError(err, { bodyLimit: app.initialConfig.bodyLimit, onUnexpected: (e) => req.log.error({ err: e }, 'unhandled error in EKS API') }));
  });
  for (const route of eksRoutes().map(registered)) {
    app.route({
      method: route.method,
      url: route.url,
      handler: (req, reply) =>
        handleManagementCall(req, reply, o, {
          service: 'eks',
          operation: route.operation,
          kind: route.kind,
          read: (base) => readRestJsonInput(route.operation, base),
          authorization: (base) => ({ action: `eks:${route.operation}`, resource: route.resource(base, o), ...(route.context ? { context: route.context(base) } : {}) }),
          run: async (base, ctx) => {
            const r = route;
            const token = route.idempotent ? clientRequestTokenOf(base.body) : undefined;
            if (token === undefined) return { status: 200, body: await r.run({ ...base, ctx }, o) };
            // Encoded: the name is not validated yet, and the store must never see raw control bytes.
            const scope = `${route.operation}/${ctx.caller.accountId}/${encodeURIComponent(base.params.name ?? '')}`;
            const hash = requestHash(route.operation, base.params, base.body);
            const prior = await ctx.tx.getIdempotent(scope, token);
            if (prior) {
              if (prior.requestHash !== hash) throw eksError.invalidParameter('The clientRequestToken was already used for a request with different parameters.');
              return { status: 200, body: JSON.parse(prior.response) as Record<string, unknown> };
            }
            const out = await r.run({ ...base, ctx }, o);
            await ctx.tx.putIdempotent(scope, token, hash, JSON.stringify(out), ctx.now);
            return { status: 200, body: out };
          },
        }),
    });
  }
}

/** Unknown EKS paths: AWS answers UnknownOperationException (404). */
export function eksNotFoundHandler(req: FastifyRequest, reply: FastifyReply): void {
  sendAwsError(reply, new AwsError('UnknownOperationException', 404, `No EKS operation matches ${req.method} ${(req.raw.url ?? '').split('?')[0]?.slice(0, 200)}.`));
}
