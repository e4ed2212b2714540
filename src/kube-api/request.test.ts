import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributesOf, parseReviewRequest, ReviewRequestError } from './request.js';
import { captured } from './testdata/slices.js';

const PB = 'application/vnd.kubernetes.protobuf';
const SSAR = 'authorization.k8s.io/v1';
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const refuses = (fn: () => unknown, code: number, reason: string, re: RegExp, what: string) =>
  assert.throws(fn, (e: unknown) => e instanceof ReviewRequestError && e.code === code && e.reason === reason && re.test(e.message), what);

test('protobuf bodies from kubectl become attributes', () => {
  const r = parseReviewRequest('SelfSubjectAccessReview', SSAR, PB, captured('kubectl auth can-i create deployments -n dev-a'));
  assert.equal(r.kind, 'SelfSubjectAccessReview', 'kind');
  if (r.kind !== 'SelfSubjectAccessReview') return;
  assert.deepEqual(attributesOf(r.spec), { namespace: 'dev-a', verb: 'create', group: 'apps', version: '', resource: 'deployments', subresource: '', name: '' }, 'resource attributes');
  const nr = parseReviewRequest('SelfSubjectAccessReview', SSAR, `${PB}; charset=binary`, captured('kubectl auth can-i get /healthz'));
  assert.ok(nr.kind === 'SelfSubjectAccessReview' && 'path' in attributesOf(nr.spec), 'non-resource attributes');
  assert.deepEqual(parseReviewRequest('SelfSubjectRulesReview', SSAR, PB, captured('kubectl auth can-i --list -n dev-a')), { kind: 'SelfSubjectRulesReview', spec: { namespace: 'dev-a' } }, 'rules review');
  assert.deepEqual(parseReviewRequest('SelfSubjectReview', 'authentication.k8s.io/v1', PB, captured('kubectl auth whoami')), { kind: 'SelfSubjectReview' }, 'self review');
  // No Content-Type: the magic decides.
  assert.equal(parseReviewRequest('SelfSubjectReview', 'authentication.k8s.io/v1', undefined, captured('kubectl auth whoami')).kind, 'SelfSubjectReview', 'sniffed');
});

test('JSON bodies (kubectl ≤1.31, curl)', () => {
  const r = parseReviewRequest(
    'SelfSubjectAccessReview',
    SSAR,
    'application/json',
    json({ apiVersion: SSAR, kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'ns', verb: 'get', resource: 'pods', subresource: 'log', name: null, labelSelector: { rawSelector: 'a=b' } } } }),
  );
  assert.ok(r.kind === 'SelfSubjectAccessReview', 'kind');
  assert.deepEqual(r.spec.resourceAttributes?.labelSelector, { rawSelector: 'a=b', requirements: [] }, 'selector kept for the echo');
  assert.deepEqual(attributesOf(r.spec), { namespace: 'ns', verb: 'get', group: '', version: '', resource: 'pods', subresource: 'log', name: '' }, 'attributes');
  assert.deepEqual(parseReviewRequest('SelfSubjectRulesReview', SSAR, 'application/json', json({ spec: { namespace: 'x' } })), { kind: 'SelfSubjectRulesReview', spec: { namespace: 'x' } }, 'type meta optional');
  assert.deepEqual(parseReviewRequest('SelfSubjectRulesReview', SSAR, 'application/json', json({})), { kind: 'SelfSubjectRulesReview', spec: { namespace: '' } }, 'no spec');
  assert.deepEqual(parseReviewRequest('SelfSubjectReview', 'authentication.k8s.io/v1beta1', undefined, json({ apiVersion: 'authentication.k8s.io/v1beta1', kind: 'SelfSubjectReview' })), { kind: 'SelfSubjectReview' }, 'v1beta1');
});

test('refusals: 415 unknown media, 400 undecodable, 422 invalid', () => {
  const body = captured('kubectl auth can-i list pods -A');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/yaml', body), 415, 'UnsupportedMediaType', /accepted media types/, 'yaml');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/cbor', body), 415, 'UnsupportedMediaType', /unknown format/, 'cbor');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, PB, Buffer.alloc(0)), 400, 'BadRequest', /empty/, 'empty');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, PB, body.subarray(0, body.length - 3)), 400, 'BadRequest', /protobuf body could not be decoded/, 'truncated protobuf');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, PB, json({})), 400, 'BadRequest', /prefix/, 'JSON sent as protobuf');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/json', body), 400, 'BadRequest', /not valid JSON/, 'protobuf sent as JSON');
  refuses(() => parseReviewRequest('SelfSubjectRulesReview', SSAR, PB, body), 400, 'BadRequest', /kind in the data \(SelfSubjectAccessReview\)/, 'kind mismatch');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', 'authorization.k8s.io/v1beta1', PB, body), 400, 'BadRequest', /API version in the data/, 'version mismatch');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/json', json([])), 400, 'BadRequest', /JSON object/, 'array');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/json', json({ kind: 7 })), 400, 'BadRequest', /must be strings/, 'kind type');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/json', json({ spec: { resourceAttributes: { verb: 1 } } })), 400, 'BadRequest', /resourceAttributes.verb: expected a string/, 'verb type');
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/json', json({ spec: 'x' })), 400, 'BadRequest', /spec: expected an object/, 'spec type');
  refuses(
    () => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/json', json({ spec: { resourceAttributes: { labelSelector: { requirements: [{ values: [1] }] } } } })),
    400,
    'BadRequest',
    /values: expected an array of strings/,
    'selector values',
  );
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/json', json({ spec: {} })), 422, 'Invalid', /exactly one of/, 'neither');
  refuses(
    () => parseReviewRequest('SelfSubjectAccessReview', SSAR, 'application/json', json({ spec: { resourceAttributes: {}, nonResourceAttributes: {} } })),
    422,
    'Invalid',
    /exactly one of/,
    'both',
  );
  refuses(() => parseReviewRequest('SelfSubjectAccessReview', SSAR, PB, Buffer.concat([body, Buffer.alloc(70_000)])), 400, 'BadRequest', /larger than/, 'too large');
});
