/**
 * The one path every state-changing operation takes, whatever its edge (EKS rest-json, IAM/STS
 * query, Entryway's API) or a background job: authenticate and parse (the edge's `plan`), authorize
 * and run inside the store transaction, audit inside that same transaction, and answer through the
 * edge's error table. A change and its audit record commit together or not at all. A call that
 * fails is recorded too — after its transaction rolled back, so it leaves exactly one record (its
 * error code) and no other trace. Reads are recorded when `auditReads` asks for it.
 */
import type { AuditEvent, Caller } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';
import type { AuditNote } from './context.js';

/** What an edge knows about a request before it is authenticated and parsed. */
export interface OperationRequest {
  requestId: string;
  sourceIp: string;
  /** Epoch milliseconds the operation runs at. */
  at: number;
  service: string;
  /** The operation's name once known (a query call learns it from its body); '-' before. */
  operation: string;
  /** The caller once authenticated, for the record of a call refused later. */
  caller?: Caller;
  /** The access key a refused signature named (never a secret). */
  accessKeyId?: string;
  /** The cluster named by the request path, when it is a valid name. */
  clusterName?: string | null;
  /** What a call refused before its operation said so acted on (from the request). */
  failureTarget?: () => string | null;
  /** Appended to the recorded message of a refusal, e.g. why a signature failed. */
  failureDetail?: () => string | undefined;
  /** What the operation records about itself (cluster, resource, before, after). */
  note: AuditNote;
}

/** What the edge hands the path once the caller is known and the input parsed. */
export interface OperationPlan<T> {
  /** write: one transaction, audited in it; read: a read snapshot; steps: `run` commits its own transactions, then the call is recorded. */
  kind: 'read' | 'write' | 'steps';
  caller: Caller;
  /** IAM authorization inside the call's transaction; throws to refuse. */
  authorize?: (tx: Tx) => Promise<void>;
  run: (tx: Tx) => Promise<T>;
  /** A result that is recorded as Rejected although it commits (a refused aws-auth document). */
  rejected?: (result: T) => string | undefined;
  /** A write that found nothing to change (a job with no work left): it commits no record. */
  unchanged?: (result: T) => boolean;
}

export interface OperationDeps<E extends { code: string; message: string }> {
  store: Store;
  /** Persists an event: inside `tx` when given, queued otherwise. */
  audit: (event: AuditEvent, tx?: Tx) => Promise<void>;
  /** The edge's error table: whatever was thrown, as the protocol's error. */
  errors: (err: unknown) => E;
  auditReads?: boolean;
}

export type OperationOutcome<T, E> = { ok: true; value: T } | { ok: false; error: E };

const SECRET_KEYS = new Set(['secretaccesskey', 'sessiontoken', 'secret', 'password']);

/** Defence in depth: nothing named like a secret reaches the audit trail. */
export function scrubSecrets(v: unknown, depth = 0): unknown {
  if (depth > 20 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => scrubSecrets(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!SECRET_KEYS.has(k.toLowerCase())) out[k] = scrubSecrets(x, depth + 1);
  return out;
}

/** The record of one operation; the only place a management audit event is built. */
export function auditEventOf(req: OperationRequest, result: string, errorMessage?: string): AuditEvent {
  const note = req.note;
  const failed = errorMessage !== undefined;
  const before = note.before !== undefined && (!failed || result === 'Rejected') ? scrubSecrets(note.before) : undefined;
  const after = note.after !== undefined && (!failed || result === 'Rejected') ? scrubSecrets(note.after) : undefined;
  return {
    at: req.at,
    kind: 'management',
    requestId: req.requestId,
    principalArn: req.caller?.arn ?? '-',
    accessKeyId: req.caller?.accessKeyId ?? req.accessKeyId ?? '-',
    sourceIp: req.sourceIp,
    service: req.service,
    operation: req.operation,
    clusterName: note.clusterName ?? req.clusterName ?? null,
    resource: note.resource ?? (failed && result !== 'Rejected' ? (req.failureTarget?.() ?? null) : null),
    result,
    ...(failed ? { errorMessage } : {}),
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

/**
 * Runs one operation. `plan` authenticates and parses (filling in `req.caller` and
 * `req.operation` as it learns them); anything it or the operation throws comes back through
 * `deps.errors` as `{ ok: false }`, recorded once. Never throws itself.
 */
export async function runOperation<T, E extends { code: string; message: string }>(
  deps: OperationDeps<E>,
  req: OperationRequest,
  plan: () => Promise<OperationPlan<T>>,
): Promise<OperationOutcome<T, E>> {
  const queued = (event: AuditEvent) => void deps.audit(event).catch(() => undefined);
  try {
    const p = await plan();
    req.caller = p.caller;
    const exec = async (tx: Tx) => {
      await p.authorize?.(tx);
      const value = await p.run(tx);
      if (p.kind === 'write' && !p.unchanged?.(value)) {
        const refused = p.rejected?.(value);
        await deps.audit(auditEventOf(req, refused === undefined ? 'Success' : 'Rejected', refused), tx);
      }
      return value;
    };
    const value = p.kind === 'write' ? await deps.store.transaction(exec) : await deps.store.read(exec);
    if (p.kind === 'steps' || (p.kind === 'read' && deps.auditReads)) queued(auditEventOf(req, 'Success'));
    return { ok: true, value };
  } catch (e) {
    const error = deps.errors(e);
    const detail = req.failureDetail?.();
    queued(auditEventOf(req, error.code, detail ? `${error.message} (${detail})` : error.message));
    return { ok: false, error };
  }
}

/**
 * The identity a background job acts as: a named system caller, so the audit trail says which job
 * changed what (`arn:aws:iam::000000000000:user/entryway-system/<job>`). Account 000000000000 is
 * reserved (iam/accounts.ts refuses to create it) and the caller has no keys, so no request can
 * authenticate as a job.
 */
export function systemCaller(job: string): Caller {
  const arn = `arn:aws:iam::000000000000:user/entryway-system/${job}`;
  return { accountId: '000000000000', arn, principalArn: arn, principalId: 'ENTRYWAYSYSTEM', accessKeyId: '-', kind: 'user', userName: job };
}
