// Token failures. The webhook branches on the class: StsThrottlingError → 429, anything else → deny.
// Messages never contain the token or its URL (both are bearer credentials for 15 minutes).

export type TokenFormatCode =
  | 'too_large'
  | 'bad_prefix'
  | 'bad_base64'
  | 'bad_url'
  | 'bad_scheme'
  | 'bad_host'
  | 'bad_path'
  | 'bad_query'
  | 'duplicate_param'
  | 'param_not_allowed'
  | 'multiple_values'
  | 'bad_action'
  | 'unsigned_cluster_header'
  | 'bad_expires'
  | 'missing_date'
  | 'bad_date'
  | 'expired'
  | 'future_date';

export type TokenSignatureCode = 'signature_mismatch' | 'unverifiable_signature';

export type StsErrorCode =
  | 'sts_unreachable'
  | 'sts_timeout'
  | 'sts_read_failed'
  | 'sts_status'
  | 'sts_bad_response'
  | 'bad_arn'
  | 'malformed_user_id';

export type TokenErrorCode = TokenFormatCode | TokenSignatureCode | StsErrorCode | 'sts_throttled';

export abstract class TokenError extends Error {
  abstract readonly code: TokenErrorCode;
}

/** Upstream's FormatError: `input token was not properly formatted: <msg>`. */
export class TokenFormatError extends TokenError {
  override readonly name = 'TokenFormatError';
  constructor(
    readonly code: TokenFormatCode,
    detail: string,
  ) {
    super(`input token was not properly formatted: ${detail}`);
  }
}

/** Offline verification (Entryway's own keys) found the signature wrong or unusable. */
export class TokenSignatureError extends TokenError {
  override readonly name = 'TokenSignatureError';
  constructor(
    readonly code: TokenSignatureCode,
    detail: string,
  ) {
    super(`token signature verification failed: ${detail}`);
  }
}

/** Upstream's STSError: `sts getCallerIdentity failed: <msg>`. */
export class StsError extends TokenError {
  override readonly name = 'StsError';
  constructor(
    readonly code: StsErrorCode,
    detail: string,
    /** HTTP status from STS, when there was a response. */
    readonly status?: number,
    /** AWS error code from the STS body (e.g. SignatureDoesNotMatch), when one could be read. */
    readonly awsCode?: string,
  ) {
    super(`sts getCallerIdentity failed: ${detail}`);
  }
}

/** Upstream's STSThrottling: the webhook answers 429 so kube-apiserver retries. */
export class StsThrottlingError extends TokenError {
  override readonly name = 'StsThrottlingError';
  readonly code = 'sts_throttled';
  constructor(
    detail: string,
    readonly status: number,
  ) {
    super(`sts getCallerIdentity was throttled: ${detail}`);
  }
}
