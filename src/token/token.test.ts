import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  StsError,
  TokenFormatError,
  TokenSignatureError,
  createToken,
  identityFromCallerIdentity,
  parseToken,
  tokenFromUrl,
  verifyTokenOffline,
} from './index.js';
import type { ParsedToken, TokenConfig, TokenFormatCode } from './index.js';
import { formatAmzDate } from '../sigv4/index.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = new Date('2026-11-28T12:00:00Z');
const NOW_AMZ = formatAmzDate(NOW);
const MIN = 60_000;

/** Reference §1.4: `aws eks get-token --cluster-name demo --region us-east-1`, AKIDEXAMPLE. */
const REF_TOKEN =
  'k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMjYxMTI4JTJGdXMtZWFzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjExMjhUMjMxODI5WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9ZDJjZjc5OGU2M2Q2YjliMmEzNWRjYWM1YzVhYTUzNjc5ZDc4ZTQ2YjgxMzM3OTE0ODE3MDU1MjcxZTYwYjI3NA';
const REF_NOW = new Date('2026-11-28T23:18:40Z');

const minimal = (host: string, extra = '', date = NOW_AMZ) =>
  `https://${host}/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=${date}&x-amz-expires=60${extra}`;

function ok(token: string, now = NOW, config?: TokenConfig): ParsedToken {
  const r = parseToken(token, now, config);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.token;
}

function err(token: string, code: TokenFormatCode, msg?: string | RegExp, config?: TokenConfig, now = NOW): void {
  const r = parseToken(token, now, config);
  assert.ok(!r.ok, `expected ${code}`);
  assert.ok(r.error instanceof TokenFormatError);
  assert.equal(r.error.code, code, r.error.message);
  if (typeof msg === 'string') assert.equal(r.error.message, `input token was not properly formatted: ${msg}`);
  else if (msg) assert.match(r.error.message, msg);
}

test('reference §1.4 token parses and verifies offline for cluster demo only', async () => {
  const t = ok(REF_TOKEN, REF_NOW);
  assert.equal(t.host, 'sts.us-east-1.amazonaws.com');
  assert.equal(t.stsRegion, 'us-east-1');
  assert.equal(t.partition, 'aws');
  assert.equal(t.accessKeyId, 'AKIDEXAMPLE');
  assert.deepEqual(t.credentialScope, { date: '20261128', region: 'us-east-1', service: 'sts' });
  assert.equal(t.expiresSeconds, 60);
  assert.deepEqual(t.signedHeaders, ['host', 'x-k8s-aws-id']);
  assert.equal(t.date.toISOString(), '2026-11-28T23:18:29.000Z');
  assert.equal(t.securityToken, undefined);
  assert.equal(t.params['action'], 'GetCallerIdentity');
  assert.ok(t.url.startsWith('https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&'));
  assert.equal(t.rawQuery, t.url.slice(t.url.indexOf('?') + 1));

  assert.deepEqual(await verifyTokenOffline(t, 'demo', SECRET), { ok: true });
  for (const [cluster, secret] of [
    ['other', SECRET],
    ['demo', `${SECRET}x`],
    ['Demo', SECRET],
  ] as const) {
    const r = await verifyTokenOffline(t, cluster, secret);
    assert.ok(!r.ok && r.error instanceof TokenSignatureError && r.error.code === 'signature_mismatch', `${cluster}/${secret}`);
  }
  const flipped = ok(tokenFromUrl(t.url.replace(/.$/, (c) => (c === '4' ? '5' : '4'))), REF_NOW);
  const f = await verifyTokenOffline(flipped, 'demo', SECRET);
  assert.ok(!f.ok && f.error.code === 'signature_mismatch');
  // 15 minutes after X-Amz-Date (not X-Amz-Expires' 60 s) the token is refused before any crypto.
  ok(REF_TOKEN, new Date('2026-11-28T23:33:29Z'));
  err(REF_TOKEN, 'expired', 'X-Amz-Date parameter is expired (15 minute expiration) 2026-11-28 23:18:29 +0000 UTC', undefined, new Date('2026-11-28T23:33:30Z'));
});

test('reference §8.1 rejection table (upstream TestVerifyTokenPreSTSValidations)', () => {
  const b = (url: string) => tokenFromUrl(url);
  err('\0'.repeat(4097), 'too_large', 'token is too large', { maxTokenBytes: 4096 });
  err('k8s-aws-v2.asdfasdfa', 'bad_prefix', 'token is missing expected "k8s-aws-v1." prefix');
  err('k8s-aws-v1.decodingerror', 'bad_base64', /illegal base64 data at input byte/);
  err(b(':ab:cd.af:/asda'), 'bad_url', 'missing protocol scheme');
  err(b('http://'), 'bad_scheme', 'unexpected scheme "http" in pre-signed URL');
  err(b('https://google.com'), 'bad_host', 'could not parse region for pre-signed URL google.com, invalid host format: google.com');
  err(b('https://sts.cn-north-1.amazonaws.com.cn/abc'), 'bad_path', 'unexpected path in pre-signed URL', { partitions: ['aws-cn'] });
  err(b('https://sts.amazonaws.com/abc'), 'bad_path', 'unexpected path in pre-signed URL');
  err(b('https://sts.amazonaws.com/?NoInWhiteList=abc'), 'param_not_allowed', 'non-whitelisted query parameter "NoInWhiteList"');
  err(b('https://sts.amazonaws.com/?action=get&action=post'), 'multiple_values', 'query parameter with multiple values not supported');
  err(b('https://sts.amazonaws.com/?action=NotGetCallerIdenity'), 'bad_action', 'unexpected action parameter in pre-signed URL');
  err(
    b('https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=abc%3bx-k8s-aws-i%3bdef'),
    'unsigned_cluster_header',
    'client did not sign the x-k8s-aws-id header in the pre-signed URL',
  );
  err(b(minimal('sts.amazonaws.com').replace('x-amz-expires=60', 'x-amz-expires=9999999')), 'bad_expires', 'invalid X-Amz-Expires parameter in pre-signed URL: 9999999');
  err(b(minimal('sts.amazonaws.com', '', 'xxxxxxx')), 'bad_date', /^input token was not properly formatted: error parsing X-Amz-Date parameter xxxxxxx into format 20060102T150405Z/);
  err(b(minimal('sts.amazonaws.com', '', '19900422T010203Z')), 'expired', 'X-Amz-Date parameter is expired (15 minute expiration) 1990-04-22 01:02:03 +0000 UTC');
  err(b(`${minimal('sts.amazonaws.com')}%gh`), 'bad_query', 'malformed query parameter');
  err(
    b(`${minimal('sts.amazonaws.com')}&X-Amz-Credential=ASIABCDEFGHIJKLMNOPQ%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&x-amz-credential=x`),
    'duplicate_param',
    'duplicate query parameter found: "x-amz-credential"',
  );
  err(b(minimal('sts.amazonaws.com').replace(/&x-amz-date=[^&]*/, '')), 'missing_date', 'X-Amz-Date parameter must be present in pre-signed URL');
  err(b(minimal('sts.amazonaws.com').replace('x-amz-expires=60', 'x-amz-expires=')), 'bad_expires');
  err(b(minimal('sts.amazonaws.com').replace('&x-amz-expires=60', '')), 'bad_expires');
});

test('minimal accepted URLs (upstream) and the access key id', () => {
  for (const host of ['sts.us-east-2.amazonaws.com', 'sts.ap-northeast-2.amazonaws.com', 'sts.ca-central-1.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 'sts.sa-east-1.amazonaws.com']) {
    const t = ok(tokenFromUrl(minimal(host)));
    assert.equal(t.host, host);
    assert.equal(t.accessKeyId, '');
    assert.equal(t.credentialScope, undefined);
  }
  const t = ok(tokenFromUrl(minimal('sts.amazonaws.com', '&X-Amz-Credential=ASIABCDEFGHIJKLMNOPQ%2F20260101%2Fus-east-1%2Fsts%2Faws4_request')));
  assert.equal(t.accessKeyId, 'ASIABCDEFGHIJKLMNOPQ');
  assert.equal(t.stsRegion, 'global');
  // Go's Atoi accepts a sign and leading zeros; the range is inclusive.
  for (const e of ['0', '900', '+60', '060', '-0']) {
    ok(tokenFromUrl(minimal('sts.amazonaws.com').replace('x-amz-expires=60', `x-amz-expires=${encodeURIComponent(e)}`)));
  }
  for (const e of ['901', '-1', '6e1', '60.0', ' 60', '0x10']) {
    err(tokenFromUrl(minimal('sts.amazonaws.com').replace('x-amz-expires=60', `x-amz-expires=${encodeURIComponent(e)}`)), 'bad_expires');
  }
});

test('size limit: 16 KiB by default so real session tokens fit', async () => {
  const big = await createToken({
    credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: SECRET, sessionToken: 'IQoJb3JpZ2luX2VjE+/='.repeat(400) },
    region: 'us-east-1',
    clusterId: 'demo',
    now: NOW,
  });
  assert.ok(big.length > 4096 && big.length < 16_384, String(big.length));
  err(big, 'too_large', 'token is too large', { maxTokenBytes: 4096 });
  const t = ok(big);
  assert.equal(t.securityToken, 'IQoJb3JpZ2luX2VjE+/='.repeat(400));
  assert.deepEqual(await verifyTokenOffline(t, 'demo', SECRET), { ok: true });
  err(`k8s-aws-v1.${'A'.repeat(16_384)}`, 'too_large');
  err(`k8s-aws-v1.${'é'.repeat(8_200)}`, 'too_large'); // bytes, not characters
});

test('strict base64url (Node would accept all of these)', () => {
  const good = tokenFromUrl(minimal('sts.amazonaws.com'));
  ok(good);
  const payload = good.slice('k8s-aws-v1.'.length);
  const cases = [
    `${payload}=`,
    `${payload}==`,
    `+${payload.slice(1)}`,
    `/${payload.slice(1)}`,
    `${payload.slice(0, 10)} ${payload.slice(10)}`,
    `${payload.slice(0, 10)}\n${payload.slice(10)}`,
    `${payload.slice(0, 10)}$${payload.slice(10)}`,
    'a',
  ];
  for (const c of cases) {
    err(`k8s-aws-v1.${c}`, 'bad_base64', /illegal base64 data at input byte \d+/);
  }
  err('k8s-aws-v1.', 'bad_url', 'missing protocol scheme');
});

test('URL differentials: what is checked is what gets fetched', () => {
  const q = '?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=' + NOW_AMZ + '&x-amz-expires=60';
  const rows: Array<[string, TokenFormatCode, TokenConfig?]> = [
    [`https://sts.amazonaws.com:443/${q}`, 'bad_host'],
    [`https://sts.amazonaws.com:8443/${q}`, 'bad_host'],
    [`https://sts.amazonaws.com\\@evil.test/${q}`, 'bad_url'],
    [`https://evil.test\\.sts.amazonaws.com/${q}`, 'bad_url'],
    [`https://user@sts.amazonaws.com/${q}`, 'bad_url'],
    [`https://sts.amazonaws.com@evil.test/${q}`, 'bad_url'],
    [`https://evil.test#@sts.amazonaws.com/${q}`, 'bad_url'],
    [`https://sts.amazonaws.com/${q}#frag`, 'bad_url'],
    [`https://STS.amazonaws.com/${q}`, 'bad_host'],
    [`https://sts.amazonaws.com./${q}`, 'bad_host'],
    [`https://sts%2eamazonaws.com/${q}`, 'bad_host'],
    [`HTTPS://sts.amazonaws.com/${q}`, 'bad_scheme'],
    [`https:sts.amazonaws.com/${q}`, 'bad_host'],
    [`https:/sts.amazonaws.com/${q}`, 'bad_host'],
    [`https:///sts.amazonaws.com/${q}`, 'bad_host'],
    [`https://sts.amazonaws.com${q}`, 'bad_path'],
    [`https://sts.amazonaws.com//${q}`, 'bad_path'],
    [`https://sts.amazonaws.com/./${q}`, 'bad_path'],
    [`https://sts.amazonaws.com/%2e/${q}`, 'bad_path'],
    [`https://sts.amazonaws.com/${q};x=1`, 'bad_query'],
    [`https://sts.amazonaws.com/${q}&a'b=1`, 'bad_url'],
    [`https://sts.amazonaws.com/${q}&a b=1`, 'bad_url'],
    [`https://sts.amazonaws.com/${q}&a\tb=1`, 'bad_url'],
    [`https://sts.amazonaws.com/${q}&caf\u00e9=1`, 'bad_url'],
    [` https://sts.amazonaws.com/${q}`, 'bad_url'],
    [`https://127.0.0.1:8443/${q}`, 'bad_host'],
    [`http://127.0.0.1:8443/${q}`, 'bad_scheme', { customStsHosts: ['127.0.0.1:8443'] }],
    [`https://127.1:8443/${q}`, 'bad_url', { customStsHosts: ['127.1:8443'] }],
    [`https://user@127.0.0.1:8443/${q}`, 'bad_url', { customStsHosts: ['user@127.0.0.1:8443'] }],
  ];
  for (const [url, code, config] of rows) err(tokenFromUrl(url), code, undefined, config);
});

test('custom STS hosts (Entryway itself, AWS_ENDPOINT_URL)', () => {
  const t = ok(tokenFromUrl(minimal('127.0.0.1:8443')), NOW, { customStsHosts: ['127.0.0.1:8443'] });
  assert.equal(t.stsRegion, 'custom');
  assert.equal(t.partition, undefined);
  assert.equal(t.scheme, 'https');
  const h = ok(tokenFromUrl(minimal('localhost:8080').replace('https:', 'http:')), NOW, { customStsHosts: ['http://localhost:8080'] });
  assert.equal(h.scheme, 'http');
  assert.equal(h.host, 'localhost:8080');
  err(tokenFromUrl(minimal('localhost:8080')), 'bad_host', undefined, { customStsHosts: ['http://localhost:8080'] });
  ok(tokenFromUrl(minimal('[::1]:8443')), NOW, { customStsHosts: ['[::1]:8443'] });
  // Custom hosts do not relax anything else.
  err(tokenFromUrl(minimal('127.0.0.1:8443').replace('/?', '/x?')), 'bad_path', undefined, { customStsHosts: ['127.0.0.1:8443'] });
});

test('query rules: duplicates, allowlist and precedence are deterministic', () => {
  const base = minimal('sts.amazonaws.com');
  err(tokenFromUrl(`${base}&Action=GetCallerIdentity`), 'duplicate_param', 'duplicate query parameter found: "Action"');
  err(tokenFromUrl(`${base}&X-Amz-Date=${NOW_AMZ}`), 'duplicate_param');
  err(tokenFromUrl(`${base}&x-amz-date=${NOW_AMZ}`), 'multiple_values');
  err(tokenFromUrl(`${base}&Foo=1&foo=2`), 'duplicate_param', 'duplicate query parameter found: "foo"');
  err(tokenFromUrl(`${base}&x-amz-content-sha256=UNSIGNED-PAYLOAD`), 'param_not_allowed', 'non-whitelisted query parameter "x-amz-content-sha256"');
  err(tokenFromUrl(`${base}&=1`), 'param_not_allowed', 'non-whitelisted query parameter ""');
  err(tokenFromUrl(base.replace('action=GetCallerIdentity', 'action=getcalleridentity')), 'bad_action');
  err(tokenFromUrl(base.replace('action=GetCallerIdentity', 'action=GetCallerIdentity%00')), 'bad_action');
  // Empty segments are skipped, '+' is a space, keys are case-insensitive.
  const t = ok(tokenFromUrl(`${base}&&X-Amz-Security-Token=a+b%2Bc`));
  assert.equal(t.securityToken, 'a b+c');
  assert.equal(t.params['x-amz-expires'], '60');
  ok(tokenFromUrl(base.replace('x-k8s-aws-id', 'host%3BX-K8S-AWS-ID')));
});

test('time: 15 minutes after X-Amz-Date, at most 5 minutes ahead', () => {
  const at = (d: Date) => tokenFromUrl(minimal('sts.amazonaws.com', '', formatAmzDate(d)));
  ok(at(new Date(NOW.getTime() - 15 * MIN)));
  err(at(new Date(NOW.getTime() - 15 * MIN - 1000)), 'expired');
  ok(at(new Date(NOW.getTime() + 5 * MIN)));
  err(at(new Date(NOW.getTime() + 5 * MIN + 1000)), 'future_date', /is in the future \(more than 5 minutes ahead\) 2026-11-28 12:05:01 \+0000 UTC$/);
  ok(at(new Date(NOW.getTime() + 9 * MIN)), NOW, { maxFutureSkewMs: 10 * MIN });
  err(at(new Date(NOW.getTime() - 6 * MIN)), 'expired', /\(5 minute expiration\)/, { maxAgeMs: 5 * MIN });
  for (const d of ['20261331T000000Z', '20260230T000000Z', '20261128T246000Z', '20261128T120000', '2026-11-28T12:00:00Z']) {
    err(tokenFromUrl(minimal('sts.amazonaws.com', '', d)), 'bad_date');
  }
});

test('messages never contain the token URL', () => {
  const secretish = 'SESSIONTOKENVALUE';
  const url = `https://sts.amazonaws.com:1/?X-Amz-Security-Token=${secretish}`;
  for (const t of [tokenFromUrl(url), tokenFromUrl(`http${url.slice(5)}`), tokenFromUrl(`:${url}`), tokenFromUrl(`${url} `)]) {
    const r = parseToken(t, NOW);
    assert.ok(!r.ok);
    assert.ok(!r.error.message.includes(secretish), r.error.message);
  }
});

test('property: parseToken never throws, and whatever it accepts is an allowlisted, normalized URL', () => {
  const hosts = fc.constantFrom('sts.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 'sts.cn-north-1.amazonaws.com.cn', 'evil.test', '127.0.0.1:8443', 'STS.amazonaws.com', 'sts.amazonaws.com:443');
  const junk = fc.string({ unit: 'binary', maxLength: 20 });
  const urlish = fc.tuple(fc.constantFrom('https://', 'http://', 'HTTPS://', 'https:/', ''), hosts, fc.constantFrom('/', '', '//', '/x'), junk).map(
    ([s, h, p, j]) => `${s}${h}${p}?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=${NOW_AMZ}&x-amz-expires=60${j}`,
  );
  fc.assert(
    fc.property(fc.oneof(urlish.map(tokenFromUrl), fc.string().map((s) => `k8s-aws-v1.${s}`), fc.string()), (token) => {
      const r = parseToken(token, NOW);
      if (!r.ok) return;
      assert.equal(new URL(r.token.url).href, r.token.url);
      assert.equal(new URL(r.token.url).host, r.token.host);
      assert.ok(['sts.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 'sts.cn-north-1.amazonaws.com.cn'].includes(r.token.host));
      assert.equal(r.token.params['action'], 'GetCallerIdentity');
    }),
    { numRuns: 500 },
  );
});

test('property: tokens from createToken parse and verify offline only for their cluster', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'cn-north-1', 'us-gov-west-1'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
      fc.option(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 }), { nil: undefined }),
      fc.integer({ min: -5 * 60, max: 15 * 60 }),
      async (region, clusterId, sessionToken, ageSeconds) => {
        const signed = new Date(NOW.getTime() - ageSeconds * 1000);
        const token = await createToken({
          credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, ...(sessionToken ? { sessionToken } : {}) },
          region,
          clusterId,
          now: signed,
        });
        const t = ok(token);
        assert.equal(t.securityToken, sessionToken);
        assert.equal(t.stsRegion, region);
        assert.deepEqual(await verifyTokenOffline(t, clusterId, SECRET), { ok: true });
        assert.equal((await verifyTokenOffline(t, `${clusterId}x`, SECRET)).ok, false);
      },
    ),
    { numRuns: 40 },
  );
});

test('offline verification refuses tokens it cannot check', async () => {
  // The minimal upstream URL has no signature at all.
  const t = ok(tokenFromUrl(minimal('sts.amazonaws.com')));
  const r = await verifyTokenOffline(t, 'demo', SECRET);
  assert.ok(!r.ok && r.error instanceof TokenSignatureError && r.error.code === 'unverifiable_signature');
  // A real signature scoped to another service.
  const token = await createToken({ credentials: { accessKeyId: 'AK', secretAccessKey: SECRET }, region: 'us-east-1', clusterId: 'demo', now: NOW });
  const other = ok(tokenFromUrl(Buffer.from(token.slice(11), 'base64url').toString().replace('%2Fsts%2F', '%2Fiam%2F')));
  const o = await verifyTokenOffline(other, 'demo', SECRET);
  assert.ok(!o.ok && o.error.code === 'unverifiable_signature');
});

test('identityFromCallerIdentity (upstream TestGetIdentityFromSTSResponse and friends)', () => {
  const id = (Account: string, Arn: string, UserId: string) => identityFromCallerIdentity({ Account, Arn, UserId }, 'AKIDX', 'sts.us-east-1.amazonaws.com');
  const root = id('123456789012', 'arn:aws:iam::123456789012:root', '123456789012');
  assert.ok(root.ok);
  assert.equal(root.identity.userId, '123456789012');
  assert.equal(root.identity.sessionName, '');
  assert.equal(root.identity.principalKind, 'ROOT');
  const user = id('123456789012', 'arn:aws:iam::123456789012:user/Alice', 'AIDAIYCCCMMMMMMMMGGDA');
  assert.ok(user.ok);
  assert.deepEqual(user.identity, {
    arn: 'arn:aws:iam::123456789012:user/Alice',
    canonicalArn: 'arn:aws:iam::123456789012:user/Alice',
    accountId: '123456789012',
    userId: 'AIDAIYCCCMMMMMMMMGGDA',
    sessionName: '',
    accessKeyId: 'AKIDX',
    stsEndpoint: 'sts.us-east-1.amazonaws.com',
    principalKind: 'USER',
  });
  const fed = id('123456789012', 'arn:aws:sts::123456789012:federated-user/Alice', '123456789012:Alice');
  assert.ok(fed.ok && fed.identity.userId === '123456789012:Alice' && fed.identity.sessionName === '');
  const role = id('211125685544', 'arn:aws:sts::211125685544:assumed-role/sso_admin/gomyers@paloaltonetworks.com', 'AROATCKASJUUBCXRRKSFT:gomyers@paloaltonetworks.com');
  assert.ok(role.ok);
  assert.equal(role.identity.canonicalArn, 'arn:aws:iam::211125685544:role/sso_admin');
  assert.equal(role.identity.userId, 'AROATCKASJUUBCXRRKSFT');
  assert.equal(role.identity.sessionName, 'gomyers@paloaltonetworks.com');
  const malformed = id('123456789012', 'arn:aws:sts::123456789012:assumed-role/Admin/s', 'not:vailid:userid');
  assert.ok(!malformed.ok && malformed.error instanceof StsError && malformed.error.code === 'malformed_user_id');
  assert.equal(malformed.error.message, 'sts getCallerIdentity failed: malformed UserID "not:vailid:userid"');
  const bareRole = id('123456789012', 'arn:aws:iam::123456789012:role/Admin', 'AROAXXXX');
  assert.ok(!bareRole.ok && bareRole.error.code === 'malformed_user_id');
  const badArn = id('123456789012', 'arn', 'x');
  assert.ok(!badArn.ok && badArn.error.code === 'bad_arn');
  assert.match(badArn.error.message, /^sts getCallerIdentity failed: arn 'arn' is invalid:/);
});

test('config: explicit undefined keeps the defaults; an empty partition list allows only custom hosts', () => {
  err(`k8s-aws-v1.${'A'.repeat(16_384)}`, 'too_large', undefined, { maxTokenBytes: undefined, maxAgeMs: undefined });
  err(tokenFromUrl(minimal('sts.amazonaws.com', '', '19900422T010203Z')), 'expired', undefined, { maxAgeMs: undefined });
  err(tokenFromUrl(minimal('sts.amazonaws.com')), 'bad_host', /global endpoint unsupported/, { partitions: [] });
  ok(tokenFromUrl(minimal('entryway.local:8443')), NOW, { partitions: [], customStsHosts: ['entryway.local:8443'] });
});
