import type { Caller } from '../model/types.js';
import type { Tx } from '../store/repo.js';

/** What a management operation records about itself for the audit trail. */
export interface AuditNote {
  clusterName: string | null;
  resource: string | null;
  before?: unknown;
  after?: unknown;
}

/** Everything an EKS operation needs besides its input. */
export interface OpContext {
  tx: Tx;
  caller: Caller;
  now: number;
  region: string;
  partition: string;
  /** How long asynchronous EKS updates (mode moves, OIDC association) stay InProgress. */
  updateDurationMs: number;
  /** How long a new cluster reports CREATING. */
  clusterCreateDurationMs: number;
  audit: AuditNote;
  /** Principals of accounts Entryway's IAM does not hold; absent: refused, as offline. */
  unheld?: UnheldPrincipals;
}

/**
 * Principals of accounts Entryway's IAM does not hold can authenticate only through a connected STS
 * (`serve --connected-sts`); offline their entries could never match a token. `accept`
 * (`serve --allow-unverifiable-principals`) takes them anyway, with a warning, for entries made
 * ahead of an account or of connecting STS.
 */
export interface UnheldPrincipals {
  connectedSts: boolean;
  accept: boolean;
}
