import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContextValue } from './match.js';
import { actionMatches, arnMatches, substituteVariables } from './match.js';
import { evaluateClause } from './conditions.js';
import { contextMap, evaluatePolicies } from './evaluate.js';
import { parsePolicy } from './document.js';
import { getAwsManagedPolicy, listAwsManagedPolicies } from './managed.js';

test('action matching is case-insensitive with * and ?', () => {
  const table: [string, string, boolean][] = [
    ['*', 'eks:CreateAccessEntry', true],
    ['eks:*', 'eks:CreateAccessEntry', true],
    ['EKS:createaccessentry', 'eks:CreateAccessEntry', true],
    ['eks:Describe*', 'eks:DescribeCluster', true],
    ['eks:Describe*', 'eks:ListClusters', false],
    ['iam:?etUser', 'iam:GetUser', true],
    ['iam:?etUser', 'iam:GGetUser', false],
    ['iam:Get*', 'iam:get', true],
    ['s3:*', 'eks:DescribeCluster', false],
    ['eks:Describe.*', 'eks:DescribeX', false],
  ];
  for (const [p, a, want] of table) assert.equal(actionMatches(p, a), want, `${p} ${a}`);
});

test('resource matching is case-sensitive and section-aware', () => {
  const table: [string, string, boolean][] = [
    ['*', 'arn:aws:eks:us-east-1:111122223333:cluster/demo', true],
    ['arn:aws:eks:*:111122223333:cluster/*', 'arn:aws:eks:us-east-1:111122223333:cluster/demo', true],
    ['arn:aws:eks:*:111122223333:cluster/DEMO', 'arn:aws:eks:us-east-1:111122223333:cluster/demo', false],
    ['arn:aws:iam::111122223333:user/*', 'arn:aws:iam::111122223333:user/teams/alice', true],
    ['arn:aws:iam::111122223333:user/a?ice', 'arn:aws:iam::111122223333:user/alice', true],
    ['arn:aws:iam::*:role/*', 'arn:aws:iam::111122223333:user/alice', false],
    // A wildcard does not cross the colon between sections…
    ['arn:aws:eks:*:cluster/demo', 'arn:aws:eks:us-east-1:111122223333:cluster/demo', false],
    // …but a short pattern's last section takes the rest.
    ['arn:aws:eks:*', 'arn:aws:eks:us-east-1:111122223333:cluster/demo', true],
    ['arn:aws:eks:us-east-1:111122223333:access-entry/demo/*', 'arn:aws:eks:us-east-1:111122223333:access-entry/demo/user/111122223333/alice/uuid', true],
  ];
  for (const [p, r, want] of table) assert.equal(arnMatches(p, r), want, `${p} ${r}`);
});

test('policy variables', () => {
  const ctx = contextMap({ 'aws:username': 'alice' });
  assert.equal(substituteVariables('arn:aws:iam::1:user/${aws:username}', ctx), 'arn:aws:iam::1:user/alice');
  assert.equal(substituteVariables('arn:aws:iam::1:user/${aws:userid}', ctx), undefined);
  assert.equal(substituteVariables("x/${aws:userid, 'none'}", ctx), 'x/none');
});

const st = (s: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: s });
const P = (...docs: string[]) => docs.map((d) => parsePolicy(d, 'identity'));
const req = (action: string, resource = '*', context: Record<string, ContextValue> = {}) => ({ action, resource, context: contextMap(context) });

test('explicit deny wins, otherwise an allow is needed', () => {
  const allowAll = st({ Effect: 'Allow', Action: '*', Resource: '*' });
  const denyIam = st({ Effect: 'Deny', Action: 'iam:*', Resource: '*' });
  assert.equal(evaluatePolicies(P(allowAll), req('iam:CreateUser')).effect, 'Allow');
  assert.equal(evaluatePolicies(P(allowAll, denyIam), req('iam:CreateUser')).effect, 'ExplicitDeny');
  assert.equal(evaluatePolicies(P(denyIam, allowAll), req('eks:ListClusters')).effect, 'Allow');
  assert.equal(evaluatePolicies(P(), req('eks:ListClusters')).effect, 'ImplicitDeny');
  assert.equal(evaluatePolicies(P(st({ Effect: 'Allow', Action: 's3:*', Resource: '*' })), req('eks:ListClusters')).effect, 'ImplicitDeny');
});

test('NotAction and NotResource', () => {
  const power = getAwsManagedPolicy('arn:aws:iam::aws:policy/PowerUserAccess');
  assert.ok(power);
  const docs = [parsePolicy(power.document, 'identity')];
  assert.equal(evaluatePolicies(docs, req('eks:CreateCluster')).effect, 'Allow');
  assert.equal(evaluatePolicies(docs, req('iam:CreateUser')).effect, 'ImplicitDeny');
  assert.equal(evaluatePolicies(docs, req('iam:ListRoles')).effect, 'Allow');
  const notRes = P(st({ Effect: 'Allow', Action: 'eks:*', NotResource: 'arn:aws:eks:*:*:cluster/prod' }));
  assert.equal(evaluatePolicies(notRes, req('eks:DescribeCluster', 'arn:aws:eks:us-east-1:1:cluster/dev')).effect, 'Allow');
  assert.equal(evaluatePolicies(notRes, req('eks:DescribeCluster', 'arn:aws:eks:us-east-1:1:cluster/prod')).effect, 'ImplicitDeny');
});

test('managed policies as data parse and behave', () => {
  for (const p of listAwsManagedPolicies()) {
    parsePolicy(p.document, 'identity');
    assert.match(p.policyId, /^ANPA[A-Z2-7]{17}$/);
  }
  const ro = P(getAwsManagedPolicy('arn:aws:iam::aws:policy/ReadOnlyAccess')?.document as string);
  for (const a of ['eks:DescribeCluster', 'eks:ListAccessEntries', 'iam:GetUser', 'iam:ListRoles', 'sts:GetCallerIdentity']) {
    assert.equal(evaluatePolicies(ro, req(a)).effect, 'Allow', a);
  }
  for (const a of ['eks:CreateAccessEntry', 'iam:CreateUser', 'sts:AssumeRole', 'eks:AssociateAccessPolicy']) {
    assert.equal(evaluatePolicies(ro, req(a)).effect, 'ImplicitDeny', a);
  }
  const iamRo = P(getAwsManagedPolicy('arn:aws:iam::aws:policy/IAMReadOnlyAccess')?.document as string);
  assert.equal(evaluatePolicies(iamRo, req('iam:ListUsers')).effect, 'Allow');
  assert.equal(evaluatePolicies(iamRo, req('iam:DeleteUser')).effect, 'ImplicitDeny');
});

test('resource policy variables in evaluation', () => {
  const self = P(st({ Effect: 'Allow', Action: 'iam:*AccessKey*', Resource: 'arn:aws:iam::111122223333:user/${aws:username}' }));
  const r = (user: string) => req('iam:CreateAccessKey', `arn:aws:iam::111122223333:user/${user}`, { 'aws:username': 'alice' });
  assert.equal(evaluatePolicies(self, r('alice')).effect, 'Allow');
  assert.equal(evaluatePolicies(self, r('bob')).effect, 'ImplicitDeny');
  // 2008-10-17 documents take ${…} literally.
  const old = [parsePolicy(JSON.stringify({ Version: '2008-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: 'arn:aws:iam::1:user/${aws:username}' } }), 'identity')];
  assert.equal(evaluatePolicies(old, req('iam:GetUser', 'arn:aws:iam::1:user/alice', { 'aws:username': 'alice' })).effect, 'ImplicitDeny');
});

test('condition operators', () => {
  const c = (operator: string, key: string, values: string[], context: Record<string, ContextValue>) =>
    evaluateClause({ operator, key, values }, contextMap(context), true);
  const table: [string, string, string[], Record<string, ContextValue>, boolean | 'unsupported'][] = [
    ['StringEquals', 'eks:clusterName', ['demo'], { 'eks:clusterName': 'demo' }, true],
    ['StringEquals', 'EKS:ClusterName', ['demo'], { 'eks:clustername': 'demo' }, true],
    ['StringEquals', 'eks:clusterName', ['Demo'], { 'eks:clusterName': 'demo' }, false],
    ['StringEqualsIgnoreCase', 'eks:clusterName', ['Demo'], { 'eks:clusterName': 'demo' }, true],
    ['StringNotEquals', 'eks:clusterName', ['prod'], { 'eks:clusterName': 'demo' }, true],
    ['StringNotEquals', 'eks:clusterName', ['prod', 'demo'], { 'eks:clusterName': 'demo' }, false],
    ['StringLike', 'eks:clusterName', ['dev-*'], { 'eks:clusterName': 'dev-1' }, true],
    ['StringNotLike', 'eks:clusterName', ['dev-*'], { 'eks:clusterName': 'dev-1' }, false],
    // Absent keys: positive false, negated true, IfExists true.
    ['StringEquals', 'eks:clusterName', ['demo'], {}, false],
    ['StringNotEquals', 'eks:clusterName', ['demo'], {}, true],
    ['StringEqualsIfExists', 'eks:clusterName', ['demo'], {}, true],
    ['StringEqualsIfExists', 'eks:clusterName', ['demo'], { 'eks:clusterName': 'x' }, false],
    ['ArnLike', 'aws:PrincipalArn', ['arn:aws:iam::*:role/admin-*'], { 'aws:PrincipalArn': 'arn:aws:iam::1:role/admin-x' }, true],
    ['ArnEquals', 'eks:policyArn', ['arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'], { 'eks:policyArn': 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy' }, true],
    ['ArnNotLike', 'eks:policyArn', ['arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'], { 'eks:policyArn': 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy' }, true],
    ['Bool', 'aws:SecureTransport', ['true'], { 'aws:SecureTransport': true }, true],
    ['Bool', 'aws:SecureTransport', ['true'], { 'aws:SecureTransport': 'false' }, false],
    ['Null', 'sts:ExternalId', ['true'], {}, true],
    ['Null', 'sts:ExternalId', ['false'], {}, false],
    ['NumericLessThan', 'x:n', ['10'], { 'x:n': 9 }, true],
    ['NumericGreaterThanEquals', 'x:n', ['10'], { 'x:n': '9' }, false],
    ['DateLessThan', 'aws:CurrentTime', ['2030-01-01T00:00:00Z'], { 'aws:CurrentTime': '2026-01-01T00:00:00Z' }, true],
    ['IpAddress', 'aws:SourceIp', ['10.0.0.0/8'], { 'aws:SourceIp': '10.1.2.3' }, true],
    ['NotIpAddress', 'aws:SourceIp', ['10.0.0.0/8'], { 'aws:SourceIp': '192.168.0.1' }, true],
    // Set qualifiers over multi-valued keys.
    ['ForAnyValue:StringLike', 'eks:namespaces', ['dev-*'], { 'eks:namespaces': ['prod', 'dev-a'] }, true],
    ['ForAnyValue:StringLike', 'eks:namespaces', ['dev-*'], { 'eks:namespaces': ['prod'] }, false],
    ['ForAnyValue:StringEquals', 'eks:namespaces', ['a'], {}, false],
    ['ForAllValues:StringLike', 'eks:namespaces', ['dev-*'], { 'eks:namespaces': ['dev-a', 'dev-b'] }, true],
    ['ForAllValues:StringLike', 'eks:namespaces', ['dev-*'], { 'eks:namespaces': ['dev-a', 'prod'] }, false],
    ['ForAllValues:StringEquals', 'eks:namespaces', ['a'], {}, true],
    ['ForAllValues:StringEquals', 'eks:namespaces', ['a'], { 'eks:namespaces': [] }, true],
    ['ForAllValues:StringNotEquals', 'eks:kubernetesGroups', ['system:masters'], { 'eks:kubernetesGroups': ['dev', 'ops'] }, true],
    ['ForAllValues:StringNotEquals', 'eks:kubernetesGroups', ['system:masters'], { 'eks:kubernetesGroups': ['dev', 'system:masters'] }, false],
    // Variables in condition values.
    ['StringEquals', 'eks:username', ['${aws:username}'], { 'eks:username': 'alice', 'aws:username': 'alice' }, true],
    // Unsupported operators.
    ['BinaryEquals', 'x:b', ['QmluYXJ5'], { 'x:b': 'QmluYXJ5' }, 'unsupported'],
    ['StringSortOfEquals', 'x:b', ['a'], { 'x:b': 'a' }, 'unsupported'],
    ['Maybe:StringEquals', 'x:b', ['a'], { 'x:b': 'a' }, 'unsupported'],
  ];
  for (const [op, key, values, ctx, want] of table) assert.equal(c(op, key, values, ctx), want, `${op} ${key} ${JSON.stringify(ctx)}`);
});

test('conditions in statements, and unsupported operators fail closed', () => {
  const onlyDemo = st({ Effect: 'Allow', Action: 'eks:*', Resource: '*', Condition: { StringEquals: { 'eks:clusterName': 'demo' } } });
  assert.equal(evaluatePolicies(P(onlyDemo), req('eks:DescribeCluster', '*', { 'eks:clusterName': 'demo' })).effect, 'Allow');
  assert.equal(evaluatePolicies(P(onlyDemo), req('eks:DescribeCluster', '*', { 'eks:clusterName': 'prod' })).effect, 'ImplicitDeny');
  const allowWeird = st({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { BinaryEquals: { 'x:y': 'AA==' } } });
  const denyWeird = st({ Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { BinaryEquals: { 'x:y': 'AA==' } } });
  const allowAll = st({ Effect: 'Allow', Action: '*', Resource: '*' });
  // An Allow with an operator we cannot evaluate grants nothing…
  assert.equal(evaluatePolicies(P(allowWeird), req('iam:GetUser', '*', { 'x:y': 'AA==' })).effect, 'ImplicitDeny');
  // …and a Deny with one denies.
  assert.equal(evaluatePolicies(P(allowAll, denyWeird), req('iam:GetUser')).effect, 'ExplicitDeny');
  // A false clause beside an unsupported one still makes the Deny not apply.
  const denyMixed = st({ Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { BinaryEquals: { 'x:y': 'AA==' }, StringEquals: { 'aws:username': 'bob' } } });
  assert.equal(evaluatePolicies(P(allowAll, denyMixed), req('iam:GetUser', '*', { 'aws:username': 'alice' })).effect, 'Allow');
});
