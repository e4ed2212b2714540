import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawRequest } from '../sigv4/index.js';
import { presignGetCallerIdentity, signRequest } from '../sigv4/index.js';
import type { AwsCredentials } from '../sigv4/index.js';
import { authenticateRequest, queryAuthError, restJsonAuthError } from './authenticate.js';
import { ACCOUNT, T0, harness, trustAccount } from './testdata/harness.js';

const HOST = 'entryway.test';
const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

async function signed(credentials: AwsCredentials, opts: { at?: number; service?: string; body?: string; tamper?: (r: RawRequest) => void } = {}): Promise<RawRequest> {
  const s = await signRequest({
    method: 'POST',
    url: `https://${HOST}/`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
    },
    body: opts.body ?? BODY,
    region: 'us-east-1',
    service: opts.service ?? 'sts',
    credentials,
    now: new Date(opts.at ?? T0),
  });
  const u = new URL(s.url);
  const raw: RawRequest = { method: 'POST', rawPath: u.pathname, rawQuery: u.search.slice(1), headers: { ...s.headers }, body: Buffer.from(s.body) };
  opts.tamper?.(raw);
  return raw;
}

const presignedRaw = (url: string, headers: Record<string, string>): RawRequest => {
  const u = new URL(url);
  return { method: 'GET', rawPath: u.pathname, rawQuery: u.search.slice(1), headers: { host: u.host, ...headers }, body: Buffer.alloc(0) };
};

test('authenticates IAM users, sessions, and presigned GetCallerIdentity', async () => {
  const h = await harness();
  const creds = { accessKeyId: h.admin.accessKeyId, secretAccessKey: h.admin.secretAccessKey };
  const ok = await authenticateRequest(h.store, await signed(creds), T0 + 60_000);
  assert.ok(ok.ok);
  assert.deepEqual([ok.caller.arn, ok.caller.principalId, ok.service, ok.region], [h.admin.userArn, h.admin.userId, 'sts', 'us-east-1']);

  // Temporary credentials with their token.
  const admin = await h.callerFor(h.admin.accessKeyId);
  await h.call(admin, 'iam', 'CreateRole', { RoleName: 'dev', AssumeRolePolicyDocument: trustAccount() });
  const out = await h.call(admin, 'sts', 'AssumeRole', { RoleArn: `arn:aws:iam::${ACCOUNT}:role/dev`, RoleSessionName: 'ops' });
  const c = out.result?.Credentials as Record<string, string>;
  const temp = { accessKeyId: c.AccessKeyId as string, secretAccessKey: c.SecretAccessKey as string, sessionToken: c.SessionToken as string };
  const s = await authenticateRequest(h.store, await signed(temp), T0);
  assert.ok(s.ok);
  assert.equal(s.caller.arn, `arn:aws:sts::${ACCOUNT}:assumed-role/dev/ops`);

  // Presigned (k8s-aws-v1 style) with the signed x-k8s-aws-id header.
  const url = await presignGetCallerIdentity({ credentials: temp, region: 'us-east-1', clusterId: 'demo', now: new Date(T0), endpoint: `https://${HOST}` });
  const p = await authenticateRequest(h.store, presignedRaw(url, { 'x-k8s-aws-id': 'demo' }), T0 + 30_000);
  assert.ok(p.ok, JSON.stringify(p));
  const wrongCluster = await authenticateRequest(h.store, presignedRaw(url, { 'x-k8s-aws-id': 'other' }), T0 + 30_000);
  assert.ok(!wrongCluster.ok && queryAuthError(wrongCluster.failure).code === 'SignatureDoesNotMatch');
});

test('refusals map to AWS errors per protocol', async () => {
  const h = await harness();
  const creds = { accessKeyId: h.admin.accessKeyId, secretAccessKey: h.admin.secretAccessKey };
  const admin = await h.callerFor(h.admin.accessKeyId);
  await h.call(admin, 'iam', 'CreateUser', { UserName: 'alice' });
  const k = await h.call(admin, 'iam', 'CreateAccessKey', { UserName: 'alice' });
  const ak = k.result?.AccessKey as Record<string, string>;
  const alice = { accessKeyId: ak.AccessKeyId as string, secretAccessKey: ak.SecretAccessKey as string };
  await h.call(admin, 'iam', 'CreateRole', { RoleName: 'dev', AssumeRolePolicyDocument: trustAccount() });
  const out = await h.call(admin, 'sts', 'AssumeRole', { RoleArn: `arn:aws:iam::${ACCOUNT}:role/dev`, RoleSessionName: 'ops', DurationSeconds: '900' });
  const c = out.result?.Credentials as Record<string, string>;
  const temp = { accessKeyId: c.AccessKeyId as string, secretAccessKey: c.SecretAccessKey as string, sessionToken: c.SessionToken as string };

  const cases: [string, () => Promise<RawRequest>, number, [string, number, string], [string, number, string]][] = [
    ['no auth', async () => ({ method: 'POST', rawPath: '/', rawQuery: '', headers: { host: HOST }, body: Buffer.from(BODY) }), T0,
      ['MissingAuthenticationToken', 403, 'Request is missing Authentication Token'], ['MissingAuthenticationTokenException', 403, 'Missing Authentication Token']],
    ['unknown key', () => signed({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) }), T0,
      ['InvalidClientTokenId', 403, 'The security token included in the request is invalid.'], ['UnrecognizedClientException', 403, 'The security token included in the request is invalid.']],
    ['bad signature', () => signed({ ...creds, secretAccessKey: 'y'.repeat(40) }), T0,
      ['SignatureDoesNotMatch', 403, 'The request signature we calculated does not match'], ['InvalidSignatureException', 403, 'The request signature we calculated does not match']],
    ['tampered body', () => signed(creds, { tamper: (r) => (r.body = Buffer.from(BODY + '&x=1')) }), T0,
      ['SignatureDoesNotMatch', 403, ''], ['InvalidSignatureException', 403, '']],
    ['clock skew', () => signed(creds, { at: T0 - 6 * 60_000 }), T0,
      ['SignatureDoesNotMatch', 403, 'Signature expired: 20260115T115400Z is now earlier than 20260115T115500Z (20260115T120000Z - 5 min.)'],
      ['InvalidSignatureException', 403, 'Signature expired:']],
    ['session token missing', () => signed({ accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey }), T0,
      ['InvalidClientTokenId', 403, 'The security token included in the request is invalid.'], ['UnrecognizedClientException', 403, '']],
    ['session token of another session', () => signed({ ...temp, sessionToken: temp.sessionToken.slice(0, -4) + 'AAAA' }), T0,
      ['InvalidClientTokenId', 403, ''], ['UnrecognizedClientException', 403, '']],
    ['expired session', () => signed(temp, { at: T0 + 901_000 }), T0 + 901_000,
      ['ExpiredToken', 403, 'The security token included in the request is expired'], ['ExpiredTokenException', 403, 'The security token included in the request is expired']],
  ];
  for (const [name, make, now, query, rest] of cases) {
    const r = await authenticateRequest(h.store, await make(), now);
    assert.ok(!r.ok, name);
    const q = queryAuthError(r.failure);
    const j = restJsonAuthError(r.failure);
    assert.deepEqual([q.code, q.status], [query[0], query[1]], name);
    assert.ok(q.message.startsWith(query[2]), `${name}: ${q.message}`);
    assert.deepEqual([j.code, j.status], [rest[0], rest[1]], name);
    assert.ok(j.message.startsWith(rest[2]), `${name}: ${j.message}`);
  }

  // Inactive keys look like unknown ones.
  assert.ok((await authenticateRequest(h.store, await signed(alice), T0)).ok);
  await h.call(admin, 'iam', 'UpdateAccessKey', { UserName: 'alice', AccessKeyId: alice.accessKeyId, Status: 'Inactive' });
  const inactive = await authenticateRequest(h.store, await signed(alice), T0);
  assert.ok(!inactive.ok && queryAuthError(inactive.failure).code === 'InvalidClientTokenId');
  // A long-term key with a token it does not have.
  const extra = await authenticateRequest(h.store, await signed({ ...creds, sessionToken: 'IQoJb3JpZ2luX2VjAAAA' }), T0);
  assert.ok(!extra.ok && extra.failure.kind === 'token' && extra.failure.reason === 'unexpected');
});
