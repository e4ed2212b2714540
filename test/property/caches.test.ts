/**
 * Property: the caches on the review path are bounded and cannot be filled by an attacker.
 * - TokenCache (src/authn/token-cache.ts): never more than its bound, least recently used evicted
 *   first, nothing served after its expiry, keys are HMACs (never the token).
 * - Refused tokens are never cached: a flood of forged tokens leaves the server's token cache
 *   (entryway_token_cache_entries) where it was, and genuine tokens still verify.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TokenCache } from '../../src/authn/token-cache.js';
import { createToken } from '../../src/token/index.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createCluster } from '../e2e/lib.js';
import { Client, check, countRequest, note } from './lib.js';

const FILE = 'test/property/caches.test.ts';

test('property: TokenCache stays within its bound, evicts least recently used first, honours expiry, keys tokens by HMAC', async () => {
  const name = 'caches: TokenCache bound, LRU and expiry';
  const opArb = fc.oneof(
    fc.record({ kind: fc.constant<'set'>('set'), token: fc.constantFrom(...'abcdefghij'), ttl: fc.integer({ min: -5, max: 50 }) }),
    fc.record({ kind: fc.constant<'get'>('get'), token: fc.constantFrom(...'abcdefghij') }),
    fc.record({ kind: fc.constant<'tick'>('tick'), by: fc.integer({ min: 0, max: 20 }) }),
  );
  await check(
    name,
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(opArb, { maxLength: 80 }), (bound, ops) => {
      countRequest(name);
      const cache = new TokenCache<string>(bound);
      // A model: insertion-ordered map with the same recency rules.
      const model = new Map<string, { value: string; expiresAt: number }>();
      let now = 1_000;
      for (const op of ops) {
        if (op.kind === 'tick') {
          now += op.by;
          continue;
        }
        const k = cache.keyOf('demo', op.token);
        assert.match(k, /^[A-Za-z0-9_-]{43}$/, 'the key is an HMAC-SHA256 digest, not the token');
        if (op.kind === 'set') {
          cache.set(k, `v:${op.token}`, now + op.ttl);
          model.delete(k);
          model.set(k, { value: `v:${op.token}`, expiresAt: now + op.ttl });
          while (model.size > bound) model.delete(model.keys().next().value as string);
        } else {
          const hit = model.get(k);
          let expected: string | undefined;
          if (hit && hit.expiresAt > now) {
            expected = hit.value;
            model.delete(k);
            model.set(k, hit);
          } else if (hit) model.delete(k);
          assert.equal(cache.get(k, now), expected, `get ${JSON.stringify(op.token)} at ${now}`);
          note(name, expected === undefined ? 'miss' : 'hit');
        }
        assert.ok(cache.size <= bound, `size ${cache.size} ≤ bound ${bound}`);
      }
      assert.notEqual(new TokenCache<string>(bound).keyOf('demo', 'x'), cache.keyOf('demo', 'x'), 'keys are per-process secrets, not a plain hash');
    }),
    { ci: 500, file: FILE },
  );
});

describe('refused tokens are never cached', () => {
  let s: TestServer;
  let client: Client;
  const cacheEntries = async () => Number(/^entryway_token_cache_entries (\d+)/m.exec((await client.send('GET', '/metrics', {})).text)?.[1] ?? NaN);

  before(async () => {
    s = await startTestServer({ config: { connectedSts: true }, stsFetch: async () => new Response('{"Error":{"Code":"SignatureDoesNotMatch"}}', { status: 403 }) });
    client = new Client(s);
    await createCluster(s.eks(), 'demo', 'API');
    // API mode with the default bootstrap: the admin (creator) has an access entry.
  });
  after(async () => {
    client?.close();
    await s?.close();
  });

  test('property: a flood of forged tokens (own keys with bad signatures, foreign keys STS refuses, junk) adds nothing to the cache', async () => {
    const name = 'caches: refused tokens are not cached';
    const genuine = await createToken({ credentials: s.admin, region: 'us-east-1', clusterId: 'demo', now: new Date(), endpoint: s.url });
    const first = await client.webhook('/clusters/demo/authenticate', { spec: { token: genuine } }, s.webhookToken);
    assert.equal(first.json?.status?.authenticated, true, `the admin (creator entry) is accepted: ${first.text.slice(0, 200)}`);
    const baseline = await cacheEntries();
    assert.equal(baseline, 1, 'one verified token cached');
    await check(
      name,
      fc.asyncProperty(fc.constantFrom('bad-signature', 'foreign', 'junk', 'other-cluster'), fc.nat(), async (kind, n) => {
        let token: string;
        if (kind === 'junk') token = `k8s-aws-v1.${Buffer.from(`junk-${n}`).toString('base64url')}`;
        else if (kind === 'foreign') token = await createToken({ credentials: { accessKeyId: `AKIAFOREIGN${String(n).padStart(9, '0')}`.slice(0, 20), secretAccessKey: 'x' }, region: 'us-east-1', clusterId: 'demo', now: new Date() });
        else {
          const t = await createToken({ credentials: s.admin, region: 'us-east-1', clusterId: kind === 'other-cluster' ? 'other' : 'demo', now: new Date(Date.now() - (n % 600) * 1000), endpoint: s.url });
          token = kind === 'bad-signature' ? `${t.slice(0, -6)}${t.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}` : t;
        }
        countRequest(name);
        const r = await client.webhook('/clusters/demo/authenticate', { spec: { token } }, s.webhookToken);
        note(name, r.json?.status?.authenticated ? 'accepted' : 'refused');
        assert.equal(r.json?.status?.authenticated, false, `${kind} is refused`);
      }),
      { ci: 150, file: FILE },
    );
    assert.equal(await cacheEntries(), baseline, 'the cache holds only the genuine token');
    const again = await client.webhook('/clusters/demo/authenticate', { spec: { token: genuine } }, s.webhookToken);
    assert.equal(again.json?.status?.authenticated, true, 'the genuine token still verifies');
  });
});
