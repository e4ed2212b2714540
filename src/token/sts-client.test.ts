// callSts against a loopback HTTP server standing in for STS (a configured custom host).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { StsError, StsThrottlingError, TokenFormatError, callSts, createToken, parseToken, tokenFromUrl, verifyTokenWithSts } from './index.js';
import type { ParsedToken } from './index.js';
import { formatAmzDate } from '../sigv4/index.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SESSION = 'SESSIONTOKENSHOULDNEVERLEAK';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function fakeSts() {
  let handler: Handler = (_req, res) => res.end();
  const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }> = [];
  let connections = 0;
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host: `127.0.0.1:${port}`,
    seen,
    connections: () => connections,
    respond(h: Handler) {
      handler = h;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const SUCCESS = {
  GetCallerIdentityResponse: {
    GetCallerIdentityResult: { Account: '111122223333', Arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', UserId: 'AROAEXAMPLE:alice' },
    ResponseMetadata: { RequestId: 'req-1' },
  },
};

test('callSts against a loopback STS', async (t) => {
  const sts = await fakeSts();
  t.after(() => sts.close());
  const now = new Date();
  const config = { customStsHosts: [`http://${sts.host}`] };
  const token = await createToken({
    credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: SECRET, sessionToken: SESSION },
    region: 'us-east-1',
    clusterId: 'demo',
    now,
    endpoint: `http://${sts.host}`,
  });
  const p = parseToken(token, now, config);
  assert.ok(p.ok);
  const parsed: ParsedToken = p.token;

  await t.test('success: exact URL replayed with the cluster header, JSON answer', async () => {
    sts.respond(json(200, SUCCESS));
    const r = await callSts(parsed, 'demo');
    assert.deepEqual(r, {
      ok: true,
      callerIdentity: { Account: '111122223333', Arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', UserId: 'AROAEXAMPLE:alice' },
      requestId: 'req-1',
    });
    const got = sts.seen.at(-1);
    assert.equal(got?.method, 'GET');
    assert.equal(got?.url, `/?${parsed.rawQuery}`);
    assert.equal(got?.headers['x-k8s-aws-id'], 'demo');
    assert.equal(got?.headers['accept'], 'application/json');
    assert.equal(got?.headers['host'], sts.host);
  });

  await t.test('verifyTokenWithSts builds the Identity', async () => {
    sts.respond(json(200, SUCCESS));
    const r = await verifyTokenWithSts(token, { now, clusterId: 'demo', config });
    assert.ok(r.ok);
    assert.equal(r.identity.canonicalArn, 'arn:aws:iam::111122223333:role/Admin');
    assert.equal(r.identity.userId, 'AROAEXAMPLE');
    assert.equal(r.identity.sessionName, 'alice');
    assert.equal(r.identity.accessKeyId, 'ASIAEXAMPLE');
    assert.equal(r.identity.stsEndpoint, sts.host);
  });

  await t.test('JSON keys match case-insensitively (Go), XML is accepted too', async () => {
    sts.respond(json(200, { getcalleridentityresponse: { getcalleridentityresult: { account: '1', arn: 'arn:aws:iam::1:user/u', userid: 'AIDA' } } }));
    const a = await callSts(parsed, 'demo');
    assert.ok(a.ok && a.callerIdentity.UserId === 'AIDA');
    sts.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::1:assumed-role/R/a&amp;b</Arn><UserId>AROA:a&amp;b</UserId><Account>1</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
      );
    });
    const x = await callSts(parsed, 'demo');
    assert.ok(x.ok);
    assert.equal(x.callerIdentity.Arn, 'arn:aws:sts::1:assumed-role/R/a&b');
  });

  await t.test('403 SignatureDoesNotMatch is an StsError without the echoed body', async () => {
    sts.respond(
      json(403, {
        Error: {
          Code: 'SignatureDoesNotMatch',
          Message: `The request signature we calculated does not match ... X-Amz-Security-Token=${SESSION}`,
          Type: 'Sender',
        },
        RequestId: 'r',
      }),
    );
    const r = await callSts(parsed, 'demo');
    assert.ok(!r.ok && r.error instanceof StsError);
    assert.equal(r.error.code, 'sts_status');
    assert.equal(r.error.status, 403);
    assert.equal(r.error.awsCode, 'SignatureDoesNotMatch');
    assert.equal(r.error.message, 'sts getCallerIdentity failed: error from AWS (expected 200, got 403) on custom endpoint. Code: SignatureDoesNotMatch');
    assert.ok(!r.error.message.includes(SESSION));
  });

  await t.test('throttling is its own error (webhook → 429)', async () => {
    sts.respond(json(400, { Error: { Code: 'Throttling', Message: 'Rate exceeded', Type: 'Sender' }, RequestId: 'r' }));
    const r = await callSts(parsed, 'demo');
    assert.ok(!r.ok && r.error instanceof StsThrottlingError);
    assert.equal(r.error.code, 'sts_throttled');
    assert.match(r.error.message, /^sts getCallerIdentity was throttled: Throttling/);
    const v = await verifyTokenWithSts(token, { now, clusterId: 'demo', config });
    assert.ok(!v.ok && v.error instanceof StsThrottlingError);
  });

  await t.test('a redirect is not followed', async () => {
    const before = sts.seen.length;
    sts.respond((req, res) => {
      if (req.url === '/followed') return json(200, SUCCESS)(req, res);
      res.writeHead(302, { location: `http://${sts.host}/followed` });
      res.end();
    });
    const r = await callSts(parsed, 'demo');
    assert.ok(!r.ok && r.error instanceof StsError && r.error.status === 302);
    assert.equal(sts.seen.length, before + 1);
    assert.ok(!sts.seen.some((s) => s.url === '/followed'));
  });

  await t.test('timeouts: no answer, and an answer that stalls mid-body', async () => {
    sts.respond(() => undefined);
    const r = await callSts(parsed, 'demo', { timeoutMs: 150 });
    assert.ok(!r.ok && r.error.code === 'sts_timeout', !r.ok ? r.error.message : '');
    sts.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"GetCallerIdentityResponse":');
    });
    const s = await callSts(parsed, 'demo', { timeoutMs: 150 });
    assert.ok(!s.ok && s.error.code === 'sts_timeout', !s.ok ? s.error.message : '');
  });

  await t.test('garbage, incomplete and oversized bodies', async () => {
    sts.respond(json(200, 'xxxx'));
    const g = await callSts(parsed, 'demo');
    assert.ok(!g.ok && g.error.code === 'sts_bad_response');
    sts.respond(json(200, { GetCallerIdentityResponse: { GetCallerIdentityResult: { Account: '1' } } }));
    const i = await callSts(parsed, 'demo');
    assert.ok(!i.ok && i.error.code === 'sts_bad_response');
    sts.respond(json(200, 'x'.repeat(100_000)));
    const o = await callSts(parsed, 'demo');
    assert.ok(!o.ok && o.error.code === 'sts_read_failed');
    sts.respond(json(200, { GetCallerIdentityResponse: { GetCallerIdentityResult: { Account: '1', Arn: 'arn', UserId: 'x' } } }));
    const a = await verifyTokenWithSts(token, { now, clusterId: 'demo', config });
    assert.ok(!a.ok && a.error.code === 'bad_arn');
  });

  await t.test('connection refused', async () => {
    const closed = await fakeSts();
    await closed.close();
    const cfg = { customStsHosts: [`http://${closed.host}`] };
    const tok = await createToken({ credentials: { accessKeyId: 'A', secretAccessKey: SECRET }, region: 'us-east-1', clusterId: 'demo', now, endpoint: `http://${closed.host}` });
    const q = parseToken(tok, now, cfg);
    assert.ok(q.ok);
    const r = await callSts(q.token, 'demo');
    assert.ok(!r.ok && r.error.code === 'sts_unreachable');
    assert.match(r.error.message, /^sts getCallerIdentity failed: error during GET: .* on custom endpoint$/);
  });

  await t.test('injected fetch is used', async () => {
    let calls = 0;
    const fetchImpl: typeof fetch = async () => {
      calls++;
      return new Response(JSON.stringify(SUCCESS), { status: 200 });
    };
    const r = await callSts(parsed, 'demo', { fetchImpl });
    assert.ok(r.ok);
    assert.equal(calls, 1);
  });
});

test('property: a token whose host is not allowed never causes a connection', async (t) => {
  const listener = await fakeSts();
  t.after(() => listener.close());
  listener.respond(json(200, SUCCESS));
  const now = new Date();
  const amz = formatAmzDate(now);
  const port = listener.port;
  let fetches = 0;
  const fetchImpl: typeof fetch = (input, init) => {
    fetches++;
    return fetch(input, init);
  };
  const tricky = [
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    `[::1]:${port}`,
    `127.1:${port}`,
    `0x7f.0.0.1:${port}`,
    `sts.amazonaws.com@127.0.0.1:${port}`,
    `127.0.0.1:${port}#@sts.amazonaws.com`,
    `127.0.0.1:${port}\\@sts.us-east-1.amazonaws.com`,
    `127.0.0.1:${port}\\.sts.amazonaws.com`,
    `sts.amazonaws.com:${port}`,
    `sts.us-east-1.amazonaws.com.127.0.0.1.nip.io:${port}`,
    `STS.US-EAST-1.AMAZONAWS.COM`,
    `127.0.0.1%3A${port}`,
  ];
  const host = fc.oneof(fc.constantFrom(...tricky), fc.domain(), fc.ipV4().map((ip) => `${ip}:${port}`));
  const scheme = fc.constantFrom('http://', 'https://', 'HTTP://', '//', 'http:');
  await fc.assert(
    fc.asyncProperty(scheme, host, fc.constantFrom('/', '', '/x', '\\'), async (s, h, path) => {
      const url = `${s}${h}${path}?Action=GetCallerIdentity&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Date=${amz}&X-Amz-Expires=60`;
      const r = await verifyTokenWithSts(tokenFromUrl(url), { now, clusterId: 'demo', fetchImpl, timeoutMs: 500 });
      assert.ok(!r.ok && r.error instanceof TokenFormatError, url);
    }),
    { numRuns: 300 },
  );
  assert.equal(fetches, 0);
  assert.equal(listener.connections(), 0);

  // Control: the same listener, once allowed, is reached — so the counter works.
  const allowed = `http://127.0.0.1:${port}/?Action=GetCallerIdentity&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Date=${amz}&X-Amz-Expires=60`;
  const ok = await verifyTokenWithSts(tokenFromUrl(allowed), { now, clusterId: 'demo', fetchImpl, config: { customStsHosts: [`http://127.0.0.1:${port}`] } });
  assert.ok(ok.ok);
  assert.equal(fetches, 1);
  assert.ok(listener.connections() >= 1);
});
