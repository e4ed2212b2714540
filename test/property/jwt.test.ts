/**
 * Property: OIDC ID tokens (src/oidc, the verifier behind the webhook and the kubectl endpoints),
 * against an in-memory identity provider whose keys this test controls.
 *
 * Genuine tokens (RS256 and ES256, random claims) are mutated — header rewritten (alg none / HS* /
 * other asymmetric algs, kid swaps, embedded jwk / jku / x5u / x5c, crit, b64, zip), claims
 * rewritten without re-signing, re-signed with keys the attacker holds (HMAC with the provider's
 * public key as secret, another RSA/EC key under the provider's kid), signature bytes flipped,
 * truncated or re-encoded, segments added or removed — and random strings are thrown in. Then:
 * - nothing throws;
 * - accepted ⇒ the signing input (header.payload) is one the provider really signed, the header
 *   `alg` is allowed, and the user is exactly what that genuine token maps to;
 * - the verifier fetches nothing but the provider's discovery document and its jwks_uri (never a
 *   URL named by the token).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHmac, createPublicKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { ClusterSlice } from '../../src/index/access-index.js';
import { cluster } from '../../src/kube-api/testdata/slices.js';
import type { OidcProviderRecord } from '../../src/model/types.js';
import { OidcAuthenticator } from '../../src/oidc/index.js';
import type { HttpGet } from '../../src/oidc/keys.js';
import { check, countRequest, note } from './lib.js';

const FILE = 'test/property/jwt.test.ts';
const ISS = 'https://idp.example.com';
const T0 = Date.UTC(2026, 5, 1);
const sec = (ms: number) => Math.floor(ms / 1000);
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const seg = (o: unknown) => b64(JSON.stringify(o));

interface Pair {
  kid: string;
  alg: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function rsa(kid: string): Pair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, publicKey };
}
function ec(kid: string): Pair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey };
}

/** Signs a JWS signing input as `alg` with a Node key or an HMAC secret. */
function signInput(alg: string, key: KeyObject | Buffer | undefined, input: string): string {
  if (alg === 'none' || key === undefined) return '';
  const data = Buffer.from(input);
  if (Buffer.isBuffer(key)) return b64(createHmac(`sha${alg.slice(2)}`, key).update(data).digest());
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('RS')) return b64(cryptoSign(hash, data, key));
  if (alg.startsWith('PS')) return b64(cryptoSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }));
  if (alg.startsWith('ES')) return b64(cryptoSign(hash, data, { key, dsaEncoding: 'ieee-p1363' }));
  return '';
}

const real = { rsa: rsa('k1'), ec: ec('e1') };
const attacker = { rsa: rsa('k1'), ec: ec('e1'), other: rsa('k9') };
const jwkOf = (p: Pair): Record<string, string> => ({ ...(p.publicKey.export({ format: 'jwk' }) as Record<string, string>), kid: p.kid, alg: p.alg, use: 'sig' });
const pemOf = (p: Pair) => p.publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** Fetches the verifier made, to check it never goes anywhere a token points to. */
const fetched: string[] = [];
const idpGet: HttpGet = async (url) => {
  fetched.push(url);
  if (url === `${ISS}/.well-known/openid-configuration`) return { status: 200, body: Buffer.from(JSON.stringify({ issuer: ISS, jwks_uri: `${ISS}/jwks` })) };
  if (url === `${ISS}/jwks`) return { status: 200, body: Buffer.from(JSON.stringify({ keys: [jwkOf(real.rsa), jwkOf(real.ec)] })) };
  return { status: 404, body: Buffer.alloc(0) };
};

const provider: OidcProviderRecord = {
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
};
const slice = new ClusterSlice(cluster('API'), 1, [], [], [], undefined, [provider]);

interface Genuine {
  token: string;
  input: string;
  alg: string;
}

/** Signing inputs the provider really signed → what the verifier maps them to (per verifier). */
type Signed = Map<string, unknown>;

const validClaims = fc.record({
  iss: fc.constant(ISS),
  aud: fc.constantFrom<unknown>('kubernetes', ['kubernetes', 'other']),
  email: fc.constantFrom('alice@corp.example', 'bob@corp.example', 'carol@corp.example'),
  groups: fc.constantFrom<unknown>(['dev'], ['dev', 'ops'], 'ops', []),
  exp: fc.constantFrom(sec(T0) + 3600, sec(T0) + 60),
  iat: fc.constant(sec(T0) - 10),
});
const noisyClaims = fc.record(
  {
    iss: fc.constantFrom(ISS, ISS, ISS, `${ISS}/`, 'https://evil.example.com'),
    aud: fc.constantFrom<unknown>('kubernetes', 'kubernetes', ['kubernetes', 'other'], 'other', ['other']),
    sub: fc.string({ maxLength: 20 }),
    email: fc.constantFrom('alice@corp.example', 'bob@corp.example', 'system:masters', '', 'admin@corp.example'),
    email_verified: fc.constantFrom<unknown>(true, true, false, 'true'),
    groups: fc.constantFrom<unknown>(['dev'], ['dev', 'ops'], 'ops', [1], [], ['system:masters']),
    exp: fc.constantFrom(sec(T0) + 3600, sec(T0) + 60, sec(T0), sec(T0) - 1),
    nbf: fc.constantFrom(sec(T0) - 60, sec(T0) + 30, sec(T0) + 120),
    iat: fc.constant(sec(T0) - 10),
  },
  { requiredKeys: ['iss', 'aud', 'email', 'exp'] },
);
const claimsArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof({ weight: 3, arbitrary: validClaims }, { weight: 1, arbitrary: noisyClaims });

async function genuine(claims: Record<string, unknown>, which: 'rsa' | 'ec', verifier: OidcAuthenticator, signedByProvider: Signed): Promise<Genuine> {
  const key = real[which];
  const input = `${seg({ alg: key.alg, kid: key.kid, typ: 'JWT' })}.${seg(claims)}`;
  const token = `${input}.${signInput(key.alg, key.privateKey, input)}`;
  if (!signedByProvider.has(input)) {
    const r = await verifier.authenticate(slice, token, T0);
    signedByProvider.set(input, r?.ok ? r.user : null);
  }
  return { token, input, alg: key.alg };
}

type Mutation = { label: string; apply: (g: Genuine) => string };
const parts = (t: string): [string, string, string] => {
  const [h = '', p = '', ...rest] = t.split('.');
  return [h, p, rest.join('.')];
};
const decodeObj = (s: string): Record<string, unknown> => {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

const ALGS = ['none', 'None', 'NONE', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA', 'dir', 'RSA-OAEP', ''];
const headerExtras = fc.constantFrom<Record<string, unknown>>(
  {},
  { kid: 'k9' },
  { kid: 'e1' },
  { kid: '' },
  { kid: 5 },
  { kid: '../../jwks?x=' },
  { kid: 'k'.repeat(300) },
  { jku: 'https://evil.example/jwks' },
  { x5u: 'https://evil.example/cert' },
  { jwk: jwkOf(attacker.rsa) },
  { x5c: ['MIIB'] },
  { crit: ['exp'] },
  { crit: ['b64'], b64: false },
  { zip: 'DEF' },
  { typ: 'at+jwt' },
  { enc: 'A256GCM' },
  { kid: undefined },
  { __proto__: { alg: 'none' } },
);

const HMAC_SECRETS: [string, Buffer][] = [
  ['public PEM', Buffer.from(pemOf(real.rsa))],
  ['public JWK', Buffer.from(JSON.stringify(jwkOf(real.rsa)))],
  ['public DER', real.rsa.publicKey.export({ type: 'spki', format: 'der' })],
  ['modulus n', Buffer.from(jwkOf(real.rsa).n ?? '', 'base64url')],
  ['empty', Buffer.alloc(0)],
  ['"secret"', Buffer.from('secret')],
  ['whitespace + PEM', Buffer.from(` ${pemOf(real.rsa)}`)],
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Header rewritten, signature kept.
  fc.tuple(fc.constantFrom(...ALGS), headerExtras).map(([alg, extra]): Mutation => ({
    label: `header alg=${alg} ${JSON.stringify(extra).slice(0, 60)}`,
    apply: (g) => {
      const [h, p, s] = parts(g.token);
      return `${seg({ ...decodeObj(h), alg, ...extra })}.${p}.${s}`;
    },
  })),
  // Claims rewritten, signature kept.
  fc.constantFrom<Record<string, unknown>>({ email: 'admin@corp.example' }, { groups: ['system:masters'] }, { exp: sec(T0) + 1e9 }, { aud: 'kubernetes' }, { iss: ISS }, { email_verified: true }, {}).map((patch): Mutation => ({
    label: `claims ${JSON.stringify(patch)}`,
    apply: (g) => {
      const [h, p, s] = parts(g.token);
      return `${h}.${seg({ ...decodeObj(p), ...patch })}.${s}`;
    },
  })),
  // Re-signed by the attacker (any alg, any key they hold, header as they like).
  fc
    .tuple(
      fc.constantFrom<[string, KeyObject | Buffer | undefined, string]>(
        ...HMAC_SECRETS.map(([label, k]) => ['HS256', k, label] as [string, Buffer, string]),
        ['HS512', HMAC_SECRETS[0]![1], 'public PEM'],
        ['RS256', attacker.rsa.privateKey, 'attacker RSA'],
        ['RS384', attacker.rsa.privateKey, 'attacker RSA'],
        ['PS256', attacker.rsa.privateKey, 'attacker RSA'],
        ['ES256', attacker.ec.privateKey, 'attacker EC'],
        ['RS256', attacker.other.privateKey, 'attacker RSA k9'],
        ['none', undefined, 'no key'],
        ['PS256', real.rsa.privateKey, 'the real RSA key under PS256'],
        ['RS384', real.rsa.privateKey, 'the real RSA key under RS384'],
      ),
      headerExtras,
      fc.constantFrom<Record<string, unknown>>({}, { email: 'admin@corp.example', groups: ['system:masters'] }),
    )
    .map(([[alg, key, keyLabel], extra, patch]): Mutation => ({
      label: `re-signed ${alg} with ${keyLabel} ${JSON.stringify(extra).slice(0, 40)} ${JSON.stringify(patch)}`,
      apply: (g) => {
        const [h, p] = parts(g.token);
        const input = `${seg({ ...decodeObj(h), alg, ...extra })}.${seg({ ...decodeObj(p), ...patch })}`;
        return `${input}.${signInput(alg, key, input)}`;
      },
    })),
  // Signature bytes.
  fc.tuple(fc.nat(), fc.constantFrom('A', 'B', '_', '-', '+', '/', '=', '')).map(([i, c]): Mutation => ({
    label: `signature[${i}]=${JSON.stringify(c)}`,
    apply: (g) => {
      const [h, p, s] = parts(g.token);
      const k = i % Math.max(1, s.length);
      return `${h}.${p}.${s.slice(0, k)}${c}${s.slice(k + 1)}`;
    },
  })),
  fc.constantFrom('truncate', 'empty', 'double', 'pad', 'std-base64', 'zero').map((how): Mutation => ({
    label: `signature ${how}`,
    apply: (g) => {
      const [h, p, s] = parts(g.token);
      const raw = Buffer.from(s, 'base64url');
      const sig =
        how === 'truncate' ? s.slice(0, -4) : how === 'empty' ? '' : how === 'double' ? s + s : how === 'pad' ? `${s}==` : how === 'std-base64' ? raw.toString('base64') : b64(Buffer.alloc(raw.length));
      return `${h}.${p}.${sig}`;
    },
  })),
  // Token shape.
  fc.constantFrom('extra segment', 'JWE shape', 'two segments', 'leading dot', 'trailing dot', 'whitespace', 'newline', 'bearer', 'unicode', 'long', 'swap header and payload').map((how): Mutation => ({
    label: how,
    apply: (g) => {
      const [h, p, s] = parts(g.token);
      switch (how) {
        case 'extra segment':
          return `${g.token}.${s}`;
        case 'JWE shape':
          return `${h}..${p}.${s}.${s.slice(0, 22)}`;
        case 'two segments':
          return `${h}.${p}`;
        case 'leading dot':
          return `.${g.token}`;
        case 'trailing dot':
          return `${g.token}.`;
        case 'whitespace':
          return ` ${g.token} `;
        case 'newline':
          return `${h}.${p}\n.${s}`;
        case 'bearer':
          return `Bearer ${g.token}`;
        case 'unicode':
          return `${h}.${p}é.${s}`;
        case 'long':
          return `${h}.${p}${'A'.repeat(17_000)}.${s}`;
        default:
          return `${p}.${h}.${s}`;
      }
    },
  })),
  // Base64 re-encodings of the header or payload (different signing input, same JSON).
  fc.constantFrom('header', 'payload').map((which): Mutation => ({
    label: `re-encode ${which} with padding`,
    apply: (g) => {
      const [h, p, s] = parts(g.token);
      const pad = (x: string) => Buffer.from(x, 'base64url').toString('base64');
      return which === 'header' ? `${pad(h)}.${p}.${s}` : `${h}.${pad(p)}.${s}`;
    },
  })),
);

function mutatedIsGenuine(token: string, signedByProvider: Signed): string | undefined {
  const p = token.split('.');
  if (p.length !== 3) return undefined;
  const input = `${p[0]}.${p[1]}`;
  return signedByProvider.has(input) ? input : undefined;
}

for (const algorithms of [undefined, ['RS256', 'ES256', 'PS256'] as const]) {
  const label = algorithms ? algorithms.join('+') : 'default (RS256)';
  const allowed = new Set<string>(algorithms ?? ['RS256']);

  test(`property: mutated and attacker-signed ID tokens are refused unless genuine (${label})`, async () => {
    const name = `jwt: mutated ID tokens, algorithms ${label}`;
    const verifier = new OidcAuthenticator({ httpGet: idpGet, ...(algorithms ? { algorithms } : {}) });
    const signed: Signed = new Map();
    fetched.length = 0;
    await check(
      name,
      fc.asyncProperty(claimsArb, fc.constantFrom<'rsa' | 'ec'>('rsa', 'ec'), fc.array(mutation, { maxLength: 3 }), async (claims, which, muts) => {
        const g = await genuine(claims, which, verifier, signed);
        let token = g.token;
        for (const m of muts) token = m.apply({ ...g, token });
        const what = `${which} ${muts.map((m) => m.label).join(' | ')}`;
        countRequest(name);
        let r;
        try {
          r = await verifier.authenticate(slice, token, T0);
        } catch (e) {
          assert.fail(`${what}: authenticate threw ${String(e)}`);
        }
        note(name, r === undefined ? 'not-ours' : r.ok ? 'accepted' : `refused:${r.reason}`);
        if (r?.ok) {
          const input = mutatedIsGenuine(token, signed);
          assert.ok(input, `${what}: accepted only with a signing input the provider signed`);
          const header = decodeObj(input.split('.')[0] as string);
          assert.ok(allowed.has(String(header.alg)), `${what}: accepted only with an allowed alg (${String(header.alg)})`);
          assert.deepEqual(r.user, signed.get(input), `${what}: the genuine token's user`);
        }
      }),
      { ci: 400, file: FILE },
    );
    const allowedUrls = new Set([`${ISS}/.well-known/openid-configuration`, `${ISS}/jwks`]);
    assert.deepEqual(fetched.filter((u) => !allowedUrls.has(u)), [], 'only the provider discovery and its jwks_uri were fetched');
  });
}

test('property: random strings and random three-part tokens are never accepted', async () => {
  const name = 'jwt: random tokens';
  const verifier = new OidcAuthenticator({ httpGet: idpGet, algorithms: ['RS256', 'ES256'] });
  const jsonSeg = fc.jsonValue({ maxDepth: 3 }).map((v) => seg(v));
  const withIss = fc.record({ iss: fc.constantFrom(ISS, 'x'), alg: fc.constantFrom(...ALGS), kid: fc.constantFrom('k1', 'e1', 'k9') }).map((o) => [seg({ alg: o.alg, kid: o.kid }), seg({ iss: o.iss, aud: 'kubernetes', email: 'a@corp.example', exp: sec(T0) + 60 })] as const);
  const token = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.tuple(jsonSeg, jsonSeg, fc.base64String()).map((p) => p.join('.')),
    fc.tuple(withIss, fc.uint8Array({ maxLength: 300 })).map(([[h, p], sig]) => `${h}.${p}.${b64(Buffer.from(sig))}`),
    fc.array(fc.constantFrom('.', 'a', 'e30', '=', ' '), { maxLength: 2000 }).map((a) => a.join('')),
  );
  await check(
    name,
    fc.asyncProperty(token, async (t) => {
      countRequest(name);
      const r = await verifier.authenticate(slice, t, T0);
      note(name, r === undefined ? 'not-ours' : r.ok ? 'accepted' : 'refused');
      assert.ok(!r?.ok, `${JSON.stringify(t.slice(0, 80))} is never accepted`);
    }),
    { ci: 500, file: FILE },
  );
});

test('the fixture is live: a genuine RS256 token is accepted, and the real key under another alg is not', async () => {
  const verifier = new OidcAuthenticator({ httpGet: idpGet, algorithms: ['RS256', 'ES256', 'PS256'] });
  const claims = { iss: ISS, aud: 'kubernetes', email: 'alice@corp.example', groups: ['dev'], exp: sec(T0) + 60 };
  const g = await genuine(claims, 'rsa', verifier, new Map());
  const r = await verifier.authenticate(slice, g.token, T0);
  assert.ok(r?.ok, `accepted: ${JSON.stringify(r)}`);
  assert.deepEqual(r.user, { username: 'alice@corp.example', uid: '', groups: ['oidc:dev'], extra: {} }, 'mapped');
  const input = `${seg({ alg: 'PS256', kid: 'k1' })}.${seg(claims)}`;
  const ps = await verifier.authenticate(slice, `${input}.${signInput('PS256', real.rsa.privateKey, input)}`, T0);
  assert.ok(ps && !ps.ok, 'the JWK says alg RS256, so a PS256 signature by the same key is refused');
  const ecKey = createPublicKey(pemOf(real.ec));
  assert.equal(ecKey.asymmetricKeyType, 'ec', 'fixture EC key');
});
