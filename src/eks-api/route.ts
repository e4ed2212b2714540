/**
 * What an EKS route is: its method and path, IAM action and resource, and the operation it runs with
 * the plugin's SigV4 authentication, IAM authorization, idempotency, audit and errors. Every route of
 * the EKS API (clusters, access entries, policies, identity provider configs) is one of these,
 * registered by `eksApiPlugin`.
 */
import type { ManagementDeps, ParsedCall } from '../aws/management-call.js';
import type { OpContext } from '../ops/context.js';
import type { Caller } from '../model/types.js';
import type { EksInputs } from '../model/eks-inputs.generated.js';
import type { ClusterEndpoint } from './shapes.js';

export interface EksApiOptions extends ManagementDeps {
  endpointFor: (clusterName: string) => ClusterEndpoint;
}

/** A call with its typed input (`input`, read from the botocore shape of the operation). */
export interface EksCall<I = unknown> extends ParsedCall {
  ctx: OpContext;
  input: I;
}

export interface EksRoute<Op extends keyof EksInputs = keyof EksInputs> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  operation: Op;
  kind: 'read' | 'write';
  /** The IAM resource the call is authorized against. */
  resource: (call: Omit<EksCall<EksInputs[Op]>, 'ctx'>, o: EksApiOptions) => string;
  context?: (call: Omit<EksCall<EksInputs[Op]>, 'ctx'>) => Record<string, string | string[]>;
  /** The clientRequestToken makes this call idempotent. */
  idempotent?: boolean;
  run: (call: EksCall<EksInputs[Op]>, o: EksApiOptions) => Promise<Record<string, unknown>>;
}

/** Any one EKS route, typed by its operation. */
export type AnyEksRoute = { [Op in keyof EksInputs]: EksRoute<Op> }[keyof EksInputs];

/** A route as registration sees it: `input` is whatever the reader read from the route's own shape. */
export interface RegisteredRoute {
  method: EksRoute['method'];
  url: string;
  operation: keyof EksInputs;
  kind: EksRoute['kind'];
  idempotent?: boolean;
  resource: (call: Omit<EksCall, 'ctx'>, o: EksApiOptions) => string;
  context?: (call: Omit<EksCall, 'ctx'>) => Record<string, string | string[]>;
  run: (call: EksCall, o: EksApiOptions) => Promise<Record<string, unknown>>;
}

/** Erases a route's input type for registration; sound because `readRestJsonInput(route.operation)` produced it. */
export const registered = (r: AnyEksRoute): RegisteredRoute => r as unknown as RegisteredRoute;

interface Env {
  partition: string;
  region: string;
}

/** The cluster as an IAM resource (`*` when the path names none). */
export const clusterResource = (c: { caller: Caller; params: Record<string, string> }, o: Env): string =>
  `arn:${o.partition}:eks:${o.region}:${c.caller.accountId}:cluster/${c.params.name ?? '*'}`;
