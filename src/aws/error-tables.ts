/**
 * One table per AWS protocol: whatever a call raised — an AWS error the domain chose, a rule
 * violation, a store failure, or one of Fastify's framework errors (body too large, rate limit,
 * unreadable request) — becomes exactly one client-facing AwsError here, and nowhere else.
 * rest-json (EKS and Entryway's own API) and query (IAM/STS) differ in codes, not in structure.
 * Kubernetes Status has its table in kube-api/errors.ts.
 */
import { AwsError, eksError } from '../errors/aws-error.js';
import { isRuleViolation } from '../rules/violation.js';
import { StoreConflictError, StoreUnavailableError } from '../store/sql.js';

export interface ErrorTableOptions {
  /** The body limit, for the message of a 413. */
  bodyLimit?: number;
  /** Told about failures that are nobody's input (they become 5xx and are logged). */
  onUnexpected?: (err: unknown) => void;
}

/** Fastify's own errors carry a 4xx statusCode; anything else is unexpected. */
function frameworkStatus(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : undefined;
}

const retryAfter = (err: unknown) => (err instanceof AwsError && err.headers['retry-after']) || '1';

export function restJsonError(err: unknown, o: ErrorTableOptions = {}): AwsError {
  if (err instanceof AwsError) return err;
  if (isRuleViolation(err)) return err.kind === 'invalid_request' ? eksError.invalidRequest(err.message) : eksError.invalidParameter(err.message);
  if (err instanceof StoreConflictError) return eksError.inUse('The resource was changed by a concurrent request; retry the call.');
  if (err instanceof StoreUnavailableError) return eksError.unavailable('The Entryway database is unavailable; the request was not applied. Retry later.');
  const status = frameworkStatus(err);
  if (status === 413) return new AwsError('RequestEntityTooLargeException', 413, `The request body is larger than the ${o.bodyLimit ?? 'configured'}-byte limit.`);
  if (status === 429) return eksError.throttling('Rate exceeded', Number(retryAfter(err)));
  // A path the router cannot even decode (invalid percent-encoding), before any route is chosen.
  if (status !== undefined && (err as { code?: string }).code === 'FST_ERR_BAD_URL') return eksError.badRequest((err as Error).message);
  if (status !== undefined) return new AwsError('SerializationException', status, (err as Error).message);
  o.onUnexpected?.(err);
  return eksError.server('Entryway hit an internal error. The request was not applied.');
}

export function queryError(err: unknown, o: ErrorTableOptions = {}): AwsError {
  // The shared rate limiter raises EKS's ThrottlingException; the query protocol says Throttling.
  if (err instanceof AwsError && err.status !== 429) return err;
  if (isRuleViolation(err)) return new AwsError('ValidationError', 400, err.message);
  // A unique-key race: two concurrent creates of one name both passed the existence check.
  if (err instanceof StoreConflictError) return new AwsError('EntityAlreadyExists', 409, 'The entity was created by a concurrent request.');
  if (err instanceof StoreUnavailableError) return new AwsError('ServiceUnavailable', 503, 'Service is unable to handle request.');
  const status = err instanceof AwsError ? err.status : frameworkStatus(err);
  if (status === 413) return new AwsError('RequestEntityTooLarge', 413, 'Request body is too large.');
  // IAM/STS SDKs retry `Throttling`.
  if (status === 429) return new AwsError('Throttling', 429, 'Rate exceeded', {}, 'Sender', { 'retry-after': retryAfter(err) });
  if (status !== undefined) return new AwsError('MalformedQueryString', status, (err as Error).message);
  o.onUnexpected?.(err);
  return new AwsError('InternalFailure', 500, 'The request processing has failed because of an unknown error, exception or failure.');
}
