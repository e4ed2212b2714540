/**
 * Cluster rules: names, authentication-mode moves, update bookkeeping, the cluster ARN. Pure.
 * Asynchronous EKS updates are modelled as records with a completion time: an update is
 * InProgress until then and takes effect at that instant, so every replica and the in-memory
 * index agree on the effective state by reading the clock, with no background job required.
 */
import type { Partition } from '../arn/arn.js';
import { formatArn } from '../arn/arn.js';
import type { AuthenticationMode, ClusterRecord, UpdateRecord, UpdateStatus } from '../model/types.js';
import { AUTHENTICATION_MODES } from '../model/types.js';
import { showValue } from '../model/show.js';
import { eksMessages } from './messages.js';
import type { Checked } from './violation.js';
import { ok, violated } from './violation.js';

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;

/** True for a name EKS accepts; any other name cannot exist, so lookups need not reach the store. */
export function isValidClusterName(name: unknown): name is string {
  return typeof name === 'string' && name.length >= 1 && name.length <= 100 && CLUSTER_NAME.test(name);
}

export function checkClusterName(name: unknown): Checked<string> {
  return isValidClusterName(name)
    ? ok(name)
    : violated('cluster_name_invalid', 'The cluster name must be 1 to 100 characters, start with a letter or digit, and contain only letters, digits, hyphens and underscores.');
}

export function checkAuthenticationMode(input: unknown): Checked<AuthenticationMode> {
  if (typeof input !== 'string' || !(AUTHENTICATION_MODES as readonly string[]).includes(input)) {
    return violated('authentication_mode_invalid', `The authentication mode ${showValue(input)} is not valid. Valid values are ${AUTHENTICATION_MODES.join(', ')}.`);
  }
  return ok(input as AuthenticationMode);
}

const ALLOWED_MOVES: Record<AuthenticationMode, AuthenticationMode | undefined> = {
  CONFIG_MAP: 'API_AND_CONFIG_MAP',
  API_AND_CONFIG_MAP: 'API',
  API: undefined,
};

/** The one-way moves CONFIG_MAP → API_AND_CONFIG_MAP → API; anything else is EKS's error. */
export function checkModeMove(from: AuthenticationMode, to: AuthenticationMode): Checked<AuthenticationMode> {
  return ALLOWED_MOVES[from] === to ? ok(to) : violated('mode_move_unsupported', eksMessages.unsupportedModeUpdate(from, to), 'invalid_parameter', { from, to });
}

export function updateStatus(u: UpdateRecord, now: number): UpdateStatus {
  return now < u.completesAt ? 'InProgress' : u.finalStatus;
}

export interface EffectiveCluster {
  status: 'CREATING' | 'ACTIVE' | 'UPDATING';
  authenticationMode: AuthenticationMode;
  inProgress: UpdateRecord | undefined;
  /** Completed updates whose effect has not been written to the record yet. */
  due: UpdateRecord[];
}

/** The cluster as a client sees it at `now`, given its stored record and updates. */
export function effectiveCluster(c: ClusterRecord, updates: readonly UpdateRecord[], now: number): EffectiveCluster {
  let mode = c.authenticationMode;
  let inProgress: UpdateRecord | undefined;
  const due: UpdateRecord[] = [];
  for (const u of [...updates].sort((a, b) => a.completesAt - b.completesAt)) {
    if (u.applied) continue;
    if (now < u.completesAt) {
      inProgress ??= u;
      continue;
    }
    due.push(u);
    if (u.finalStatus === 'Successful' && typeof u.effect.authenticationMode === 'string') {
      mode = u.effect.authenticationMode as AuthenticationMode;
    }
  }
  const status = now < c.readyAt ? 'CREATING' : inProgress ? 'UPDATING' : 'ACTIVE';
  return { status, authenticationMode: mode, inProgress, due };
}

export function clusterArn(partition: string, region: string, accountId: string, name: string): string {
  return formatArn({ partition: partition as Partition, service: 'eks', region, accountId, resource: `cluster/${name}` });
}

/** The partition a region belongs to (its ARNs and STS hosts). */
export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}
