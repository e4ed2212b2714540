/** Records → EKS API output shapes (botocore eks 2017-11-01). Timestamps are epoch seconds. */
import { effectiveCluster, updateStatus } from '../rules/cluster.js';
import type { AccessEntryRecord, AssociationRecord, ClusterRecord, UpdateRecord } from '../model/types.js';

export const epochSeconds = (ms: number): number => ms / 1000;

export interface ClusterEndpoint {
  endpoint: string;
  /** base64 of the PEM CA bundle clients should trust, when TLS is on. */
  caData?: string;
}

export function clusterShape(c: ClusterRecord, updates: readonly UpdateRecord[], now: number, endpoint: ClusterEndpoint, statusOverride?: string): Record<string, unknown> {
  const eff = effectiveCluster(c, updates, now);
  const spec = c.spec;
  const ep = c.endpointOverride ?? endpoint;
  return {
    name: c.name,
    arn: c.arn,
    createdAt: epochSeconds(c.createdAt),
    version: c.version,
    endpoint: ep.endpoint,
    roleArn: c.roleArn,
    resourcesVpcConfig: spec.resourcesVpcConfig,
    kubernetesNetworkConfig: spec.kubernetesNetworkConfig,
    logging: spec.logging,
    identity: { oidc: { issuer: `https://oidc.eks.${c.region}.amazonaws.com/id/${c.id.replace(/-/g, '').toUpperCase()}` } },
    status: statusOverride ?? eff.status,
    ...(ep.caData ? { certificateAuthority: { data: ep.caData } } : {}),
    ...(c.clientRequestToken ? { clientRequestToken: c.clientRequestToken } : {}),
    platformVersion: c.platformVersion,
    tags: c.tags,
    health: { issues: [] },
    accessConfig: {
      bootstrapClusterCreatorAdminPermissions: c.bootstrapClusterCreatorAdminPermissions,
      authenticationMode: eff.authenticationMode,
    },
    upgradePolicy: spec.upgradePolicy,
    deletionProtection: spec.deletionProtection === true,
  };
}

/**
 * Updates stored before Entryway JSON-encoded string-valued params (as EKS does) kept the bare
 * value; they are answered in EKS's form too.
 */
const JSON_STRING_PARAMS = new Set(['AuthenticationMode', 'UpgradePolicy']);
function jsonParam(p: { type: string; value: string }): { type: string; value: string } {
  return JSON_STRING_PARAMS.has(p.type) && !p.value.startsWith('"') ? { type: p.type, value: JSON.stringify(p.value) } : p;
}

export function updateShape(u: UpdateRecord, now: number): Record<string, unknown> {
  return {
    id: u.id,
    status: updateStatus(u, now),
    type: u.type,
    params: u.params.map(jsonParam),
    createdAt: epochSeconds(u.createdAt),
    errors: u.errors,
  };
}

export function accessEntryShape(e: AccessEntryRecord): Record<string, unknown> {
  return {
    clusterName: e.clusterName,
    principalArn: e.principalArn,
    kubernetesGroups: e.kubernetesGroups,
    accessEntryArn: e.accessEntryArn,
    createdAt: epochSeconds(e.createdAt),
    modifiedAt: epochSeconds(e.modifiedAt),
    tags: e.tags,
    username: e.username,
    type: e.type,
  };
}

export function associatedPolicyShape(a: AssociationRecord): Record<string, unknown> {
  return {
    policyArn: a.policyArn,
    accessScope: { type: a.scope.type, namespaces: [...a.scope.namespaces] },
    associatedAt: epochSeconds(a.associatedAt),
    modifiedAt: epochSeconds(a.modifiedAt),
  };
}
