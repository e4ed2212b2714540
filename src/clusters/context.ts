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
}
