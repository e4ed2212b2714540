import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../errors/aws-error.js';
import { restJsonError } from '../aws/error-tables.js';
import type { AccessEntryType } from '../model/types.js';
import { ACCESS_ENTRY_TYPES } from '../model/types.js';
import type { PrincipalArnInfo } from './entry.js';
import {
  MAX_GROUPS,
  MAX_GROUP_LENGTH,
  MAX_USERNAME_LENGTH,
  RESERVED_USERNAME_PREFIXES,
  accessEntryArn,
  checkEntryPrincipal,
  checkEntryType,
  checkGroups,
  checkModeTakesEntries,
  checkUsername,
  defaultGroups,
  defaultUsername,
  typeAcceptsPolicies,
} from './entry.js';
import { must } from './violation.js';

// The rules return violations; the assertions below read them as the EKS API answers them.
const parseEntryType = (t: unknown) => must(checkEntryType(t));
const parsePrincipalArn = (arn: unknown, type: AccessEntryType, account: string) => must(checkEntryPrincipal(arn, type, account));
const validateUsername = (u: unknown) => must(checkUsername(u));
const validateGroups = (g: unknown) => must(checkGroups(g));
const assertNotConfigMapOnly = (mode: string) => must(checkModeTakesEntries(mode));

const ACCT = '111122223333';
const OTHER = '444455556666';

/** Runs `fn`, which must throw an AwsError of `code` (and `message` when given). */
function throwsEks(fn: () => unknown, code: string, message?: string | RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = restJsonError(e);
  }
  assert.ok(err instanceof AwsError, `expected an AwsError, got ${String(err)}`);
  assert.equal(err.code, code, `code (message: ${err.message})`);
  assert.equal(err.status, 400, 'InvalidParameterException and InvalidRequestException are HTTP 400');
  // EKS's wording comes first; a principal mistake then says which it is.
  if (typeof message === 'string') assert.ok(err.message === message || err.message.startsWith(`${message.replace(/\.$/, '')}. `), `message: ${err.message}`);
  else if (message) assert.match(err.message, message, 'message');
}

const INVALID_PRINCIPAL = 'The specified principalArn is invalid: invalid principal.';

describe('parseEntryType', () => {
  it('defaults to STANDARD when absent or null', () => {
    assert.equal(parseEntryType(undefined), 'STANDARD');
    assert.equal(parseEntryType(null), 'STANDARD');
  });
  for (const t of ACCESS_ENTRY_TYPES) it(`accepts ${t}`, () => assert.equal(parseEntryType(t), t));
  const invalid: unknown[] = ['standard', 'EC2_Linux', 'EC2_Windows', '', 'ROOT', 5, true, {}, ['STANDARD']];
  for (const t of invalid) {
    it(`refuses ${JSON.stringify(t)}`, () => throwsEks(() => parseEntryType(t), 'InvalidParameterException', /is not a valid access entry type/));
  }
});

describe('parsePrincipalArn', () => {
  const ok: [string, AccessEntryType, Partial<PrincipalArnInfo>][] = [
    [`arn:aws:iam::${ACCT}:user/alice`, 'STANDARD', { kind: 'user', accountId: ACCT, path: '/', name: 'alice', partition: 'aws' }],
    [`arn:aws:iam::${ACCT}:user/ops/alice`, 'STANDARD', { kind: 'user', path: '/ops/', name: 'alice' }],
    [`arn:aws:iam::${ACCT}:role/dev`, 'STANDARD', { kind: 'role', path: '/', name: 'dev' }],
    [`arn:aws:iam::${ACCT}:role/teams/dev`, 'STANDARD', { kind: 'role', path: '/teams/', name: 'dev' }],
    [`arn:aws:iam::${ACCT}:role/development/apps/my-role`, 'STANDARD', { path: '/development/apps/', name: 'my-role' }],
    [
      `arn:aws:iam::${ACCT}:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_Admin_0123456789abcdef`,
      'STANDARD',
      { path: '/aws-reserved/sso.amazonaws.com/us-east-1/', name: 'AWSReservedSSO_Admin_0123456789abcdef' },
    ],
    [`arn:aws:iam::${OTHER}:role/cross`, 'STANDARD', { accountId: OTHER }], // cross-account STANDARD
    [`arn:aws:iam::${OTHER}:user/cross`, 'STANDARD', { accountId: OTHER, kind: 'user' }],
    [`arn:aws-cn:iam::${ACCT}:role/cn`, 'STANDARD', { partition: 'aws-cn' }],
    [`arn:aws-us-gov:iam::${ACCT}:role/gov`, 'STANDARD', { partition: 'aws-us-gov' }],
    [`arn:aws:iam::${ACCT}:role/a+b=c,d.e@f-g_h`, 'STANDARD', { name: 'a+b=c,d.e@f-g_h' }],
    [`arn:aws:iam::${ACCT}:role/node`, 'EC2_LINUX', { kind: 'role' }],
    [`arn:aws:iam::${ACCT}:role/teams/node`, 'EC2', { path: '/teams/' }],
    [`arn:aws:iam::${ACCT}:role/fargate`, 'FARGATE_LINUX', {}],
    [`arn:aws:iam::${ACCT}:role/hybrid`, 'HYBRID_LINUX', {}],
    [`arn:aws:iam::${ACCT}:role/win`, 'EC2_WINDOWS', {}],
    [`arn:aws:iam::${ACCT}:role/hyperpod`, 'HYPERPOD_LINUX', {}],
  ];
  for (const [arn, type, want] of ok) {
    it(`accepts ${type} ${arn}`, () => {
      const got = parsePrincipalArn(arn, type, ACCT);
      for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof PrincipalArnInfo], v, k);
    });
  }

  const refused: [unknown, AccessEntryType, string | RegExp][] = [
    [undefined, 'STANDARD', 'principalArn is required.'],
    ['', 'STANDARD', 'principalArn is required.'],
    [5, 'STANDARD', 'principalArn is required.'],
    [[`arn:aws:iam::${ACCT}:user/a`], 'STANDARD', 'principalArn is required.'],
    [`arn:aws:sts::${ACCT}:assumed-role/dev/session`, 'STANDARD', 'The principalArn parameter format is not valid'],
    [`arn:aws:sts::${ACCT}:federated-user/bob`, 'STANDARD', 'The principalArn parameter format is not valid'],
    [`arn:aws:iam::${ACCT}:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS`, 'STANDARD', 'The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role'],
    [`arn:aws:iam::${ACCT}:role/aws-service-role/x/y`, 'EC2_LINUX', /principalArn value of a Service Linked Role$/],
    [`arn:aws:iam::${ACCT}:root`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:iam::${ACCT}:group/devs`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:iam::${ACCT}:policy/p`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:eks:us-east-1:${ACCT}:cluster/c`, 'STANDARD', INVALID_PRINCIPAL],
    ['arn:aws:iam::12345678901:user/short-account', 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:iam:us-east-1:${ACCT}:user/regional`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws-moon:iam::${ACCT}:user/partition`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:iam::${ACCT}:user/`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:iam::${ACCT}:user/has space`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:iam::${ACCT}:user/${'a'.repeat(129)}`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:iam::${ACCT}:role/${'p/'.repeat(300)}x`, 'STANDARD', INVALID_PRINCIPAL], // path over 512
    [`arn:aws:iam::${ACCT}:user/x${'y'.repeat(2100)}`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:iam::${ACCT}:user/tab\tname`, 'STANDARD', INVALID_PRINCIPAL],
    [` arn:aws:iam::${ACCT}:user/alice`, 'STANDARD', INVALID_PRINCIPAL],
    [`arn:aws:iam::${ACCT}:user/alice `, 'STANDARD', INVALID_PRINCIPAL],
    // Node types: roles of the cluster's account only.
    [`arn:aws:iam::${ACCT}:user/alice`, 'EC2_LINUX', 'The principalArn for an access entry of type EC2_LINUX must be an IAM role.'],
    [`arn:aws:iam::${ACCT}:user/alice`, 'EC2', /must be an IAM role\.$/],
    [`arn:aws:iam::${OTHER}:role/node`, 'EC2_LINUX', `The principalArn for an access entry of type EC2_LINUX must be an IAM role in the cluster's account (${ACCT}).`],
    [`arn:aws:iam::${OTHER}:role/node`, 'FARGATE_LINUX', /in the cluster's account/],
    [`arn:aws:iam::${OTHER}:role/node`, 'HYBRID_LINUX', /in the cluster's account/],
    [`arn:aws:iam::${OTHER}:role/node`, 'EC2', /in the cluster's account/],
    [`arn:aws:iam::${OTHER}:role/node`, 'EC2_WINDOWS', /in the cluster's account/],
    [`arn:aws:iam::${OTHER}:role/node`, 'HYPERPOD_LINUX', /in the cluster's account/],
  ];
  for (const [arn, type, message] of refused) {
    it(`refuses ${type} ${String(JSON.stringify(arn)).slice(0, 90)}`, () => throwsEks(() => parsePrincipalArn(arn, type, ACCT), 'InvalidParameterException', message));
  }
});

describe('validateUsername', () => {
  const valid = [
    'alice',
    'arn:aws:sts::111122223333:assumed-role/dev/{{SessionName}}',
    ':john{{SessionName}}',
    'jo:hn{{SessionName}}',
    'team:{{SessionNameRaw}}',
    'a:{{SessionName}}-{{SessionNameRaw}}',
    'no-session-variable-needs-no-colon',
    'dev:{{AccountID}}',
    'System:case-sensitive-prefix',
    'user@example.com',
    'x'.repeat(MAX_USERNAME_LENGTH),
  ];
  for (const u of valid) it(`accepts ${JSON.stringify(u).slice(0, 60)}`, () => assert.equal(validateUsername(u), u));

  for (const prefix of RESERVED_USERNAME_PREFIXES) {
    it(`refuses the reserved prefix ${prefix}`, () => throwsEks(() => validateUsername(`${prefix}someone`), 'InvalidParameterException', `The username must not begin with ${prefix}`));
  }
  it('uses EKS wording for system:', () => throwsEks(() => validateUsername('system:node:{{EC2PrivateDNSName}}'), 'InvalidParameterException', 'The username must not begin with system:'));

  const colon = /a colon \(:\) must come before the first such variable/;
  const invalid: [unknown, string | RegExp][] = [
    ['john{{SessionName}}', colon],
    ['john{{SessionNameRaw}}', colon],
    ['{{SessionName}}', colon],
    ['{{SessionName}}:after', colon],
    ['x{{SessionNameRaw}}:y{{SessionName}}', colon],
    ['', 'username must not be empty.'],
    ['x'.repeat(MAX_USERNAME_LENGTH + 1), `username must be at most ${MAX_USERNAME_LENGTH} characters.`],
    ['line\nbreak', 'username must not contain control characters.'],
    ['nul\u0000', 'username must not contain control characters.'],
    ['del\u007f', 'username must not contain control characters.'],
    [5, 'username must be a string.'],
    [null, 'username must be a string.'],
    [['alice'], 'username must be a string.'],
    [{}, 'username must be a string.'],
  ];
  for (const [u, message] of invalid) it(`refuses ${JSON.stringify(u)?.slice(0, 60)}`, () => throwsEks(() => validateUsername(u), 'InvalidParameterException', message));
});

describe('validateGroups', () => {
  const valid: [unknown, string[]][] = [
    [undefined, []],
    [null, []],
    [[], []],
    [['devs'], ['devs']],
    [['devs', 'ops'], ['devs', 'ops']],
    [['devs', 'devs', 'ops'], ['devs', 'ops']], // duplicates collapse, order kept
    [['eks:custom'], ['eks:custom']], // only system: is documented as reserved for groups
    [['team-{{AccountID}}'], ['team-{{AccountID}}']],
    [['g'.repeat(MAX_GROUP_LENGTH)], ['g'.repeat(MAX_GROUP_LENGTH)]],
    [Array.from({ length: MAX_GROUPS }, (_, i) => `g${i}`), Array.from({ length: MAX_GROUPS }, (_, i) => `g${i}`)],
  ];
  for (const [g, want] of valid) it(`accepts ${JSON.stringify(g)?.slice(0, 60)}`, () => assert.deepEqual(validateGroups(g), want));

  const invalid: [unknown, string | RegExp][] = [
    [['system:masters'], 'The kubernetes group name system:masters is invalid, it cannot start with system:'],
    [['ok', 'system:nodes'], 'The kubernetes group name system:nodes is invalid, it cannot start with system:'],
    [['system:'], 'The kubernetes group name system: is invalid, it cannot start with system:'],
    ['devs', 'kubernetesGroups must be a list of strings.'],
    [{ 0: 'devs' }, 'kubernetesGroups must be a list of strings.'],
    [[5], 'kubernetesGroups must be a list of strings.'],
    [[null], 'kubernetesGroups must be a list of strings.'],
    [[['nested']], 'kubernetesGroups must be a list of strings.'],
    [[''], 'The kubernetes group name must not be empty.'],
    [['g'.repeat(MAX_GROUP_LENGTH + 1)], `The kubernetes group name must be at most ${MAX_GROUP_LENGTH} characters.`],
    [['tab\tgroup'], 'The kubernetes group name must not contain control characters.'],
    [Array.from({ length: MAX_GROUPS + 1 }, (_, i) => `g${i}`), `kubernetesGroups must contain at most ${MAX_GROUPS} groups.`],
  ];
  for (const [g, message] of invalid) it(`refuses ${JSON.stringify(g).slice(0, 60)}`, () => throwsEks(() => validateGroups(g), 'InvalidParameterException', message));
});

describe('defaults per type', () => {
  const user = parsePrincipalArn(`arn:aws:iam::${ACCT}:user/ops/alice`, 'STANDARD', ACCT);
  const role = parsePrincipalArn(`arn:aws:iam::${ACCT}:role/teams/dev`, 'STANDARD', ACCT);
  const cnRole = parsePrincipalArn(`arn:aws-cn:iam::${ACCT}:role/dev`, 'STANDARD', ACCT);
  const cases: [AccessEntryType, PrincipalArnInfo, string, string, string[]][] = [
    ['STANDARD', user, `arn:aws:iam::${ACCT}:user/ops/alice`, `arn:aws:iam::${ACCT}:user/ops/alice`, []],
    ['STANDARD', role, `arn:aws:iam::${ACCT}:role/teams/dev`, `arn:aws:sts::${ACCT}:assumed-role/dev/{{SessionName}}`, []],
    ['STANDARD', cnRole, `arn:aws-cn:iam::${ACCT}:role/dev`, `arn:aws-cn:sts::${ACCT}:assumed-role/dev/{{SessionName}}`, []],
    ['EC2_LINUX', role, '', 'system:node:{{EC2PrivateDNSName}}', ['system:nodes']],
    ['EC2_WINDOWS', role, '', 'system:node:{{EC2PrivateDNSName}}', ['system:nodes']],
    ['FARGATE_LINUX', role, '', 'system:node:{{SessionName}}', ['system:nodes']],
    ['HYBRID_LINUX', role, '', 'system:node:{{SessionName}}', ['system:nodes']],
    ['EC2', role, '', 'system:node:{{SessionName}}', ['system:nodes']],
    ['HYPERPOD_LINUX', role, '', 'system:node:{{SessionName}}', ['system:nodes']],
  ];
  for (const [type, principal, arn, username, groups] of cases) {
    it(`${type} ${principal.kind}${principal.path}${principal.name}`, () => {
      assert.equal(defaultUsername(type, principal, arn), username);
      assert.deepEqual(defaultGroups(type), groups);
    });
  }
});

describe('typeAcceptsPolicies', () => {
  const want: Record<AccessEntryType, boolean> = {
    STANDARD: true,
    EC2: true, // EKS Auto Mode nodes take AmazonEKSAutoNodePolicy
    EC2_LINUX: false,
    EC2_WINDOWS: false,
    FARGATE_LINUX: false,
    HYBRID_LINUX: false,
    HYPERPOD_LINUX: false,
  };
  for (const t of ACCESS_ENTRY_TYPES) it(`${t} → ${want[t]}`, () => assert.equal(typeAcceptsPolicies(t), want[t]));
});

describe('accessEntryArn', () => {
  it('access-entry/<cluster>/<role|user>/<principal account>/<name without path>/<uuid>', () => {
    const uuid = 'd4ce28db-711f-1860-e0d8-9385011064b5';
    const cases: [string, string][] = [
      [`arn:aws:iam::${ACCT}:role/teams/dev`, `arn:aws:eks:us-east-1:${ACCT}:access-entry/demo/role/${ACCT}/dev/${uuid}`],
      [`arn:aws:iam::${ACCT}:user/alice`, `arn:aws:eks:us-east-1:${ACCT}:access-entry/demo/user/${ACCT}/alice/${uuid}`],
      [`arn:aws:iam::${OTHER}:role/cross`, `arn:aws:eks:us-east-1:${ACCT}:access-entry/demo/role/${OTHER}/cross/${uuid}`],
    ];
    for (const [principalArn, want] of cases) {
      const principal = parsePrincipalArn(principalArn, 'STANDARD', ACCT);
      assert.equal(accessEntryArn({ partition: 'aws', region: 'us-east-1', clusterAccountId: ACCT, clusterName: 'demo', principal, uuid }), want);
    }
  });
});

describe('assertNotConfigMapOnly', () => {
  it('refuses CONFIG_MAP with EKS wording', () =>
    throwsEks(
      () => assertNotConfigMapOnly('CONFIG_MAP'),
      'InvalidRequestException',
      "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
    ));
  for (const mode of ['API', 'API_AND_CONFIG_MAP']) it(`allows ${mode}`, () => assert.doesNotThrow(() => assertNotConfigMapOnly(mode)));
});
