/** What an IAM/STS operation needs besides its input, and the helpers every operation uses. */
import type { AuditNote, UnheldPrincipals } from '../ops/context.js';
import type { Caller } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import type { ContextValue } from './policy/index.js';
import { authorize } from './authorize.js';
import type { RandomSource } from './ids.js';
import { DEFAULT_PARTITION } from './names.js';

export interface IamContext {
  tx: Tx;
  caller: Caller;
  /** Epoch milliseconds. */
  now: number;
  audit: AuditNote;
  random?: RandomSource;
  /** Partition of new ARNs (default `aws`). */
  partition?: string;
  /** For lock-out protection: whether admins in accounts Entryway does not hold can authenticate. */
  unheld?: UnheldPrincipals;
}

export const partitionOf = (ctx: IamContext): string => ctx.partition ?? DEFAULT_PARTITION;

/** `iam:<Action>` / `sts:<Action>` on `resource` for the caller, or the service's AccessDenied. */
export function authorizeIam(ctx: IamContext, action: string, resource: string, context?: Record<string, ContextValue | undefined>): Promise<void> {
  return authorize(ctx.tx, ctx.caller, { action, resource, now: ctx.now, ...(context ? { context } : {}) });
}

/** IAM and STS print timestamps as ISO 8601 without milliseconds. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
