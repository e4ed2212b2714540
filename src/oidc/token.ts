/**
 * Reads a compact JWS without verifying it, to learn its issuer and header before anything else
 * (kube-apiserver reads `iss` unverified to pick the authenticator). Pure and bounded: a size cap
 * first, then a fixed split at exactly two dots, a charset check per segment, and JSON decoding of
 * the (small) header and payload only. Nothing read here is trusted.
 */

/** ID tokens larger than this are refused (16 KiB leaves room for large group claims). */
export const MAX_ID_TOKEN_BYTES = 16 * 1024;
const MAX_HEADER_SEGMENT = 2048;

export interface PeekedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** Whether the signature segment is empty (an unsecured JWS). */
  emptySignature: boolean;
}

export type PeekResult = { ok: true; jwt: PeekedJwt } | { ok: false; reason: 'oidc_token_too_large' | 'oidc_malformed'; message: string };

const malformed = (message: string): PeekResult => ({ ok: false, reason: 'oidc_malformed', message });

function isBase64Url(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
    if (!ok) return false;
  }
  return true;
}

function decodeObject(segment: string): Record<string, unknown> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function peekJwt(token: string): PeekResult {
  if (token.length > MAX_ID_TOKEN_BYTES) return { ok: false, reason: 'oidc_token_too_large', message: `the ID token is larger than ${MAX_ID_TOKEN_BYTES} bytes` };
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || token.indexOf('.', second + 1) !== -1) return malformed('an ID token is a compact JWS of exactly three segments');
  const h = token.slice(0, first);
  const p = token.slice(first + 1, second);
  const s = token.slice(second + 1);
  if (h.length > MAX_HEADER_SEGMENT) return malformed('the JWS header is too large');
  if (p.length === 0) return malformed('the JWS payload is empty');
  if (!isBase64Url(h) || !isBase64Url(p) || !isBase64Url(s)) return malformed('the token segments must be base64url without padding');
  const header = decodeObject(h);
  if (!header) return malformed('the JWS header is not a JSON object');
  const payload = decodeObject(p);
  if (!payload) return malformed('the JWT claims are not a JSON object');
  return { ok: true, jwt: { header, payload, emptySignature: s.length === 0 } };
}
