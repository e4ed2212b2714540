/** The plugin's wiring, without a server or kubectl: Status failures, auth outcomes, limits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { AuthnOutcome } from '../authn/authenticator.js';
import { createBaseApp } from '../server/http.js';
import { kubeApiPlugin } from './plugin.js';
import { alice, aliceSlice, captured } from './testdata/slices.js';

const PB = 'application/vnd.kubernetes.protobuf';
const SSAR = '/k8s/demo/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

async function app(outcome: (token: string) => AuthnOutcome | Promise<AuthnOutcome>, opts: { kubernetesVersion?: string } = {}): Promise<{ app: FastifyInstance; tokens: string[] }> {
  const tokens: string[] = [];
  const a = createBaseApp({ logger: false });
  const slice = aliceSlice();
  await a.register(kubeApiPlugin, {
    authenticator: {
      authenticate: async (cluster: string, token: string) => {
        assert.equal(cluster, 'demo', 'cluster passed through');
        tokens.push(token);
        return outcome(token);
      },
    },
    indexes: { clusters: { get: (name: string) => (name === 'demo' ? slice : undefined) } },
    now: () => 0,
    ...opts,
  });
  return { app: a, tokens };
}

const ok = (): AuthnOutcome => ({ ok: true, user: alice(), identity: undefined, source: 'access_entry', cached: false });
const auth = { authorization: 'Bearer k8s-aws-v1.abc' };

test('reviews answer 201 JSON; SSAR echoes the spec', async () => {
  const { app: a, tokens } = await app(ok);
  const r = await a.inject({ method: 'POST', url: SSAR, headers: { ...auth, 'content-type': PB }, payload: captured('kubectl auth can-i create deployments -n dev-a') });
  assert.equal(r.statusCode, 201, r.body);
  assert.match(String(r.headers['content-type']), /^application\/json/, 'JSON');
  const body = r.json();
  assert.equal(body.kind, 'SelfSubjectAccessReview', 'kind');
  assert.equal(body.spec.resourceAttributes.group, 'apps', 'spec echoed');
  assert.equal(body.status.allowed, true, 'allowed');
  assert.equal('denied' in body.status, false, 'never denied');
  assert.deepEqual(tokens, ['k8s-aws-v1.abc'], 'token passed');

  const ssr = await a.inject({ method: 'POST', url: '/k8s/demo/apis/authentication.k8s.io/v1beta1/selfsubjectreviews', headers: { ...auth, 'content-type': 'application/json' }, payload: '{}' });
  assert.equal(ssr.statusCode, 201, ssr.body);
  assert.equal(ssr.json().apiVersion, 'authentication.k8s.io/v1beta1', 'answers in the version asked');
  assert.deepEqual(ssr.json().status.userInfo.groups, ['system:authenticated'], 'groups');
  const v2 = await a.inject({ method: 'POST', url: '/k8s/demo/apis/authentication.k8s.io/v2/selfsubjectreviews', headers: auth, payload: '{}' });
  assert.equal(v2.statusCode, 404, 'unknown SSR version');

  const rules = await a.inject({ method: 'POST', url: '/k8s/demo/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', headers: { ...auth, 'content-type': PB }, payload: captured('kubectl auth can-i --list -n dev-a') });
  assert.equal(rules.statusCode, 201, rules.body);
  assert.equal(rules.json().status.incomplete, true, 'incomplete');
});

test('authentication failures: 401 Unauthorized (no details), 429 with Retry-After, 503', async () => {
  const { app: a } = await app((token) => {
    if (token === 'slow') return { ok: false, kind: 'throttled', reason: 'sts_throttled', message: 'Rate exceeded' };
    if (token === 'down') return { ok: false, kind: 'unavailable', reason: 'sts_timeout', message: 'timeout' };
    if (token === 'boom') throw new Error('bug');
    return { ok: false, kind: 'denied', reason: 'not_mapped', message: 'identity arn:aws:iam::1:user/secret-name is not mapped' };
  });
  const post = (headers: Record<string, string>) => a.inject({ method: 'POST', url: SSAR, headers: { 'content-type': PB, ...headers }, payload: captured('kubectl auth can-i list pods -A') });
  const refused: Record<string, string>[] = [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer ' }, { authorization: 'Bearer refused' }, { authorization: `Bearer ${'x'.repeat(70_000)}` }];
  for (const headers of refused) {
    const r = await post(headers);
    assert.equal(r.statusCode, 401, JSON.stringify(headers).slice(0, 50));
    assert.deepEqual(r.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }, 'exact 401 body');
  }
  const slow = await post({ authorization: 'bearer slow' });
  assert.equal(slow.statusCode, 429, 'throttled');
  assert.equal(slow.headers['retry-after'], '1', 'Retry-After');
  assert.equal(slow.json().reason, 'TooManyRequests', 'reason');
  const down = await post({ authorization: 'Bearer down' });
  assert.equal(down.statusCode, 503, 'unavailable');
  assert.equal(down.json().reason, 'ServiceUnavailable', 'reason');
  assert.doesNotMatch(down.body, /timeout/, 'no details');
  const boom = await post({ authorization: 'Bearer boom' });
  assert.equal(boom.statusCode, 503, 'authenticator error → 503');
  const disco = await a.inject({ method: 'GET', url: '/k8s/demo/apis' });
  assert.equal(disco.statusCode, 401, 'discovery needs a token');
});

test('impersonation is refused rather than silently ignored', async () => {
  const { app: a } = await app(ok);
  const r = await a.inject({ method: 'POST', url: SSAR, headers: { ...auth, 'content-type': PB, 'impersonate-user': 'bob' }, payload: captured('kubectl auth can-i list pods -A') });
  assert.equal(r.statusCode, 403, r.body);
  assert.equal(r.json().reason, 'Forbidden', 'reason');
});

test('bad bodies: 400/413/415/422 Status, never 5xx', async () => {
  const { app: a } = await app(ok);
  const post = (payload: Buffer | string, contentType = PB) => a.inject({ method: 'POST', url: SSAR, headers: { ...auth, 'content-type': contentType }, payload });
  const body = captured('kubectl auth can-i list pods -A');
  const cases: [Buffer | string, string, number, string][] = [
    [body.subarray(0, 30), PB, 400, 'BadRequest'],
    [Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x12, 0xff, 0xff, 0xff, 0xff, 0x0f]), PB, 400, 'BadRequest'],
    [Buffer.from('k8s'), PB, 400, 'BadRequest'],
    ['{', 'application/json', 400, 'BadRequest'],
    ['{"spec":{}}', 'application/json', 422, 'Invalid'],
    ['a: b', 'application/yaml', 415, 'UnsupportedMediaType'],
    [Buffer.alloc(200_000, 1), PB, 413, 'RequestEntityTooLarge'],
  ];
  for (const [payload, ct, code, reason] of cases) {
    const r = await post(payload, ct);
    assert.equal(r.statusCode, code, `${ct} ${r.body}`);
    assert.equal(r.json().kind, 'Status', 'Status');
    assert.equal(r.json().reason, reason, `${ct}: reason`);
  }
});

test('routing: unknown cluster and unknown paths are NotFound Status; /version is public', async () => {
  const { app: a } = await app(ok, { kubernetesVersion: '1.32' });
  const nf = await a.inject({ method: 'POST', url: '/k8s/other/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', headers: auth });
  assert.equal(nf.statusCode, 404, 'unknown cluster');
  assert.equal(nf.json().reason, 'NotFound', 'reason');
  for (const url of ['/k8s/demo/api/v1/pods', '/k8s/demo/healthz', '/k8s', '/k8s/demo/apis/apps/v1/deployments']) {
    const r = await a.inject({ method: 'GET', url, headers: auth });
    assert.equal(r.statusCode, 404, url);
    // Beyond the review APIs, the answer says where the cluster's real API server is.
    assert.match(r.json().message, /^(the server could not find the requested resource|Entryway's endpoint( for cluster demo)? answers only the review APIs)/, url);
  }
  const v = await a.inject({ method: 'GET', url: '/k8s/demo/version' });
  assert.equal(v.statusCode, 200, 'version without a token');
  assert.equal(v.json().gitVersion, 'v1.32.0-entryway', 'gitVersion');
  assert.equal(v.json().minor, '32', 'minor');
  const { app: b } = await app(ok);
  assert.equal((await b.inject({ method: 'GET', url: '/k8s/demo/version' })).json().gitVersion, 'v1.31.0-entryway', "default: the cluster's version");
  const apps = await a.inject({ method: 'GET', url: '/k8s/demo/apis/apps/v1', headers: auth });
  assert.equal(apps.statusCode, 200, 'discovery with a token');
  assert.equal(apps.json().kind, 'APIResourceList', 'resource list');
  const g = await a.inject({ method: 'GET', url: '/k8s/demo/apis/nope/v1', headers: auth });
  assert.equal(g.statusCode, 404, 'unknown group version');
});
