/**
 * Fastify plugin for Entryway's own IAM and STS over the AWS query protocol: `POST /` with a form
 * body and `GET /?Action=…` (presigned, e.g. the GetCallerIdentity inside k8s-aws-v1 tokens).
 * The SigV4 credential scope's service picks the API (`iam` or `sts`); an action of the other API
 * is InvalidAction. Authentication is iam/authenticate; operations are iam/operations, each in one
 * store transaction; this file only decodes, routes and renders.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditNote } from '../clusters/context.js';
import { AwsError, isAwsError } from '../aws/errors.js';
import type { AuthResult } from '../iam/authenticate.js';
import { authenticateRequest, describeAuthFailure, queryAuthError } from '../iam/authenticate.js';
import type { RandomSource } from '../iam/ids.js';
import { Input } from '../iam/input.js';
import type { Operation, QueryService } from '../iam/operations.js';
import { API_VERSIONS, findOperation } from '../iam/operations.js';
import type { AuditEvent, Caller } from '../model/types.js';
import { rawRequestOf } from '../server/http.js';
import type { Store } from '../store/store.js';
import { StoreUnavailableError } from '../store/sql.js';
import { decodeParams, requestPairs } from './form.js';
import { NAMESPACES, errorJson, errorXml, successJson, successXml } from './xml.js';

export interface AwsQueryPluginOptions {
  store: Store;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  /**
   * The region Entryway presents itself as. Informational for now: IAM and STS accept whatever
   * region the client signed for (AWS's IAM signs for us-east-1, STS for any region).
   */
  region: string;
  /** Partition of ARNs Entryway's IAM creates (default `aws`). */
  partition?: string;
  /** Allowed clock skew of header-signed requests (default 5 minutes). */
  maxSkewMs?: number;
  /** Called once per request, after the response is decided; failures of the callback are swallowed. */
  onAudit?: (event: AuditEvent) => void | Promise<void>;
  /** For logs of unexpected failures. */
  onError?: (err: unknown, req: FastifyRequest) => void;
  random?: RandomSource;
}

const SECRET_KEYS = new Set(['secretaccesskey', 'sessiontoken', 'secret', 'password']);

/** Defence in depth: nothing named like a secret reaches the audit trail. */
export function scrubSecrets(v: unknown, depth = 0): unknown {
  if (depth > 20 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => scrubSecrets(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!SECRET_KEYS.has(k.toLowerCase())) out[k] = scrubSecrets(x, depth + 1);
  return out;
}

const wantsJson = (accept: string | undefined): boolean => /\bapplication\/json\b/i.test(accept ?? '');

/**
 * Register with `app.register(awsQueryPlugin, opts)` so its error handler stays encapsulated to
 * these routes. Serves `POST /` and `GET /`.
 */
export async function awsQueryPlugin(app: FastifyInstance, opts: AwsQueryPluginOptions): Promise<void> {
  const now = opts.now ?? Date.now;

  function send(reply: FastifyReply, req: FastifyRequest, service: QueryService, body: { ok: true; action: string; result: unknown } | { ok: false; error: AwsError }) {
    const json = wantsJson(req.headers.accept);
    if (body.ok) {
      const result = body.result as Parameters<typeof successXml>[2];
      return reply
        .code(200)
        .type(json ? 'application/json' : 'text/xml')
        .send(json ? successJson(body.action, result, req.id) : successXml(body.action, NAMESPACES[service], result, req.id));
    }
    for (const [k, v] of Object.entries(body.error.headers)) reply.header(k, v);
    return reply
      .code(body.error.status)
      .type(json ? 'application/json' : 'text/xml')
      .send(json ? errorJson(body.error, req.id) : errorXml(body.error, NAMESPACES[service], req.id));
  }

  async function audit(event: AuditEvent): Promise<void> {
    if (!opts.onAudit) return;
    try {
      await opts.onAudit({ ...event, before: scrubSecrets(event.before), after: scrubSecrets(event.after) });
    } catch {
      // Auditing must not turn a completed call into a failure.
    }
  }

  function toAwsError(err: unknown, req: FastifyRequest): AwsError {
    if (isAwsError(err)) return err;
    if (err instanceof StoreUnavailableError) return new AwsError('ServiceUnavailable', 503, 'Service is unable to handle request.');
    opts.onError?.(err, req);
    return new AwsError('InternalFailure', 500, 'The request processing has failed because of an unknown error, exception or failure.');
  }

  async function handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const at = now();
    const raw = rawRequestOf(req);
    let service: QueryService = 'iam';
    let caller: Caller | undefined;
    let action = '-';
    const note: AuditNote = { clusterName: null, resource: null };
    let auth: AuthResult | undefined;
    let outcome: { ok: true; action: string; result: unknown } | { ok: false; error: AwsError };
    try {
      auth = await authenticateRequest(opts.store, raw, at, opts.maxSkewMs !== undefined ? { maxSkewMs: opts.maxSkewMs } : {});
      if (auth.service === 'sts') service = 'sts';
      if (!auth.ok) throw queryAuthError(auth.failure);
      if (auth.service !== 'iam' && auth.service !== 'sts') {
        throw new AwsError('SignatureDoesNotMatch', 403, `Credential should be scoped to correct service: 'iam' or 'sts', not '${auth.service}'.`);
      }
      caller = auth.caller;
      const decoded = decodeParams(requestPairs(raw.rawQuery, raw.body, raw.headers['content-type']));
      if (decoded.action === undefined || decoded.action === '') throw new AwsError('MissingAction', 400, 'Missing Action');
      action = decoded.action;
      const version = decoded.version ?? API_VERSIONS[service];
      const op: Operation | undefined = version === API_VERSIONS[service] ? findOperation(service, action) : undefined;
      if (!op) throw new AwsError('InvalidAction', 400, `Could not find operation ${action} for version ${version}`);
      const input = new Input(decoded.params);
      const c = caller;
      const run = (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) =>
        op.run(
          { tx, caller: c, now: at, audit: note, ...(opts.random ? { random: opts.random } : {}), ...(opts.partition ? { partition: opts.partition } : {}) },
          input,
        );
      const result = op.readOnly ? await opts.store.read(run) : await opts.store.transaction(run);
      outcome = { ok: true, action, result };
    } catch (err) {
      outcome = { ok: false, error: toAwsError(err, req) };
    }
    await send(reply, req, service, outcome);
    await audit({
      at,
      requestId: req.id,
      principalArn: caller?.arn ?? '-',
      accessKeyId: caller?.accessKeyId ?? (auth && !auth.ok ? (auth.accessKeyId ?? '-') : '-'),
      sourceIp: req.ip,
      service,
      operation: action,
      clusterName: null,
      resource: note.resource,
      result: outcome.ok ? 'Success' : outcome.error.code,
      ...(outcome.ok ? {} : { errorMessage: auth && !auth.ok ? `${outcome.error.message} (${describeAuthFailure(auth.failure)})` : outcome.error.message }),
      ...(outcome.ok && note.before !== undefined ? { before: note.before } : {}),
      ...(outcome.ok && note.after !== undefined ? { after: note.after } : {}),
      kind: 'management',
    });
  }

  // Body-limit and other framework errors on these routes answer in the protocol's own format.
  app.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500;
    const error =
      status === 413
        ? new AwsError('RequestEntityTooLarge', 413, 'Request body is too large.')
        : status === 429
          ? // The rate limiter's refusal, in the query protocol's code (IAM/STS SDKs retry `Throttling`).
            new AwsError('Throttling', 429, 'Rate exceeded', {}, 'Sender', err instanceof AwsError ? err.headers : { 'retry-after': '1' })
        : status >= 400 && status < 500
          ? new AwsError('MalformedQueryString', status, err.message)
          : toAwsError(err, req);
    return send(reply, req, 'iam', { ok: false, error });
  });

  app.post('/', handle);
  app.get('/', handle);
}
