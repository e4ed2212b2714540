/**
 * Signing keys of one OpenID Provider: discovery, then its JWKS, fetched lazily and cached.
 *
 * - Discovery at `<issuer>/.well-known/openid-configuration`; its `issuer` must equal the
 *   configured URL exactly, `jwks_uri` (https) is taken from it.
 * - HTTPS only, no redirects (a 3xx is an error), a deadline per request, a size cap per body,
 *   and an optional extra CA bundle added to the public roots (issuers with a private CA).
 * - Refreshes (discovery when needed, then JWKS) are de-duplicated and rate-limited: at most one
 *   attempt per `minRefreshIntervalMs` (3 s, per issuer), whether it succeeded or not. An unknown `kid`
 *   triggers a refresh (if the limit allows); keys older than `maxKeyAgeMs` are refreshed in the
 *   background while the cached ones keep answering. A failed refresh never discards the last good
 *   keys.
 * - Keys are imported from their JWK members only (`kty` decides the key type; the token's `alg`
 *   never does). Symmetric (`oct`) and encryption (`use: enc`) keys are ignored.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { rootCertificates } from 'node:tls';

export const DISCOVERY_MAX_BYTES = 128 * 1024;
export const JWKS_MAX_BYTES = 256 * 1024;
export const MAX_JWKS_KEYS = 100;
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;
/**
 * How soon after the last fetch an unknown `kid` may fetch again. Short, so a token signed with a
 * freshly rotated key is accepted on its first review (kube-apiserver's authenticator also
 * refetches on an unknown kid at once); long enough that a flood of random kids costs the issuer
 * at most one request per issuer every 3 s.
 */
export const DEFAULT_MIN_REFRESH_INTERVAL_MS = 3_000;
export const DEFAULT_MAX_KEY_AGE_MS = 5 * 60_000;

export interface HttpResponse {
  status: number;
  body: Buffer;
}

/** GETs a URL; rejects on transport errors, redirects are returned as their status (never followed). */
export type HttpGet = (url: string, o: { timeoutMs: number; maxBytes: number }) => Promise<HttpResponse>;

export class FetchError extends Error {
  override readonly name = 'FetchError';
}

/** node:https GET with a deadline, a size cap, no redirects, and the public roots plus `extraCa`. */
export function httpsGet(extraCa?: string): HttpGet {
  const agent = new Agent({ keepAlive: true, maxSockets: 8, ...(extraCa ? { ca: [...rootCertificates, extraCa] } : {}) });
  return (url, o) =>
    new Promise((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        reject(new FetchError('not a URL'));
        return;
      }
      if (u.protocol !== 'https:') {
        reject(new FetchError(`${u.protocol} is not allowed: only https`));
        return;
      }
      let settled = false;
      let res: IncomingMessage | undefined;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        res?.destroy();
        req.destroy();
        reject(new FetchError(message));
      };
      const req = request(u, { method: 'GET', agent, headers: { accept: 'application/json' }, timeout: o.timeoutMs }, (r) => {
        res = r;
        const declared = Number(r.headers['content-length']);
        if (Number.isFinite(declared) && declared > o.maxBytes) return fail(`the response is larger than ${o.maxBytes} bytes`);
        const chunks: Buffer[] = [];
        let size = 0;
        r.on('data', (d: Buffer) => {
          size += d.length;
          if (size > o.maxBytes) return fail(`the response is larger than ${o.maxBytes} bytes`);
          chunks.push(d);
        });
        r.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        r.on('error', (e) => fail(e.message));
      });
      const deadline = setTimeout(() => fail(`no answer within ${o.timeoutMs} ms`), o.timeoutMs);
      req.on('timeout', () => fail(`no answer within ${o.timeoutMs} ms`));
      req.on('error', (e) => fail(e.message));
      req.end();
    });
}

export interface VerificationKey {
  kid: string | undefined;
  kty: 'RSA' | 'EC';
  crv: string | undefined;
  /** The JWK's `alg`, when it names one. */
  alg: string | undefined;
  key: KeyObject;
}

const EC_CURVE_OF_ALG: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** Whether a key can verify `alg` (by the key's own type and metadata). */
export function keyFitsAlg(k: VerificationKey, alg: string): boolean {
  if (k.alg !== undefined && k.alg !== alg) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return k.kty === 'RSA';
  if (alg.startsWith('ES')) return k.kty === 'EC' && k.crv === EC_CURVE_OF_ALG[alg];
  return false;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A JWKS document → its usable public signature keys (others are skipped). */
export function parseJwks(body: unknown): VerificationKey[] {
  if (!isObj(body) || !Array.isArray(body.keys)) throw new FetchError('the JWKS is not a JSON object with a keys array');
  const out: VerificationKey[] = [];
  for (const jwk of body.keys.slice(0, MAX_JWKS_KEYS)) {
    if (!isObj(jwk)) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) continue;
    let pub: Record<string, string> | undefined;
    if (jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string') pub = { kty: 'RSA', n: jwk.n, e: jwk.e };
    else if (jwk.kty === 'EC' && typeof jwk.crv === 'string' && typeof jwk.x === 'string' && typeof jwk.y === 'string') pub = { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
    if (!pub) continue;
    try {
      const key = createPublicKey({ key: pub, format: 'jwk' });
      out.push({ kid: str(jwk.kid), kty: pub.kty as 'RSA' | 'EC', crv: pub.crv, alg: str(jwk.alg), key });
    } catch {
      // Not a valid key: skipped like any unusable member.
    }
  }
  return out;
}

export interface IssuerKeysOptions {
  httpGet: HttpGet;
  timeoutMs?: number;
  minRefreshIntervalMs?: number;
  maxKeyAgeMs?: number;
  onFetch?: (issuer: string, what: 'discovery' | 'jwks', outcome: string) => void;
}

export type KeyLookup =
  | { ok: true; keys: VerificationKey[] }
  | { ok: false; kind: 'denied' | 'unavailable'; reason: string; message: string };

export class IssuerKeys {
  private jwksUri: string | undefined;
  private keys: VerificationKey[] | undefined;
  private keysAt = 0;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private lastError: string | undefined;
  private inflight: Promise<void> | undefined;
  /** Refreshes started (for tests and metrics). */
  refreshes = 0;
  lastUsed = 0;

  constructor(
    readonly issuer: string,
    private readonly o: IssuerKeysOptions,
  ) {}

  private get minInterval(): number {
    return this.o.minRefreshIntervalMs ?? DEFAULT_MIN_REFRESH_INTERVAL_MS;
  }

  /** Starts (or joins) a refresh when the rate limit allows; resolves when it ends. */
  private refresh(now: number): Promise<void> {
    if (this.inflight) return this.inflight;
    if (now - this.lastAttempt < this.minInterval) return Promise.resolve();
    this.lastAttempt = now;
    this.refreshes++;
    this.inflight = this.fetchKeys()
      .then((keys) => {
        this.keys = keys;
        this.keysAt = now;
        this.lastError = undefined;
      })
      .catch((e: unknown) => {
        this.lastError = e instanceof Error ? e.message : String(e);
        // A stale jwks_uri may be the cause: discover again next time.
        this.jwksUri = undefined;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async getJson(url: string, what: 'discovery' | 'jwks', maxBytes: number): Promise<unknown> {
    let res: HttpResponse;
    try {
      res = await this.o.httpGet(url, { timeoutMs: this.o.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS, maxBytes });
    } catch (e) {
      this.o.onFetch?.(this.issuer, what, 'error');
      throw new FetchError(`${what} ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.o.onFetch?.(this.issuer, what, String(res.status));
    if (res.status >= 300 && res.status < 400) throw new FetchError(`${what} ${url}: answered with a redirect (${res.status}), which is not followed`);
    if (res.status !== 200) throw new FetchError(`${what} ${url}: HTTP ${res.status}`);
    try {
      return JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new FetchError(`${what} ${url}: the body is not JSON`);
    }
  }

  private async fetchKeys(): Promise<VerificationKey[]> {
    if (!this.jwksUri) {
      const url = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const doc = await this.getJson(url, 'discovery', DISCOVERY_MAX_BYTES);
      if (!isObj(doc)) throw new FetchError(`discovery ${url}: not a JSON object`);
      if (doc.issuer !== this.issuer) {
        throw new FetchError(`discovery ${url}: its issuer ${JSON.stringify(String(doc.issuer).slice(0, 200))} does not equal the configured issuerUrl ${this.issuer}`);
      }
      const jwksUri = str(doc.jwks_uri);
      if (!jwksUri || !jwksUri.startsWith('https://')) throw new FetchError(`discovery ${url}: jwks_uri must be an https URL`);
      this.jwksUri = jwksUri;
    }
    const keys = parseJwks(await this.getJson(this.jwksUri, 'jwks', JWKS_MAX_BYTES));
    if (keys.length === 0) throw new FetchError(`jwks ${this.jwksUri}: no usable signature keys`);
    return keys;
  }

  private select(kid: string | undefined, alg: string): VerificationKey[] {
    const keys = this.keys ?? [];
    return keys.filter((k) => (kid === undefined || k.kid === kid) && keyFitsAlg(k, alg));
  }

  /**
   * The keys that may have signed a token with this `kid` (any fitting key when the token has none)
   * and `alg`. Fetches or refreshes as described above.
   */
  async lookup(kid: string | undefined, alg: string, now: number): Promise<KeyLookup> {
    this.lastUsed = now;
    if (!this.keys) {
      await this.refresh(now);
      if (!this.keys) {
        return {
          ok: false,
          kind: 'unavailable',
          reason: 'oidc_provider_unavailable',
          message: `the signing keys of ${this.issuer} could not be fetched: ${this.lastError ?? 'a recent attempt failed; retrying shortly'}`,
        };
      }
    } else if (now - this.keysAt > (this.o.maxKeyAgeMs ?? DEFAULT_MAX_KEY_AGE_MS)) {
      void this.refresh(now);
    }
    let found = this.select(kid, alg);
    if (found.length === 0 && kid !== undefined) {
      // Perhaps a rotation: look again (at most once per interval).
      await this.refresh(now);
      found = this.select(kid, alg);
      if (found.length === 0) {
        if (this.lastError !== undefined) {
          return { ok: false, kind: 'unavailable', reason: 'oidc_jwks_unavailable', message: `key ${JSON.stringify(kid.slice(0, 64))} is unknown and the keys of ${this.issuer} could not be refreshed: ${this.lastError}` };
        }
        return { ok: false, kind: 'denied', reason: 'oidc_unknown_kid', message: `no signing key ${JSON.stringify(kid.slice(0, 64))} for ${alg} is published by ${this.issuer}` };
      }
    }
    if (found.length === 0) return { ok: false, kind: 'denied', reason: 'oidc_unknown_kid', message: `${this.issuer} publishes no key for ${alg}` };
    return { ok: true, keys: found };
  }
}
