/**
 * Fastify plugin for Entryway's own IAM and STS over the AWS query protocol: `POST /` with a form
 * body and `GET /?Action=…` (presigned, e.g. the GetCallerIdentity inside k8s-aws-v1 tokens).
 * The SigV4 credential scope's service picks the API (`iam` or `sts`); an action of the other API
 * is InvalidAction. Authentication is iam/authenticate; operations are iam/operations, each in one
 * store transaction; this file only decodes, routes and renders.
 */
import { queryError } from '../aws/error-tables.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { UnheldPrincipals } from '../ops/context.js';
import type { OperationRequest } from '../ops/operation.js';
import { runOperation } from '../ops/operation.js';
import { AwsError } from '../errors/aws-error.js';
import type { AuthResult } from '../iam/authenticate.js';
import { authenticateRequest, describeAuthFailure, queryAuthError } from '../iam/authenticate.js';
import type { RandomSource } from '../iam/ids.js';
import { Input } from '../iam/input.js';
import type { QueryService } from '../iam/operations.js';
import { API_VERSIONS, findOperation } from '../iam/operations.js';
import type { AuditEvent, Caller } from '../model/types.js';
import { rawRequestOf } from '../aws/raw-request.js';
import type { RawRequest } from '../sigv4/index.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../store/repo.js';
import { CFN_API_VERSION, findCfnOperation } from '../cloudformation/operations.js';
import type { StackExecutor } from '../cloudformation/executor.js';
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
  /**
   * Records the call: a successful write inside its transaction (`tx`), so the change and its record
   * commit together; everything else after the answer is decided (failures of the callback are then
   * swallowed).
   */
  onAudit?: (event: AuditEvent, tx?: Tx) => void | Promise<void>;
  /** Record successful read-only calls too (`serve --audit-reads`); failed calls always are. */
  auditReads?: boolean;
  /**
   * A web console session's caller for an unsigned request with the session cookie (IAM calls only;
   * throws the query error for a session that ended); undefined sends the request to SigV4.
   */
  sessionCaller?: (raw: RawRequest) => Promise<Caller | undefined>;
  /** Whether admins in accounts Entryway does not hold can authenticate (lock-out protection). */
  unheld?: UnheldPrincipals;
  /** For logs of unexpected failures. */
  onError?: (err: unknown, req: FastifyRequest) => void;
  random?: RandomSource;
  /**
   * CloudFormation (SigV4 service `cloudformation`): the executor that runs stack operations, and
   * how long a call that started one waits for it to finish before answering (the CLI's waiters
   * poll every 30 s, so a small stack is usually done when they first look). Absent: not served.
   */
  cloudformation?: { executor: Pick<StackExecutor, 'kick' | 'settle'>; settleMs: number };
}

/** A signed call for a service Entryway does not serve (`aws s3 ls` with a global AWS_ENDPOINT_URL). */
export function unsupportedService(service: string): AwsError {
  const shown = service.replace(/[^a-z0-9-]/gi, '').slice(0, 64);
  return new AwsError(
    'UnsupportedService',
    400,
    `The service '${shown}' is not supported by Entryway, which serves eks, iam, sts and cloudformation. Send only those to Entryway: export AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_CLOUDFORMATION (eval "$(entryway env)" does) instead of AWS_ENDPOINT_URL.`,
  );
}

/** The services this plugin answers (EKS is rest-json, elsewhere). */
export const SERVED_SERVICES = ['eks', 'iam', 'sts', 'cloudformation'];

const wantsJson = (accept: string | undefined): boolean => /\bapplication\/json\b/i.test(accept ?? '');

/**
 * Register with `app.register(awsQueryPlugin, opts)` so its error handler stays encapsulated to
 * these routes. Serves `POST /` and `GET /`.
 */
export async function awsQueryPlugin(app: FastifyInstance, opts: AwsQueryPluginOptions): Promise<void> {
  const now = opts.now ?? Date.now;

  function send(reply: FastifyReply, req: FastifyRequest, service: QueryService | 'cloudformation', body: { ok: true; action: string; result: unknown } | { ok: false; error: AwsError }) {
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

  const toAwsError = (err: unknown, req: FastifyRequest): AwsError => queryError(err, { onUnexpected: (e) => opts.onError?.(e, req) });
  const audit = async (event: AuditEvent, tx?: Tx): Promise<void> => {
    if (!opts.onAudit) return;
    if (tx) return void (await opts.onAudit(event, tx));
    try {
      await opts.onAudit(event);
    } catch {
      // Auditing a refusal must not turn the answer into a failure.
    }
  };

  async function handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const raw = rawRequestOf(req);
    let service: QueryService | 'cloudformation' = 'iam';
    // A console session counts as IAM (the console calls no STS action).
    let auth: AuthResult | { ok: true; caller: Caller; service: string } | undefined;
    const request: OperationRequest = {
      requestId: req.id,
      sourceIp: req.ip,
      at: now(),
      service,
      operation: '-',
      failureDetail: () => (auth && !auth.ok ? describeAuthFailure(auth.failure) : undefined),
      note: { clusterName: null, resource: null },
    };
    const deps = { store: opts.store, audit, auditReads: opts.auditReads ?? false, errors: (e: unknown) => toAwsError(e, req) };
    const started: string[] = [];
    // CloudFormation: regional like EKS, its own actions, operations handed to the executor.
    const cloudformationPlan = (caller: Caller, signedRegion: string) => {
      if (signedRegion !== opts.region) throw new AwsError('SignatureDoesNotMatch', 403, `Credential should be scoped to a valid region, not '${signedRegion.slice(0, 40)}'.`);
      request.caller = caller;
      const decoded = decodeParams(requestPairs(raw.rawQuery, raw.body, raw.headers['content-type']));
      if (decoded.action === undefined || decoded.action === '') throw new AwsError('MissingAction', 400, 'Missing Action');
      request.operation = decoded.action;
      const version = decoded.version ?? CFN_API_VERSION;
      const op = version === CFN_API_VERSION ? findCfnOperation(decoded.action) : undefined;
      if (!op) throw new AwsError('InvalidAction', 400, `Could not find operation ${decoded.action} for version ${version}`);
      const input = new Input(decoded.params);
      return {
        kind: op.readOnly ? ('read' as const) : ('write' as const),
        caller,
        run: (tx: Tx) => op.run({ tx, caller, now: request.at, region: opts.region, partition: opts.partition ?? 'aws', audit: request.note, started }, input),
      };
    };
    const outcome = await runOperation(deps, request, async () => {
      const viaSession = await opts.sessionCaller?.(raw);
      auth = viaSession
        ? { ok: true as const, caller: viaSession, service: 'iam' }
        : await authenticateRequest(opts.store, raw, request.at, opts.maxSkewMs !== undefined ? { maxSkewMs: opts.maxSkewMs } : {});
      if (auth.service === 'sts') request.service = service = 'sts';
      if (auth.service === 'cloudformation' && opts.cloudformation) request.service = service = 'cloudformation';
      if (!auth.ok && auth.accessKeyId) request.accessKeyId = auth.accessKeyId;
      // A service Entryway does not serve says so before anything else: the caller's shell most
      // likely sends every AWS service here (a global AWS_ENDPOINT_URL).
      if (auth.service !== undefined && !SERVED_SERVICES.includes(auth.service)) throw unsupportedService(auth.service);
      if (auth.service === 'cloudformation' && !opts.cloudformation) throw unsupportedService(auth.service);
      if (!auth.ok) throw queryAuthError(auth.failure);
      if (service === 'cloudformation') return cloudformationPlan(auth.caller, 'region' in auth ? auth.region : opts.region);
      if (auth.service !== 'iam' && auth.service !== 'sts') {
        throw new AwsError('SignatureDoesNotMatch', 403, `Credential should be scoped to correct service: 'iam' or 'sts', not '${auth.service}'.`);
      }
      const caller: Caller = auth.caller;
      request.caller = caller;
      const decoded = decodeParams(requestPairs(raw.rawQuery, raw.body, raw.headers['content-type']));
      if (decoded.action === undefined || decoded.action === '') throw new AwsError('MissingAction', 400, 'Missing Action');
      request.operation = decoded.action;
      const version = decoded.version ?? API_VERSIONS[service];
      const op = version === API_VERSIONS[service] ? findOperation(service, decoded.action) : undefined;
      if (!op) throw new AwsError('InvalidAction', 400, `Could not find operation ${decoded.action} for version ${version}`);
      const input = new Input(decoded.params);
      return {
        kind: op.readOnly ? 'read' : 'write',
        caller,
        run: (tx: Tx) =>
          op.run(
            { tx, caller, now: request.at, audit: request.note, ...(opts.unheld ? { unheld: opts.unheld } : {}), ...(opts.random ? { random: opts.random } : {}), ...(opts.partition ? { partition: opts.partition } : {}) },
            input,
          ),
      };
    });
    if (outcome.ok && started.length && opts.cloudformation) {
      const cfn = opts.cloudformation;
      for (const id of started) cfn.executor.kick(id);
      await Promise.all(started.map((id) => cfn.executor.settle(id, cfn.settleMs)));
    }
    await send(reply, req, service, outcome.ok ? { ok: true, action: request.operation, result: outcome.value } : { ok: false, error: outcome.error });
  }

  // Body-limit and other framework errors on these routes answer in the protocol's own format.
  app.setErrorHandler(async (err: Error, req, reply) => send(reply, req, 'iam', { ok: false, error: toAwsError(err, req) }));

  app.post('/', handle);
  app.get('/', handle);
}
