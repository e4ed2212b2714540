// The k8s-aws-v1 token: parse and check it (pure), verify it offline against a known secret, and
// turn an STS GetCallerIdentity answer into an Identity. See ./index.ts for the design notes.
import { canonicalize } from '../arn/index.js';
import type { Partition, PrincipalKind } from '../arn/index.js';
import {
  SignatureMismatchError,
  parseAmzDate,
  parseQuery,
  parseSigV4,
  presignGetCallerIdentity,
  verifySigV4,
} from '../sigv4/index.js';
import type { PresignGetCallerIdentityInput, SigV4Request } from '../sigv4/index.js';
import { StsError, TokenFormatError, TokenSignatureError } from './errors.js';
import type { TokenError, TokenFormatCode } from './errors.js';
import { DEFAULT_PARTITIONS, checkStsHost } from './hosts.js';

export const TOKEN_PREFIX = 'k8s-aws-v1.';

export interface TokenConfig {
  /**
   * Upstream uses 4096 bytes, which rejects genuine tokens carrying large session tokens (an STS
   * session token grows ~1.42× through percent-encoding and base64, on top of ~480 bytes of URL;
   * aws-iam-authenticator#1106). 16 KiB fits every real one while still bounding the work.
   */
  maxTokenBytes?: number;
  /** Partitions whose STS hosts are accepted. Default aws, aws-cn, aws-us-gov. */
  partitions?: readonly Partition[];
  /**
   * Extra hosts accepted verbatim: `host[:port]` for https, `http://host[:port]` to also allow plain
   * http (a local Entryway without TLS). Tokens made with `AWS_ENDPOINT_URL` set point here.
   */
  customStsHosts?: readonly string[];
  /** Token lifetime after X-Amz-Date; STS's presigned GetCallerIdentity rule. Default 15 min. */
  maxAgeMs?: number;
  /**
   * Deliberate divergence from upstream (which has none): tokens dated further ahead than this
   * are refused, so a token cannot be minted to live longer than maxAgeMs. Default 5 min.
   */
  maxFutureSkewMs?: number;
}

export const DEFAULT_TOKEN_CONFIG = {
  maxTokenBytes: 16_384,
  partitions: DEFAULT_PARTITIONS,
  customStsHosts: [] as readonly string[],
  maxAgeMs: 15 * 60_000,
  maxFutureSkewMs: 5 * 60_000,
} as const;

export interface ParsedToken {
  /** The presigned URL exactly as decoded; replayed byte for byte. */
  url: string;
  scheme: 'https' | 'http';
  /** `host[:port]`, what the Host header will carry. */
  host: string;
  rawQuery: string;
  /** Decoded parameters keyed by lower-cased name (case-insensitive duplicates are refused). */
  params: Readonly<Record<string, string>>;
  /** The part of X-Amz-Credential before the first '/'; '' if absent (upstream allows that). */
  accessKeyId: string;
  credentialScope?: { date: string; region: string; service: string };
  date: Date;
  expiresSeconds: number;
  securityToken?: string;
  signedHeaders: string[];
  /** `global` for sts.amazonaws.com, the region label for other STS hosts, `custom` for customStsHosts. */
  stsRegion: string;
  /** Undefined for custom hosts. */
  partition?: Partition;
}

export type TokenParseResult = { ok: true; token: ParsedToken } | { ok: false; error: TokenFormatError };

const ALLOWED_PARAMS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);

const fail = (code: TokenFormatCode, detail: string): TokenParseResult => ({ ok: false, error: new TokenFormatError(code, detail) });

/** Go's default time format, which upstream's expiry message uses. */
const goTime = (d: Date): string => `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;

interface UrlParts {
  scheme: string;
  authority: string;
  path: string;
  rawQuery: string;
}

/**
 * Splits the URL by hand rather than trusting one parser's view of an attacker-chosen string
 * (Go and WHATWG disagree on backslashes, userinfo, default ports…). Only printable ASCII without
 * characters WHATWG would rewrite in a query is accepted; the caller re-checks with WHATWG.
 */
function splitUrl(url: string): UrlParts | string {
  const bad = /[^\x21-\x7e]|["'<>`{}|^]/.exec(url);
  if (bad) return `invalid character at offset ${bad.index} in pre-signed URL`;
  if (url.includes('#')) return 'fragment in pre-signed URL';
  if (url.includes('\\')) return 'backslash in pre-signed URL';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  if (!m) return 'missing protocol scheme';
  const scheme = m[1] as string;
  const rest = url.slice(m[0].length);
  if (!rest.startsWith('//')) return { scheme, authority: '', path: rest.split('?', 1)[0] as string, rawQuery: '' };
  const afterSlashes = rest.slice(2);
  const end = afterSlashes.search(/[/?]/);
  const authority = end < 0 ? afterSlashes : afterSlashes.slice(0, end);
  const tail = end < 0 ? '' : afterSlashes.slice(end);
  const q = tail.indexOf('?');
  return { scheme, authority, path: q < 0 ? tail : tail.slice(0, q), rawQuery: q < 0 ? '' : tail.slice(q + 1) };
}

/**
 * Every check of aws-iam-authenticator's `Verify` before the STS call, in upstream's order, plus a
 * future-date bound. Pure: `now` is given. The returned token is safe to replay (`callSts`) or to
 * verify offline (`verifyTokenOffline`).
 */
export function parseToken(token: string, now: Date, config: TokenConfig = {}): TokenParseResult {
  // `??` rather than spread: an explicit `undefined` in config must not switch a check off.
  const cfg = {
    maxTokenBytes: config.maxTokenBytes ?? DEFAULT_TOKEN_CONFIG.maxTokenBytes,
    partitions: config.partitions ?? DEFAULT_TOKEN_CONFIG.partitions,
    customStsHosts: config.customStsHosts ?? DEFAULT_TOKEN_CONFIG.customStsHosts,
    maxAgeMs: config.maxAgeMs ?? DEFAULT_TOKEN_CONFIG.maxAgeMs,
    maxFutureSkewMs: config.maxFutureSkewMs ?? DEFAULT_TOKEN_CONFIG.maxFutureSkewMs,
  };
  // 1. size (chars ≤ bytes, so the cheap test goes first)
  if (token.length > cfg.maxTokenBytes || Buffer.byteLength(token, 'utf8') > cfg.maxTokenBytes) {
    return fail('too_large', 'token is too large');
  }
  // 2. prefix
  if (!token.startsWith(TOKEN_PREFIX)) return fail('bad_prefix', `token is missing expected "${TOKEN_PREFIX}" prefix`);
  // 3. strict unpadded base64url; Node's decoder would skip junk, accept padding and + /.
  const b64 = token.slice(TOKEN_PREFIX.length);
  const badChar = /[^A-Za-z0-9_-]/.exec(b64);
  if (badChar) return fail('bad_base64', `illegal base64 data at input byte ${badChar.index}`);
  if (b64.length % 4 === 1) return fail('bad_base64', `illegal base64 data at input byte ${b64.length - 1}`);
  const url = Buffer.from(b64, 'base64url').toString('latin1');
  // 4. URL syntax
  const parts = splitUrl(url);
  if (typeof parts === 'string') return fail('bad_url', parts);
  const { scheme, authority, path, rawQuery } = parts;
  if (authority.includes('@')) return fail('bad_url', 'userinfo in pre-signed URL');
  // 5. scheme (plain http only for a custom host configured as http://…)
  const httpAllowed = scheme === 'http' && cfg.customStsHosts.includes(`http://${authority}`);
  if (scheme !== 'https' && !httpAllowed) return fail('bad_scheme', `unexpected scheme "${scheme}" in pre-signed URL`);
  // 6. host
  let stsRegion: string;
  let partition: Partition | undefined;
  if (httpAllowed || (scheme === 'https' && cfg.customStsHosts.includes(authority))) {
    stsRegion = 'custom';
  } else if (authority.includes(':')) {
    return fail('bad_host', `unexpected hostname "${authority}" in pre-signed URL`);
  } else {
    const h = checkStsHost(authority, cfg.partitions);
    if (!h.ok) return fail('bad_host', h.message);
    stsRegion = h.stsRegion;
    partition = h.partition;
  }
  // 7. path
  if (path !== '/') return fail('bad_path', 'unexpected path in pre-signed URL');
  // What is fetched must be exactly what was checked: WHATWG must not rewrite anything.
  let whatwg: URL;
  try {
    whatwg = new URL(url);
  } catch {
    return fail('bad_url', 'pre-signed URL is not a valid URL');
  }
  if (whatwg.href !== url || whatwg.host !== authority) return fail('bad_url', 'pre-signed URL is not in normalized form');
  // 8. query syntax
  const q = parseQuery(rawQuery, { rejectSemicolon: true });
  if (!q.ok) return fail('bad_query', 'malformed query parameter');
  // 9. case-insensitive duplicates, 10. allowlist and single values (deterministic order)
  const byExact = new Map<string, string[]>();
  for (const [k, v] of q.pairs) byExact.set(k, [...(byExact.get(k) ?? []), v]);
  const seenLower = new Set<string>();
  for (const k of byExact.keys()) {
    const lower = k.toLowerCase();
    if (seenLower.has(lower)) return fail('duplicate_param', `duplicate query parameter found: "${k.slice(0, 64)}"`);
    seenLower.add(lower);
  }
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, vs] of byExact) {
    if (!ALLOWED_PARAMS.has(k.toLowerCase())) return fail('param_not_allowed', `non-whitelisted query parameter "${k.slice(0, 64)}"`);
    if (vs.length !== 1) return fail('multiple_values', 'query parameter with multiple values not supported');
    params[k.toLowerCase()] = vs[0] as string;
  }
  // 11. action
  if (params['action'] !== 'GetCallerIdentity') return fail('bad_action', 'unexpected action parameter in pre-signed URL');
  // 12. the cluster id header must be signed, or the token would work for any cluster
  const signedHeaders = (params['x-amz-signedheaders'] ?? '').split(';');
  if (!signedHeaders.some((h) => h.toLowerCase() === 'x-k8s-aws-id')) {
    return fail('unsigned_cluster_header', 'client did not sign the x-k8s-aws-id header in the pre-signed URL');
  }
  // 13. expires: Go's Atoi (sign and leading zeros allowed), 0..900
  const expiresRaw = params['x-amz-expires'] ?? '';
  const expiresSeconds = /^[+-]?\d{1,18}$/.test(expiresRaw) ? Number(expiresRaw) : NaN;
  if (!(expiresSeconds >= 0 && expiresSeconds <= 900)) {
    return fail('bad_expires', `invalid X-Amz-Expires parameter in pre-signed URL: ${expiresRaw.slice(0, 32)}`);
  }
  // 14–16. date present, parseable, not expired; plus our future bound
  const dateRaw = params['x-amz-date'];
  if (!dateRaw) return fail('missing_date', 'X-Amz-Date parameter must be present in pre-signed URL');
  const date = parseAmzDate(dateRaw);
  if (!date) return fail('bad_date', `error parsing X-Amz-Date parameter ${dateRaw.slice(0, 32)} into format 20060102T150405Z`);
  if (now.getTime() > date.getTime() + cfg.maxAgeMs) {
    return fail('expired', `X-Amz-Date parameter is expired (${Math.round(cfg.maxAgeMs / 60_000)} minute expiration) ${goTime(date)}`);
  }
  if (date.getTime() > now.getTime() + cfg.maxFutureSkewMs) {
    return fail('future_date', `X-Amz-Date parameter is in the future (more than ${Math.round(cfg.maxFutureSkewMs / 60_000)} minutes ahead) ${goTime(date)}`);
  }

  const credential = params['x-amz-credential'] ?? '';
  const cred = credential.split('/');
  const securityToken = params['x-amz-security-token'];
  return {
    ok: true,
    token: {
      url,
      scheme: scheme as 'https' | 'http',
      host: authority,
      rawQuery,
      params,
      accessKeyId: cred[0] as string,
      ...(cred.length === 5 ? { credentialScope: { date: cred[1] as string, region: cred[2] as string, service: cred[3] as string } } : {}),
      date,
      expiresSeconds,
      ...(securityToken !== undefined ? { securityToken } : {}),
      signedHeaders,
      stsRegion,
      ...(partition ? { partition } : {}),
    },
  };
}

export type TokenVerifyResult = { ok: true } | { ok: false; error: TokenError };

/**
 * Verifies the presigned signature ourselves instead of asking STS: for tokens made with keys
 * Entryway issued. The request is rebuilt as STS would receive it — GET, the token's query, and the
 * two headers clients sign: `host` (the token URL's host) and `x-k8s-aws-id: <clusterId>` — so a
 * token made for another cluster fails. Time was already checked by `parseToken` under the
 * 15-minute rule, so X-Amz-Expires is not applied here. The caller looks up the secret by
 * `parsed.accessKeyId` and checks any session token.
 */
export async function verifyTokenOffline(parsed: ParsedToken, clusterId: string, secretAccessKey: string): Promise<TokenVerifyResult> {
  const req: SigV4Request = {
    method: 'GET',
    rawPath: '/',
    rawQuery: parsed.rawQuery,
    headers: { host: parsed.host, 'x-k8s-aws-id': clusterId },
    body: new Uint8Array(),
  };
  const p = parseSigV4(req);
  if (!p.ok) return { ok: false, error: new TokenSignatureError('unverifiable_signature', p.error.message) };
  if (p.value.mode !== 'presigned' || p.value.service !== 'sts') {
    return { ok: false, error: new TokenSignatureError('unverifiable_signature', 'credential is not scoped to sts') };
  }
  const r = await verifySigV4(req, p.value, { secretAccessKey, now: parsed.date, checkTime: false });
  if (r.ok) return r;
  const code = r.error instanceof SignatureMismatchError ? 'signature_mismatch' : 'unverifiable_signature';
  return { ok: false, error: new TokenSignatureError(code, r.error instanceof SignatureMismatchError ? r.error.detail : r.error.message) };
}

/** `k8s-aws-v1.` + unpadded base64url of the presigned URL, as `aws eks get-token` prints it. */
export const tokenFromUrl = (url: string): string => TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');

/** A token for Entryway's own CLI (and tests): presign with smithy, then encode. */
export const createToken = async (input: PresignGetCallerIdentityInput): Promise<string> => tokenFromUrl(await presignGetCallerIdentity(input));

/** aws-iam-authenticator's Identity, with its field meanings. */
export interface Identity {
  /** The ARN STS returned (assumed-role ARNs include the session name). */
  arn: string;
  canonicalArn: string;
  accountId: string;
  /** Principal ID: `AIDA…` for users, the part before ':' of `AROA…:session` for roles. */
  userId: string;
  /** '' unless an assumed role. */
  sessionName: string;
  /** From X-Amz-Credential, not from STS. */
  accessKeyId: string;
  /** The token URL's host. */
  stsEndpoint: string;
  principalKind: PrincipalKind;
}

export interface CallerIdentity {
  Account: string;
  Arn: string;
  UserId: string;
}

export type IdentityResult = { ok: true; identity: Identity } | { ok: false; error: StsError };

/** Upstream `getIdentityFromSTSResponse`. */
export function identityFromCallerIdentity(ci: CallerIdentity, accessKeyId: string, host: string): IdentityResult {
  let canonical;
  try {
    canonical = canonicalize(ci.Arn);
  } catch (e) {
    return { ok: false, error: new StsError('bad_arn', (e as Error).message) };
  }
  let userId = ci.UserId;
  let sessionName = '';
  if (canonical.kind === 'ASSUMED_ROLE' || canonical.kind === 'ROLE') {
    const parts = ci.UserId.split(':');
    if (parts.length !== 2) return { ok: false, error: new StsError('malformed_user_id', `malformed UserID "${ci.UserId}"`) };
    [userId, sessionName] = parts as [string, string];
  }
  return {
    ok: true,
    identity: {
      arn: ci.Arn,
      canonicalArn: canonical.canonicalArn,
      accountId: ci.Account,
      userId,
      sessionName,
      accessKeyId,
      stsEndpoint: host,
      principalKind: canonical.kind,
    },
  };
}
