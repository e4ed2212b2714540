/**
 * Limits, timeouts and shutdown, against the real server:
 * - body size (`--body-limit`, config `bodyLimit`): a clear 413 on every surface, in its own shape;
 * - header size (Node's default 16 KiB): 431, and the server keeps serving;
 * - slow clients: a socket that drips its headers or never finishes its body is answered 408 and
 *   closed within `--request-timeout` (config `requestTimeoutMs`, default 30 s; headers and body
 *   alike), which Node checks every 5 s (`connectionsCheckingIntervalMs` of createBaseApp, not a
 *   server setting);
 * - rate limits (`--management-rate-limit`, `--webhook-rate-limit`): ThrottlingException 429 for
 *   the SDK; the webhooks are not limited unless asked;
 * - graceful shutdown drains an in-flight review: a TokenReview whose STS call takes 1 s gets its
 *   answer after close() started, while new connections are refused.
 * Bugs found here (IAM/STS throttling code, kubectl endpoints answering 429 as 400, close() held
 * open by an idle keep-alive socket) are fixed; their regression tests are in test/property/regressions.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { CreateAccessEntryCommand, ListClustersCommand } from '@aws-sdk/client-eks';
import { createToken } from '../../src/token/index.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { Client, rawExchange, rawStatus } from '../property/lib.js';
import { createCluster } from './lib.js';

const LIMIT = 64 * 1024;
/** `--request-timeout` (config requestTimeoutMs; default 30 s). Node checks for expired requests every 5 s. */
const REQUEST_TIMEOUT = 2_000;

/** Opens a TLS socket and misbehaves; resolves when the server closes it, with what it answered. */
function slowClient(s: TestServer, kind: 'drip-headers' | 'unfinished-body'): Promise<{ ms: number; answer: string }> {
  const u = new URL(s.url);
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const sock = tlsConnect({ host: u.hostname, port: Number(u.port), ca: s.ca, servername: 'localhost' }, () => {
      if (kind === 'unfinished-body') {
        sock.write('POST /clusters/x/authenticate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"spec":');
        return;
      }
      // One byte of an endless header block every 500 ms: never idle, never complete.
      const text = `GET /healthz HTTP/1.1\r\nhost: x\r\n${'x-drip: 1\r\n'.repeat(10_000)}`;
      let i = 0;
      timer = setInterval(() => {
        if (!sock.destroyed) sock.write(text[i++] as string);
      }, 500);
    });
    sock.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - started, answer });
    });
  });
}

describe('body, header and time limits', () => {
  let s: TestServer;
  let client: Client;

  before(async () => {
    s = await startTestServer({ config: { bodyLimit: LIMIT, requestTimeoutMs: REQUEST_TIMEOUT } });
    client = new Client(s);
    await createCluster(s.eks(), 'alpha', 'API');
  });

  after(async () => {
    client?.close();
    await s?.close();
  });

  test('a body over --body-limit is a 413 on every surface, in the surface shape, before authentication', async () => {
    const big = Buffer.alloc(LIMIT + 1, 'a');
    const auth: [string, string] = ['authorization', `Bearer ${'x'}`];
    const cases: [string, string, string, (r: Awaited<ReturnType<Client['send']>>) => void][] = [
      ['POST', '/clusters', 'application/json', (r) => assert.equal(r.headers['x-amzn-errortype'], 'RequestEntityTooLargeException', 'EKS: x-amzn-ErrorType')],
      ['POST', '/clusters/alpha/access-entries', 'application/json', (r) => assert.match(r.json?.message, /larger than the 65536-byte limit/, 'EKS: the limit in the message')],
      ['POST', '/', 'application/x-www-form-urlencoded', (r) => assert.match(r.text, /<Code>RequestEntityTooLarge<\/Code>/, 'IAM/STS: query-protocol error')],
      ['PUT', '/entryway/v1/clusters/alpha/aws-auth', 'application/json', (r) => assert.equal(r.headers['x-amzn-errortype'], 'RequestEntityTooLargeException', "Entryway's API")],
      ['POST', '/clusters/alpha/authenticate', 'application/json', (r) => assert.equal(r.headers['x-amzn-errortype'], 'RequestEntityTooLargeException', 'TokenReview webhook')],
      ['POST', '/clusters/alpha/authorize', 'application/json', (r) => assert.equal(r.headers['x-amzn-errortype'], 'RequestEntityTooLargeException', 'SubjectAccessReview webhook')],
      ['POST', '/k8s/alpha/apis/authentication.k8s.io/v1/selfsubjectreviews', 'application/json', (r) => assert.deepEqual([r.json?.kind, r.json?.reason, r.json?.code], ['Status', 'RequestEntityTooLarge', 413], 'kubectl endpoint: a Status')],
    ];
    for (const [method, path, type, shape] of cases) {
      const r = await client.send(method, path, [['content-type', type], auth], big);
      assert.equal(r.status, 413, `${method} ${path}: 413 (${r.text.slice(0, 200)})`);
      shape(r);
    }
    // Just under the limit is read (and refused or answered on its merits).
    const ok = await client.send('POST', '/clusters/alpha/authorize', [['content-type', 'application/json'], ['authorization', `Bearer ${s.webhookToken}`]], Buffer.from(JSON.stringify({ spec: { user: 'u', x: 'y'.repeat(LIMIT - 100) } })));
    // (not a SubjectAccessReview: 400 with the reason, not 413)
    assert.equal(ok.status, 400, `under the limit: ${ok.text.slice(0, 200)}`);
    assert.match(ok.json?.message ?? '', /SubjectAccessReview: apiVersion/, 'refused on its merits');
  });

  test('headers over 16 KiB are a 431 and the connection is closed; the server keeps serving', async () => {
    const big = await rawExchange(s, Buffer.from(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`), 5_000);
    assert.equal(rawStatus(big.response), 431, big.response.slice(0, 100));
    assert.ok(big.closed, 'the connection is closed');
    // Node counts the bytes of names and values (not separators): 2,000 × 13 bytes is over 16 KiB.
    const many = await rawExchange(s, Buffer.from(`GET /healthz HTTP/1.1\r\nhost: x\r\n${'x-h: 1234567890\r\n'.repeat(2_000)}\r\n`), 5_000);
    assert.equal(rawStatus(many.response), 431, `2,000 small headers: ${many.response.slice(0, 100)}`);
    const under = await rawExchange(s, Buffer.from(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(15_000)}\r\nconnection: close\r\n\r\n`), 5_000);
    assert.equal(rawStatus(under.response), 200, `15 KB of headers are fine: ${under.response.slice(0, 100)}`);
    assert.equal((await client.send('GET', '/healthz', {})).status, 200, 'still serving');
  });

  test('slow clients: dripped headers and an unfinished body are answered 408 and closed within --request-timeout (+ the 5 s check interval)', async () => {
    const [drip, body] = await Promise.all([slowClient(s, 'drip-headers'), slowClient(s, 'unfinished-body')]);
    for (const [what, r] of [['dripped headers', drip], ['unfinished body', body]] as const) {
      assert.equal(rawStatus(r.answer), 408, `${what}: 408 (${r.answer.slice(0, 60)})`);
      assert.ok(r.ms >= REQUEST_TIMEOUT - 100 && r.ms <= REQUEST_TIMEOUT + 5_000 + 2_000, `${what}: closed after the ${REQUEST_TIMEOUT} ms request timeout plus at most one 5 s check (${r.ms} ms)`);
    }
    assert.equal((await client.send('GET', '/healthz', {})).status, 200, 'still serving');
  });
});

describe('connection cap', () => {
  test('--max-connections: a connection beyond the cap is closed on arrival; freed slots serve again', async () => {
    const s = await startTestServer({ config: { maxConnections: 3 } });
    const u = new URL(s.url);
    const open = () =>
      new Promise<TLSSocket>((resolve, reject) => {
        const sock = tlsConnect({ host: u.hostname, port: Number(u.port), ca: s.ca, servername: 'localhost' }, () => resolve(sock));
        sock.on('error', reject);
      });
    const held = [await open(), await open(), await open()];
    try {
      // Node drops the 4th socket before the TLS handshake: the client sees a reset or a close.
      const fourth = await rawExchange(s, Buffer.from('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), 5_000);
      assert.equal(fourth.response, '', 'no answer over the cap');
      assert.ok(fourth.closed, 'the connection is closed');
    } finally {
      for (const h of held) h.destroy();
    }
    // Once the held sockets are gone the server answers again.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = rawStatus((await rawExchange(s, Buffer.from('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), 2_000)).response);
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 200, 'serving again');
    await s.close();
  });
});

describe('rate limits', () => {
  let s: TestServer;
  let client: Client;

  before(async () => {
    // 1 request per second per client on the management APIs: a budget of 10 per 10-second window.
    s = await startTestServer({ config: { managementRateLimit: 1 } });
    client = new Client(s);
    await createCluster(s.eks(), 'alpha', 'API');
  });

  after(async () => {
    client?.close();
    await s?.close();
  });

  test('--management-rate-limit: the SDK gets ThrottlingException 429 with Retry-After; the webhooks are not limited by default', async () => {
    const eks = s.eks();
    let throttled: { name: string; status?: number; message: string } | undefined;
    for (let i = 0; i < 20 && !throttled; i++) {
      try {
        await eks.send(new ListClustersCommand({}));
      } catch (e) {
        const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
        throttled = { name: err.name, message: err.message, ...(err.$metadata?.httpStatusCode ? { status: err.$metadata.httpStatusCode } : {}) };
      }
    }
    assert.ok(throttled, 'the EKS API throttles within 20 calls');
    assert.equal(throttled.name, 'ThrottlingException', throttled.message);
    assert.equal(throttled.status, 429, 'HTTP 429');
    const raw = await client.send('GET', '/entryway/v1/ec2-instances', {});
    assert.equal(raw.status, 429, "Entryway's API shares the management budget");
    assert.equal(raw.headers['x-amzn-errortype'], 'ThrottlingException', 'ThrottlingException');
    assert.ok(Number(raw.headers['retry-after']) > 0, `Retry-After (${String(raw.headers['retry-after'])})`);
    for (let i = 0; i < 60; i++) {
      const r = await client.webhook('/clusters/alpha/authenticate', { spec: { token: 'x' } }, s.webhookToken);
      assert.equal(r.status, 200, `webhook review #${i} is not throttled (${r.status})`);
    }
    assert.equal((await client.send('GET', '/healthz', {})).status, 200, 'health checks are never limited');
  });
});

describe('webhook rate limit when asked', () => {
  test('--webhook-rate-limit 1: the 11th review in a window is a 429 (kube-apiserver retries)', async () => {
    const s = await startTestServer({ config: { webhookRateLimit: 1 } });
    const client = new Client(s);
    try {
      await createCluster(s.eks(), 'alpha', 'API');
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await client.webhook('/clusters/alpha/authenticate', { spec: { token: 'x' } }, s.webhookToken)).status);
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200), 'ten reviews per 10-second window');
      assert.equal(statuses[10], 429, 'then 429');
      // The management budget is separate (and off in the test harness).
      assert.ok((await s.eks().send(new ListClustersCommand({}))).clusters, 'management calls unaffected');
    } finally {
      client.close();
      await s.close();
    }
  });
});

describe('graceful shutdown', () => {
  const ANSWER = { GetCallerIdentityResponse: { GetCallerIdentityResult: { Account: '999988887777', Arn: 'arn:aws:iam::999988887777:user/ci', UserId: 'AIDAFOREIGNUSER00001' } } };
  let stsCalls = 0;
  const slowSts: typeof fetch = async () => {
    stsCalls++;
    await new Promise((r) => setTimeout(r, 1_000));
    return new Response(JSON.stringify(ANSWER), { status: 200, headers: { 'content-type': 'application/json' } });
  };

  const tcpConnect = (s: TestServer) =>
    new Promise<string>((resolve) => {
      const u = new URL(s.url);
      const sock = netConnect(Number(u.port), u.hostname);
      sock.on('connect', () => {
        sock.destroy();
        resolve('connected');
      });
      sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });

  test('an in-flight review (STS takes 1 s) is answered after close() began; new connections are refused', async () => {
    const s = await startTestServer({ config: { connectedSts: true }, stsFetch: slowSts });
    const client = new Client(s);
    try {
      await createCluster(s.eks(), 'demo', 'API');
      await s.eks().send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: 'arn:aws:iam::999988887777:user/ci', kubernetesGroups: ['ci'] }));
      const token = await createToken({ credentials: { accessKeyId: 'AKIAFOREIGN000000001', secretAccessKey: 'foreign' }, region: 'us-east-1', clusterId: 'demo', now: new Date() });
      const started = Date.now();
      const review = client.webhook('/clusters/demo/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }, s.webhookToken);
      while (stsCalls === 0) await new Promise((r) => setTimeout(r, 10));
      const closing = s.server.close();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await tcpConnect(s), 'ECONNREFUSED', 'no new connections once close() began');
      const r = await review;
      assert.ok(Date.now() - started >= 1_000, 'the review waited for its STS call');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status.authenticated, true, `the in-flight review got its answer: ${r.text.slice(0, 200)}`);
      assert.equal(r.json.status.user.username, 'arn:aws:iam::999988887777:user/ci', 'as the STS identity');
      // The client's keep-alive socket is still open: close() completes when it goes away.
      client.close();
      await closing;
    } finally {
      client.close();
      await s.close();
    }
  });
});
