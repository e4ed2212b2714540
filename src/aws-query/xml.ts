/**
 * Query-protocol responses as botocore and the AWS SDK for JavaScript v3 parse them:
 *   <XResponse xmlns="…"><XResult>…</XResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></XResponse>
 *   <ErrorResponse xmlns="…"><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
 * Lists are `<member>` elements; booleans `true`/`false`. With `Accept: application/json` (what
 * aws-iam-authenticator sends to STS) the same structure is rendered as JSON.
 */
import type { AwsError } from '../errors/aws-error.js';
import type { Shape, Value } from '../iam/shapes.js';

export const NAMESPACES = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  cloudformation: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
} as const;

/**
 * Escapes text for element content and attribute values. Characters XML 1.0 cannot carry at all
 * (most C0 controls, lone surrogates, U+FFFE/FFFF) become U+FFFD; CR is kept as a reference.
 */
export function xmlEscape(s: string): string {
  return s
    .replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' })[c] as string)
    // eslint-disable-next-line no-control-regex -- these are exactly the characters XML 1.0 forbids
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function element(name: string, value: Value): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => element('member', v)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${members(value)}</${name}>`;
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

const members = (shape: Shape): string =>
  Object.entries(shape)
    .map(([k, v]) => element(k, v))
    .join('');

export function successXml(action: string, namespace: string, result: Shape | undefined, requestId: string): string {
  const body = result === undefined ? '' : element(`${action}Result`, result);
  return (
    `<${action}Response xmlns="${xmlEscape(namespace)}">${body}` +
    `<ResponseMetadata><RequestId>${xmlEscape(requestId)}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorXml(err: AwsError, namespace: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${xmlEscape(namespace)}"><Error><Type>${err.fault}</Type><Code>${xmlEscape(err.code)}</Code>` +
    `<Message>${xmlEscape(err.message)}</Message></Error><RequestId>${xmlEscape(requestId)}</RequestId></ErrorResponse>`
  );
}

/** JSON keeps lists as arrays and drops absent members. */
function jsonValue(v: Value): unknown {
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = jsonValue(x);
    return out;
  }
  return v;
}

export function successJson(action: string, result: Shape | undefined, requestId: string): string {
  const response: Record<string, unknown> = {};
  if (result !== undefined) response[`${action}Result`] = jsonValue(result);
  response.ResponseMetadata = { RequestId: requestId };
  return JSON.stringify({ [`${action}Response`]: response });
}

export function errorJson(err: AwsError, requestId: string): string {
  return JSON.stringify({ Error: { Code: err.code, Message: err.message, Type: err.fault }, RequestId: requestId });
}
