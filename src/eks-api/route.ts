/**
 * What an EKS route is: its method and path, IAM action and resource, and the operation it runs with
 * the plugin's SigV4 authentication, IAM authorization, idempotency, audit and errors. Every route of
 * the EKS API (clusters, access entries, policies, identity provider configs) is one of these,
 * registered by `eksApiPlugin`.
 */
import { eksError } from '../errors/aws-error.js';
import type { ManagementDeps, ParsedCall } from '../aws/management-call.js';
import type { OpContext } from '../ops/context.js';
import type { Caller } from '../model/types.js';
import type { ClusterEndpoint } from './shapes.js';

export interface EksApiOptions extends ManagementDeps {
  endpointFor: (clusterName: string) => ClusterEndpoint;
}

export interface EksCall extends ParsedCall {
  ctx: OpContext;
}

export interface EksRoute {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  operation: string;
  kind: 'read' | 'write';
  /** The IAM resource the call is authorized against. */
  resource: (call: Omit<EksCall, 'ctx'>, o: EksApiOptions) => string;
  context?: (call: Omit<EksCall, 'ctx'>) => Record<string, string | string[]>;
  /** The clientRequestToken makes this call idempotent. */
  idempotent?: boolean;
  run: (call: EksCall, o: EksApiOptions) => Promise<Record<string, unknown>>;
}

interface Env {
  partition: string;
  region: string;
}

/** The cluster as an IAM resource (`*` when the path names none). */
export const clusterResource = (c: { caller: Caller; params: Record<string, string> }, o: Env): string =>
  `arn:${o.partition}:eks:${o.region}:${c.caller.accountId}:cluster/${c.params.name ?? '*'}`;

/** A query parameter given at most once; EKS refuses repeats. */
export function queryString(q: Record<string, string | string[]>, key: string): string | undefined {
  const v = q[key];
  if (Array.isArray(v)) throw eksError.invalidParameter(`${key} may be given only once.`);
  return v;
}
