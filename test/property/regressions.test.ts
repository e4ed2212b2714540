/**
 * Regression tests for what the property tests and the limit tests found.
 * - Fixed (src/sigv4/verify.ts): a signed request replayed with `.`, `..` or empty path segments;
 *   an X-Amz-Signature query parameter (any case) added to a signed request.
 * - Fixed (src/webhooks/tokenreview.ts, src/oidc/config.ts): error messages called String() on
 *   request values — a deep array overflowed the stack, `{"toString":1}` threw — a 500.
 * - Fixed (src/aws/rest-json.ts): JSON bodies nested deeper than 32 levels are refused before any
 *   recursive walk (the idempotency hash overflowed the stack: a 500).
 * - Fixed (src/eks-api/plugin.ts): the IAM condition context no longer calls String() on unvalidated
 *   members; (src/aws-query/form.ts) decoded parameters have no prototype, so `__proto__.UserName`
 *   is not `UserName`; the rate limiter's 429 is `Throttling` on IAM/STS and a TooManyRequests
 *   Status on the kubectl endpoints; (src/server/app.ts) close() also closes connections that go
 *   idle after it began, instead of waiting out keep-alive.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { parseSigV4, presignGetCallerIdentity, signRequest, verifySigV4 } from '../../src/sigv4/index.js';
import { createToken } from '../../src/token/index.js';
import { AwsError } from '../../src/errors/aws-error.js';
import { parseProviderRef } from '../../src/oidc/config.js';
import { parseTokenReview } from '../../src/webhooks/tokenreview.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createCluster } from '../e2e/lib.js';
import type { Reply } from './lib.js';
import { Client, snapshot } from './lib.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY = { accessKeyId: 'AKIAENTRYWAY00000001', secretAccessKey: SECRET };

async function signedFor(method: string, signedPath: string, body?: string) {
  const r = await signRequest({ method, url: `https://127.0.0.1:8443${signedPath}`, ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}), region: 'us-east-1', service: 'eks', credentials: KEY, now: new Date() });
  return r.headers;
}

async function verifyAs(method: string, rawPath: string, headers: Record<string, string>, body?: string) {
  const req = { method, rawPath, rawQuery: '', headers, body: body ? Buffer.from(body) : new Uint8Array() };
  const p = parseSigV4(req);
  assert.ok(p.ok, `${rawPath}: parses`);
  return verifySigV4(req, p.value, { secretAccessKey: SECRET, now: new Date() });
}

describe('fixed: SigV4 binds what is routed and read — the raw path and every query parameter', () => {
  test('regression (pure): a signature for /clusters/alpha does not verify for paths that normalise to it', async () => {
    const headers = await signedFor('DELETE', '/clusters/alpha');
    assert.deepEqual(await verifyAs('DELETE', '/clusters/alpha', headers), { ok: true }, 'the genuine path verifies');
    for (const replay of ['/clusters/alpha/access-entries/..', '/clusters/alpha/updates/..', '/clusters/x/../alpha', '/clusters/./alpha', '/clusters//alpha', '//clusters/alpha', '/clusters/alpha/.']) {
      const r = await verifyAs('DELETE', replay, headers);
      assert.ok(!r.ok && r.error.code === 'signature_mismatch', `${replay}: refused`);
    }
    const slash = await signedFor('GET', '/clusters/alpha/');
    assert.deepEqual(await verifyAs('GET', '/clusters/alpha/', slash), { ok: true }, 'a trailing slash is part of a normalised path');
    const root = await signedFor('GET', '/');
    assert.deepEqual(await verifyAs('GET', '/', root), { ok: true }, 'the root path');
    const dots = await signedFor('GET', `/clusters/alpha/access-entries/${encodeURIComponent('arn:aws:iam::1:role/a..b')}`);
    assert.deepEqual(await verifyAs('GET', `/clusters/alpha/access-entries/${encodeURIComponent('arn:aws:iam::1:role/a..b')}`, dots), { ok: true }, 'dots inside a segment are fine');
  });

  test('regression (pure): an X-Amz-Signature query parameter in any case is not silently left out of a signature', async () => {
    const headers = await signedFor('GET', '/clusters');
    const req = (rawQuery: string, h: Record<string, string> = headers) => ({ method: 'GET', rawPath: '/clusters', rawQuery, headers: h, body: new Uint8Array() });
    const verify = async (rawQuery: string, h?: Record<string, string>) => {
      const r = req(rawQuery, h);
      const p = parseSigV4(r);
      return p.ok ? verifySigV4(r, p.value, { secretAccessKey: SECRET, now: new Date() }) : { ok: false as const };
    };
    assert.deepEqual(await verify(''), { ok: true }, 'the genuine request verifies');
    for (const q of ['X-AMZ-SIGNATURE=1', 'x-amz-signature=anything', 'X-Amz-SIGNATURE=', 'x-amz-signature=1&X-AMZ-SIGNATURE=2']) {
      assert.equal((await verify(q)).ok, false, `header-signed with ?${q}: refused (smithy leaves it out of the canonical query)`);
    }
    // Presigned: its own X-Amz-Signature only.
    const url = new URL(await presignGetCallerIdentity({ credentials: KEY, region: 'us-east-1', clusterId: 'alpha', now: new Date(), endpoint: 'https://127.0.0.1:8443' }));
    const pre = { host: '127.0.0.1:8443', 'x-k8s-aws-id': 'alpha' };
    const verifyPre = async (rawQuery: string) => {
      const r = { method: 'GET', rawPath: '/', rawQuery, headers: pre, body: new Uint8Array() };
      const p = parseSigV4(r);
      return p.ok ? verifySigV4(r, p.value, { secretAccessKey: SECRET, now: new Date() }) : { ok: false as const };
    };
    const q = url.search.slice(1);
    assert.deepEqual(await verifyPre(q), { ok: true }, 'the genuine presigned URL verifies');
    assert.equal((await verifyPre(`${q}&x-amz-signature=junk`)).ok, false, 'a second, lower-case X-Amz-Signature is refused');
  });

  describe('over HTTP', () => {
    let s: TestServer;
    let client: Client;
    before(async () => {
      s = await startTestServer();
      client = new Client(s);
      await createCluster(s.eks(), 'alpha', 'API');
    });
    after(async () => {
      client?.close();
      await s?.close();
    });

    test('regression: a signed DeleteCluster replayed as DELETE /clusters/alpha/access-entries/.. is refused (it reached DeleteAccessEntry)', async () => {
      for (const [method, signedPath, sent] of [
        ['DELETE', '/clusters/alpha', '/clusters/alpha/access-entries/..'],
        ['GET', '/clusters/alpha', '/clusters/alpha/updates/..'],
        ['GET', '/clusters/alpha', '/clusters/alpha/access-entries/..'],
      ] as const) {
        const signed = await signRequest({ method, url: s.url + signedPath, region: 'us-east-1', service: 'eks', credentials: s.admin, now: new Date() });
        const before = await snapshot(s.server.store);
        const r = await client.send(method, sent, Object.entries(signed.headers));
        assert.equal(r.status, 403, `${method} ${sent}: ${r.text.slice(0, 200)}`);
        assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException', 'a signature error, before any operation runs');
        assert.equal(await snapshot(s.server.store), before, 'nothing changed');
      }
      const ok = await signRequest({ method: 'GET', url: `${s.url}/clusters/alpha`, region: 'us-east-1', service: 'eks', credentials: s.admin, now: new Date() });
      assert.equal((await client.send('GET', '/clusters/alpha', Object.entries(ok.headers))).status, 200, 'the genuine request still works');
    });

    test('regression: X-AMZ-SIGNATURE appended to a header-signed IAM call is refused (smithy left it out of the canonical query)', async () => {
      const body = 'Action=ListUsers&Version=2010-05-08';
      const signed = await signRequest({ method: 'POST', url: `${s.url}/`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, region: 'us-east-1', service: 'iam', credentials: s.admin, now: new Date() });
      assert.equal((await client.send('POST', '/', Object.entries(signed.headers), Buffer.from(body))).status, 200, 'genuine');
      const r = await client.send('POST', '/?X-AMZ-SIGNATURE=2010-05-08', Object.entries(signed.headers), Buffer.from(body));
      assert.equal(r.status, 403, r.text.slice(0, 200));
      assert.match(r.text, /<Code>SignatureDoesNotMatch<\/Code>/, 'a signature error');
    });
  });
});

describe('fixed: error messages never String() a JSON object', () => {
  test('regression: a TokenReview whose apiVersion is a deep array or has its own toString is refused, not a 500', () => {
    for (const apiVersion of [JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`), { toString: 1 }, [{ valueOf: 1, toString: 'x' }], null, 5]) {
      const r = parseTokenReview({ apiVersion, kind: 'TokenReview', spec: { token: 'x' } });
      assert.ok(!r.ok && /unsupported apiVersion/.test(r.error), `refused: ${JSON.stringify(r).slice(0, 120)}`);
    }
  });

  test('regression: Describe/DisassociateIdentityProviderConfig with a type that is a deep array or has its own toString is an InvalidParameterException, not a 500', () => {
    for (const type of [JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`), { toString: 1 }, [{ toString: 1 }], 5, true]) {
      assert.throws(
        () => parseProviderRef({ type, name: 'corp' }),
        (e: unknown) => e instanceof AwsError && e.code === 'InvalidParameterException' && /The only type available is oidc/.test(e.message),
        `type ${typeof type}`,
      );
    }
  });
});

describe('fixed: malformed members, prototype keys, throttling shapes, shutdown with keep-alive clients', () => {
  let s: TestServer;
  let limited: TestServer;
  let client: Client;
  let limitedClient: Client;
  before(async () => {
    s = await startTestServer();
    client = new Client(s);
    await createCluster(s.eks(), 'alpha', 'API');
    limited = await startTestServer({ config: { managementRateLimit: 1 } });
    limitedClient = new Client(limited);
    await createCluster(limited.eks(), 'alpha', 'API');
  });
  after(async () => {
    client?.close();
    limitedClient?.close();
    await s?.close();
    await limited?.close();
  });

  const iamCall = async (srv: TestServer, c: Client, body: string): Promise<Reply> => {
    const signed = await signRequest({ method: 'POST', url: `${srv.url}/`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, region: 'us-east-1', service: 'iam', credentials: srv.admin, now: new Date() });
    return c.send('POST', '/', Object.entries(signed.headers), Buffer.from(body));
  };

  test(
    'an idempotent EKS write with a member nested 10,001 levels deep is a 4xx, not a 500',
    async () => {
      const deep = `${'['.repeat(10_001)}${']'.repeat(10_001)}`;
      for (const [path, raw] of [
        ['/clusters/alpha/access-entries', `{"principalArn":"arn:aws:iam::444455556666:role/deep","clientRequestToken":"deep-1","kubernetesGroups":${deep}}`],
        ['/clusters/alpha/access-entries', `{"principalArn":"arn:aws:iam::444455556666:role/deep","clientRequestToken":"deep-2","extra":${deep}}`],
        ['/clusters/alpha/update-config', `{"accessConfig":{"authenticationMode":"API"},"clientRequestToken":"deep-3","x":${deep}}`],
      ] as const) {
        const signed = await signRequest({ method: 'POST', url: `${s.url}${path}`, headers: { 'content-type': 'application/json' }, body: raw, region: 'us-east-1', service: 'eks', credentials: s.admin, now: new Date() });
        const before = await snapshot(s.server.store);
        const r = await client.send('POST', path, Object.entries(signed.headers), Buffer.from(raw));
        assert.equal(await snapshot(s.server.store), before, `${path}: nothing written`);
        assert.ok(r.status >= 400 && r.status < 500, `${path}: a 4xx, got ${r.status} ${r.text.slice(0, 200)}`);
      }
    },
  );

  test(
    'EKS members that feed the IAM condition context are validated before String(): a 4xx, not a 500',
    async () => {
      const deep = `${'['.repeat(12_000)}${']'.repeat(12_000)}`;
      const P = encodeURIComponent('arn:aws:iam::444455556666:role/target');
      const cases: [string, string][] = [
        ['/clusters/alpha/access-entries', '{"principalArn":{"toString":1}}'],
        ['/clusters/alpha/access-entries', `{"principalArn":${deep}}`],
        ['/clusters/alpha/access-entries', '{"principalArn":"arn:aws:iam::444455556666:role/t2","type":{"valueOf":1,"toString":"x"}}'],
        ['/clusters/alpha/access-entries', '{"principalArn":"arn:aws:iam::444455556666:role/t3","kubernetesGroups":[{"toString":1}]}'],
        [`/clusters/alpha/access-entries/${P}`, '{"kubernetesGroups":[{"toString":1}]}'],
        [`/clusters/alpha/access-entries/${P}/access-policies`, `{"policyArn":${deep},"accessScope":{"type":"cluster"}}`],
        [`/clusters/alpha/access-entries/${P}/access-policies`, '{"policyArn":"arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy","accessScope":{"type":{"toString":1}}}'],
        ['/clusters', '{"name":"x1","roleArn":"arn:aws:iam::111122223333:role/eks","resourcesVpcConfig":{"subnetIds":["s"]},"accessConfig":{"authenticationMode":{"toString":null}}}'],
        ['/clusters/alpha/update-config', `{"accessConfig":{"authenticationMode":${deep}}}`],
      ];
      for (const [path, raw] of cases) {
        const signed = await signRequest({ method: 'POST', url: `${s.url}${path}`, headers: { 'content-type': 'application/json' }, body: raw, region: 'us-east-1', service: 'eks', credentials: s.admin, now: new Date() });
        const before = await snapshot(s.server.store);
        const r = await client.send('POST', path, Object.entries(signed.headers), Buffer.from(raw));
        assert.equal(await snapshot(s.server.store), before, `${path}: nothing written`);
        assert.ok(r.status >= 400 && r.status < 500, `${path} ${raw.slice(0, 80)}: a 4xx, got ${r.status} ${r.text.slice(0, 200)}`);
      }
    },
  );

  test(
    'IAM parameters named __proto__.X are not read as X',
    async () => {
      const r = await iamCall(s, client, 'Action=CreateUser&Version=2010-05-08&__proto__.UserName=evil-proto');
      assert.ok(r.status >= 400 && r.status < 500, `refused (got ${r.status} ${r.text.slice(0, 200)})`);
      const list = await iamCall(s, client, 'Action=ListUsers&Version=2010-05-08');
      assert.ok(!list.text.includes('evil-proto'), 'no user was created from a __proto__ parameter');
      const path = await iamCall(s, client, 'Action=CreateUser&Version=2010-05-08&UserName=proto-path&__proto__.Path=%2Fsneaky%2F');
      assert.ok(!path.text.includes('/sneaky/'), `__proto__.Path is not applied (${path.text.slice(0, 200)})`);
    },
  );

  test(
    'IAM/STS throttling answers the query protocol Throttling code',
    async () => {
      let last: Reply | undefined;
      for (let i = 0; i < 20; i++) {
        last = await iamCall(limited, limitedClient, 'Action=ListUsers&Version=2010-05-08');
        if (last.status === 429) break;
      }
      assert.equal(last?.status, 429, 'throttled');
      assert.match(last?.text ?? '', /<Code>Throttling<\/Code>/, `AWS's query-protocol code (${last?.text.slice(0, 200)})`);
      let name = '';
      try {
        await limited.iam().send(new ListUsersCommand({}));
      } catch (e) {
        name = (e as Error).name;
      }
      assert.equal(name, 'Throttling', 'the IAM SDK sees Throttling');
    },
  );

  test(
    'the kubectl endpoints answer throttling with a 429 Status (kubectl retries 429, not 400)',
    async () => {
      let r: Reply | undefined;
      for (let i = 0; i < 20; i++) {
        r = await limitedClient.send('GET', '/k8s/alpha/version', {});
        if (r.status !== 200) break;
      }
      assert.equal(r?.status, 429, `429 (${r?.status} ${r?.text.slice(0, 200)})`);
      assert.deepEqual([r?.json?.kind, r?.json?.reason], ['Status', 'TooManyRequests'], 'a TooManyRequests Status');
    },
  );

  test(
    'close() completes once in-flight requests are answered, even with a keep-alive client',
    async () => {
      let calls = 0;
      const slowSts: typeof fetch = async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 1_000));
        return new Response('{"Error":{"Code":"SignatureDoesNotMatch"}}', { status: 403 });
      };
      const srv = await startTestServer({ config: { connectedSts: true }, stsFetch: slowSts });
      const c = new Client(srv);
      try {
        await createCluster(srv.eks(), 'demo', 'API');
        const token = await createToken({ credentials: { accessKeyId: 'AKIAFOREIGN000000001', secretAccessKey: 'foreign' }, region: 'us-east-1', clusterId: 'demo', now: new Date() });
        const review = c.webhook('/clusters/demo/authenticate', { spec: { token } }, srv.webhookToken);
        while (calls === 0) await new Promise((r) => setTimeout(r, 10));
        const closed = srv.server.close().then(() => 'closed');
        await review;
        const outcome = await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open 3 s after the last answer'), 3_000))]);
        assert.equal(outcome, 'closed', 'close() resolves promptly');
      } finally {
        c.close();
        await srv.close();
      }
    },
  );
});
