/**
 * The life of a management call, shared by the EKS API and Entryway's own API: authenticate
 * (SigV4, service `eks`), parse, authorize inside the call's transaction, run, audit (inside the
 * transaction for writes, so a change and its record commit together), and answer in rest-json —
 * errors included, whatever was thrown.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditNote, OpContext, UnheldPrincipals } from '../ops/context.js';
import { isValidClusterName } from '../rules/cluster.js';
import type { AuditEvent, Caller } from '../model/types.js';
import type { OperationRequest } from '../ops/operation.js';
import { runOperation } from '../ops/operation.js';
import type { RawRequest } from '../sigv4/index.js';
import { rawRequestOf } from './raw-request.js';
import type { Tx } from '../store/repo.js';
import type { Store } from '../store/store.js';
import { AwsError } from '../errors/aws-error.js';
import { restJsonError } from './error-tables.js';
import { parseJsonBody, parseQuery, sendAwsError } from './rest-json.js';

export interface AuthorizationRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export interface ManagementDeps {
  store: Store;
  region: string;
  partition: string;
  now: () => number;
  updateDurationMs: number;
  clusterCreateDurationMs: number;
  /** SigV4 authentication; throws an AwsError in rest-json terms. */
  authenticate: (raw: RawRequest) => Promise<{ caller: Caller; service: string }>;
  /** IAM policy evaluation; throws AccessDeniedException. */
  authorize: (tx: Tx, caller: Caller, req: AuthorizationRequest) => Promise<void>;
  /** Persists an audit event (inside the operation's transaction when `tx` is given). */
  audit: (event: AuditEvent, tx?: Tx) => Promise<void>;
  /** Record successful read-only calls too (`serve --audit-reads`); failed calls always are. */
  auditReads?: boolean;
  /** The fraction of review decisions audited (`serve --audit-decisions`), reported by the audit API. */
  auditDecisions?: number;
  /** How principals of accounts Entryway does not hold are treated (see UnheldPrincipals). */
  unheld?: UnheldPrincipals;
}

export interface ParsedCall {
  req: FastifyRequest;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  body: Record<string, unknown>;
  caller: Caller;
  /** The operation's typed input, from the protocol's reader (`CallSpec.read`); else undefined. */
  input: unknown;
}

export interface CallSpec {
  /** `eks` or `entryway`, for the audit trail. */
  service: string;
  operation: string;
  /** write: one transaction; read: a read snapshot; steps: the run commits its own transactions. */
  kind: 'read' | 'write' | 'steps';
  /** Reads the typed input once (rest-json-input.ts), before authorization sees the call. */
  read?: (call: ParsedCall) => unknown;
  authorization: (call: ParsedCall) => AuthorizationRequest;
  /** The body to answer, or a non-200 status and body (recorded as Rejected, committed). */
  run: (call: ParsedCall, ctx: OpContext) => Promise<{ status: number; body: Record<string, unknown> }>;
}

/** A path name as the audit trail may record it: names no cluster can have are left out. */
function auditableName(name: string | undefined): string | null {
  return name !== undefined && isValidClusterName(name) ? name : null;
}

/**
 * What a call acts on, from its request, for a call that failed before the operation said so
 * itself: the principal (and policy) of an entry call, or the cluster.
 */
function requestTarget(req: FastifyRequest): string | null {
  const params = (req.params ?? {}) as Record<string, string | undefined>;
  const body = (req.body && Buffer.isBuffer(req.body) ? safeJson(req.body) : undefined) ?? {};
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 2048 ? v : undefined);
  const principal = text(params.principalArn) ?? text(body.principalArn);
  const policy = text(params.policyArn) ?? text(body.policyArn);
  if (principal) return policy ? `${principal} ${policy}` : principal;
  return text(params.name) ?? text(body.name) ?? null;
}

function safeJson(b: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(b.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function handleManagementCall(req: FastifyRequest, reply: FastifyReply, d: ManagementDeps, spec: CallSpec): Promise<FastifyReply | string> {
  const started = d.now();
  const audit: AuditNote = { clusterName: null, resource: null };
  const request: OperationRequest = {
    requestId: req.id,
    sourceIp: req.ip,
    at: started,
    service: spec.service,
    operation: spec.operation,
    clusterName: auditableName((req.params as Record<string, string> | undefined)?.name),
    failureTarget: () => requestTarget(req),
    note: audit,
  };
  const deps = { store: d.store, audit: d.audit, auditReads: d.auditReads ?? false, errors: (e: unknown) => restJsonError(e, { onUnexpected: (x) => req.log.error({ err: x }, 'unhandled error') }) };
  const out = await runOperation(deps, request, async () => {
    const raw = rawRequestOf(req);
    const auth = await d.authenticate(raw);
    request.caller = auth.caller;
    if (auth.service !== 'eks') throw new AwsError('InvalidSignatureException', 403, `Credential should be scoped to correct service: 'eks'.`);
    const call: ParsedCall = {
      req,
      params: req.params as Record<string, string>,
      query: parseQuery(raw.rawQuery),
      body: req.method === 'POST' || req.method === 'PUT' ? parseJsonBody(raw.body) : {},
      caller: auth.caller,
      input: undefined,
    };
    if (spec.read) call.input = spec.read(call);
    const authz = spec.authorization(call);
    return {
      kind: spec.kind,
      caller: auth.caller,
      authorize: (tx: Tx) => d.authorize(tx, auth.caller, authz),
      run: (tx: Tx) => {
        const ctx: OpContext = {
          tx,
          caller: auth.caller,
          now: started,
          region: d.region,
          partition: d.partition,
          updateDurationMs: d.updateDurationMs,
          clusterCreateDurationMs: d.clusterCreateDurationMs,
          audit,
          ...(d.unheld ? { unheld: d.unheld } : {}),
        };
        return spec.run(call, ctx);
      },
      rejected: (r) => (r.status === 200 ? undefined : typeof r.body.message === 'string' ? r.body.message : 'Rejected'),
    };
  });
  if (!out.ok) return sendAwsError(reply, out.error);
  reply.code(out.value.status).header('content-type', 'application/json');
  if (out.value.status !== 200) reply.header('x-amzn-errortype', 'InvalidParameterException');
  return JSON.stringify(out.value.body);
}
