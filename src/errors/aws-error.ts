/**
 * An error a client sees, in AWS terms: the error type (code), HTTP status, message, and for
 * rest-json services optional extra members (EKS adds clusterName etc.). Protocol plugins render it:
 * rest-json as `x-amzn-ErrorType` + JSON `{message}`, the query protocol as an XML ErrorResponse.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly fields: Record<string, unknown> = {},
    /** Sender (client) or Receiver (server) fault, for the query protocol's <Type>. */
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
    /** Extra response headers, e.g. Retry-After for throttling. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const isAwsError = (e: unknown): e is AwsError => e instanceof AwsError;

/** EKS error types and statuses from the botocore model (eks 2017-11-01). */
export const eksError = {
  invalidParameter: (message: string, fields?: Record<string, unknown>) => new AwsError('InvalidParameterException', 400, message, fields),
  invalidRequest: (message: string, fields?: Record<string, unknown>) => new AwsError('InvalidRequestException', 400, message, fields),
  notFound: (message: string, fields?: Record<string, unknown>) => new AwsError('ResourceNotFoundException', 404, message, fields),
  inUse: (message: string, fields?: Record<string, unknown>) => new AwsError('ResourceInUseException', 409, message, fields),
  limitExceeded: (message: string, fields?: Record<string, unknown>) => new AwsError('ResourceLimitExceededException', 400, message, fields),
  client: (message: string) => new AwsError('ClientException', 400, message),
  server: (message: string) => new AwsError('ServerException', 500, message),
  unavailable: (message: string) => new AwsError('ServiceUnavailableException', 503, message),
  throttling: (message: string, retryAfterSeconds = 1) =>
    new AwsError('ThrottlingException', 429, message, {}, 'Sender', { 'retry-after': String(retryAfterSeconds) }),
  accessDenied: (message: string) => new AwsError('AccessDeniedException', 403, message),
  /** TagResource, UntagResource and ListTagsForResource use these two instead of the others. */
  badRequest: (message: string) => new AwsError('BadRequestException', 400, message),
  tagNotFound: (message: string) => new AwsError('NotFoundException', 404, message),
};
