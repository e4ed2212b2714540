// SigV4 failures as named classes. The HTTP layer branches on the class (or `code`) and renders
// `toAws(protocol)`; nothing here needs message parsing.

export type AwsProtocol = 'query' | 'rest-json';

/** What a protocol plugin needs to render an AWS error. */
export interface AwsErrorShape {
  code: string;
  status: number;
  message: string;
}

/** AWS's own wording, for errors the caller raises itself (e.g. after looking up the access key). */
export const AWS_MESSAGES = {
  invalidClientToken: 'The security token included in the request is invalid.',
  expiredToken: 'The security token included in the request is expired',
  signatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  missingAuthenticationTokenQuery: 'Request is missing Authentication Token',
  missingAuthenticationTokenRestJson: 'Missing Authentication Token',
  requestExpired: 'Request has expired.',
} as const;

/** Unknown access key id: IAM/STS say InvalidClientTokenId, rest-json services UnrecognizedClientException. */
export const unknownAccessKeyError = (protocol: AwsProtocol): AwsErrorShape => ({
  code: protocol === 'query' ? 'InvalidClientTokenId' : 'UnrecognizedClientException',
  status: 403,
  message: AWS_MESSAGES.invalidClientToken,
});

/** A session token that is known but past its expiry. */
export const expiredSessionTokenError = (protocol: AwsProtocol): AwsErrorShape => ({
  code: protocol === 'query' ? 'ExpiredToken' : 'ExpiredTokenException',
  status: 403,
  message: AWS_MESSAGES.expiredToken,
});

export type SigV4ErrorCode =
  | 'missing_authentication'
  | 'incomplete_signature'
  | 'signature_mismatch'
  | 'signature_expired'
  | 'request_expired';

export abstract class SigV4Error extends Error {
  abstract readonly code: SigV4ErrorCode;
  abstract toAws(protocol: AwsProtocol): AwsErrorShape;
}

/** No Authorization header and no presigned query parameters. */
export class MissingAuthenticationError extends SigV4Error {
  override readonly name = 'MissingAuthenticationError';
  readonly code = 'missing_authentication';
  constructor() {
    super(AWS_MESSAGES.missingAuthenticationTokenQuery);
  }
  toAws(protocol: AwsProtocol): AwsErrorShape {
    return protocol === 'query'
      ? { code: 'MissingAuthenticationToken', status: 403, message: AWS_MESSAGES.missingAuthenticationTokenQuery }
      : { code: 'MissingAuthenticationTokenException', status: 403, message: AWS_MESSAGES.missingAuthenticationTokenRestJson };
  }
}

/** The signature is present but malformed or incomplete (AWS: IncompleteSignature, HTTP 400). */
export class IncompleteSignatureError extends SigV4Error {
  override readonly name = 'IncompleteSignatureError';
  readonly code = 'incomplete_signature';
  toAws(protocol: AwsProtocol): AwsErrorShape {
    return { code: protocol === 'query' ? 'IncompleteSignature' : 'IncompleteSignatureException', status: 400, message: this.message };
  }
}

/** The recomputed signature differs, or a signed part of the request is inconsistent. */
export class SignatureMismatchError extends SigV4Error {
  override readonly name = 'SignatureMismatchError';
  readonly code = 'signature_mismatch';
  constructor(
    /** Why, for logs; the client always gets AWS's fixed message unless `message` was chosen. */
    readonly detail: string,
    message: string = AWS_MESSAGES.signatureDoesNotMatch,
  ) {
    super(message);
  }
  toAws(protocol: AwsProtocol): AwsErrorShape {
    return { code: protocol === 'query' ? 'SignatureDoesNotMatch' : 'InvalidSignatureException', status: 403, message: this.message };
  }
}

/** Request date outside the allowed clock skew (either direction). */
export class SignatureExpiredError extends SigV4Error {
  override readonly name = 'SignatureExpiredError';
  readonly code = 'signature_expired';
  constructor(
    readonly direction: 'past' | 'future',
    message: string,
  ) {
    super(message);
  }
  toAws(protocol: AwsProtocol): AwsErrorShape {
    return { code: protocol === 'query' ? 'SignatureDoesNotMatch' : 'InvalidSignatureException', status: 403, message: this.message };
  }
}

/** A presigned URL used after X-Amz-Date + X-Amz-Expires. The AWS code here is UNCONFIRMED for IAM/STS. */
export class RequestExpiredError extends SigV4Error {
  override readonly name = 'RequestExpiredError';
  readonly code = 'request_expired';
  constructor() {
    super(AWS_MESSAGES.requestExpired);
  }
  toAws(): AwsErrorShape {
    return { code: 'RequestExpired', status: 403, message: this.message };
  }
}
