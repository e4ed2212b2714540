import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClaimMappingConfig } from './claims.js';
import { mapClaims, usernamePrefixOf } from './claims.js';

const ISS = 'https://idp.example.com';
const cfg = (c: Partial<ClaimMappingConfig> = {}): ClaimMappingConfig => ({ issuerUrl: ISS, requiredClaims: {}, ...c });

test('username prefix defaults (kube-apiserver --oidc-username-prefix)', () => {
  const cases: [string, Partial<ClaimMappingConfig>, string][] = [
    ['sub, no prefix → issuer#', {}, `${ISS}#`],
    ['explicit sub, no prefix → issuer#', { usernameClaim: 'sub' }, `${ISS}#`],
    ['name claim → issuer#', { usernameClaim: 'name' }, `${ISS}#`],
    ['email claim → no prefix', { usernameClaim: 'email' }, ''],
    ['"-" disables prefixing', { usernamePrefix: '-' }, ''],
    ['"-" with email', { usernameClaim: 'email', usernamePrefix: '-' }, ''],
    ['given prefix verbatim', { usernamePrefix: 'corp:' }, 'corp:'],
    ['given prefix with email', { usernameClaim: 'email', usernamePrefix: 'corp:' }, 'corp:'],
  ];
  for (const [label, c, want] of cases) assert.equal(usernamePrefixOf(cfg(c)), want, label);
});

test('claim mapping: accepted tokens', () => {
  const cases: { label: string; c: Partial<ClaimMappingConfig>; claims: Record<string, unknown>; username: string; groups: string[] }[] = [
    { label: 'sub with issuer prefix', c: {}, claims: { sub: '1234' }, username: `${ISS}#1234`, groups: [] },
    { label: 'email, verified', c: { usernameClaim: 'email' }, claims: { email: 'a@corp.example', email_verified: true }, username: 'a@corp.example', groups: [] },
    { label: 'email, no email_verified claim', c: { usernameClaim: 'email' }, claims: { email: 'a@corp.example' }, username: 'a@corp.example', groups: [] },
    { label: 'email_verified false ignored when the username is not email', c: {}, claims: { sub: 'x', email_verified: false }, username: `${ISS}#x`, groups: [] },
    { label: 'groups array with prefix', c: { groupsClaim: 'groups', groupsPrefix: 'oidc:' }, claims: { sub: 'x', groups: ['dev', 'ops'] }, username: `${ISS}#x`, groups: ['oidc:dev', 'oidc:ops'] },
    { label: 'groups string', c: { groupsClaim: 'groups' }, claims: { sub: 'x', groups: 'dev' }, username: `${ISS}#x`, groups: ['dev'] },
    { label: 'groups claim absent', c: { groupsClaim: 'groups' }, claims: { sub: 'x' }, username: `${ISS}#x`, groups: [] },
    { label: 'groups claim null', c: { groupsClaim: 'groups' }, claims: { sub: 'x', groups: null }, username: `${ISS}#x`, groups: [] },
    { label: 'groups not configured: claim ignored', c: {}, claims: { sub: 'x', groups: ['system:masters'] }, username: `${ISS}#x`, groups: [] },
    { label: 'required claims match', c: { requiredClaims: { hd: 'corp.example', tier: 'gold' } }, claims: { sub: 'x', hd: 'corp.example', tier: 'gold' }, username: `${ISS}#x`, groups: [] },
    { label: 'custom prefix', c: { usernameClaim: 'preferred_username', usernamePrefix: 'corp:' }, claims: { preferred_username: 'alice' }, username: 'corp:alice', groups: [] },
  ];
  for (const t of cases) {
    const r = mapClaims(cfg(t.c), t.claims);
    assert.ok(r.ok, `${t.label}: accepted (${r.ok ? '' : r.message})`);
    assert.deepEqual(r.user, { username: t.username, uid: '', groups: t.groups, extra: {} }, t.label);
  }
});

test('claim mapping: refusals', () => {
  const cases: { label: string; c: Partial<ClaimMappingConfig>; claims: Record<string, unknown>; reason: string }[] = [
    { label: 'no sub', c: {}, claims: { email: 'x' }, reason: 'oidc_username_claim' },
    { label: 'sub not a string', c: {}, claims: { sub: 42 }, reason: 'oidc_username_claim' },
    { label: 'empty sub', c: {}, claims: { sub: '' }, reason: 'oidc_username_claim' },
    { label: 'username claim only on the prototype', c: { usernameClaim: 'constructor' }, claims: {}, reason: 'oidc_username_claim' },
    { label: 'email not verified', c: { usernameClaim: 'email' }, claims: { email: 'a@corp.example', email_verified: false }, reason: 'oidc_email_unverified' },
    { label: 'email_verified not boolean', c: { usernameClaim: 'email' }, claims: { email: 'a@corp.example', email_verified: 'true' }, reason: 'oidc_email_unverified' },
    { label: 'groups a number', c: { groupsClaim: 'groups' }, claims: { sub: 'x', groups: 1 }, reason: 'oidc_groups_claim' },
    { label: 'groups with a non-string member', c: { groupsClaim: 'groups' }, claims: { sub: 'x', groups: ['a', 2] }, reason: 'oidc_groups_claim' },
    { label: 'groups an object', c: { groupsClaim: 'groups' }, claims: { sub: 'x', groups: { a: 1 } }, reason: 'oidc_groups_claim' },
    { label: 'required claim missing', c: { requiredClaims: { hd: 'corp.example' } }, claims: { sub: 'x' }, reason: 'oidc_required_claim' },
    { label: 'required claim different', c: { requiredClaims: { hd: 'corp.example' } }, claims: { sub: 'x', hd: 'evil.example' }, reason: 'oidc_required_claim' },
    { label: 'required claim an array (not supported upstream)', c: { requiredClaims: { hd: 'corp.example' } }, claims: { sub: 'x', hd: ['corp.example'] }, reason: 'oidc_required_claim' },
  ];
  for (const t of cases) {
    const r = mapClaims(cfg(t.c), t.claims);
    assert.equal(r.ok, false, `${t.label}: refused`);
    if (!r.ok) {
      assert.equal(r.reason, t.reason, `${t.label}: reason`);
      assert.ok(r.message.length > 0, `${t.label}: message`);
    }
  }
});
