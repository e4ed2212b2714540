/**
 * The OIDC verifier against an in-memory OpenID Provider (discovery + JWKS served by a fake HTTP
 * client), with a controlled clock: key selection, refresh rate limits, outages, and the hostile
 * tokens (alg none, HS256 with the public key as secret, wrong issuer/audience, expiry, nbf).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyObject, createPublicKey, sign as rsaSign } from 'node:crypto';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { ClusterSlice } from '../index/access-index.js';
import { cluster } from '../kube-api/testdata/slices.js';
import type { OidcProviderRecord } from '../model/types.js';
import type { AuthnOutcome } from '../authn/authenticator.js';
import { OidcAuthenticator } from './authenticator.js';
import { DEFAULT_MIN_REFRESH_INTERVAL_MS } from './keys.js';
import type { HttpGet } from './keys.js';

const ISS = 'https://idp.example.com';
const T0 = Date.UTC(2026, 0, 1);
const sec = (ms: number) => Math.floor(ms / 1000);
const seg = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(kid: string, alg = 'RS256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg } };
}

class FakeIdp {
  published: JWK[] = [];
  down = false;
  redirect = false;
  discoveryIssuer = ISS;
  calls = { discovery: 0, jwks: 0 };
  get: HttpGet = async (url) => {
    if (this.down) throw new Error('connect ECONNREFUSED');
    if (this.redirect) return { status: 302, body: Buffer.alloc(0) };
    if (url === `${ISS}/.well-known/openid-configuration`) {
      this.calls.discovery++;
      return { status: 200, body: Buffer.from(JSON.stringify({ issuer: this.discoveryIssuer, jwks_uri: `${ISS}/jwks` })) };
    }
    if (url === `${ISS}/jwks`) {
      this.calls.jwks++;
      return { status: 200, body: Buffer.from(JSON.stringify({ keys: this.published })) };
    }
    return { status: 404, body: Buffer.alloc(0) };
  };
}

function provider(p: Partial<OidcProviderRecord> = {}): OidcProviderRecord {
  return {
    clusterName: 'demo',
    name: 'corp',
    arn: 'arn:aws:eks:us-east-1:111122223333:identityproviderconfig/demo/oidc/corp/u',
    issuerUrl: ISS,
    clientId: 'kubernetes',
    usernameClaim: 'email',
    groupsClaim: 'groups',
    groupsPrefix: 'oidc:',
    requiredClaims: {},
    tags: {},
    createdAt: 0,
    activeAt: 0,
    ...p,
  };
}

const slice = (...providers: OidcProviderRecord[]) => new ClusterSlice(cluster('API'), 1, [], [], [], undefined, providers);

async function sign(k: Key, claims: JWTPayload, header: Record<string, unknown> = {}, alg = 'RS256'): Promise<string> {
  return new SignJWT({ iss: ISS, aud: 'kubernetes', sub: 'alice', email: 'alice@corp.example', groups: ['dev'], iat: sec(T0), exp: sec(T0) + 3600, ...claims })
    .setProtectedHeader({ alg, kid: k.kid, ...header })
    .sign(k.privateKey);
}

/** A compact JWS built by hand (for headers jose itself refuses to produce). */
function rawSign(k: Key, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${seg(header)}.${seg(claims)}`;
  return `${input}.${rsaSign('sha256', Buffer.from(input), KeyObject.from(k.privateKey)).toString('base64url')}`;
}

function denied(r: AuthnOutcome | undefined, reason: string, label: string, kind: 'denied' | 'unavailable' = 'denied'): void {
  assert.ok(r, `${label}: an outcome`);
  assert.equal(r.ok, false, `${label}: refused`);
  if (!r.ok) {
    assert.equal(r.reason, reason, `${label}: reason (${r.message})`);
    assert.equal(r.kind, kind, `${label}: kind`);
  }
}

async function setup(o: { providers?: OidcProviderRecord[]; algorithms?: ('RS256' | 'ES256')[] } = {}) {
  const idp = new FakeIdp();
  const k1 = await newKey('k1');
  idp.published = [k1.jwk];
  const authn = new OidcAuthenticator({ httpGet: idp.get, ...(o.algorithms ? { algorithms: o.algorithms } : {}) });
  return { idp, k1, authn, s: slice(...(o.providers ?? [provider()])) };
}

test('accepts a valid ID token and maps its claims', async () => {
  const { authn, s, k1, idp } = await setup();
  const r = await authn.authenticate(s, await sign(k1, {}), T0);
  assert.ok(r?.ok, `accepted: ${JSON.stringify(r)}`);
  assert.deepEqual(r.user, { username: 'alice@corp.example', uid: '', groups: ['oidc:dev'], extra: {} }, 'user');
  assert.equal(r.source, 'oidc', 'source');
  assert.equal(r.identity, undefined, 'no IAM identity');
  await authn.authenticate(s, await sign(k1, { sub: 'bob' }), T0 + 1000);
  assert.deepEqual(idp.calls, { discovery: 1, jwks: 1 }, 'discovery and JWKS fetched once, lazily');
});

test('tokens of other issuers, or of providers not yet ACTIVE, are not ours (undefined)', async () => {
  const { authn, s, k1, idp } = await setup();
  assert.equal(await authn.authenticate(s, await sign(k1, { iss: 'https://other.example.com' }), T0), undefined, 'other issuer');
  assert.equal(await authn.authenticate(s, await sign(k1, { iss: undefined }), T0), undefined, 'no iss');
  const creating = slice(provider({ activeAt: T0 + 60_000 }));
  assert.equal(await authn.authenticate(creating, await sign(k1, {}), T0), undefined, 'CREATING provider');
  const gone = slice(provider({ deletingAt: T0 - 1 }));
  assert.equal(await authn.authenticate(gone, await sign(k1, {}), T0), undefined, 'disassociated provider');
  const deleting = slice(provider({ deletingAt: T0 + 60_000 }));
  assert.ok((await authn.authenticate(deleting, await sign(k1, {}), T0))?.ok, 'DELETING provider still answers until the update completes');
  assert.equal(await authn.authenticate(slice(), 'a.b.c', T0), undefined, 'no providers: nothing is parsed');
  assert.equal(idp.calls.jwks, 1, 'only the accepted token fetched keys');
});

test('hostile and invalid tokens are refused with a reason', async () => {
  const { authn, s, k1 } = await setup();
  const pem = createPublicKey({ key: k1.jwk as unknown as Record<string, string>, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  const claims = { iss: ISS, aud: 'kubernetes', sub: 'alice', email: 'alice@corp.example', exp: sec(T0) + 3600 };
  const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(pem));
  const hs256Jwk = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(JSON.stringify(k1.jwk)));
  const other = await newKey('k1');
  const good = await sign(k1, {});
  const [h, p, sig] = good.split('.') as [string, string, string];
  const tampered = `${h}.${seg({ ...claims, email: 'admin@corp.example' })}.${sig}`;
  const cases: [string, string, string][] = [
    ['alg none', `${seg({ alg: 'none' })}.${seg(claims)}.`, 'oidc_alg_not_allowed'],
    ['alg none with a kid', `${seg({ alg: 'none', kid: 'k1' })}.${seg(claims)}.`, 'oidc_alg_not_allowed'],
    ['HS256 with the public key (PEM) as HMAC secret', hs256, 'oidc_alg_not_allowed'],
    ['HS256 with the public JWK as HMAC secret', hs256Jwk, 'oidc_alg_not_allowed'],
    ['RS256 header, empty signature', `${h}.${p}.`, 'oidc_malformed'],
    ['tampered claims', tampered, 'oidc_bad_signature'],
    ['another key under the same kid', await sign(other, {}), 'oidc_bad_signature'],
    ['wrong audience', await sign(k1, { aud: 'other-client' }), 'oidc_bad_audience'],
    ['audience list without clientId', await sign(k1, { aud: ['a', 'b'] }), 'oidc_bad_audience'],
    ['no audience', await sign(k1, { aud: undefined }), 'oidc_bad_audience'],
    ['expired a second ago (no leeway)', await sign(k1, { exp: sec(T0) - 1 }), 'oidc_expired'],
    ['expired long ago', await sign(k1, { exp: sec(T0) - 3600 }), 'oidc_expired'],
    ['no exp', await sign(k1, { exp: undefined }), 'oidc_missing_exp'],
    ['nbf two minutes ahead', await sign(k1, { nbf: sec(T0) + 120 }), 'oidc_not_yet_valid'],
    ['email not verified', await sign(k1, { email_verified: false }), 'oidc_email_unverified'],
    ['groups not strings', await sign(k1, { groups: [1] }), 'oidc_groups_claim'],
    ['unknown kid', await sign(await newKey('k9'), {}), 'oidc_unknown_kid'],
    ['malformed JSON header', `${Buffer.from('{').toString('base64url')}.${p}.${sig}`, 'oidc_malformed'],
    ['oversized', `${h}.${'A'.repeat(20_000)}.${sig}`, 'oidc_token_too_large'],
    ['unknown crit header', rawSign(k1, { alg: 'RS256', kid: 'k1', crit: ['x-unknown'], 'x-unknown': 1 }, claims), 'oidc_invalid'],
    ['b64:false header', rawSign(k1, { alg: 'RS256', kid: 'k1', crit: ['b64'], b64: false }, claims), 'oidc_malformed'],
  ];
  for (const [label, token, reason] of cases) denied(await authn.authenticate(s, token, T0), reason, label);
  assert.ok((await authn.authenticate(s, rawSign(k1, { alg: 'RS256', kid: 'k1' }, claims), T0))?.ok, 'the hand-made signature itself verifies');
  const r = await authn.authenticate(s, await sign(k1, { nbf: sec(T0) + 30 }), T0);
  assert.ok(r?.ok, 'nbf 30 s ahead is within the 60 s leeway');
  const exact = await authn.authenticate(s, await sign(k1, { exp: sec(T0) }), T0);
  assert.ok(exact?.ok, 'exp equal to now is not yet past');
});

test('algorithm allowlist: ES256 only when configured', async () => {
  const ec = await newKey('e1', 'ES256');
  const { authn, s, idp } = await setup();
  idp.published.push(ec.jwk);
  denied(await authn.authenticate(s, await sign(ec, {}, {}, 'ES256'), T0), 'oidc_alg_not_allowed', 'ES256 under the RS256 default');
  const es = new OidcAuthenticator({ httpGet: idp.get, algorithms: ['RS256', 'ES256'] });
  assert.ok((await es.authenticate(s, await sign(ec, {}, {}, 'ES256'), T0))?.ok, 'ES256 when allowed');
  // A token claiming RS256 under the EC key's kid: the key type comes from the JWK, so no key fits.
  denied(await es.authenticate(s, await sign(await newKey('e1'), {}), T0), 'oidc_unknown_kid', 'RS256 token naming an EC key');
});

test('tokens without kid: every fitting key is tried', async () => {
  const { authn, s, k1, idp } = await setup();
  const k2 = await newKey('k2');
  idp.published = [k2.jwk, k1.jwk];
  const noKid = await new SignJWT({ iss: ISS, aud: 'kubernetes', email: 'a@corp.example', exp: sec(T0) + 60 }).setProtectedHeader({ alg: 'RS256' }).sign(k1.privateKey);
  assert.ok((await authn.authenticate(s, noKid, T0))?.ok, 'verified with the second key');
});

test('key rotation: a token signed with a freshly rotated key is accepted on its first review', async () => {
  const { authn, s, k1, idp } = await setup();
  assert.ok((await authn.authenticate(s, await sign(k1, {}), T0))?.ok, 'k1 works');
  const k2 = await newKey('k2');
  idp.published = [k2.jwk, k1.jwk];
  // The provider rotated a few seconds after Entryway's last fetch: the new kid fetches at once.
  assert.equal(DEFAULT_MIN_REFRESH_INTERVAL_MS, 3_000);
  assert.ok((await authn.authenticate(s, await sign(k2, {}), T0 + DEFAULT_MIN_REFRESH_INTERVAL_MS))?.ok, 'first review with k2');
  assert.equal(idp.calls.jwks, 2, 'one fetch for the new key');
});

test('key rotation: an unknown kid refreshes the JWKS at most once per 3 s', async () => {
  const { authn, s, k1, idp } = await setup();
  assert.ok((await authn.authenticate(s, await sign(k1, {}), T0))?.ok, 'k1 works');
  const k2 = await newKey('k2');
  idp.published = [k2.jwk, k1.jwk];
  // Within 3 s of the last fetch, the new kid is refused without a fetch.
  denied(await authn.authenticate(s, await sign(k2, {}), T0 + 2_000), 'oidc_unknown_kid', 'rate-limited refresh');
  assert.equal(idp.calls.jwks, 1, 'no second fetch inside the interval');
  const t = T0 + 3_500;
  assert.ok((await authn.authenticate(s, await sign(k2, {}), t))?.ok, 'k2 after one refresh');
  assert.equal(idp.calls.jwks, 2, 'one refresh');
  assert.ok((await authn.authenticate(s, await sign(k1, {}), t + 1))?.ok, 'k1 still published and accepted');
  denied(await authn.authenticate(s, await sign(await newKey('k3'), {}), t + 2), 'oidc_unknown_kid', 'unknown kid right after a refresh');
  assert.equal(idp.calls.jwks, 2, 'random kids cannot make Entryway hammer the provider');
  idp.published = [k2.jwk];
  assert.ok((await authn.authenticate(s, await sign(k1, {}), t + 3))?.ok, 'k1 still cached until the next refresh');
});

test('concurrent unknown-kid tokens share one refresh', async () => {
  const { authn, s, k1, idp } = await setup();
  await authn.authenticate(s, await sign(k1, {}), T0);
  const k2 = await newKey('k2');
  idp.published = [k2.jwk];
  const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => sign(k2, { sub: `u${i}` })));
  const rs = await Promise.all(tokens.map((tk) => authn.authenticate(s, tk, T0 + 20_000)));
  assert.ok(rs.every((r) => r?.ok), 'all accepted');
  assert.equal(idp.calls.jwks, 2, 'one refresh for twenty tokens');
});

test('JWKS endpoint down: known keys keep working, unknown keys are refused', async () => {
  const { authn, s, k1, idp } = await setup();
  assert.ok((await authn.authenticate(s, await sign(k1, {}), T0))?.ok, 'warm');
  idp.down = true;
  const late = T0 + 60 * 60_000;
  assert.ok((await authn.authenticate(s, await sign(k1, { exp: sec(late) + 60 }), late))?.ok, 'known key, stale cache, provider down');
  denied(await authn.authenticate(s, await sign(await newKey('k2'), { exp: sec(late) + 60 }), late + 20_000), 'oidc_jwks_unavailable', 'unknown key while down', 'unavailable');
  idp.down = false;
  const k2 = await newKey('k2');
  idp.published = [k2.jwk];
  assert.ok((await authn.authenticate(s, await sign(k2, { exp: sec(late) + 3600 }), late + 40_000))?.ok, 'recovers once the provider is back');
});

test('provider unreachable from the start: unavailable, retried at most every 3 s', async () => {
  const { authn, s, k1, idp } = await setup();
  idp.down = true;
  denied(await authn.authenticate(s, await sign(k1, {}), T0), 'oidc_provider_unavailable', 'first use', 'unavailable');
  denied(await authn.authenticate(s, await sign(k1, {}), T0 + 1000), 'oidc_provider_unavailable', 'second use', 'unavailable');
  idp.down = false;
  assert.ok((await authn.authenticate(s, await sign(k1, {}), T0 + 2000))?.ok === false, 'still inside the retry interval');
  assert.ok((await authn.authenticate(s, await sign(k1, {}), T0 + 11_000))?.ok, 'after the interval');
});

test('discovery must name the configured issuer; redirects are not followed', async () => {
  const a = await setup();
  a.idp.discoveryIssuer = 'https://evil.example.com';
  const r = await a.authn.authenticate(a.s, await sign(a.k1, {}), T0);
  denied(r, 'oidc_provider_unavailable', 'issuer mismatch', 'unavailable');
  assert.match(r && !r.ok ? r.message : '', /does not equal the configured issuerUrl/, 'message names the mismatch');
  const b = await setup();
  b.idp.redirect = true;
  const r2 = await b.authn.authenticate(b.s, await sign(b.k1, {}), T0);
  denied(r2, 'oidc_provider_unavailable', 'redirect', 'unavailable');
  assert.match(r2 && !r2.ok ? r2.message : '', /redirect/, 'message names the redirect');
});

test('JWKS hygiene: symmetric, encryption and malformed keys are ignored', async () => {
  const { authn, s, k1, idp } = await setup();
  idp.published = [
    { kty: 'oct', k: 'c2VjcmV0', kid: 'k1' },
    { ...k1.jwk, kid: 'enc', use: 'enc' },
    { kty: 'RSA', n: '!!', e: 'AQAB', kid: 'bad' },
    k1.jwk,
  ];
  assert.ok((await authn.authenticate(s, await sign(k1, {}), T0))?.ok, 'the RSA signature key is used');
  const hs = await new SignJWT({ iss: ISS, aud: 'kubernetes', email: 'a@corp.example', exp: sec(T0) + 60 })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
    .sign(Buffer.from('secret'));
  denied(await authn.authenticate(s, hs, T0), 'oidc_alg_not_allowed', 'HS256 with a published oct key');
});

test('required claims and the default sub prefix', async () => {
  const { authn, k1 } = await setup();
  const s = slice(provider({ usernameClaim: undefined, groupsClaim: undefined, groupsPrefix: undefined, requiredClaims: { hd: 'corp.example' } }));
  const ok = await authn.authenticate(s, await sign(k1, { hd: 'corp.example' }), T0);
  assert.ok(ok?.ok, 'required claim present');
  assert.equal(ok.user.username, `${ISS}#alice`, 'issuer# prefix on sub');
  assert.deepEqual(ok.user.groups, [], 'no groups claim configured');
  denied(await authn.authenticate(s, await sign(k1, { hd: 'other.example' }), T0), 'oidc_required_claim', 'wrong value');
  denied(await authn.authenticate(s, await sign(k1, {}), T0), 'oidc_required_claim', 'missing');
});
