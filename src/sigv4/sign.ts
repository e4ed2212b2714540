// Client side of SigV4, for Entryway's own CLI and for tests. Signing is smithy's; this file only
// shapes requests and URLs.
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { formatQuery, parseQuery } from './query.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignRequestInput {
  method: string;
  /** Absolute URL; the path must already be percent-encoded the way it will be sent. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  region: string;
  service: string;
  credentials: AwsCredentials;
  now: Date;
}

export interface SignedRequest {
  method: string;
  url: string;
  /** Lower-cased names, including host, authorization, x-amz-date, x-amz-content-sha256. */
  headers: Record<string, string>;
  body: Uint8Array;
}

function queryObject(search: string): Record<string, string | string[]> {
  const parsed = parseQuery(search.replace(/^\?/, ''));
  if (!parsed.ok) throw new TypeError(`cannot sign a URL with a malformed query: ${parsed.reason}`);
  const q: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of parsed.pairs) {
    const prev = q[k];
    q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return q;
}

const signer = (c: AwsCredentials, region: string, service: string, applyChecksum: boolean) =>
  new SignatureV4({ credentials: c, region, service, sha256: Hash.bind(null, 'sha256'), applyChecksum });

/** Header-signs a request like the AWS SDK for JavaScript does (x-amz-content-sha256 included). */
export async function signRequest(input: SignRequestInput): Promise<SignedRequest> {
  const u = new URL(input.url);
  const body = typeof input.body === 'string' ? Buffer.from(input.body) : (input.body ?? new Uint8Array());
  const headers: Record<string, string> = { host: u.host };
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  const request = new HttpRequest({
    method: input.method,
    protocol: u.protocol,
    hostname: u.hostname,
    path: u.pathname,
    query: queryObject(u.search),
    headers,
    body,
  });
  const signed = await signer(input.credentials, input.region, input.service, true).sign(request, { signingDate: input.now });
  return { method: input.method, url: u.href, headers: { ...signed.headers }, body };
}

export interface PresignGetCallerIdentityInput {
  credentials: AwsCredentials;
  /** Signing region; also picks the default endpoint `https://sts.<region>.amazonaws.com`. */
  region: string;
  /** Value of the signed `x-k8s-aws-id` header (EKS: the cluster name). */
  clusterId: string;
  now: Date;
  /** Base URL such as `https://127.0.0.1:8443` (what `AWS_ENDPOINT_URL` does to the CLI). */
  endpoint?: string;
  /** Both official clients send 60; STS honours 15 minutes regardless. */
  expiresSeconds?: number;
}

/** A presigned STS GetCallerIdentity URL, the payload of a k8s-aws-v1 token. */
export async function presignGetCallerIdentity(input: PresignGetCallerIdentityInput): Promise<string> {
  const domain = input.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const u = new URL(input.endpoint ?? `https://sts.${input.region}.${domain}`);
  const request = new HttpRequest({
    method: 'GET',
    protocol: u.protocol,
    hostname: u.hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: u.host, 'x-k8s-aws-id': input.clusterId },
  });
  const presigned = await signer(input.credentials, input.region, 'sts', false).presign(request, {
    signingDate: input.now,
    expiresIn: input.expiresSeconds ?? 60,
  });
  const pairs = Object.entries(presigned.query ?? {}).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string').map((x) => [k, x] as const),
  );
  return `${u.protocol}//${u.host}/?${formatQuery(pairs)}`;
}
