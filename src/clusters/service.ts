/**
 * Cluster operations of the EKS API over one store transaction. Their rules live in
 * rules/cluster.ts, reading a cluster in view.ts, settling updates in updates.ts; serialisation to
 * API shapes lives in eks-api.
 */
import type { CreateClusterRequest, DeleteClusterRequest, UpdateClusterConfigRequest } from '../model/eks-inputs.generated.js';
import { randomUUID } from 'node:crypto';
import { eksError } from '../errors/aws-error.js';
import { validateTags } from '../rules/tags.js';
import { createCreatorEntry } from '../entries/creator.js';
import { assertModeMoveKeepsAdmin } from '../entries/lockout.js';
import { showValue } from '../model/show.js';
import type { ClusterRecord, UpdateRecord } from '../model/types.js';
import type { OpContext } from '../ops/context.js';
import { accessPolicyArn } from '../policy/catalogue.js';
import { CLUSTER_ADMIN_POLICY_NAME } from '../rules/admin.js';
import { checkAuthenticationMode, checkClusterName, checkModeMove, clusterArn, effectiveCluster } from '../rules/cluster.js';
import { eksMessages } from '../rules/messages.js';
import { must } from '../rules/violation.js';
import type { ClusterView } from './view.js';
import { loadClusterForWrite, settleUpdates } from './updates.js';

export const DEFAULT_KUBERNETES_VERSION = '1.32';
export const MAX_CLUSTERS_PER_ACCOUNT = 100;

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw eksError.invalidParameter(`${what} must be an object.`);
  return v as Record<string, unknown>;
}

function optionalBoolean(v: unknown, what: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw eksError.invalidParameter(`${what} must be a boolean.`);
  return v;
}

function stringList(v: unknown, what: string, max = 100): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.length > 1024) || v.length > max) {
    throw eksError.invalidParameter(`${what} must be a list of at most ${max} strings.`);
  }
  return v as string[];
}

const LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

/** Logging {clusterLogging: [{types: [LogType], enabled: boolean}]} (botocore Logging/LogSetup). */
function parseLogging(v: unknown): Record<string, unknown> {
  const lg = asObject(v, 'logging');
  if (lg.clusterLogging === undefined || lg.clusterLogging === null) return {};
  const bad = () => eksError.invalidParameter(`logging.clusterLogging must be a list of {types: [${LOG_TYPES.join(', ')}], enabled: true|false}.`);
  if (!Array.isArray(lg.clusterLogging) || lg.clusterLogging.length > LOG_TYPES.length) throw bad();
  const clusterLogging = lg.clusterLogging.map((setup: unknown) => {
    const o = asObject(setup, 'logging.clusterLogging[]');
    const types = stringList(o.types, 'logging.clusterLogging[].types', LOG_TYPES.length);
    if (types.some((t) => !LOG_TYPES.includes(t))) throw bad();
    const enabled = optionalBoolean(o.enabled, 'logging.clusterLogging[].enabled');
    return { types, ...(enabled === undefined ? {} : { enabled }) };
  });
  return { clusterLogging };
}

const ROLE_ARN = /^arn:[a-z-]+:iam::\d{12}:role\/[\x21-\x7e]{1,576}$/;

/** Short deterministic hex ids derived from the cluster id (vpc-…, sg-…) so Describe is stable. */
function derivedId(prefix: string, clusterId: string, salt: string): string {
  let h = 2166136261;
  for (const ch of clusterId + salt) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `${prefix}-${h.toString(16).padStart(8, '0')}${clusterId.replace(/-/g, '').slice(0, 9)}`;
}

export async function createCluster(ctx: OpContext, input: CreateClusterRequest): Promise<{ view: ClusterView; creatorEntry: boolean }> {
  const name = must(checkClusterName(input.name));
  if (typeof input.roleArn !== 'string' || !ROLE_ARN.test(input.roleArn)) {
    throw eksError.invalidParameter('roleArn must be the ARN of an IAM role (arn:aws:iam::<account>:role/<name>).');
  }
  const vpcIn = asObject(input.resourcesVpcConfig, 'resourcesVpcConfig');
  if (input.resourcesVpcConfig === undefined) throw eksError.invalidParameter('resourcesVpcConfig is required.');
  const version = input.version === undefined || input.version === null ? DEFAULT_KUBERNETES_VERSION : input.version;
  if (typeof version !== 'string' || !/^1\.\d{1,2}$/.test(version)) throw eksError.invalidParameter(`Unsupported Kubernetes version ${showValue(version)}.`);
  const access = asObject(input.accessConfig, 'accessConfig');
  const mode = access.authenticationMode === undefined ? 'CONFIG_MAP' : must(checkAuthenticationMode(access.authenticationMode));
  const bootstrap = optionalBoolean(access.bootstrapClusterCreatorAdminPermissions, 'accessConfig.bootstrapClusterCreatorAdminPermissions') ?? true;
  if (mode === 'CONFIG_MAP' && !bootstrap) throw eksError.invalidParameter(eksMessages.bootstrapRequiredForConfigMap);
  const tags = validateTags(input.tags, eksError.invalidParameter);
  const logging = parseLogging(input.logging);
  const knc = asObject(input.kubernetesNetworkConfig, 'kubernetesNetworkConfig');
  if (knc.serviceIpv4Cidr !== undefined && knc.serviceIpv4Cidr !== null && (typeof knc.serviceIpv4Cidr !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(knc.serviceIpv4Cidr))) {
    throw eksError.invalidParameter('kubernetesNetworkConfig.serviceIpv4Cidr must be an IPv4 CIDR block such as 10.100.0.0/16.');
  }
  if (knc.ipFamily !== undefined && knc.ipFamily !== null && knc.ipFamily !== 'ipv4' && knc.ipFamily !== 'ipv6') {
    throw eksError.invalidParameter('kubernetesNetworkConfig.ipFamily must be ipv4 or ipv6.');
  }
  const upgrade = asObject(input.upgradePolicy, 'upgradePolicy');
  if (upgrade.supportType !== undefined && upgrade.supportType !== null && upgrade.supportType !== 'STANDARD' && upgrade.supportType !== 'EXTENDED') {
    throw eksError.invalidParameter('upgradePolicy.supportType must be STANDARD or EXTENDED.');
  }
  const deletionProtection = optionalBoolean(input.deletionProtection, 'deletionProtection') ?? false;

  const existing = await ctx.tx.getCluster(name);
  if (existing) throw eksError.inUse(`Cluster already exists with name: ${name}`, { clusterName: name });
  if ((await ctx.tx.countClusters(ctx.caller.accountId)) >= MAX_CLUSTERS_PER_ACCOUNT) {
    throw eksError.limitExceeded(`Cluster limit exceeded for account ${ctx.caller.accountId}: ${MAX_CLUSTERS_PER_ACCOUNT} clusters.`);
  }

  const id = randomUUID();
  const spec: Record<string, unknown> = {
    resourcesVpcConfig: {
      subnetIds: stringList(vpcIn.subnetIds, 'resourcesVpcConfig.subnetIds'),
      securityGroupIds: stringList(vpcIn.securityGroupIds, 'resourcesVpcConfig.securityGroupIds'),
      clusterSecurityGroupId: derivedId('sg', id, 'sg'),
      vpcId: derivedId('vpc', id, 'vpc'),
      endpointPublicAccess: optionalBoolean(vpcIn.endpointPublicAccess, 'resourcesVpcConfig.endpointPublicAccess') ?? true,
      endpointPrivateAccess: optionalBoolean(vpcIn.endpointPrivateAccess, 'resourcesVpcConfig.endpointPrivateAccess') ?? false,
      publicAccessCidrs: vpcIn.publicAccessCidrs === undefined ? ['0.0.0.0/0'] : stringList(vpcIn.publicAccessCidrs, 'resourcesVpcConfig.publicAccessCidrs'),
    },
    kubernetesNetworkConfig: {
      serviceIpv4Cidr: typeof knc.serviceIpv4Cidr === 'string' ? knc.serviceIpv4Cidr : '10.100.0.0/16',
      ipFamily: knc.ipFamily === 'ipv6' ? 'ipv6' : 'ipv4',
      elasticLoadBalancing: { enabled: false },
    },
    logging: Object.keys(logging).length
      ? logging
      : { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false }] },
    upgradePolicy: { supportType: upgrade.supportType === 'STANDARD' ? 'STANDARD' : 'EXTENDED' },
    deletionProtection,
  };
  const record: ClusterRecord = {
    name,
    id,
    accountId: ctx.caller.accountId,
    region: ctx.region,
    arn: clusterArn(ctx.partition, ctx.region, ctx.caller.accountId, name),
    createdAt: ctx.now,
    readyAt: ctx.now + ctx.clusterCreateDurationMs,
    version,
    platformVersion: 'eks.1',
    roleArn: input.roleArn,
    spec,
    tags,
    ...(typeof input.clientRequestToken === 'string' ? { clientRequestToken: input.clientRequestToken } : {}),
    authenticationMode: mode,
    bootstrapClusterCreatorAdminPermissions: bootstrap,
    creator: {
      arn: ctx.caller.arn,
      principalArn: ctx.caller.principalArn,
      principalId: ctx.caller.principalId,
      accountId: ctx.caller.accountId,
    },
    hiddenCreatorAdmin: mode === 'CONFIG_MAP',
    settings: { lockoutProtection: true },
  };
  await ctx.tx.insertCluster(record);
  let creatorEntry = false;
  if (bootstrap && mode !== 'CONFIG_MAP') {
    await grantCreatorAdmin(ctx, record);
    creatorEntry = true;
  }
  ctx.audit.clusterName = name;
  ctx.audit.resource = record.arn;
  ctx.audit.after = { authenticationMode: mode, bootstrapClusterCreatorAdminPermissions: bootstrap, creator: record.creator.principalArn };
  return { view: { record, updates: [] }, creatorEntry };
}

/**
 * The cluster creator's admin access entry: STANDARD + AmazonEKSClusterAdminPolicy at cluster scope,
 * for the IAM principal behind the caller (the role, with its path, for an assumed-role session).
 */
async function grantCreatorAdmin(ctx: OpContext, cluster: ClusterRecord): Promise<void> {
  await createCreatorEntry(ctx, cluster, accessPolicyArn(CLUSTER_ADMIN_POLICY_NAME, ctx.partition));
}

export async function deleteCluster(ctx: OpContext, input: DeleteClusterRequest): Promise<ClusterView> {
  const view = await loadClusterForWrite(ctx, input.name);
  if (view.record.spec.deletionProtection === true) {
    throw eksError.invalidRequest(`Cannot delete cluster ${view.record.name} because deletion protection is enabled.`);
  }
  await ctx.tx.deleteCluster(view.record.name);
  ctx.audit.clusterName = view.record.name;
  ctx.audit.resource = view.record.arn;
  ctx.audit.before = { authenticationMode: view.record.authenticationMode };
  return view;
}

const UPDATE_KINDS = ['accessConfig', 'logging', 'resourcesVpcConfig', 'upgradePolicy', 'deletionProtection'] as const;
const UNSUPPORTED_KINDS = [
  'zonalShiftConfig',
  'computeConfig',
  'kubernetesNetworkConfig',
  'storageConfig',
  'remoteNetworkConfig',
  'controlPlaneScalingConfig',
] as const;

/**
 * UpdateClusterConfig's input, plus the create-only accessConfig members a client sent anyway
 * (they are not in the model's update shape, so the reader drops them; refusing them with a reason
 * beats ignoring them).
 */
export interface UpdateClusterConfigCommand extends UpdateClusterConfigRequest {
  createOnly?: string[];
}

export async function updateClusterConfig(ctx: OpContext, input: UpdateClusterConfigCommand): Promise<UpdateRecord> {
  const view = await loadClusterForWrite(ctx, input.name);
  const body = input;
  const c = view.record;
  const present = UPDATE_KINDS.filter((k) => body[k] !== undefined && body[k] !== null);
  const unsupported = UNSUPPORTED_KINDS.filter((k) => body[k] !== undefined && body[k] !== null);
  if (present.length + unsupported.length > 1) throw eksError.invalidParameter('Only one type of update can be allowed.');
  if (unsupported.length) throw eksError.invalidParameter(`Entryway does not manage ${unsupported[0]}; only ${UPDATE_KINDS.join(', ')} updates are supported.`);
  const kind = present[0];
  if (!kind) throw eksError.invalidParameter('No changes needed: the request contains no update.');

  let type: string;
  let params: { type: string; value: string }[];
  let effect: Record<string, unknown>;
  switch (kind) {
    case 'accessConfig': {
      const ac = asObject(body.accessConfig, 'accessConfig');
      if (input.createOnly?.length) throw eksError.invalidParameter(`${input.createOnly[0]} can only be set when the cluster is created.`);
      if (ac.authenticationMode === undefined) throw eksError.invalidParameter('No changes needed: accessConfig contains no authenticationMode.');
      const to = must(checkAuthenticationMode(ac.authenticationMode));
      type = 'AccessConfigUpdate';
      const eff = effectiveCluster(c, view.updates, ctx.now);
      if (eff.inProgress) throw eksError.inUse(eksMessages.updateInProgress(type, c.name, eff.inProgress.id), { clusterName: c.name });
      must(checkModeMove(eff.authenticationMode, to));
      await assertModeMoveKeepsAdmin(ctx.tx, view, to, ctx.unheld);
      // EKS writes every param value as JSON: the mode is the JSON string, quotes included (captured
      // from real EKS: "value": "\"API_AND_CONFIG_MAP\"").
      params = [{ type: 'AuthenticationMode', value: JSON.stringify(to) }];
      effect = { authenticationMode: to };
      break;
    }
    case 'logging': {
      const lg = parseLogging(body.logging);
      if (lg.clusterLogging === undefined) throw eksError.invalidParameter('No changes needed: logging contains no clusterLogging.');
      type = 'LoggingUpdate';
      params = [{ type: 'ClusterLogging', value: JSON.stringify(lg) }];
      effect = { spec: { logging: lg } };
      break;
    }
    case 'resourcesVpcConfig': {
      const vpc = asObject(body.resourcesVpcConfig, 'resourcesVpcConfig');
      const cur = (c.spec.resourcesVpcConfig ?? {}) as Record<string, unknown>;
      const next = { ...cur };
      params = [];
      for (const [k, ptype] of [
        ['endpointPublicAccess', 'EndpointPublicAccess'],
        ['endpointPrivateAccess', 'EndpointPrivateAccess'],
      ] as const) {
        const b = optionalBoolean(vpc[k], `resourcesVpcConfig.${k}`);
        if (b !== undefined) {
          next[k] = b;
          params.push({ type: ptype, value: String(b) });
        }
      }
      if (vpc.publicAccessCidrs !== undefined) {
        next.publicAccessCidrs = stringList(vpc.publicAccessCidrs, 'resourcesVpcConfig.publicAccessCidrs');
        params.push({ type: 'PublicAccessCidrs', value: JSON.stringify(next.publicAccessCidrs) });
      }
      for (const [k, ptype] of [
        ['subnetIds', 'Subnets'],
        ['securityGroupIds', 'SecurityGroups'],
      ] as const) {
        if (vpc[k] !== undefined) {
          next[k] = stringList(vpc[k], `resourcesVpcConfig.${k}`);
          params.push({ type: ptype, value: JSON.stringify(next[k]) });
        }
      }
      if (!params.length) throw eksError.invalidParameter('No changes needed: resourcesVpcConfig contains no change.');
      type = params.some((p) => p.type === 'Subnets' || p.type === 'SecurityGroups') ? 'VpcConfigUpdate' : 'EndpointAccessUpdate';
      effect = { spec: { resourcesVpcConfig: next } };
      break;
    }
    case 'upgradePolicy': {
      const up = asObject(body.upgradePolicy, 'upgradePolicy');
      if (up.supportType !== 'STANDARD' && up.supportType !== 'EXTENDED') throw eksError.invalidParameter('upgradePolicy.supportType must be STANDARD or EXTENDED.');
      type = 'UpgradePolicyUpdate';
      // UNCONFIRMED: no capture of this update's params; JSON like every other value (see AuthenticationMode).
      params = [{ type: 'UpgradePolicy', value: JSON.stringify(up.supportType) }];
      effect = { spec: { upgradePolicy: { supportType: up.supportType } } };
      break;
    }
    case 'deletionProtection': {
      const dp = optionalBoolean(body.deletionProtection, 'deletionProtection') as boolean;
      type = 'DeletionProtectionUpdate';
      params = [{ type: 'DeletionProtection', value: String(dp) }];
      effect = { spec: { deletionProtection: dp } };
      break;
    }
  }
  const eff = effectiveCluster(c, view.updates, ctx.now);
  if (eff.inProgress) throw eksError.inUse(eksMessages.updateInProgress(type, c.name, eff.inProgress.id), { clusterName: c.name });
  const update = await startUpdate(ctx, c, type, params, effect);
  ctx.audit.clusterName = c.name;
  ctx.audit.resource = c.arn;
  ctx.audit.before = kind === 'accessConfig' ? { authenticationMode: eff.authenticationMode } : { [kind]: c.spec[kind] };
  ctx.audit.after = kind === 'accessConfig' ? { authenticationMode: effect.authenticationMode, updateId: update.id } : { update: update.id, params };
  return update;
}

/** Records an asynchronous update that completes after the configured duration. */
export async function startUpdate(
  ctx: OpContext,
  c: ClusterRecord,
  type: string,
  params: { type: string; value: string }[],
  effect: Record<string, unknown>,
): Promise<UpdateRecord> {
  const update: UpdateRecord = {
    id: randomUUID(),
    clusterName: c.name,
    type,
    params,
    createdAt: ctx.now,
    completesAt: ctx.now + ctx.updateDurationMs,
    finalStatus: 'Successful',
    applied: false,
    errors: [],
    effect,
  };
  await ctx.tx.insertUpdate(update);
  if (ctx.updateDurationMs <= 0) {
    // Completes at once: write the effect in the same transaction.
    const view = { record: c, updates: [update] };
    await settleUpdates(ctx, view);
  }
  return update;
}

export async function tagCluster(ctx: OpContext, c: ClusterRecord, tags: Record<string, string>): Promise<void> {
  const merged = { ...c.tags, ...tags };
  if (Object.keys(merged).length > 50) throw eksError.badRequest('A resource can have at most 50 tags.');
  c.tags = merged;
  await ctx.tx.updateCluster(c);
}
