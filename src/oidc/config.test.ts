import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../errors/aws-error.js';
import {
  MAX_REQUIRED_CLAIMS,
  clusterOwnIssuer,
  parseAssociateRequest,
  parseProviderRef,
  parseSigningAlgs,
  providerAccepts,
  providerLimit,
  providerStatus,
} from './config.js';

const base = { identityProviderConfigName: 'corp', issuerUrl: 'https://idp.example.com', clientId: 'kubernetes' };

function rejects(fn: () => unknown, code: string, message: RegExp, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AwsError, `${label}: an AwsError (${String(e)})`);
    assert.equal(e.code, code, `${label}: code`);
    assert.match(e.message, message, `${label}: message`);
    return;
  }
  assert.fail(`${label}: accepted`);
}

test('AssociateIdentityProviderConfig validation: accepted inputs', () => {
  const cases: { label: string; oidc: Record<string, unknown>; expect: Record<string, unknown> }[] = [
    { label: 'minimal', oidc: base, expect: { name: 'corp', issuerUrl: 'https://idp.example.com', clientId: 'kubernetes', requiredClaims: {} } },
    { label: 'path and port', oidc: { ...base, issuerUrl: 'https://127.0.0.1:8443/realms/corp' }, expect: { issuerUrl: 'https://127.0.0.1:8443/realms/corp' } },
    { label: 'trailing slash kept verbatim', oidc: { ...base, issuerUrl: 'https://idp.example.com/' }, expect: { issuerUrl: 'https://idp.example.com/' } },
    {
      label: 'all optional fields',
      oidc: { ...base, usernameClaim: 'email', usernamePrefix: 'corp:', groupsClaim: 'groups', groupsPrefix: 'oidc:', requiredClaims: { hd: 'corp.example', tier: 'gold' } },
      expect: { usernameClaim: 'email', usernamePrefix: 'corp:', groupsClaim: 'groups', groupsPrefix: 'oidc:', requiredClaims: { hd: 'corp.example', tier: 'gold' } },
    },
    { label: 'prefix "-" disables prefixing', oidc: { ...base, usernamePrefix: '-' }, expect: { usernamePrefix: '-' } },
    { label: 'null optional fields are absent', oidc: { ...base, usernameClaim: null, groupsPrefix: null, requiredClaims: null }, expect: { requiredClaims: {} } },
    { label: 'name with digits, hyphens, underscores', oidc: { ...base, identityProviderConfigName: '9corp-idp_1' }, expect: { name: '9corp-idp_1' } },
    { label: 'required claim bounds', oidc: { ...base, requiredClaims: { ['k'.repeat(63)]: 'v'.repeat(253) } }, expect: { requiredClaims: { ['k'.repeat(63)]: 'v'.repeat(253) } } },
  ];
  for (const c of cases) {
    const { config } = parseAssociateRequest({ oidc: c.oidc });
    for (const [k, v] of Object.entries(c.expect)) assert.deepEqual((config as unknown as Record<string, unknown>)[k], v, `${c.label}: ${k}`);
    if (c.oidc.usernameClaim === null) assert.equal('usernameClaim' in config, false, `${c.label}: usernameClaim omitted`);
  }
  const withTags = parseAssociateRequest({ oidc: base, tags: { env: 'dev' } });
  assert.deepEqual(withTags.tags, { env: 'dev' }, 'tags');
  assert.deepEqual(parseAssociateRequest({ oidc: base }).tags, {}, 'no tags → {}');
});

test('AssociateIdentityProviderConfig validation: InvalidParameterException cases', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no oidc', {}, /oidc is required/],
    ['oidc not an object', { oidc: 'x' }, /oidc must be an object/],
    ['no name', { oidc: { ...base, identityProviderConfigName: undefined } }, /identityProviderConfigName must be 1 to 100/],
    ['empty name', { oidc: { ...base, identityProviderConfigName: '' } }, /identityProviderConfigName/],
    ['name with slash', { oidc: { ...base, identityProviderConfigName: 'a/b' } }, /identityProviderConfigName/],
    ['name starting with hyphen', { oidc: { ...base, identityProviderConfigName: '-a' } }, /identityProviderConfigName/],
    ['name too long', { oidc: { ...base, identityProviderConfigName: 'a'.repeat(101) } }, /identityProviderConfigName/],
    ['no issuer', { oidc: { ...base, issuerUrl: undefined } }, /issuerUrl is required/],
    ['http issuer', { oidc: { ...base, issuerUrl: 'http://idp.example.com' } }, /must begin with https/],
    ['issuer with query', { oidc: { ...base, issuerUrl: 'https://idp.example.com/?a=b' } }, /query or a fragment/],
    ['issuer with empty query', { oidc: { ...base, issuerUrl: 'https://idp.example.com?' } }, /query or a fragment/],
    ['issuer with fragment', { oidc: { ...base, issuerUrl: 'https://idp.example.com/#x' } }, /query or a fragment/],
    ['issuer with userinfo', { oidc: { ...base, issuerUrl: 'https://user:pw@idp.example.com' } }, /user information/],
    ['issuer with bare @', { oidc: { ...base, issuerUrl: 'https://user@idp.example.com' } }, /user information/],
    ['issuer with space', { oidc: { ...base, issuerUrl: 'https://idp.example.com/a b' } }, /whitespace/],
    ['issuer not a URL', { oidc: { ...base, issuerUrl: 'https://' } }, /not a valid URL|name a host/],
    ['issuer too long', { oidc: { ...base, issuerUrl: `https://idp.example.com/${'a'.repeat(2048)}` } }, /at most 2048/],
    ['issuer not a string', { oidc: { ...base, issuerUrl: 42 } }, /issuerUrl is required/],
    ['no clientId', { oidc: { ...base, clientId: undefined } }, /clientId is required/],
    ['empty clientId', { oidc: { ...base, clientId: '' } }, /clientId is required/],
    ['clientId not a string', { oidc: { ...base, clientId: 7 } }, /clientId must be a string/],
    ['usernamePrefix with system:', { oidc: { ...base, usernamePrefix: 'system:' } }, /usernamePrefix must not contain system:/],
    ['usernamePrefix containing system:', { oidc: { ...base, usernamePrefix: 'corp-system:x' } }, /usernamePrefix must not contain system:/],
    ['groupsPrefix with system:', { oidc: { ...base, groupsPrefix: 'system:' } }, /groupsPrefix must not contain system:/],
    ['empty usernameClaim', { oidc: { ...base, usernameClaim: '' } }, /usernameClaim must be a string of 1 to 256/],
    ['groupsClaim not a string', { oidc: { ...base, groupsClaim: ['groups'] } }, /groupsClaim must be a string/],
    ['requiredClaims not a map', { oidc: { ...base, requiredClaims: ['a'] } }, /requiredClaims must be a map/],
    ['requiredClaims key too long', { oidc: { ...base, requiredClaims: { ['k'.repeat(64)]: 'v' } } }, /keys must be 1 to 63/],
    ['requiredClaims empty key', { oidc: { ...base, requiredClaims: { '': 'v' } } }, /keys must be 1 to 63/],
    ['requiredClaims value too long', { oidc: { ...base, requiredClaims: { k: 'v'.repeat(254) } } }, /1 to 253/],
    ['requiredClaims empty value', { oidc: { ...base, requiredClaims: { k: '' } } }, /1 to 253/],
    ['requiredClaims non-string value', { oidc: { ...base, requiredClaims: { k: true } } }, /must be a string/],
    [
      'too many required claims',
      { oidc: { ...base, requiredClaims: Object.fromEntries(Array.from({ length: MAX_REQUIRED_CLAIMS + 1 }, (_, i) => [`c${i}`, 'v'])) } },
      /at most 10 claims/,
    ],
    ['empty tags', { oidc: base, tags: {} }, /at least 1 tag/],
    ['reserved tag', { oidc: base, tags: { 'aws:x': 'y' } }, /reserved/],
  ];
  for (const [label, body, message] of cases) rejects(() => parseAssociateRequest(body), 'InvalidParameterException', message, label);
});

test('identityProviderConfig references: only type oidc', () => {
  assert.equal(parseProviderRef({ type: 'oidc', name: 'corp' }), 'corp', 'valid');
  const cases: [string, unknown, RegExp][] = [
    ['missing', undefined, /identityProviderConfig is required/],
    ['not an object', 'oidc', /must be an object/],
    ['no type', { name: 'corp' }, /type is required/],
    ['other type', { type: 'saml', name: 'corp' }, /The only type available is oidc/],
    ['upper-case type', { type: 'OIDC', name: 'corp' }, /The only type available is oidc/],
    ['no name', { type: 'oidc' }, /name is required/],
    ['bad name', { type: 'oidc', name: 'a/b' }, /identityProviderConfig.name must be/],
  ];
  for (const [label, v, message] of cases) rejects(() => parseProviderRef(v), 'InvalidParameterException', message, label);
});

test('provider count limit by Kubernetes version', () => {
  const cases: [string, number][] = [
    ['1.29', 1],
    ['1.31', 1],
    ['1.32', 10],
    ['1.33', 10],
    ['2.0', 10],
    ['garbage', 1],
  ];
  for (const [v, n] of cases) assert.equal(providerLimit(v), n, v);
});

test('status follows the clock: CREATING → ACTIVE, DELETING → gone', () => {
  const p = { activeAt: 100 };
  assert.equal(providerStatus(p, 99), 'CREATING', 'before activeAt');
  assert.equal(providerStatus(p, 100), 'ACTIVE', 'at activeAt');
  assert.equal(providerAccepts(p, 99), false, 'CREATING providers are not used');
  assert.equal(providerAccepts(p, 100), true, 'ACTIVE providers are used');
  const d = { activeAt: 100, deletingAt: 200 };
  assert.equal(providerStatus(d, 150), 'DELETING', 'while disassociating');
  assert.equal(providerAccepts(d, 150), true, 'still used until the update completes');
  assert.equal(providerStatus(d, 200), 'GONE', 'after');
  assert.equal(providerAccepts(d, 200), false, 'not used once gone');
});

test('signing algorithms: asymmetric only', () => {
  assert.deepEqual(parseSigningAlgs('RS256'), ['RS256'], 'single');
  assert.deepEqual(parseSigningAlgs('RS256, ES256,RS256'), ['RS256', 'ES256'], 'list, trimmed, de-duplicated');
  for (const bad of ['HS256', 'none', 'EdDSA', 'rs256', '', ' , ']) assert.throws(() => parseSigningAlgs(bad), /OIDC signing algorithm|at least one/, `refuses ${JSON.stringify(bad)}`);
});

test("the cluster's own issuer is the one DescribeCluster reports", () => {
  assert.equal(clusterOwnIssuer('us-east-1', '0a1b2c3d-aaaa-bbbb-cccc-000000000001'), 'https://oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3DAAAABBBBCCCC000000000001', 'format');
});
