import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AWS_MESSAGES,
  IncompleteSignatureError,
  MissingAuthenticationError,
  RequestExpiredError,
  SignatureExpiredError,
  SignatureMismatchError,
  checkSigV4Time,
  formatAmzDate,
  parseAmzDate,
  parseSigV4,
  presignGetCallerIdentity,
  signRequest,
  unknownAccessKeyError,
  verifySigV4,
} from './index.js';
import type { ParsedSigV4, SigV4Request, SignedRequest } from './index.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET };
const NOW = new Date('2026-11-28T12:00:00Z');

function toWire(s: SignedRequest): SigV4Request {
  const u = new URL(s.url);
  return { method: s.method, rawPath: u.pathname, rawQuery: u.search.slice(1), headers: s.headers, body: s.body };
}

function parsed(req: SigV4Request): ParsedSigV4 {
  const p = parseSigV4(req);
  assert.ok(p.ok, p.ok ? '' : p.error.message);
  return p.value;
}

const bare = (headers: Record<string, string>, rawQuery = ''): SigV4Request => ({
  method: 'GET',
  rawPath: '/',
  rawQuery,
  headers: { host: 'h', ...headers },
  body: new Uint8Array(),
});

const AUTH = 'AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/eks/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

function parseError(req: SigV4Request) {
  const p = parseSigV4(req);
  assert.ok(!p.ok, 'expected a parse failure');
  return p.error;
}

test('parseSigV4: header auth fields', () => {
  const p = parsed(bare({ authorization: AUTH, 'x-amz-date': '20261128T120000Z' }, ''));
  assert.equal(p.mode, 'header');
  assert.equal(p.accessKeyId, 'AKID');
  assert.equal(p.service, 'eks');
  assert.equal(p.region, 'us-east-1');
  assert.equal(p.credentialScope, '20261128/us-east-1/eks/aws4_request');
  assert.deepEqual(p.signedHeaders, ['host', 'x-amz-date']);
  assert.equal(p.signature, 'abc');
  assert.equal(p.date.toISOString(), '2026-11-28T12:00:00.000Z');
  assert.equal(p.securityToken, undefined);
});

test('parseSigV4: no auth at all → MissingAuthenticationToken', () => {
  const e = parseError(bare({}, 'Action=ListUsers'));
  assert.ok(e instanceof MissingAuthenticationError);
  assert.deepEqual(e.toAws('query'), { code: 'MissingAuthenticationToken', status: 403, message: 'Request is missing Authentication Token' });
  assert.deepEqual(e.toAws('rest-json'), { code: 'MissingAuthenticationTokenException', status: 403, message: 'Missing Authentication Token' });
});

test('parseSigV4: malformed header auth → IncompleteSignature with AWS wording', () => {
  const cases: Array<[Record<string, string>, string | RegExp]> = [
    [
      { authorization: 'Bearer xyz' },
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer xyz",
    ],
    [
      { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/eks/aws4_request, Signature=abc', 'x-amz-date': '20261128T120000Z' },
      /^Authorization header requires 'SignedHeaders' parameter\. Authorization=/,
    ],
    [
      { authorization: 'AWS4-HMAC-SHA256 Credential= AKID/x, SignedHeaders=host, Signature=abc', 'x-amz-date': '20261128T120000Z' },
      /^Credential must have exactly 5 slash-delimited elements/,
    ],
    [
      { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/eks/aws4_request, SignedHeaders=host;x-amz-date, Signature', 'x-amz-date': '20261128T120000Z' },
      /^'Signature' not a valid key=value pair \(missing equal-sign\) in Authorization header/,
    ],
    [
      { authorization: AUTH.replace('aws4_request', 'aws5_request'), 'x-amz-date': '20261128T120000Z' },
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
    ],
    [{ authorization: AUTH, 'x-amz-date': '2026-11-28T12:00:00Z' }, /^Date must be in ISO-8601 'basic format'/],
    [{ authorization: AUTH, 'x-amz-date': '20261331T120000Z' }, /^Date must be in ISO-8601 'basic format'/],
    [{ authorization: AUTH.replace('host;x-amz-date', 'x-amz-date'), 'x-amz-date': '20261128T120000Z' }, /'Host' or ':authority' must be a 'SignedHeader'/],
    [{ authorization: AUTH.replace('host;x-amz-date', 'host'), 'x-amz-date': '20261128T120000Z' }, /'x-amz-date' must be a 'SignedHeader'/],
    [{ authorization: AUTH.replace('host;x-amz-date', 'Host;x-amz-date'), 'x-amz-date': '20261128T120000Z' }, /Invalid SignedHeaders/],
    [{ authorization: AUTH, 'x-amz-date': '20261128T120000Z', 'x-amz-security-token': 'tok' }, /'x-amz-security-token' must be a 'SignedHeader'/],
  ];
  for (const [headers, msg] of cases) {
    const e = parseError(bare(headers));
    assert.ok(e instanceof IncompleteSignatureError, `${JSON.stringify(headers)} → ${e.constructor.name}`);
    if (typeof msg === 'string') assert.equal(e.message, msg);
    else assert.match(e.message, msg);
    assert.equal(e.toAws('query').code, 'IncompleteSignature');
    assert.equal(e.toAws('rest-json').code, 'IncompleteSignatureException');
  }
});

test('parseSigV4: credential scope date must match the request date', () => {
  const e = parseError(bare({ authorization: AUTH, 'x-amz-date': '20261129T000000Z' }));
  assert.ok(e instanceof SignatureMismatchError);
  assert.equal(
    e.message,
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261128' != '20261129', from 'X-Amz-Date'.",
  );
  assert.deepEqual(e.toAws('rest-json').code, 'InvalidSignatureException');
});

test('parseSigV4: presigned query checks', () => {
  const q = (over: Record<string, string | undefined>) => {
    const base: Record<string, string | undefined> = {
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKID/20261128/us-east-1/sts/aws4_request',
      'X-Amz-Date': '20261128T120000Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': 'abc',
      ...over,
    };
    return Object.entries(base)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`)
      .join('&');
  };
  const ok = parsed(bare({}, q({ 'X-Amz-Security-Token': 'a+b' })));
  assert.equal(ok.mode, 'presigned');
  assert.equal(ok.expiresSeconds, 60);
  assert.equal(ok.securityToken, 'a+b');
  assert.equal(ok.service, 'sts');

  const cases: Array<[string, RegExp]> = [
    [q({ 'X-Amz-Date': undefined, 'X-Amz-Expires': undefined }), /^AWS query-string parameters must include 'X-Amz-Date'\. AWS query-string parameters must include 'X-Amz-Expires'\. Re-examine the query-string parameters\.$/],
    [q({ 'X-Amz-Algorithm': 'AWS4-ECDSA-P256-SHA256' }), /Unsupported AWS 'algorithm'/],
    [q({ 'X-Amz-Expires': '604801' }), /must be less than a week/],
    [q({ 'X-Amz-Expires': '-1' }), /must be less than a week/],
    [q({ 'X-Amz-SignedHeaders': 'x-k8s-aws-id' }), /'Host' or ':authority' must be a 'SignedHeader'/],
    [`${q({})}&X-Amz-Signature=def`, /must include 'X-Amz-Signature'/],
    [`${q({})}&bad=%zz`, /^Malformed query string/],
  ];
  for (const [rawQuery, msg] of cases) {
    const e = parseError(bare({}, rawQuery));
    assert.ok(e instanceof IncompleteSignatureError, rawQuery);
    assert.match(e.message, msg);
  }
  const both = parseError(bare({ authorization: AUTH, 'x-amz-date': '20261128T120000Z' }, q({})));
  assert.ok(both instanceof IncompleteSignatureError);
  assert.match(both.message, /^Only one auth mechanism allowed/);
});

test('checkSigV4Time: AWS messages and boundaries for header auth', () => {
  const p = parsed(bare({ authorization: AUTH, 'x-amz-date': '20261128T120000Z' }));
  const at = (iso: string) => checkSigV4Time(p, new Date(iso));
  assert.deepEqual(at('2026-11-28T12:05:00Z'), { ok: true });
  assert.deepEqual(at('2026-11-28T11:55:00Z'), { ok: true });
  const late = at('2026-11-28T12:06:01Z');
  assert.ok(!late.ok && late.error instanceof SignatureExpiredError);
  assert.equal(late.error.message, 'Signature expired: 20261128T120000Z is now earlier than 20261128T120101Z (20261128T120601Z - 5 min.)');
  assert.equal(late.error.direction, 'past');
  assert.deepEqual(late.error.toAws('query'), { code: 'SignatureDoesNotMatch', status: 403, message: late.error.message });
  assert.equal(late.error.toAws('rest-json').code, 'InvalidSignatureException');
  const early = at('2026-11-28T11:54:00Z');
  assert.ok(!early.ok && early.error instanceof SignatureExpiredError);
  assert.equal(early.error.message, 'Signature not yet current: 20261128T120000Z is still later than 20261128T115900Z (20261128T115400Z + 5 min.)');
  const wide = checkSigV4Time(p, new Date('2026-11-28T12:14:00Z'), 15 * 60_000);
  assert.deepEqual(wide, { ok: true });
  const wideLate = checkSigV4Time(p, new Date('2026-11-28T12:16:00Z'), 15 * 60_000);
  assert.ok(!wideLate.ok && wideLate.error.message.endsWith('(20261128T121600Z - 15 min.)'));
});

test('checkSigV4Time: presigned URLs expire after X-Amz-Expires', () => {
  const p = parsed(
    bare(
      {},
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261128%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261128T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc',
    ),
  );
  assert.deepEqual(checkSigV4Time(p, new Date('2026-11-28T12:01:00Z')), { ok: true });
  const r = checkSigV4Time(p, new Date('2026-11-28T12:01:01Z'));
  assert.ok(!r.ok && r.error instanceof RequestExpiredError);
  assert.equal(r.error.message, AWS_MESSAGES.requestExpired);
  const f = checkSigV4Time(p, new Date('2026-11-28T11:54:59Z'));
  assert.ok(!f.ok && f.error instanceof SignatureExpiredError && f.error.direction === 'future');
});

test('amz dates: strict parse, exact format', () => {
  assert.equal(parseAmzDate('20240229T235959Z')?.toISOString(), '2024-02-29T23:59:59.000Z');
  for (const bad of ['20230229T000000Z', '20261128T240000Z', '20261128T120060Z', '20261128T1200Z', '20261128t120000z', ' 20261128T120000Z']) {
    assert.equal(parseAmzDate(bad), undefined, bad);
  }
  assert.equal(formatAmzDate(new Date('2026-11-28T23:18:29.999Z')), '20261128T231829Z');
});

test('reference §1.4 token: the presigned URL verifies for cluster demo only', async () => {
  const rawQuery =
    'Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261128T231829Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=d2cf798e63d6b9b2a35dcac5c5aa53679d78e46b81337914817055271e60b274';
  const req = (cluster: string): SigV4Request => ({
    method: 'GET',
    rawPath: '/',
    rawQuery,
    headers: { host: 'sts.us-east-1.amazonaws.com', 'x-k8s-aws-id': cluster },
    body: new Uint8Array(),
  });
  const now = new Date('2026-11-28T23:18:40Z');
  assert.deepEqual(await verifySigV4(req('demo'), parsed(req('demo')), { secretAccessKey: SECRET, now }), { ok: true });
  const other = await verifySigV4(req('other'), parsed(req('other')), { secretAccessKey: SECRET, now });
  assert.ok(!other.ok && other.error instanceof SignatureMismatchError);
  assert.equal(other.error.toAws('query').message, AWS_MESSAGES.signatureDoesNotMatch);
  // Past X-Amz-Expires (60 s) only if time is checked.
  const later = new Date('2026-11-28T23:25:00Z');
  const expired = await verifySigV4(req('demo'), parsed(req('demo')), { secretAccessKey: SECRET, now: later });
  assert.ok(!expired.ok && expired.error instanceof RequestExpiredError);
  assert.deepEqual(await verifySigV4(req('demo'), parsed(req('demo')), { secretAccessKey: SECRET, now: later, checkTime: false }), { ok: true });
});

test('presignGetCallerIdentity reproduces the AWS CLI token of reference §1.4 byte for byte', async () => {
  const url = await presignGetCallerIdentity({ credentials: CREDS, region: 'us-east-1', clusterId: 'demo', now: new Date('2026-11-28T23:18:29Z') });
  assert.equal(
    url,
    'https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261128T231829Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=d2cf798e63d6b9b2a35dcac5c5aa53679d78e46b81337914817055271e60b274',
  );
  const session = await presignGetCallerIdentity({
    credentials: { ...CREDS, sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN//example+token=' },
    region: 'eu-west-1',
    clusterId: 'demo',
    now: new Date('2026-11-28T23:18:30Z'),
  });
  // Same signature as the CLI's second example (query order differs, which is fine).
  assert.match(session, /X-Amz-Signature=f477c45fb7059fd67667fbc54956aa64be5530a16207a887bb6bfacfe8613ce0$/);
  assert.match(session, /X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLESESSIONTOKEN%2F%2Fexample%2Btoken%3D/);
  const custom = await presignGetCallerIdentity({ credentials: CREDS, region: 'us-east-1', clusterId: 'demo', now: NOW, endpoint: 'http://127.0.0.1:8080' });
  assert.ok(custom.startsWith('http://127.0.0.1:8080/?Action=GetCallerIdentity&'));
});

test('payload hash rules', async () => {
  const s = await signRequest({ method: 'POST', url: 'https://e.test/x', body: '{"a":1}', region: 'us-east-1', service: 'eks', credentials: CREDS, now: NOW });
  const req = toWire(s);
  const opts = { secretAccessKey: SECRET, now: NOW };
  assert.deepEqual(await verifySigV4(req, parsed(req), opts), { ok: true });
  // The declared hash must describe the body actually received.
  const tampered = { ...req, body: Buffer.from('{"a":2}') };
  const r = await verifySigV4(tampered, parsed(tampered), opts);
  assert.ok(!r.ok && r.error instanceof SignatureMismatchError && /x-amz-content-sha256/.test(r.error.detail));
  // UNSIGNED-PAYLOAD is accepted with no body, refused with one.
  const unsigned = await signRequest({ method: 'GET', url: 'https://e.test/x', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, region: 'us-east-1', service: 'eks', credentials: CREDS, now: NOW });
  const u = toWire(unsigned);
  assert.deepEqual(await verifySigV4(u, parsed(u), opts), { ok: true });
  const withBody = { ...u, body: Buffer.from('x') };
  assert.equal((await verifySigV4(withBody, parsed(withBody), opts)).ok, false);
});

test('a signed header missing from the request fails as a mismatch', async () => {
  const s = await signRequest({ method: 'GET', url: 'https://e.test/x', headers: { 'x-custom': 'v' }, region: 'us-east-1', service: 'eks', credentials: CREDS, now: NOW });
  const req = toWire(s);
  const { ['x-custom']: _dropped, ...rest } = req.headers;
  const r = await verifySigV4({ ...req, headers: rest }, parsed(req), { secretAccessKey: SECRET, now: NOW });
  assert.ok(!r.ok && r.error instanceof SignatureMismatchError);
});

test('repeated headers canonicalise comma-joined', async () => {
  const s = await signRequest({ method: 'GET', url: 'https://e.test/x', headers: { 'x-multi': 'a,b' }, region: 'us-east-1', service: 'eks', credentials: CREDS, now: NOW });
  const req = { ...toWire(s), headers: { ...s.headers, 'x-multi': ['a', 'b'] } };
  assert.deepEqual(await verifySigV4(req, parsed(req), { secretAccessKey: SECRET, now: NOW }), { ok: true });
});

test('unknown access key helper carries AWS wording', () => {
  assert.deepEqual(unknownAccessKeyError('query'), { code: 'InvalidClientTokenId', status: 403, message: 'The security token included in the request is invalid.' });
  assert.equal(unknownAccessKeyError('rest-json').code, 'UnrecognizedClientException');
});

test('property: whatever signRequest signs verifies, and only with the right secret', async () => {
  const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map(encodeURIComponent);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      fc.array(segment, { maxLength: 4 }),
      fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 4 }),
      fc.uint8Array({ maxLength: 64 }),
      fc.string({ maxLength: 10 }),
      fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
      async (method, segs, params, body, secret, sessionToken) => {
        const search = new URLSearchParams(params).toString();
        const url = `https://e.test:8443/${segs.join('/')}${search ? `?${search}` : ''}`;
        const credentials = { accessKeyId: 'AK', secretAccessKey: `s${secret}`, ...(sessionToken ? { sessionToken } : {}) };
        const s = await signRequest({ method, url, body, region: 'eu-west-1', service: 'iam', credentials, now: NOW });
        const req = toWire(s);
        const p = parsed(req);
        assert.equal(p.securityToken, sessionToken);
        assert.deepEqual(await verifySigV4(req, p, { secretAccessKey: `s${secret}`, now: NOW }), { ok: true });
        const bad = await verifySigV4(req, p, { secretAccessKey: `t${secret}`, now: NOW });
        assert.ok(!bad.ok && bad.error instanceof SignatureMismatchError);
      },
    ),
    { numRuns: 60 },
  );
});
