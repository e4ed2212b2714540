/**
 * Resource providers: how a CloudFormation resource of each supported type is created, updated in
 * place, checked for stability and deleted — always through Entryway's own services (entries/,
 * clusters/, oidc/, and IAM's operation table), with the caller's IAM authorization for the EKS or
 * IAM action it stands for and one audit record per call, exactly as if the caller had made that
 * call. Inputs go through the EKS API's own botocore-shape reader, so a bad property fails with the
 * message `aws eks …` would print.
 */
import { randomBytes } from 'node:crypto';
import { readRestJsonInput } from '../aws/rest-json-input.js';
import { AwsError } from '../errors/aws-error.js';
import { clusterResource } from '../eks-api/route.js';
import { accessEntryResource, setResourceTags } from '../eks-api/plugin.js';
import type { ClusterEndpoint } from '../eks-api/shapes.js';
import { createCluster, deleteCluster, updateClusterConfig } from '../clusters/service.js';
import { loadCluster } from '../clusters/view.js';
import { associateAccessPolicy, createAccessEntry, deleteAccessEntry, disassociateAccessPolicy, updateAccessEntry } from '../entries/service.js';
import { associateIdentityProviderConfig, disassociateIdentityProviderConfig } from '../oidc/service.js';
import { providerStatus } from '../oidc/config.js';
import { findOperation } from '../iam/operations.js';
import { Input } from '../iam/input.js';
import type { Params } from '../iam/input.js';
import type { Shape } from '../iam/shapes.js';
import type { AuditNote, OpContext } from '../ops/context.js';
import { effectiveCluster, updateStatus } from '../rules/cluster.js';
import type { JsonValue } from '../model/stacks.js';
import type { Json, JsonObject } from './template/engine.js';

export type Props = { [k: string]: JsonValue };

export interface ProviderContext {
  /** The operation context of the step (tx, caller, clock, region…); each call gets its own audit note. */
  op: Omit<OpContext, 'audit'>;
  stackName: string;
  logicalId: string;
  endpointFor: (clusterName: string) => ClusterEndpoint;
  /** IAM authorization of the caller for an EKS action (IAM operations authorize themselves). */
  authorize: (action: string, resource: string, context?: Record<string, string | string[]>) => Promise<void>;
  /** Runs one EKS or IAM call and records it like the API call it is. */
  call: <T>(service: 'eks' | 'iam', operation: string, fn: (ctx: OpContext) => Promise<T>) => Promise<T>;
}

export interface Created {
  physicalId: string;
  attributes: Props;
  /** The resource is not stable yet (a cluster CREATING, an identity provider associating). */
  awaiting?: boolean;
}

export interface Provider {
  create(ctx: ProviderContext, props: Props): Promise<Created>;
  /** In place; returns the new attributes and whether to wait for stability. */
  update(ctx: ProviderContext, physicalId: string, before: Props, after: Props, attributes: Props): Promise<{ attributes: Props; awaiting?: boolean }>;
  /** Deleting what is already gone succeeds. */
  delete(ctx: ProviderContext, physicalId: string, props: Props): Promise<void>;
  /** undefined: stable; a string: failed with that reason; false: not yet. */
  stable?(ctx: ProviderContext, physicalId: string, props: Props, attributes: Props): Promise<true | false | string>;
}

// ------------------------------------------------------------------ helpers

const str = (v: JsonValue | undefined): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v));
const strings = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** CloudFormation's `[{Key, Value}]` as EKS's `{key: value}`. */
function tagMap(v: JsonValue | undefined): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new AwsError('ValidationError', 400, 'Tags must be a list of {Key, Value}');
  return Object.fromEntries(v.map((t) => {
    const o = t as Record<string, JsonValue>;
    return [String(o.Key), String(o.Value)];
  }));
}

/** PascalCase keys → camelCase, for EKS bodies (map values such as tags are left alone). */
function camel(v: JsonValue | undefined): unknown {
  if (Array.isArray(v)) return v.map(camel);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.charAt(0).toLowerCase() + k.slice(1), camel(x)]));
}

/** CloudFormation's generated physical names: `<stack>-<logical id>-<random>` within `max`. */
export function generatedName(stackName: string, logicalId: string, max: number): string {
  const suffix = Array.from(randomBytes(12), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[b % 36]).join('');
  return `${`${stackName}-${logicalId}`.slice(0, max - suffix.length - 1)}-${suffix}`;
}

const ignoreNotFound = async (fn: () => Promise<unknown>): Promise<void> => {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AwsError && (e.code === 'ResourceNotFoundException' || e.code === 'NoSuchEntity')) return;
    throw e;
  }
};

function accessEntryArnResource(ctx: ProviderContext, cluster: string, principalArn: string): string {
  return accessEntryResource({ caller: ctx.op.caller, params: { name: cluster, principalArn } }, ctx.op);
}

const clusterArn = (ctx: ProviderContext, name: string) => clusterResource({ caller: ctx.op.caller, params: { name } }, ctx.op);

/** Runs an IAM action of the operation table with the given parameters, as the query API would. */
async function iam(ctx: ProviderContext, action: string, params: Params): Promise<Shape | undefined> {
  const op = findOperation('iam', action);
  if (!op) throw new Error(`no IAM operation ${action}`);
  return ctx.call('iam', action, (c) => op.run(c, new Input(params)));
}

function iamTags(v: JsonValue | undefined): Array<{ Key: string; Value: string }> | undefined {
  const m = tagMap(v);
  return m ? Object.entries(m).map(([Key, Value]) => ({ Key, Value })) : undefined;
}

function policiesOf(v: JsonValue | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of Array.isArray(v) ? v : []) {
    const o = p as Record<string, JsonValue>;
    out.set(String(o.PolicyName), typeof o.PolicyDocument === 'string' ? o.PolicyDocument : JSON.stringify(o.PolicyDocument));
  }
  return out;
}

// ------------------------------------------------------------------ AWS::EKS::AccessEntry

interface PolicyAssociation {
  policyArn: string;
  accessScope: { type: string; namespaces?: string[] };
}

function associationsOf(v: JsonValue | undefined): PolicyAssociation[] {
  return (Array.isArray(v) ? v : []).map((p) => {
    const o = (p ?? {}) as Record<string, JsonValue>;
    const scope = (o.AccessScope ?? {}) as Record<string, JsonValue>;
    return {
      policyArn: String(o.PolicyArn ?? ''),
      accessScope: { type: String(scope.Type ?? ''), ...(scope.Namespaces !== undefined ? { namespaces: strings(scope.Namespaces) } : {}) },
    };
  });
}

async function associate(ctx: ProviderContext, cluster: string, principalArn: string, a: PolicyAssociation): Promise<void> {
  const input = readRestJsonInput<Parameters<typeof associateAccessPolicy>[1]>('AssociateAccessPolicy', { params: { name: cluster, principalArn }, query: {}, body: { policyArn: a.policyArn, accessScope: a.accessScope } });
  await ctx.authorize('eks:AssociateAccessPolicy', accessEntryArnResource(ctx, cluster, principalArn), {
    'eks:principalArn': principalArn,
    'eks:policyArn': a.policyArn,
    'eks:accessScope': a.accessScope.type,
    ...(a.accessScope.namespaces ? { 'eks:namespaces': a.accessScope.namespaces } : {}),
  });
  await ctx.call('eks', 'AssociateAccessPolicy', (c) => associateAccessPolicy(c, input));
}

async function disassociate(ctx: ProviderContext, cluster: string, principalArn: string, policyArn: string): Promise<void> {
  const input = readRestJsonInput<Parameters<typeof disassociateAccessPolicy>[1]>('DisassociateAccessPolicy', { params: { name: cluster, principalArn, policyArn }, query: {}, body: {} });
  await ctx.authorize('eks:DisassociateAccessPolicy', accessEntryArnResource(ctx, cluster, principalArn), { 'eks:principalArn': principalArn, 'eks:policyArn': policyArn });
  await ctx.call('eks', 'DisassociateAccessPolicy', (c) => disassociateAccessPolicy(c, input));
}

const accessEntry: Provider = {
  async create(ctx, p) {
    const cluster = String(p.ClusterName);
    const principalArn = String(p.PrincipalArn);
    const body = { principalArn, type: p.Type, username: p.Username, kubernetesGroups: p.KubernetesGroups, tags: tagMap(p.Tags) };
    const input = readRestJsonInput<Parameters<typeof createAccessEntry>[1]>('CreateAccessEntry', { params: { name: cluster }, query: {}, body: JSON.parse(JSON.stringify(body)) as Record<string, unknown> });
    await ctx.authorize('eks:CreateAccessEntry', accessEntryArnResource(ctx, cluster, principalArn), {
      'eks:principalArn': principalArn,
      'eks:accessEntryType': input.type ?? 'STANDARD',
      ...(input.username !== undefined ? { 'eks:username': input.username } : {}),
      ...(input.kubernetesGroups !== undefined ? { 'eks:kubernetesGroups': input.kubernetesGroups } : {}),
    });
    const entry = await ctx.call('eks', 'CreateAccessEntry', (c) => createAccessEntry(c, input));
    for (const a of associationsOf(p.AccessPolicies)) await associate(ctx, cluster, principalArn, a);
    return { physicalId: `${principalArn}|${cluster}`, attributes: { AccessEntryArn: entry.accessEntryArn } };
  },
  async update(ctx, _id, before, after, attributes) {
    const cluster = String(after.ClusterName);
    const principalArn = String(after.PrincipalArn);
    if (!same(before.Username, after.Username) || !same(before.KubernetesGroups, after.KubernetesGroups)) {
      const body = { ...(after.Username !== undefined ? { username: after.Username } : {}), kubernetesGroups: after.KubernetesGroups ?? [] };
      const input = readRestJsonInput<Parameters<typeof updateAccessEntry>[1]>('UpdateAccessEntry', { params: { name: cluster, principalArn }, query: {}, body });
      await ctx.authorize('eks:UpdateAccessEntry', accessEntryArnResource(ctx, cluster, principalArn), {
        'eks:principalArn': principalArn,
        ...(input.username !== undefined ? { 'eks:username': input.username } : {}),
        ...(input.kubernetesGroups !== undefined ? { 'eks:kubernetesGroups': input.kubernetesGroups } : {}),
      });
      await ctx.call('eks', 'UpdateAccessEntry', (c) => updateAccessEntry(c, input));
    }
    const was = new Map(associationsOf(before.AccessPolicies).map((a) => [a.policyArn, a]));
    const now = new Map(associationsOf(after.AccessPolicies).map((a) => [a.policyArn, a]));
    // New and changed scopes first, removals last: the entry is never left with less than both.
    for (const [arn, a] of now) if (!same(was.get(arn), a)) await associate(ctx, cluster, principalArn, a);
    for (const arn of was.keys()) if (!now.has(arn)) await disassociate(ctx, cluster, principalArn, arn);
    if (!same(before.Tags, after.Tags)) await retag(ctx, String(attributes.AccessEntryArn), after.Tags);
    return { attributes };
  },
  async delete(ctx, id, p) {
    const cluster = String(p.ClusterName ?? id.split('|')[1]);
    const principalArn = String(p.PrincipalArn ?? id.split('|')[0]);
    await ignoreNotFound(async () => {
      const input = readRestJsonInput<Parameters<typeof deleteAccessEntry>[1]>('DeleteAccessEntry', { params: { name: cluster, principalArn }, query: {}, body: {} });
      await ctx.authorize('eks:DeleteAccessEntry', accessEntryArnResource(ctx, cluster, principalArn), { 'eks:principalArn': principalArn });
      await ctx.call('eks', 'DeleteAccessEntry', (c) => deleteAccessEntry(c, input));
    });
  },
};

async function retag(ctx: ProviderContext, arn: string, tags: JsonValue | undefined): Promise<void> {
  await ctx.authorize('eks:TagResource', arn);
  await ctx.authorize('eks:UntagResource', arn);
  await ctx.call('eks', 'TagResource', (c) => setResourceTags(c, arn, tagMap(tags) ?? {}));
}

// ------------------------------------------------------------------ AWS::EKS::Cluster

function clusterAttributes(ctx: ProviderContext, name: string, record: { arn: string; id?: string; spec?: unknown }): Props {
  const ep = ctx.endpointFor(name);
  return {
    Arn: record.arn,
    Endpoint: ep.endpoint,
    CertificateAuthorityData: ep.caData ?? '',
    Id: record.id ?? '',
    ClusterSecurityGroupId: '',
    EncryptionConfigKeyArn: '',
    OpenIdConnectIssuerUrl: '',
    'KubernetesNetworkConfig.ServiceIpv6Cidr': '',
  };
}

const cluster: Provider = {
  async create(ctx, p) {
    const name = str(p.Name) ?? generatedName(ctx.stackName, ctx.logicalId, 100);
    const body: Record<string, unknown> = { name, roleArn: p.RoleArn, resourcesVpcConfig: camel(p.ResourcesVpcConfig), tags: tagMap(p.Tags) };
    for (const k of ['Version', 'AccessConfig', 'Logging', 'UpgradePolicy', 'KubernetesNetworkConfig', 'EncryptionConfig', 'DeletionProtection', 'BootstrapSelfManagedAddons']) {
      if (p[k] !== undefined) body[k.charAt(0).toLowerCase() + k.slice(1)] = camel(p[k]);
    }
    const input = readRestJsonInput<Parameters<typeof createCluster>[1]>('CreateCluster', { params: {}, query: {}, body: JSON.parse(JSON.stringify(body)) as Record<string, unknown> });
    await ctx.authorize('eks:CreateCluster', clusterArn(ctx, name), {
      'eks:authenticationMode': input.accessConfig?.authenticationMode ?? 'CONFIG_MAP',
      'eks:bootstrapClusterCreatorAdminPermissions': String(input.accessConfig?.bootstrapClusterCreatorAdminPermissions ?? true),
    });
    const { view } = await ctx.call('eks', 'CreateCluster', (c) => createCluster(c, input));
    return { physicalId: name, attributes: clusterAttributes(ctx, name, view.record), awaiting: true };
  },
  async update(ctx, name, before, after, attributes) {
    if (!same(before.Version, after.Version)) {
      throw new AwsError('InvalidParameterException', 400, 'Entryway does not upgrade Kubernetes versions: the Version property can only be set when the cluster is created.');
    }
    const beforeMode = (before.AccessConfig as Record<string, JsonValue> | undefined)?.AuthenticationMode ?? 'CONFIG_MAP';
    const afterMode = (after.AccessConfig as Record<string, JsonValue> | undefined)?.AuthenticationMode ?? 'CONFIG_MAP';
    const body: Record<string, unknown> = {};
    if (!same(beforeMode, afterMode)) body.accessConfig = { authenticationMode: afterMode };
    for (const k of ['ResourcesVpcConfig', 'Logging', 'UpgradePolicy', 'DeletionProtection']) {
      if (!same(before[k], after[k])) body[k.charAt(0).toLowerCase() + k.slice(1)] = camel(after[k]) ?? null;
    }
    let awaiting = false;
    // EKS takes one kind of change per UpdateClusterConfig call.
    for (const [k, v] of Object.entries(body)) {
      const input = readRestJsonInput<Parameters<typeof updateClusterConfig>[1]>('UpdateClusterConfig', { params: { name }, query: {}, body: { [k]: v } });
      await ctx.authorize('eks:UpdateClusterConfig', clusterArn(ctx, name), k === 'accessConfig' ? { 'eks:authenticationMode': String(afterMode) } : {});
      const u = await ctx.call('eks', 'UpdateClusterConfig', (c) => updateClusterConfig(c, { ...input, createOnly: [] }));
      attributes = { ...attributes, '.update': u.id };
      awaiting = true;
    }
    if (!same(before.Tags, after.Tags)) await retag(ctx, String(attributes.Arn), after.Tags);
    return { attributes, awaiting };
  },
  async delete(ctx, name) {
    await ignoreNotFound(async () => {
      const input = readRestJsonInput<Parameters<typeof deleteCluster>[1]>('DeleteCluster', { params: { name }, query: {}, body: {} });
      await ctx.authorize('eks:DeleteCluster', clusterArn(ctx, name));
      await ctx.call('eks', 'DeleteCluster', (c) => deleteCluster(c, input));
    });
  },
  async stable(ctx, name, _p, attributes) {
    const view = await loadCluster(ctx.op.tx, name);
    const eff = effectiveCluster(view.record, view.updates, ctx.op.now);
    const updateId = attributes['.update'];
    if (typeof updateId === 'string') {
      const u = view.updates.find((x) => x.id === updateId);
      if (u && updateStatus(u, ctx.op.now) === 'InProgress') return false;
      if (u && updateStatus(u, ctx.op.now) === 'Failed') return `The cluster update ${updateId} failed.`;
    }
    return eff.status === 'ACTIVE';
  },
};

// ------------------------------------------------------------------ AWS::EKS::IdentityProviderConfig

const identityProvider: Provider = {
  async create(ctx, p) {
    if (p.Type !== 'OIDC') throw new AwsError('InvalidParameterException', 400, `Type must be OIDC, not ${String(p.Type)}`);
    const clusterName = String(p.ClusterName);
    const name = str(p.IdentityProviderConfigName) ?? generatedName(ctx.stackName, ctx.logicalId, 100);
    const o = (p.Oidc ?? {}) as Record<string, JsonValue>;
    const requiredClaims = Array.isArray(o.RequiredClaims) ? Object.fromEntries(o.RequiredClaims.map((c) => [String((c as Record<string, JsonValue>).Key), String((c as Record<string, JsonValue>).Value)])) : undefined;
    const { RequiredClaims: _claims, ...rest } = o;
    const oidc = { ...(camel(rest) as Record<string, unknown>), identityProviderConfigName: name, ...(requiredClaims ? { requiredClaims } : {}) };
    const input = readRestJsonInput<Parameters<typeof associateIdentityProviderConfig>[1]>('AssociateIdentityProviderConfig', {
      params: { name: clusterName },
      query: {},
      body: JSON.parse(JSON.stringify({ oidc, tags: tagMap(p.Tags) })) as Record<string, unknown>,
    });
    await ctx.authorize('eks:AssociateIdentityProviderConfig', clusterArn(ctx, clusterName), {
      ...(input.oidc?.clientId !== undefined ? { 'eks:clientId': input.oidc.clientId } : {}),
      ...(input.oidc?.issuerUrl !== undefined ? { 'eks:issuerUrl': input.oidc.issuerUrl } : {}),
    });
    const { provider } = await ctx.call('eks', 'AssociateIdentityProviderConfig', (c) => associateIdentityProviderConfig(c, input));
    return { physicalId: `${name}|${clusterName}|OIDC`, attributes: { IdentityProviderConfigArn: provider.arn }, awaiting: true };
  },
  async update(ctx, _id, before, after, attributes) {
    if (!same(before.Tags, after.Tags)) await retag(ctx, String(attributes.IdentityProviderConfigArn), after.Tags);
    return { attributes };
  },
  async delete(ctx, id) {
    const [name, clusterName] = id.split('|') as [string, string];
    await ignoreNotFound(async () => {
      const input = readRestJsonInput<Parameters<typeof disassociateIdentityProviderConfig>[1]>('DisassociateIdentityProviderConfig', {
        params: { name: clusterName },
        query: {},
        body: { identityProviderConfig: { type: 'oidc', name } },
      });
      await ctx.authorize('eks:DisassociateIdentityProviderConfig', `arn:${ctx.op.partition}:eks:${ctx.op.region}:${ctx.op.caller.accountId}:identityproviderconfig/${clusterName}/oidc/${name}/*`);
      await ctx.call('eks', 'DisassociateIdentityProviderConfig', (c) => disassociateIdentityProviderConfig(c, input));
    });
  },
  async stable(ctx, id) {
    const [name, clusterName] = id.split('|') as [string, string];
    const p = await ctx.op.tx.getIdentityProvider(clusterName, name);
    return !p || providerStatus(p, ctx.op.now) !== 'CREATING';
  },
};

// ------------------------------------------------------------------ AWS::IAM::Role and AWS::IAM::User

function principalProvider(kind: 'Role' | 'User'): Provider {
  const nameKey = kind === 'Role' ? 'RoleName' : 'UserName';
  const syncPolicies = async (ctx: ProviderContext, name: string, before: Props, after: Props, withTags: boolean) => {
    const wasManaged = new Set(strings(before.ManagedPolicyArns));
    const nowManaged = new Set(strings(after.ManagedPolicyArns));
    for (const arn of nowManaged) if (!wasManaged.has(arn)) await iam(ctx, `Attach${kind}Policy`, { [nameKey]: name, PolicyArn: arn });
    for (const arn of wasManaged) if (!nowManaged.has(arn)) await iam(ctx, `Detach${kind}Policy`, { [nameKey]: name, PolicyArn: arn });
    const wasInline = policiesOf(before.Policies);
    const nowInline = policiesOf(after.Policies);
    for (const [pn, doc] of nowInline) if (wasInline.get(pn) !== doc) await iam(ctx, `Put${kind}Policy`, { [nameKey]: name, PolicyName: pn, PolicyDocument: doc });
    for (const pn of wasInline.keys()) if (!nowInline.has(pn)) await iam(ctx, `Delete${kind}Policy`, { [nameKey]: name, PolicyName: pn });
    if (kind === 'User') {
      const wasGroups = new Set(strings(before.Groups));
      const nowGroups = new Set(strings(after.Groups));
      for (const g of nowGroups) if (!wasGroups.has(g)) await iam(ctx, 'AddUserToGroup', { UserName: name, GroupName: g });
      for (const g of wasGroups) if (!nowGroups.has(g)) await iam(ctx, 'RemoveUserFromGroup', { UserName: name, GroupName: g });
    }
    if (!withTags) return;
    const wasTags = tagMap(before.Tags) ?? {};
    const nowTags = tagMap(after.Tags) ?? {};
    const removed = Object.keys(wasTags).filter((k) => !(k in nowTags));
    if (removed.length) await iam(ctx, `Untag${kind}`, { [nameKey]: name, TagKeys: removed });
    const changed = Object.entries(nowTags).filter(([k, v]) => wasTags[k] !== v);
    if (changed.length) await iam(ctx, `Tag${kind}`, { [nameKey]: name, Tags: changed.map(([Key, Value]) => ({ Key, Value })) });
  };
  const attributesOf = (shape: Shape | undefined): Props => {
    const r = (shape?.[kind] ?? {}) as Record<string, JsonValue>;
    return kind === 'Role' ? { Arn: String(r.Arn), RoleId: String(r.RoleId) } : { Arn: String(r.Arn) };
  };
  return {
    async create(ctx, p) {
      const name = str(p[nameKey]) ?? generatedName(ctx.stackName, ctx.logicalId, 64);
      const params: Params = { [nameKey]: name };
      if (p.Path !== undefined) params.Path = str(p.Path);
      if (kind === 'Role') {
        params.AssumeRolePolicyDocument = str(p.AssumeRolePolicyDocument);
        if (p.Description !== undefined) params.Description = str(p.Description);
        if (p.MaxSessionDuration !== undefined) params.MaxSessionDuration = str(p.MaxSessionDuration);
      }
      if (p.PermissionsBoundary !== undefined) params.PermissionsBoundary = str(p.PermissionsBoundary);
      const tags = iamTags(p.Tags);
      if (tags) params.Tags = tags;
      const created = await iam(ctx, `Create${kind}`, params);
      await syncPolicies(ctx, name, {}, p, false);
      return { physicalId: name, attributes: attributesOf(created) };
    },
    async update(ctx, name, before, after, attributes) {
      if (kind === 'Role') {
        if (!same(before.AssumeRolePolicyDocument, after.AssumeRolePolicyDocument)) await iam(ctx, 'UpdateAssumeRolePolicy', { RoleName: name, PolicyDocument: str(after.AssumeRolePolicyDocument) });
        if (!same(before.Description, after.Description) || !same(before.MaxSessionDuration, after.MaxSessionDuration)) {
          await iam(ctx, 'UpdateRole', { RoleName: name, Description: str(after.Description) ?? '', ...(after.MaxSessionDuration !== undefined ? { MaxSessionDuration: str(after.MaxSessionDuration) } : {}) });
        }
      }
      await syncPolicies(ctx, name, before, after, true);
      return { attributes };
    },
    async delete(ctx, name, p) {
      await ignoreNotFound(async () => {
        await syncPolicies(ctx, name, p, {}, false);
        await iam(ctx, `Delete${kind}`, { [nameKey]: name });
      });
    },
  };
}

// ------------------------------------------------------------------ AWS::IAM::AccessKey

const accessKey: Provider = {
  async create(ctx, p) {
    const created = await iam(ctx, 'CreateAccessKey', { UserName: String(p.UserName) });
    const k = (created?.AccessKey ?? {}) as Record<string, JsonValue>;
    const id = String(k.AccessKeyId);
    if (p.Status === 'Inactive') await iam(ctx, 'UpdateAccessKey', { UserName: String(p.UserName), AccessKeyId: id, Status: 'Inactive' });
    return { physicalId: id, attributes: { SecretAccessKey: String(k.SecretAccessKey) } };
  },
  async update(ctx, id, before, after, attributes) {
    if (!same(before.Status ?? 'Active', after.Status ?? 'Active')) await iam(ctx, 'UpdateAccessKey', { UserName: String(after.UserName), AccessKeyId: id, Status: String(after.Status ?? 'Active') });
    return { attributes };
  },
  async delete(ctx, id, p) {
    await ignoreNotFound(() => iam(ctx, 'DeleteAccessKey', { UserName: String(p.UserName), AccessKeyId: id }));
  },
};

export const PROVIDERS: Readonly<Record<string, Provider>> = {
  'AWS::EKS::AccessEntry': accessEntry,
  'AWS::EKS::Cluster': cluster,
  'AWS::EKS::IdentityProviderConfig': identityProvider,
  'AWS::IAM::Role': principalProvider('Role'),
  'AWS::IAM::User': principalProvider('User'),
  'AWS::IAM::AccessKey': accessKey,
};

/** The note a provider call records, made fresh per call. */
export const freshNote = (): AuditNote => ({ clusterName: null, resource: null });

export type { Json, JsonObject };
