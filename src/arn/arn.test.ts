import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ArnError,
  PARTITIONS,
  assumedRoleUsername,
  canonicalize,
  classifyPrincipal,
  formatArn,
  parseArn,
  roleNameOf,
  stripPath,
  userNameOf,
} from './index.js';

test('parseArn splits six sections and keeps colons in the resource', () => {
  assert.deepEqual(parseArn('arn:aws:iam::123456789012:user/Alice'), {
    partition: 'aws',
    service: 'iam',
    region: '',
    accountId: '123456789012',
    resource: 'user/Alice',
  });
  assert.equal(parseArn('arn:aws:logs:us-east-1:123456789012:log-group:/a/b:*').resource, 'log-group:/a/b:*');
  assert.equal(parseArn('arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy').accountId, 'aws');
  for (const p of PARTITIONS) assert.equal(parseArn(`arn:${p}:iam::123456789012:root`).partition, p);
});

test('parseArn errors', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['NOT AN ARN', 'invalid', /^arn 'NOT AN ARN' is invalid: 'arn: invalid prefix'$/],
    ['arn', 'invalid', /^arn 'arn' is invalid:/],
    ['arn:aws:iam::123', 'invalid', /not enough sections/],
    ['arn::iam::123:user/x', 'invalid', /invalid partition/],
    ['arn:aws:::123:user/x', 'invalid', /invalid service/],
    ['arn:aws:iam::123:', 'invalid', /invalid resource/],
    ['arn:aws-nk:iam::123456789012:user/x', 'unknown_partition', /does not have a recognized partition/],
    ['ARN:aws:iam::123456789012:user/x', 'invalid', /invalid prefix/],
  ];
  for (const [input, code, msg] of cases) {
    assert.throws(() => parseArn(input), (e: unknown) => e instanceof ArnError && e.code === code && msg.test(e.message), input);
  }
});

test('canonicalize: reference §8.3 table', () => {
  const rows: Array<[string, string, string, string?]> = [
    ['arn:aws:iam::123456789012:user/Alice', 'arn:aws:iam::123456789012:user/Alice', 'USER'],
    ['arn:aws:iam::123456789012:role/Users', 'arn:aws:iam::123456789012:role/Users', 'ROLE'],
    ['arn:aws:sts::123456789012:assumed-role/Admin/Session', 'arn:aws:iam::123456789012:role/Admin', 'ASSUMED_ROLE', 'Session'],
    ['arn:aws:sts::123456789012:federated-user/Bob', 'arn:aws:sts::123456789012:federated-user/Bob', 'FEDERATED_USER'],
    ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:root', 'ROOT'],
    [
      'arn:aws:sts::123456789012:assumed-role/Org/Team/Admin/Session',
      'arn:aws:iam::123456789012:role/Org/Team/Admin',
      'ASSUMED_ROLE',
      'Session',
    ],
    ['arn:aws-iso:iam::123456789012:user/Chris', 'arn:aws-iso:iam::123456789012:user/Chris', 'USER'],
    ['arn:aws-iso-b:iam::123456789012:user/Chris', 'arn:aws-iso-b:iam::123456789012:user/Chris', 'USER'],
    ['arn:aws:sts::123456789012:assumed-role/Alice/extra', 'arn:aws:iam::123456789012:role/Alice', 'ASSUMED_ROLE', 'extra'],
    // SSO sessions come back from STS without the aws-reserved path.
    [
      'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com',
      'arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123456789abcdef',
      'ASSUMED_ROLE',
      'jane@example.com',
    ],
    // Case is preserved; mappers lower-case.
    ['arn:aws-cn:sts::123456789012:assumed-role/MiXeD/S', 'arn:aws-cn:iam::123456789012:role/MiXeD', 'ASSUMED_ROLE', 'S'],
    // An IAM role ARN with the SSO path is left alone (it is already canonical).
    [
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Dev_abc',
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Dev_abc',
      'ROLE',
    ],
  ];
  for (const [input, canonical, kind, session] of rows) {
    const got = canonicalize(input);
    assert.equal(got.canonicalArn, canonical, input);
    assert.equal(got.kind, kind, input);
    assert.equal(got.sessionName, session, input);
    assert.equal(got.accountId, parseArn(input).accountId);
  }
});

test('canonicalize errors (upstream wording)', () => {
  const rows: Array<[string, string, string]> = [
    ['NOT AN ARN', 'invalid', "arn 'NOT AN ARN' is invalid: 'arn: invalid prefix'"],
    ['arn:aws:sts::123456789012:assumed-role/Admin', 'not_identity', "assumed-role arn 'arn:aws:sts::123456789012:assumed-role/Admin' does not have a role"],
    ['arn:aws:sts::123456789012:something/x', 'not_identity', 'unrecognized resource something/x for service sts'],
    ['arn:aws:iam::123456789012:group/devs', 'not_identity', 'unrecognized resource group/devs for service iam'],
    ['arn:aws:s3:::bucket', 'not_identity', 'service s3 in arn arn:aws:s3:::bucket is not a valid service for identities'],
    ['arn:aws-nk:iam::123456789012:user/x', 'unknown_partition', "arn 'arn:aws-nk:iam::123456789012:user/x' does not have a recognized partition"],
  ];
  for (const [input, code, message] of rows) {
    assert.throws(() => canonicalize(input), (e: unknown) => e instanceof ArnError && e.code === code && e.message === message, input);
  }
});

test('stripPath', () => {
  assert.equal(stripPath('arn:aws:iam::123456789012:role/Org/Team/Admin'), 'arn:aws:iam::123456789012:role/Admin');
  assert.equal(stripPath('arn:aws:iam::123456789012:role/Admin'), 'arn:aws:iam::123456789012:role/Admin');
  assert.equal(stripPath('arn:aws:iam::123456789012:user/Alice'), 'arn:aws:iam::123456789012:user/Alice');
  assert.equal(stripPath('arn:aws:iam::123456789012:user/path/Alice'), 'arn:aws:iam::123456789012:user/path/Alice');
  assert.equal(stripPath('arn:aws:sts::123456789012:federated-user/Bob'), 'arn:aws:sts::123456789012:federated-user/Bob');
  assert.equal(
    stripPath('arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Dev_abc'),
    'arn:aws:iam::111122223333:role/AWSReservedSSO_Dev_abc',
  );
  assert.throws(() => stripPath('NOT AN ARN'), ArnError);
});

test('stripPath(role) equals canonicalize(session of that role)', () => {
  // The property that makes strict userid matching work with pathed roles.
  const seg = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,20}$/);
  fc.assert(
    fc.property(fc.array(seg, { maxLength: 4 }), seg, seg, (path, name, session) => {
      const role = `arn:aws:iam::111122223333:role/${[...path, name].join('/')}`;
      const sessionArn = `arn:aws:sts::111122223333:assumed-role/${name}/${session}`;
      assert.equal(stripPath(role), canonicalize(sessionArn).canonicalArn);
      assert.equal(roleNameOf(role), roleNameOf(sessionArn));
    }),
  );
});

test('roleNameOf / userNameOf', () => {
  assert.equal(roleNameOf('arn:aws:iam::123456789012:role/development/apps/my-role'), 'my-role');
  assert.equal(roleNameOf('arn:aws:iam::123456789012:role/my-role'), 'my-role');
  assert.equal(roleNameOf('arn:aws:sts::123456789012:assumed-role/my-role/sess'), 'my-role');
  assert.equal(
    roleNameOf('arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_ReadOnly_1a2b3c'),
    'AWSReservedSSO_ReadOnly_1a2b3c',
  );
  assert.throws(() => roleNameOf('arn:aws:iam::123456789012:user/x'), (e: unknown) => e instanceof ArnError && e.code === 'not_role');
  assert.throws(() => roleNameOf('arn:aws:iam::123456789012:role/'), ArnError);
  assert.equal(userNameOf('arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/Bob'), 'Bob');
  assert.throws(() => userNameOf('arn:aws:iam::123456789012:role/x'), (e: unknown) => e instanceof ArnError && e.code === 'not_user');
});

test('classifyPrincipal', () => {
  const rows: Array<[string, Record<string, unknown>]> = [
    ['arn:aws:iam::111122223333:user/alice', { kind: 'iam-user', path: '/', name: 'alice', accountId: '111122223333', partition: 'aws' }],
    ['arn:aws:iam::111122223333:user/eng/alice', { kind: 'iam-user', path: '/eng/', name: 'alice' }],
    ['arn:aws:iam::111122223333:role/dev', { kind: 'iam-role', path: '/', name: 'dev' }],
    ['arn:aws:iam::111122223333:role/development/apps/my-role', { kind: 'iam-role', path: '/development/apps/', name: 'my-role' }],
    [
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef',
      { kind: 'iam-role', path: '/aws-reserved/sso.amazonaws.com/eu-west-1/', name: 'AWSReservedSSO_Admin_0123456789abcdef' },
    ],
    [
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef',
      { kind: 'iam-role', path: '/aws-reserved/sso.amazonaws.com/', name: 'AWSReservedSSO_Admin_0123456789abcdef' },
    ],
    [
      'arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS',
      { kind: 'service-linked-role', path: '/aws-service-role/eks.amazonaws.com/', name: 'AWSServiceRoleForAmazonEKS' },
    ],
    ['arn:aws:sts::111122223333:assumed-role/dev/sess', { kind: 'sts-session', sessionType: 'assumed-role', name: 'dev' }],
    ['arn:aws:sts::111122223333:federated-user/bob', { kind: 'sts-session', sessionType: 'federated-user', name: 'bob' }],
    ['arn:aws:sts::111122223333:assumed-role/dev', { kind: 'other' }],
    ['arn:aws:iam::111122223333:root', { kind: 'root', accountId: '111122223333' }],
    ['arn:aws-us-gov:iam::111122223333:role/x', { kind: 'iam-role', partition: 'aws-us-gov' }],
    ['arn:aws:iam::11112222333:role/x', { kind: 'other' }],
    ['arn:aws:iam:us-east-1:111122223333:role/x', { kind: 'other' }],
    ['arn:aws:iam::111122223333:group/devs', { kind: 'other' }],
    ['arn:aws:iam::111122223333:role', { kind: 'other' }],
    ['arn:aws:iam::111122223333:role/', { kind: 'other' }],
    ['arn:aws:iam::111122223333:role/bad name', { kind: 'other' }],
    ['arn:aws:iam::111122223333:role//b', { kind: 'other' }],
    ['arn:aws:s3:::bucket', { kind: 'other' }],
    ['arn:aws:eks:us-east-1:111122223333:cluster/demo', { kind: 'other' }],
    ['not-an-arn', { kind: 'other' }],
  ];
  for (const [input, want] of rows) {
    const got = classifyPrincipal(input) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, `${input} ${k}`);
    if (got.kind === 'other') assert.equal(typeof got.reason, 'string');
  }
});

test('assumedRoleUsername: EKS default role username drops the path', () => {
  assert.equal(
    assumedRoleUsername('arn:aws:iam::111122223333:role/development/apps/my-role'),
    'arn:aws:sts::111122223333:assumed-role/my-role/{{SessionName}}',
  );
  assert.equal(
    assumedRoleUsername('arn:aws-cn:iam::111122223333:role/EKS-CrossAccount-Access-Role'),
    'arn:aws-cn:sts::111122223333:assumed-role/EKS-CrossAccount-Access-Role/{{SessionName}}',
  );
  assert.equal(
    assumedRoleUsername('arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_abc'),
    'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_abc/{{SessionName}}',
  );
  assert.throws(() => assumedRoleUsername('arn:aws:iam::111122223333:user/alice'), ArnError);
  assert.throws(() => assumedRoleUsername('arn:aws:sts::111122223333:assumed-role/r/s'), ArnError);
});

test('formatArn(parseArn(x)) round-trips', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...PARTITIONS),
      fc.stringMatching(/^[a-z0-9-]{1,10}$/),
      fc.stringMatching(/^[a-z0-9-]{0,10}$/),
      fc.stringMatching(/^[0-9a-z]{0,12}$/),
      fc.stringMatching(/^[^\s]{1,30}$/),
      (p, svc, region, acct, res) => {
        const s = `arn:${p}:${svc}:${region}:${acct}:${res}`;
        assert.equal(formatArn(parseArn(s)), s);
      },
    ),
  );
});
