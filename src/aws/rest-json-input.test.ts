import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../errors/aws-error.js';
import { hasInputShape, readRestJsonInput } from './rest-json-input.js';
import type { AssociateAccessPolicyRequest, CreateAccessEntryRequest, UntagResourceRequest } from '../model/eks-inputs.generated.js';

const parts = (body: Record<string, unknown>, params: Record<string, string> = { name: 'c1' }, query: Record<string, string | string[]> = {}) => ({ params, query, body });
const refuses = (fn: () => unknown, code: string, message: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof AwsError && e.code === code && e.status === 400 && message.test(e.message));

test('a well-typed body becomes the typed input, path members included, unknown members and nulls dropped', () => {
  const input = readRestJsonInput<CreateAccessEntryRequest>('CreateAccessEntry', parts({ principalArn: 'arn:aws:iam::111122223333:role/r', kubernetesGroups: ['a'], username: null, extra: 1, tags: { t: 'v' } }));
  assert.deepEqual(JSON.parse(JSON.stringify(input)), { clusterName: 'c1', principalArn: 'arn:aws:iam::111122223333:role/r', kubernetesGroups: ['a'], tags: { t: 'v' } });
});

test('each member is checked against its botocore type, named by its path', () => {
  const cases: [string, Record<string, unknown>, Record<string, string>, RegExp][] = [
    ['CreateAccessEntry', { principalArn: 5 }, { name: 'c1' }, /^principalArn must be a string\.$/],
    ['CreateAccessEntry', { principalArn: 'p', kubernetesGroups: 'devs' }, { name: 'c1' }, /^kubernetesGroups must be a list of strings\.$/],
    ['CreateAccessEntry', { principalArn: 'p', kubernetesGroups: ['a', 7] }, { name: 'c1' }, /^kubernetesGroups\[1\] must be a string\.$/],
    ['CreateAccessEntry', { principalArn: 'p', kubernetesGroups: ['a', null] }, { name: 'c1' }, /^kubernetesGroups must be a list of strings\.$/],
    ['CreateAccessEntry', { principalArn: 'p', tags: ['x'] }, { name: 'c1' }, /^tags must be an object of string values\.$/],
    ['CreateAccessEntry', { principalArn: 'p', tags: { k: 1 } }, { name: 'c1' }, /^tags\.k must be a string\.$/],
    ['AssociateAccessPolicy', { policyArn: 'x', accessScope: { type: 'namespace', namespaces: 'prod' } }, { name: 'c1', principalArn: 'p' }, /^accessScope\.namespaces must be a list of strings\.$/],
    ['AssociateAccessPolicy', { policyArn: 'x', accessScope: 'cluster' }, { name: 'c1', principalArn: 'p' }, /^accessScope must be an object\.$/],
    ['CreateCluster', { name: 'n', roleArn: 'r', resourcesVpcConfig: { endpointPublicAccess: 'yes' } }, {}, /^resourcesVpcConfig\.endpointPublicAccess must be true or false\.$/],
    ['AssociateIdentityProviderConfig', { oidc: { identityProviderConfigName: 'o', issuerUrl: 'https://i', clientId: 7 } }, { name: 'c1' }, /^oidc\.clientId must be a string\.$/],
  ];
  for (const [op, body, params, message] of cases) refuses(() => readRestJsonInput(op, parts(body, params)), 'InvalidParameterException', message);
});

test('required body members are left to the services (their gates come first); path and query members are read', () => {
  const input = readRestJsonInput<CreateAccessEntryRequest>('CreateAccessEntry', parts({}));
  assert.equal(input.principalArn, undefined);
  assert.equal(input.clusterName, 'c1');
  refuses(() => readRestJsonInput('CreateAccessEntry', parts({}, {})), 'InvalidParameterException', /^name is required\.$/);
  const ok = readRestJsonInput<AssociateAccessPolicyRequest>('AssociateAccessPolicy', parts({ policyArn: 'x', accessScope: { type: 'cluster' } }, { name: 'c', principalArn: 'p' }));
  assert.equal(ok.accessScope?.type, 'cluster');
});

test('query members: lists from repeated parameters, others at most once; tag operations answer BadRequestException', () => {
  const input = readRestJsonInput<UntagResourceRequest>('UntagResource', parts({}, { resourceArn: 'arn' }, { tagKeys: ['a', 'b'] }));
  assert.deepEqual(input.tagKeys, ['a', 'b']);
  assert.deepEqual(readRestJsonInput<UntagResourceRequest>('UntagResource', parts({}, { resourceArn: 'arn' }, { tagKeys: 'a' })).tagKeys, ['a']);
  refuses(() => readRestJsonInput('UntagResource', parts({}, { resourceArn: 'arn' })), 'BadRequestException', /^tagKeys is required\.$/);
  refuses(() => readRestJsonInput('TagResource', parts({ tags: 'x' }, { resourceArn: 'arn' })), 'BadRequestException', /^tags must be/);
  refuses(() => readRestJsonInput('ListClusters', parts({}, {}, { maxResults: ['1', '2'] })), 'InvalidParameterException', /^maxResults may be given only once\.$/);
});

test('a prototype-named member is data, not a prototype', () => {
  const input = readRestJsonInput<CreateAccessEntryRequest>('CreateAccessEntry', parts(JSON.parse('{"principalArn":"p","tags":{"__proto__":"v"}}') as Record<string, unknown>));
  assert.equal(Object.getPrototypeOf(input.tags), null);
  assert.equal(Object.keys(input.tags ?? {}).join(), '__proto__');
  assert.equal(hasInputShape('NoSuchOperation'), false);
});
