import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_ID_TOKEN_BYTES, peekJwt } from './token.js';

const seg = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('peekJwt reads header and claims of a compact JWS', () => {
  const r = peekJwt(`${seg({ alg: 'RS256', kid: 'k1' })}.${seg({ iss: 'https://idp', sub: 'x' })}.c2ln`);
  assert.ok(r.ok, 'parsed');
  assert.deepEqual(r.jwt.header, { alg: 'RS256', kid: 'k1' }, 'header');
  assert.equal(r.jwt.payload.iss, 'https://idp', 'iss');
  assert.equal(r.jwt.emptySignature, false, 'signature present');
  const none = peekJwt(`${seg({ alg: 'none' })}.${seg({ iss: 'https://idp' })}.`);
  assert.ok(none.ok && none.jwt.emptySignature, 'unsecured JWS is read (refused later by the alg allowlist)');
});

test('peekJwt refusals', () => {
  const h = seg({ alg: 'RS256' });
  const p = seg({ iss: 'x' });
  const cases: [string, string, string][] = [
    ['two segments', `${h}.${p}`, 'oidc_malformed'],
    ['four segments', `${h}.${p}.s.s`, 'oidc_malformed'],
    ['JWE (five segments)', `${h}.a.b.c.d`, 'oidc_malformed'],
    ['empty header', `.${p}.s`, 'oidc_malformed'],
    ['empty payload', `${h}..s`, 'oidc_malformed'],
    ['padding', `${h}=.${p}.s`, 'oidc_malformed'],
    ['standard base64 characters', `${h}.${p}+/.s`, 'oidc_malformed'],
    ['header not JSON', `${Buffer.from('nope').toString('base64url')}.${p}.s`, 'oidc_malformed'],
    ['header an array', `${seg([1])}.${p}.s`, 'oidc_malformed'],
    ['payload a string', `${h}.${seg('x')}.s`, 'oidc_malformed'],
    ['huge header', `${seg({ alg: 'RS256', x: 'a'.repeat(3000) })}.${p}.s`, 'oidc_malformed'],
    ['oversized', `${h}.${'a'.repeat(MAX_ID_TOKEN_BYTES)}.s`, 'oidc_token_too_large'],
    ['many dots', '.'.repeat(10_000), 'oidc_malformed'],
  ];
  for (const [label, token, reason] of cases) {
    const r = peekJwt(token);
    assert.equal(r.ok, false, `${label}: refused`);
    if (!r.ok) assert.equal(r.reason, reason, `${label}: reason`);
  }
});

test('peekJwt never throws and stays fast on arbitrary input', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 2000 }), (s) => {
      const r = peekJwt(s);
      return typeof r.ok === 'boolean';
    }),
    { numRuns: 2000 },
  );
  const started = process.hrtime.bigint();
  peekJwt(`${'a'.repeat(MAX_ID_TOKEN_BYTES - 10)}.b.c`);
  peekJwt('a.'.repeat(MAX_ID_TOKEN_BYTES / 2));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(ms < 200, `bounded work (${ms} ms)`);
});
