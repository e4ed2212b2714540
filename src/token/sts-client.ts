// The one I/O edge of the token verifier: replay the presigned GetCallerIdentity URL to STS.
// Never logs; error messages carry neither the token, its URL nor STS's response body (STS echoes
// the canonical request, session token included, in SignatureDoesNotMatch messages).
import { StsError, StsThrottlingError } from './errors.js';
import type { TokenError } from './errors.js';
import { identityFromCallerIdentity, parseToken } from './token.js';
import type { CallerIdentity, Identity, ParsedToken, TokenConfig } from './token.js';

export interface CallStsOptions {
  /** Upstream's client timeout. Default 10 s. */
  timeoutMs?: number;
  /** Injected for tests (a loopback stand-in for STS). Default: global fetch. */
  fetchImpl?: typeof fetch;
  /** Bound on the response body read. Default 64 KiB (real answers are < 1 KiB). */
  maxBodyBytes?: number;
}

export type CallStsResult =
  | { ok: true; callerIdentity: CallerIdentity; requestId?: string }
  | { ok: false; error: StsError | StsThrottlingError };

const isTimeout = (e: unknown): boolean => e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: unknown }).cause;
  const code = cause && typeof cause === 'object' && 'code' in cause ? ` (${String((cause as { code: unknown }).code)})` : '';
  return `${e.message}${code}`;
}

async function readBody(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error(`response body larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Go's encoding/json matches field names case-insensitively; so do we. */
function field(o: unknown, name: string): unknown {
  if (!o || typeof o !== 'object') return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const xmlText = (xml: string, tag: string): string | undefined => {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m?.[1]?.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e] as string);
};

function parseSuccess(body: string): { ci: CallerIdentity; requestId?: string } | undefined {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  try {
    const json: unknown = JSON.parse(body);
    const response = field(json, 'GetCallerIdentityResponse');
    const result = field(response, 'GetCallerIdentityResult');
    const Account = str(field(result, 'Account'));
    const Arn = str(field(result, 'Arn'));
    const UserId = str(field(result, 'UserId'));
    const requestId = str(field(field(response, 'ResponseMetadata'), 'RequestId'));
    if (Account !== undefined && Arn !== undefined && UserId !== undefined) {
      return { ci: { Account, Arn, UserId }, ...(requestId ? { requestId } : {}) };
    }
    return undefined;
  } catch {
    // STS's default answer is XML; upstream asks for JSON, but accepting XML costs nothing.
    const result = /<GetCallerIdentityResult>([\s\S]*?)<\/GetCallerIdentityResult>/.exec(body)?.[1];
    if (result === undefined) return undefined;
    const Account = xmlText(result, 'Account');
    const Arn = xmlText(result, 'Arn');
    const UserId = xmlText(result, 'UserId');
    const requestId = xmlText(body, 'RequestId');
    if (Account === undefined || Arn === undefined || UserId === undefined) return undefined;
    return { ci: { Account, Arn, UserId }, ...(requestId ? { requestId } : {}) };
  }
}

function errorCode(body: string): string | undefined {
  try {
    const code = field(field(JSON.parse(body) as unknown, 'Error'), 'Code');
    return typeof code === 'string' ? code : undefined;
  } catch {
    return xmlText(body, 'Code');
  }
}

/**
 * GET exactly `parsed.url` with `x-k8s-aws-id: <clusterId>` and `accept: application/json`; no
 * redirects (a 3xx is a failure), no retries. Non-200 with "Throttling" in the body is
 * StsThrottlingError (webhook: 429); everything else that is not a 200 GetCallerIdentityResult is
 * StsError.
 */
export async function callSts(parsed: ParsedToken, clusterId: string, opts: CallStsOptions = {}): Promise<CallStsResult> {
  const { timeoutMs = 10_000, fetchImpl = fetch, maxBodyBytes = 65_536 } = opts;
  const where = `on ${parsed.stsRegion} endpoint`;
  // parseToken guarantees this; refuse anything that did not come from it.
  if (!URL.canParse(parsed.url) || new URL(parsed.url).href !== parsed.url || new URL(parsed.url).host !== parsed.host) {
    return { ok: false, error: new StsError('sts_unreachable', 'refusing to fetch a URL that is not in normalized form') };
  }
  // Transport errors sometimes quote the URL; it is the token.
  const describe = (e: unknown) => describeError(e).split(parsed.url).join('<url>').split(parsed.rawQuery).join('<query>');
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetchImpl(parsed.url, {
      method: 'GET',
      headers: { 'x-k8s-aws-id': clusterId, accept: 'application/json' },
      redirect: 'manual',
      signal,
    });
  } catch (e) {
    if (isTimeout(e)) return { ok: false, error: new StsError('sts_timeout', `error during GET: timeout after ${timeoutMs} ms ${where}`) };
    return { ok: false, error: new StsError('sts_unreachable', `error during GET: ${describe(e)} ${where}`) };
  }
  let body: string;
  try {
    body = await readBody(res, maxBodyBytes);
  } catch (e) {
    if (isTimeout(e)) return { ok: false, error: new StsError('sts_timeout', `error reading HTTP result: timeout after ${timeoutMs} ms`) };
    return { ok: false, error: new StsError('sts_read_failed', `error reading HTTP result: ${describe(e)}`) };
  }
  if (res.status !== 200) {
    const code = errorCode(body);
    if (body.includes('Throttling')) return { ok: false, error: new StsThrottlingError(`${code ?? 'Throttling'} (HTTP ${res.status}) ${where}`, res.status) };
    return {
      ok: false,
      error: new StsError('sts_status', `error from AWS (expected 200, got ${res.status}) ${where}. Code: ${code ?? 'unknown'}`, res.status, code),
    };
  }
  const ok = parseSuccess(body);
  if (!ok) return { ok: false, error: new StsError('sts_bad_response', `unreadable GetCallerIdentity response ${where}`, 200) };
  return { ok: true, callerIdentity: ok.ci, ...(ok.requestId ? { requestId: ok.requestId } : {}) };
}

export interface VerifyWithStsOptions extends CallStsOptions {
  now: Date;
  clusterId: string;
  config?: TokenConfig;
}

export type VerifyWithStsResult = { ok: true; identity: Identity; token: ParsedToken } | { ok: false; error: TokenError };

/** The whole upstream pipeline: parse and check, replay to STS, build the Identity. */
export async function verifyTokenWithSts(token: string, opts: VerifyWithStsOptions): Promise<VerifyWithStsResult> {
  const parsed = parseToken(token, opts.now, opts.config);
  if (!parsed.ok) return parsed;
  const sts = await callSts(parsed.token, opts.clusterId, opts);
  if (!sts.ok) return sts;
  const id = identityFromCallerIdentity(sts.callerIdentity, parsed.token.accessKeyId, parsed.token.host);
  return id.ok ? { ok: true, identity: id.identity, token: parsed.token } : id;
}
