/** The HTTPS client for discovery and JWKS against a loopback server: trust, redirects, caps, deadlines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSigned } from '../server/tls.js';
import { IssuerKeys, httpsGet, parseJwks } from './keys.js';

test('httpsGet: private CA only with extraCa; redirects returned, never followed; size cap; deadline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entryway-keys-'));
  const tls = ensureSelfSigned(dir, ['127.0.0.1']);
  let redirectedTo = 0;
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    switch (req.url) {
      case '/ok':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
      case '/redirect':
        return void res.writeHead(302, { location: '/elsewhere' }).end();
      case '/elsewhere':
        redirectedTo++;
        return void res.writeHead(200).end('{}');
      case '/redirect-issuer/.well-known/openid-configuration':
        return void res.writeHead(301, { location: '/elsewhere' }).end();
      case '/big':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(5000));
      case '/chunked-big':
        res.writeHead(200);
        for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
        return void res.end();
      case '/slow':
        return void setTimeout(() => res.writeHead(200).end('{}'), 2000).unref();
      default:
        return void res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const o = { timeoutMs: 500, maxBytes: 4096 };
  try {
    await assert.rejects(httpsGet()(`${base}/ok`, o), /certificate/i, 'the private CA is not trusted by default');
    const get = httpsGet(tls.ca);
    const ok = await get(`${base}/ok`, o);
    assert.equal(ok.status, 200, 'trusted with extraCa');
    assert.equal(ok.body.toString(), '{"a":1}', 'body');
    const r = await get(`${base}/redirect`, o);
    assert.equal(r.status, 302, 'the redirect is returned as is');
    assert.equal(redirectedTo, 0, 'and not followed');
    await assert.rejects(get(`${base}/big`, o), /larger than 4096 bytes/, 'declared length over the cap');
    await assert.rejects(get(`${base}/chunked-big`, o), /larger than 4096 bytes/, 'streamed body over the cap');
    await assert.rejects(get(`${base}/slow`, o), /no answer within 500 ms/, 'deadline');
    await assert.rejects(get(base.replace('https:', 'http:') + '/ok', o), /only https/, 'plain http refused');

    // Through IssuerKeys: a redirecting discovery endpoint is an error, not a hop.
    const keys = new IssuerKeys(`${base}/redirect-issuer`, { httpGet: get });
    const l = await keys.lookup('k', 'RS256', 0);
    assert.equal(l.ok, false, 'no keys');
    assert.match(l.ok ? '' : l.message, /answered with a redirect \(301\), which is not followed/, `reason: ${l.ok ? '' : l.message}`);
    assert.equal(redirectedTo, 0, 'discovery redirect not followed');
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseJwks: non-objects and missing keys are errors; unusable keys are skipped', () => {
  assert.throws(() => parseJwks([]), /keys array/, 'array');
  assert.throws(() => parseJwks({ keys: {} }), /keys array/, 'keys not an array');
  assert.deepEqual(parseJwks({ keys: [1, null, 'x', { kty: 'oct', k: 'AA' }, { kty: 'OKP', crv: 'Ed25519', x: 'AA' }] }), [], 'nothing usable');
  const many = parseJwks({ keys: Array.from({ length: 500 }, () => ({ kty: 'oct', k: 'AA' })) });
  assert.equal(many.length, 0, 'large sets are bounded and skipped');
});
