// Server side of SigV4: parse what the client claims, then recompute its signature with
// @smithy/signature-v4 from exactly the parts it signed. See ./index.ts for the design notes.
import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import type { HeaderBag } from '@smithy/protocol-http';
import { ALGORITHM_IDENTIFIER, SignatureV4, UNSIGNED_PAYLOAD, getCanonicalHeaders } from '@smithy/signature-v4';
import {
  IncompleteSignatureError,
  MissingAuthenticationError,
  RequestExpiredError,
  SignatureExpiredError,
  SignatureMismatchError,
} from './errors.js';
import type { SigV4Error } from './errors.js';
import { parseQuery } from './query.js';
import type { QueryPairs } from './query.js';

/** An HTTP request as it arrived on the wire. */
export interface SigV4Request {
  method: string;
  /** Path exactly as received, still percent-encoded. */
  rawPath: string;
  /** Everything after the first '?', or ''. */
  rawQuery: string;
  /** Lower-cased names. Repeated headers may be given as arrays; they canonicalise comma-joined. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body: Uint8Array;
}

/**
 * A request as an HTTP server received it, ready for SigV4: headers already joined (repeats with
 * ','), the body as bytes. Fastify requests become this in aws/raw-request.ts.
 */
export interface RawRequest extends SigV4Request {
  headers: Record<string, string>;
  body: Buffer;
}

export interface ParsedSigV4 {
  mode: 'header' | 'presigned';
  accessKeyId: string;
  /** The request time as the client wrote it (`X-Amz-Date`, ISO 8601 basic). */
  dateString: string;
  date: Date;
  region: string;
  service: string;
  /** `<yyyymmdd>/<region>/<service>/aws4_request`. */
  credentialScope: string;
  signedHeaders: string[];
  signature: string;
  securityToken?: string;
  /** Presigned only. */
  expiresSeconds?: number;
  /** Decoded query parameters in wire order (what the canonical query is rebuilt from). */
  query: QueryPairs;
}

export type SigV4ParseResult = { ok: true; value: ParsedSigV4 } | { ok: false; error: SigV4Error };
export type SigV4VerifyResult = { ok: true } | { ok: false; error: SigV4Error };

export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;
const MAX_PRESIGNED_EXPIRES = 604_800; // one week, the SigV4 maximum
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Parses `yyyymmddThhmmssZ`, rejecting impossible dates (month 13, Feb 30, hour 24…). */
export function parseAmzDate(s: string): Date | undefined {
  const m = AMZ_DATE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return formatAmzDate(date) === s ? date : undefined;
}

export const formatAmzDate = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

const headerValue = (v: string | readonly string[] | undefined): string | undefined =>
  v === undefined ? undefined : typeof v === 'string' ? v : v.join(',');

const incomplete = (message: string): SigV4ParseResult => ({ ok: false, error: new IncompleteSignatureError(message) });

interface Credential {
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
}

function parseCredential(cred: string): Credential | SigV4Error {
  const parts = cred.split('/');
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    return new IncompleteSignatureError(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${cred}'`,
    );
  }
  const [accessKeyId, scopeDate, region, service, term] = parts as [string, string, string, string, string];
  if (term !== 'aws4_request') {
    return new IncompleteSignatureError(`Credential should be scoped with a valid terminator: 'aws4_request', not '${term}'.`);
  }
  return { accessKeyId, scopeDate, region, service };
}

/**
 * HTTP/2 clients carry the host as the `:authority` pseudo-header, and the AWS SDK's h2 handler
 * signs it under that name (AWS accepts either, as its error message says).
 */
const signsHost = (signed: readonly string[]) => signed.includes('host') || signed.includes(':authority');

function splitSignedHeaders(s: string): string[] | undefined {
  const names = s.split(';');
  return names.every((n) => n !== '' && n === n.toLowerCase()) ? names : undefined;
}

/**
 * Cheap first pass: tells header signing from presigned query, extracts the key id and scope (so
 * the caller can route by `service` and look the key up) and checks the shape. No crypto.
 */
export function parseSigV4(req: SigV4Request): SigV4ParseResult {
  const auth = headerValue(req.headers['authorization']);
  const q = parseQuery(req.rawQuery);
  if (!q.ok) return incomplete(`Malformed query string: ${q.reason}`);
  const query = q.pairs;
  const presigned = query.some(([k]) => k === 'X-Amz-Algorithm' || k === 'X-Amz-Signature' || k === 'X-Amz-Credential');
  if (auth !== undefined && presigned) {
    return incomplete(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified',
    );
  }
  if (auth !== undefined) return parseAuthorizationHeader(req, auth, query);
  if (presigned) return parsePresigned(query);
  return { ok: false, error: new MissingAuthenticationError() };
}

function parseAuthorizationHeader(req: SigV4Request, auth: string, query: QueryPairs): SigV4ParseResult {
  const sp = auth.indexOf(' ');
  const algorithm = sp < 0 ? auth : auth.slice(0, sp);
  const fields = new Map<string, string>();
  if (algorithm === ALGORITHM_IDENTIFIER) {
    for (const raw of auth.slice(sp + 1).split(',')) {
      const comp = raw.trim();
      if (comp === '') continue;
      const eq = comp.indexOf('=');
      if (eq < 0) return incomplete(`'${comp}' not a valid key=value pair (missing equal-sign) in Authorization header: '${auth}'.`);
      fields.set(comp.slice(0, eq), comp.slice(eq + 1));
    }
  }
  const xAmzDate = headerValue(req.headers['x-amz-date']);
  const httpDate = headerValue(req.headers['date']);
  const missing: string[] = [];
  for (const f of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!fields.get(f)) missing.push(`Authorization header requires '${f}' parameter.`);
  }
  if (xAmzDate === undefined && httpDate === undefined) {
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (missing.length > 0) return incomplete(`${missing.join(' ')} Authorization=${auth}`);

  const cred = parseCredential(fields.get('Credential') as string);
  if (!('accessKeyId' in cred)) return { ok: false, error: cred };
  const signedHeaders = splitSignedHeaders(fields.get('SignedHeaders') as string);
  if (!signedHeaders) return incomplete(`Invalid SignedHeaders in Authorization header: '${auth}'.`);

  let date: Date | undefined;
  let dateString: string;
  let dateHeader: string;
  if (xAmzDate !== undefined) {
    date = parseAmzDate(xAmzDate);
    dateString = xAmzDate;
    dateHeader = 'x-amz-date';
    if (!date) return incomplete(`Date must be in ISO-8601 'basic format'. Got '${xAmzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  } else {
    // RFC 7231 Date header: clients that use it sign it and put its ISO form in the string to sign.
    const ms = Date.parse(httpDate as string);
    if (!Number.isFinite(ms)) return incomplete(`Date header could not be parsed: '${httpDate}'`);
    date = new Date(ms);
    dateString = formatAmzDate(date);
    dateHeader = 'date';
  }
  // Unsigned host or date would let a captured request be replayed elsewhere or later.
  if (!signsHost(signedHeaders)) return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (!signedHeaders.includes(dateHeader)) return incomplete(`'${dateHeader}' must be a 'SignedHeader' in the AWS Authorization.`);
  const securityToken = headerValue(req.headers['x-amz-security-token']);
  if (securityToken !== undefined && !signedHeaders.includes('x-amz-security-token')) {
    return incomplete("'x-amz-security-token' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (cred.scopeDate !== dateString.slice(0, 8)) {
    const message = `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${cred.scopeDate}' != '${dateString.slice(0, 8)}', from '${dateHeader === 'date' ? 'Date' : 'X-Amz-Date'}'.`;
    return { ok: false, error: new SignatureMismatchError('credential scope date differs from request date', message) };
  }
  return {
    ok: true,
    value: {
      mode: 'header',
      accessKeyId: cred.accessKeyId,
      dateString,
      date,
      region: cred.region,
      service: cred.service,
      credentialScope: `${cred.scopeDate}/${cred.region}/${cred.service}/aws4_request`,
      signedHeaders,
      signature: fields.get('Signature') as string,
      ...(securityToken !== undefined ? { securityToken } : {}),
      query,
    },
  };
}

const PRESIGN_REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'];

function parsePresigned(query: QueryPairs): SigV4ParseResult {
  const get = (k: string): string | undefined => {
    const all = query.filter(([key]) => key === k);
    return all.length === 1 ? (all[0] as readonly [string, string])[1] : undefined;
  };
  const missing = PRESIGN_REQUIRED.filter((k) => !get(k));
  if (missing.length > 0) {
    return incomplete(`${missing.map((k) => `AWS query-string parameters must include '${k}'.`).join(' ')} Re-examine the query-string parameters.`);
  }
  const algorithm = get('X-Amz-Algorithm') as string;
  if (algorithm !== ALGORITHM_IDENTIFIER) return incomplete(`Unsupported AWS 'algorithm': '${algorithm}'`);
  const cred = parseCredential(get('X-Amz-Credential') as string);
  if (!('accessKeyId' in cred)) return { ok: false, error: cred };
  const dateString = get('X-Amz-Date') as string;
  const date = parseAmzDate(dateString);
  if (!date) return incomplete(`Date must be in ISO-8601 'basic format'. Got '${dateString}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  const expiresRaw = get('X-Amz-Expires') as string;
  const expiresSeconds = /^\d{1,7}$/.test(expiresRaw) ? Number(expiresRaw) : NaN;
  if (!(expiresSeconds >= 0 && expiresSeconds <= MAX_PRESIGNED_EXPIRES)) {
    return incomplete(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES}; got '${expiresRaw}'`);
  }
  const signedHeaders = splitSignedHeaders(get('X-Amz-SignedHeaders') as string);
  if (!signedHeaders) return incomplete('Invalid X-Amz-SignedHeaders query parameter.');
  if (!signsHost(signedHeaders)) return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (cred.scopeDate !== dateString.slice(0, 8)) {
    const message = `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${cred.scopeDate}' != '${dateString.slice(0, 8)}', from 'X-Amz-Date'.`;
    return { ok: false, error: new SignatureMismatchError('credential scope date differs from request date', message) };
  }
  const securityToken = get('X-Amz-Security-Token');
  return {
    ok: true,
    value: {
      mode: 'presigned',
      accessKeyId: cred.accessKeyId,
      dateString,
      date,
      region: cred.region,
      service: cred.service,
      credentialScope: `${cred.scopeDate}/${cred.region}/${cred.service}/aws4_request`,
      signedHeaders,
      signature: get('X-Amz-Signature') as string,
      ...(securityToken !== undefined ? { securityToken } : {}),
      expiresSeconds,
      query,
    },
  };
}

/**
 * Time rules. Header signing: the date must be within `maxSkewMs` of now (AWS: 5 minutes for most
 * services), with AWS's messages. Presigned: not dated beyond the skew in the future, and not used
 * after date + X-Amz-Expires.
 */
export function checkSigV4Time(parsed: ParsedSigV4, now: Date, maxSkewMs: number = DEFAULT_MAX_SKEW_MS): SigV4VerifyResult {
  const t = parsed.date.getTime();
  const n = now.getTime();
  const minutes = `${Math.round(maxSkewMs / 60_000)} min.`;
  if (t > n + maxSkewMs) {
    const message = `Signature not yet current: ${parsed.dateString} is still later than ${formatAmzDate(new Date(n + maxSkewMs))} (${formatAmzDate(now)} + ${minutes})`;
    return { ok: false, error: new SignatureExpiredError('future', message) };
  }
  if (parsed.mode === 'presigned') {
    if (n > t + (parsed.expiresSeconds as number) * 1000) return { ok: false, error: new RequestExpiredError() };
    return { ok: true };
  }
  if (t < n - maxSkewMs) {
    const message = `Signature expired: ${parsed.dateString} is now earlier than ${formatAmzDate(new Date(n - maxSkewMs))} (${formatAmzDate(now)} - ${minutes})`;
    return { ok: false, error: new SignatureExpiredError('past', message) };
  }
  return { ok: true };
}

export interface VerifyOptions {
  secretAccessKey: string;
  now: Date;
  maxSkewMs?: number;
  /**
   * false skips `checkSigV4Time`, for callers with their own time rules (k8s-aws-v1 tokens are
   * valid for 15 minutes whatever X-Amz-Expires says).
   */
  checkTime?: boolean;
}

/** Exposes smithy's canonical-request and string-to-sign steps so we can feed them the client's exact inputs. */
class ReplaySigner extends SignatureV4 {
  async signatureFor(request: HttpRequest, headers: HeaderBag, payloadHash: string, parsed: ParsedSigV4): Promise<string> {
    const canonicalRequest = this.createCanonicalRequest(request, headers, payloadHash);
    const stringToSign = await this.createStringToSign(parsed.dateString, parsed.credentialScope, canonicalRequest, ALGORITHM_IDENTIFIER);
    return this.sign(stringToSign, { signingDate: parsed.date, signingRegion: parsed.region, signingService: parsed.service });
  }
}

export const sha256Hex = async (data: Uint8Array): Promise<string> => {
  const h = new Hash('sha256');
  h.update(data);
  return Buffer.from(await h.digest()).toString('hex');
};

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const mismatch = (detail: string): SigV4VerifyResult => ({ ok: false, error: new SignatureMismatchError(detail) });

/**
 * The path the canonical request is built from: smithy (like AWS) drops empty and `.` segments and
 * resolves `..`. Entryway routes on the raw path, so a raw path that is not already in this form
 * would let a signature for `/clusters/a` also authenticate `/clusters/a/access-entries/..`.
 */
function normalizedPath(path: string): string {
  const segments: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  return `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
}

/**
 * Recomputes the client's signature from the request as received: method, raw path (smithy
 * URI-encodes it again, as every non-S3 service expects), the decoded query minus X-Amz-Signature,
 * only the headers named in SignedHeaders, and the payload hash. `parsed` must come from
 * `parseSigV4(req)`; the caller has looked up `secretAccessKey` by `parsed.accessKeyId`.
 */
export async function verifySigV4(req: SigV4Request, parsed: ParsedSigV4, opts: VerifyOptions): Promise<SigV4VerifyResult> {
  if (opts.checkTime !== false) {
    const t = checkSigV4Time(parsed, opts.now, opts.maxSkewMs);
    if (!t.ok) return t;
  }
  // What is signed must be what is routed: no empty, `.` or `..` segments (they vanish from the
  // canonical path but not from the router's view).
  if (normalizedPath(req.rawPath) !== req.rawPath) return mismatch('the request path has empty, . or .. segments');
  // smithy leaves every case variant of X-Amz-Signature out of the canonical query, in any mode: a
  // header-signed request must have none, a presigned one only its own (else it is unsigned input).
  const signatureParams = parsed.query.filter(([k]) => k.toLowerCase() === 'x-amz-signature').length;
  if (signatureParams !== (parsed.mode === 'presigned' ? 1 : 0)) return mismatch('an X-Amz-Signature query parameter is not part of the signature');
  const headers: HeaderBag = {};
  for (const name of parsed.signedHeaders) {
    const v = headerValue(req.headers[name]);
    if (v === undefined) return mismatch(`signed header '${name}' is not in the request`);
    headers[name] = v;
  }
  const bodyHash = req.body.length === 0 ? EMPTY_SHA256 : await sha256Hex(req.body);
  const declared =
    parsed.mode === 'presigned'
      ? (parsed.query.find(([k]) => k === 'X-Amz-Content-Sha256')?.[1] ?? headerValue(req.headers['x-amz-content-sha256']))
      : headerValue(req.headers['x-amz-content-sha256']);
  let candidates: string[];
  if (declared !== undefined) {
    // Entryway's APIs never need an unsigned body, so UNSIGNED-PAYLOAD is only accepted with none.
    const okDeclared = declared === UNSIGNED_PAYLOAD ? req.body.length === 0 : declared.toLowerCase() === bodyHash;
    if (!okDeclared) return mismatch("the 'x-amz-content-sha256' value does not match the body");
    candidates = [declared];
  } else {
    // Presigned requests for S3-style signers use UNSIGNED-PAYLOAD; harmless when there is no body.
    candidates = parsed.mode === 'presigned' && req.body.length === 0 ? [bodyHash, UNSIGNED_PAYLOAD] : [bodyHash];
  }

  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of parsed.query) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const request = new HttpRequest({ method: req.method, path: req.rawPath, query, headers });
  const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(parsed.signedHeaders));
  const signer = new ReplaySigner({
    service: parsed.service,
    region: parsed.region,
    credentials: { accessKeyId: parsed.accessKeyId, secretAccessKey: opts.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  for (const payloadHash of candidates) {
    const expected = await signer.signatureFor(request, canonicalHeaders, payloadHash, parsed);
    if (constantTimeEqual(expected, parsed.signature)) return { ok: true };
  }
  return mismatch('recomputed signature differs');
}
