import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyKind } from './document.js';
import { PolicyParseError, parsePolicy } from './document.js';

const err = (text: string, kind: PolicyKind = 'identity'): string => {
  try {
    parsePolicy(text, kind);
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof PolicyParseError);
    return e.message;
  }
};
const doc = (statement: unknown, version: string | undefined = '2012-10-17') =>
  JSON.stringify(version === undefined ? { Statement: statement } : { Version: version, Statement: statement });
const allow = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };

test('identity policy errors', () => {
  const table: [string, string][] = [
    [doc(allow), 'ok'],
    [doc([allow, { ...allow, Effect: 'Deny' }]), 'ok'],
    [doc(allow, '2008-10-17'), 'ok'],
    [doc(allow, undefined), 'ok'],
    ['{', 'Syntax errors in policy.'],
    ['[]', 'Syntax errors in policy.'],
    [JSON.stringify({ Version: '2012-10-17' }), 'Missing required field Statement'],
    [doc(allow, '2020-01-01'), 'The policy failed legacy parsing'],
    [JSON.stringify({ Version: '2012-10-17', Statement: allow, Extra: 1 }), 'Syntax errors in policy.'],
    [doc([]), 'Syntax errors in policy.'],
    [doc({ Action: 's3:GetObject', Resource: '*' }), 'Missing required field Effect'],
    [doc({ ...allow, Effect: 'Permit' }), 'Syntax errors in policy.'],
    [doc({ ...allow, Principal: '*' }), 'Policy document should not specify a principal.'],
    [doc({ Effect: 'Allow', Resource: '*' }), 'Policy statement must contain actions.'],
    [doc({ Effect: 'Allow', Action: '*' }), 'Policy statement must contain resources.'],
    [doc({ ...allow, NotAction: 'x:y' }), 'Syntax errors in policy.'],
    [doc({ ...allow, Action: 'GetObject' }), 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'],
    [doc({ ...allow, Action: 'ec2:ec2:Run' }), 'Actions/Condition can contain only one colon.'],
    [doc({ ...allow, Action: [] }), 'Syntax errors in policy.'],
    [doc({ ...allow, Resource: 'bucket' }), 'Resource bucket must be in ARN format or "*".'],
    [doc({ ...allow, Resource: 'arn:aws:iam:us-east-1:111122223333:user/a' }), 'IAM resource arn:aws:iam:us-east-1:111122223333:user/a cannot contain region information.'],
    [doc({ ...allow, Sid: 'has-dash' }), 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*'],
    [doc({ ...allow, Condition: { StringEquals: { 'aws:username': 'alice' } } }), 'ok'],
    [doc({ ...allow, Condition: { StringEquals: { username: 'alice' } } }), 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'],
    [doc({ ...allow, Condition: { StringEquals: 'x' } }), 'Syntax errors in policy.'],
    [doc({ ...allow, Condition: { 'Bad Op': { 'a:b': 'x' } } }), 'Syntax errors in policy.'],
    [doc({ ...allow, Condition: { StringEquals: { 'a:b': [{}] } } }), 'Syntax errors in policy.'],
    [doc({ ...allow, Condition: { Bool: { 'aws:SecureTransport': true } } }), 'ok'],
  ];
  for (const [text, want] of table) assert.equal(err(text), want, text);
});

test('trust policy errors', () => {
  const trust = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' };
  const table: [unknown, string][] = [
    [trust, 'ok'],
    [{ ...trust, Principal: '*' }, 'ok'],
    [{ ...trust, Principal: { AWS: '111122223333' } }, 'ok'],
    [{ ...trust, Principal: { AWS: ['arn:aws:iam::111122223333:user/alice', 'arn:aws:iam::111122223333:role/teams/dev'] } }, 'ok'],
    [{ ...trust, Principal: { Service: 'eks.amazonaws.com' } }, 'ok'],
    [{ ...trust, Principal: { AWS: 'alice' } }, 'Invalid principal in policy: "AWS":"alice"'],
    [{ ...trust, Principal: { Bogus: 'x' } }, 'Invalid principal in policy: "Bogus"'],
    [{ Effect: 'Allow', Action: 'sts:AssumeRole' }, 'Missing required field Principal'],
    [{ ...trust, Resource: '*' }, 'Has prohibited field Resource'],
    [{ ...trust, Action: 's3:GetObject' }, 'AssumeRole policy may only specify STS AssumeRole actions.'],
    [{ ...trust, Action: ['sts:AssumeRole', 'sts:TagSession'] }, 'ok'],
    [{ ...trust, Condition: { StringEquals: { 'sts:ExternalId': 'x' } } }, 'ok'],
  ];
  for (const [st, want] of table) assert.equal(err(doc(st), 'trust'), want, JSON.stringify(st));
});

test('parsed shape', () => {
  const d = parsePolicy(
    doc({ Sid: 'A1', Effect: 'Deny', NotAction: ['iam:*'], NotResource: 'arn:aws:iam::*:user/x', Condition: { 'ForAnyValue:StringLike': { 'eks:namespaces': ['dev-*', 'qa'] } } }),
    'identity',
  );
  assert.deepEqual(d, {
    version: '2012-10-17',
    statements: [
      {
        sid: 'A1',
        effect: 'Deny',
        notAction: ['iam:*'],
        notResource: ['arn:aws:iam::*:user/x'],
        conditions: [{ operator: 'ForAnyValue:StringLike', key: 'eks:namespaces', values: ['dev-*', 'qa'] }],
      },
    ],
  });
  const t = parsePolicy(doc({ Effect: 'Allow', Principal: { AWS: ['*', '111122223333'] }, Action: 'sts:AssumeRole' }), 'trust');
  assert.deepEqual(t.statements[0]?.principal, { any: true, aws: ['111122223333'], service: [], federated: [], canonicalUser: [] });
});
