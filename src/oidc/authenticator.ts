/**
 * OIDC ID tokens → Kubernetes users, for clusters with associated identity providers, following
 * kube-apiserver's JWT authenticator (k8s-authn-authz §6.3):
 *
 * 1. The token's `iss` is read unverified (token.ts). When it is not the issuer of one of the
 *    cluster's accepted providers (config.ts `providerAccepts`), the answer is `undefined`: not ours,
 *    other paths decide.
 * 2. `alg` must be in the allowlist (RS256 by default, `--oidc-signing-algs`); `none` and HMAC
 *    algorithms can never be configured, so an HS256 token "signed" with the provider's public key
 *    is refused before any key is looked at.
 * 3. The signature is verified by jose against keys from the provider's JWKS chosen by `kid` and by
 *    the keys' own type (keys.ts); no key, no acceptance.
 * 4. `iss` exact, `aud` contains the clientId, `exp` required with no leeway, `nbf` at most 60 s in
 *    the future; `iat` is not checked.
 * 5. Claims → user (claims.ts).
 * Every refusal is an AuthnOutcome with a stable reason; nothing here throws to the caller.
 */
import { errors as joseErrors, jwtVerify } from 'jose';
import type { AuthnOutcome, JwtAuthenticator } from '../authn/authenticator.js';
import type { ClusterSlice } from '../index/access-index.js';
import type { OidcProviderRecord } from '../model/types.js';
import { mapClaims } from './claims.js';
import type { SigningAlg } from './config.js';
import { DEFAULT_SIGNING_ALGS, providerAccepts } from './config.js';
import type { HttpGet } from './keys.js';
import { IssuerKeys, httpsGet } from './keys.js';
import { peekJwt } from './token.js';

/** kube-apiserver lets `nbf` be up to a minute in the future. */
export const NBF_LEEWAY_SECONDS = 60;
/** Keys tried for a token without `kid` (each is one signature check). */
const MAX_CANDIDATE_KEYS = 5;
/** Issuers whose keys are cached; the least recently used are dropped beyond this. */
const MAX_ISSUERS = 1000;

export interface OidcAuthenticatorOptions {
  /** Accepted JWS algorithms (default RS256). */
  algorithms?: readonly SigningAlg[];
  /** PEM bundle trusted in addition to the public roots, for discovery and JWKS. */
  extraCa?: string;
  /** Replaces the HTTPS client (unit tests). */
  httpGet?: HttpGet;
  fetchTimeoutMs?: number;
  minRefreshIntervalMs?: number;
  maxKeyAgeMs?: number;
  onFetch?: (issuer: string, what: 'discovery' | 'jwks', outcome: string) => void;
}

const deny = (reason: string, message: string): AuthnOutcome => ({ ok: false, kind: 'denied', reason, message });

export class OidcAuthenticator implements JwtAuthenticator {
  private readonly algorithms: SigningAlg[];
  private readonly httpGet: HttpGet;
  private readonly issuers = new Map<string, IssuerKeys>();

  constructor(private readonly o: OidcAuthenticatorOptions = {}) {
    this.algorithms = [...(o.algorithms ?? DEFAULT_SIGNING_ALGS)];
    this.httpGet = o.httpGet ?? httpsGet(o.extraCa);
  }

  /** The key cache of an issuer (created on first use). */
  keysOf(issuer: string): IssuerKeys {
    let k = this.issuers.get(issuer);
    if (!k) {
      if (this.issuers.size >= MAX_ISSUERS) {
        const oldest = [...this.issuers.values()].sort((a, b) => a.lastUsed - b.lastUsed)[0];
        if (oldest) this.issuers.delete(oldest.issuer);
      }
      k = new IssuerKeys(issuer, {
        httpGet: this.httpGet,
        ...(this.o.fetchTimeoutMs !== undefined ? { timeoutMs: this.o.fetchTimeoutMs } : {}),
        ...(this.o.minRefreshIntervalMs !== undefined ? { minRefreshIntervalMs: this.o.minRefreshIntervalMs } : {}),
        ...(this.o.maxKeyAgeMs !== undefined ? { maxKeyAgeMs: this.o.maxKeyAgeMs } : {}),
        ...(this.o.onFetch ? { onFetch: this.o.onFetch } : {}),
      });
      this.issuers.set(issuer, k);
    }
    return k;
  }

  async authenticate(slice: ClusterSlice, token: string, now: number): Promise<AuthnOutcome | undefined> {
    const providers = slice.identityProviders.filter((p) => providerAccepts(p, now));
    if (providers.length === 0) return undefined;
    const peek = peekJwt(token);
    if (!peek.ok) return deny(peek.reason, peek.message);
    const { header, payload } = peek.jwt;
    const iss = payload.iss;
    if (typeof iss !== 'string') return undefined;
    const provider = providers.find((p) => p.issuerUrl === iss);
    if (!provider) return undefined;
    try {
      return await this.verify(provider, token, header, now);
    } catch (e) {
      // Defensive: verification maps every expected failure itself.
      return deny('oidc_invalid', `the ID token could not be verified: ${e instanceof Error ? e.message.slice(0, 200) : 'error'}`);
    }
  }

  private async verify(p: OidcProviderRecord, token: string, header: Record<string, unknown>, now: number): Promise<AuthnOutcome> {
    const alg = header.alg;
    if (typeof alg !== 'string' || !(this.algorithms as string[]).includes(alg)) {
      return deny('oidc_alg_not_allowed', `the ID token's signing algorithm ${JSON.stringify(String(alg).slice(0, 32))} is not accepted (accepted: ${this.algorithms.join(', ')})`);
    }
    if (peekEmptySignature(token)) return deny('oidc_malformed', 'the ID token has no signature');
    const kid = header.kid;
    if (kid !== undefined && (typeof kid !== 'string' || kid.length > 256)) return deny('oidc_malformed', 'the JWS kid must be a string');
    const found = await this.keysOf(p.issuerUrl).lookup(kid, alg, now);
    if (!found.ok) return { ok: false, kind: found.kind, reason: found.reason, message: found.message };

    let claims: Record<string, unknown> | undefined;
    let lastSignatureError = false;
    for (const k of found.keys.slice(0, MAX_CANDIDATE_KEYS)) {
      try {
        const r = await jwtVerify(token, k.key, {
          algorithms: this.algorithms,
          issuer: p.issuerUrl,
          audience: p.clientId,
          requiredClaims: ['exp'],
          clockTolerance: NBF_LEEWAY_SECONDS,
          currentDate: new Date(now),
        });
        claims = r.payload as Record<string, unknown>;
        break;
      } catch (e) {
        if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
          lastSignatureError = true;
          continue;
        }
        return refusalOf(e);
      }
    }
    if (!claims) {
      return deny(lastSignatureError ? 'oidc_bad_signature' : 'oidc_invalid', `the ID token's signature does not verify with the keys published by ${p.issuerUrl}`);
    }
    // jose allowed the leeway on exp too; kube-apiserver allows none.
    if (typeof claims.exp !== 'number' || now / 1000 > claims.exp) return deny('oidc_expired', 'the ID token has expired');
    const mapped = mapClaims(p, claims);
    if (!mapped.ok) return deny(mapped.reason, mapped.message);
    return { ok: true, user: mapped.user, identity: undefined, source: 'oidc', cached: false, use: { kind: 'oidc', key: p.name } };
  }
}

function peekEmptySignature(token: string): boolean {
  return token.endsWith('.');
}

function refusalOf(e: unknown): AuthnOutcome {
  if (e instanceof joseErrors.JWTExpired) return deny('oidc_expired', 'the ID token has expired');
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'nbf':
        return deny('oidc_not_yet_valid', `the ID token is not valid yet (nbf is more than ${NBF_LEEWAY_SECONDS} s in the future)`);
      case 'aud':
        return deny('oidc_bad_audience', "the ID token's audience does not include the provider's clientId");
      case 'iss':
        return deny('oidc_bad_issuer', "the ID token's issuer does not equal the provider's issuerUrl");
      case 'exp':
        return deny('oidc_missing_exp', 'the ID token has no valid exp claim (it is required)');
      default:
        return deny('oidc_invalid_claims', `the ID token's ${JSON.stringify(e.claim.slice(0, 32))} claim is invalid`);
    }
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return deny('oidc_alg_not_allowed', "the ID token's signing algorithm is not accepted");
  if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid) return deny('oidc_malformed', `the ID token is malformed: ${e.message.slice(0, 120)}`);
  if (e instanceof joseErrors.JOSEError) return deny('oidc_invalid', `the ID token could not be verified: ${e.message.slice(0, 120)}`);
  return deny('oidc_invalid', `the ID token could not be verified: ${e instanceof Error ? e.message.slice(0, 120) : 'error'}`);
}
