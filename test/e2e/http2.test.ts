/**
 * HTTP/2 on the TLS listener (issue 14): ALPN offers h2 and http/1.1 on one port; the webhooks,
 * the EKS API (the AWS SDK's own NodeHttp2Handler) and health answer over h2 with real clients
 * (node:http2, curl), many reviews multiplexed on one connection as kube-apiserver's client-go
 * sends them, with the same answers as HTTP/1.1; the limits hold per stream (body, header list,
 * request deadline, concurrent streams) and shutdown is graceful.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { ClientHttp2Session, IncomingHttpHeaders } from 'node:http2';
import { connect } from 'node:http2';
import { promisify } from 'node:util';
import { CreateAccessEntryCommand, AssociateAccessPolicyCommand, DescribeClusterCommand, EKSClient, ListAccessEntriesCommand } from '@aws-sdk/client-eks';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { createToken } from '../../src/token/index.js';
import { H2_LIMITS } from '../../src/server/http.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createCluster, POLICY } from './lib.js';

const run = promisify(execFile);
const REQUEST_TIMEOUT = 1500;
const BODY_LIMIT = 64 * 1024;

let s: TestServer;
let session: ClientHttp2Session;
let token: string;
let aliceArn: string;

interface H2Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function h2(sess: ClientHttp2Session, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const req = sess.request({ ':method': method, ':path': path, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers });
    const chunks: Buffer[] = [];
    let head: IncomingHttpHeaders = {};
    req.on('response', (h) => (head = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(head[':status']), headers: head, text, json });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const open = (): Promise<ClientHttp2Session> =>
  new Promise((resolve, reject) => {
    const c = connect(s.url, { ca: s.ca });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });

before(async () => {
  s = await startTestServer({ config: { requestTimeoutMs: REQUEST_TIMEOUT, bodyLimit: BODY_LIMIT } });
  await createCluster(s.eks(), 'demo', 'API');
  const iam = s.iam();
  aliceArn = (await iam.send(new CreateUserCommand({ UserName: 'alice' }))).User!.Arn!;
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
  await s.eks().send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: aliceArn }));
  await s.eks().send(new AssociateAccessPolicyCommand({ clusterName: 'demo', principalArn: aliceArn, policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } }));
  token = await createToken({ credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }, region: 'us-east-1', clusterId: 'demo', now: new Date(), endpoint: s.url });
  session = await open();
});

after(async () => {
  session?.destroy();
  await s?.close();
});

test('ALPN: h2 and http/1.1 on the same port, with the advertised limits', async () => {
  assert.equal(session.alpnProtocol, 'h2');
  await new Promise<void>((r) => (session.remoteSettings.maxConcurrentStreams !== undefined && session.remoteSettings.initialWindowSize === H2_LIMITS.initialWindowSize ? r() : session.once('remoteSettings', () => r())));
  assert.equal(session.remoteSettings.maxConcurrentStreams, H2_LIMITS.maxConcurrentStreams);
  assert.equal(session.remoteSettings.initialWindowSize, H2_LIMITS.initialWindowSize);
  assert.equal(session.remoteSettings.maxHeaderListSize, H2_LIMITS.maxHeaderListSize);
  // curl, a real client of both: h2 when offered, HTTP/1.1 when asked for it.
  const v2 = await run('curl', ['-sS', '--http2', '--cacert', s.caPath, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${s.url}/healthz`]);
  assert.equal(v2.stdout, '2 200');
  const v1 = await run('curl', ['-sS', '--http1.1', '--cacert', s.caPath, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${s.url}/healthz`]);
  assert.equal(v1.stdout, '1.1 200');
});

test('the webhooks over h2: 200 reviews multiplexed on one connection answer as over HTTP/1.1', async () => {
  const auth = { authorization: `Bearer ${s.webhookToken}` };
  const tr = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } };
  const first = await h2(session, 'POST', '/clusters/demo/authenticate', tr, auth);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.status.authenticated, true, first.text);
  const user = first.json.status.user as { username: string; groups: string[]; uid: string; extra: Record<string, string[]> };
  assert.equal(user.username, aliceArn);
  const sar = (verb: string, resource: string) => ({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: user.username, groups: user.groups, uid: user.uid, extra: user.extra, resourceAttributes: { verb, resource, namespace: 'default', version: 'v1' } },
  });
  // The same questions over HTTP/1.1 (the harness' client) give the reference answers.
  const ref = {
    token: (await s.post('/clusters/demo/authenticate', tr)).json.status,
    list: (await s.post('/clusters/demo/authorize', sar('list', 'pods'))).json.status,
    del: (await s.post('/clusters/demo/authorize', sar('delete', 'pods'))).json.status,
  };
  assert.equal(ref.list.allowed, true);
  assert.equal(ref.del.allowed, false);
  const replies = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      i % 3 === 0 ? h2(session, 'POST', '/clusters/demo/authenticate', tr, auth) : h2(session, 'POST', '/clusters/demo/authorize', sar(i % 3 === 1 ? 'list' : 'delete', 'pods'), auth),
    ),
  );
  replies.forEach((r, i) => {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.connection, undefined, 'no connection-specific header over h2');
    assert.deepEqual(r.json.status, i % 3 === 0 ? ref.token : i % 3 === 1 ? ref.list : ref.del, `reply ${i}`);
  });
  // Without the webhook token: the same refusal as HTTP/1.1.
  const refused = await h2(session, 'POST', '/clusters/demo/authorize', sar('list', 'pods'));
  assert.equal(refused.status, (await s.post('/clusters/demo/authorize', sar('list', 'pods'), { token: null })).status);
});

test('the EKS API over h2 with the AWS SDK: SigV4 signs host, which h2 carries as :authority', async () => {
  const handler = new NodeHttp2Handler({ nodeHttp2ConnectOptions: { ca: s.ca } });
  const eks = new EKSClient({ endpoint: s.url, region: 'us-east-1', credentials: s.admin, maxAttempts: 1, requestHandler: handler });
  const iam = new IAMClient({ endpoint: s.url, region: 'us-east-1', credentials: s.admin, maxAttempts: 1, requestHandler: handler });
  try {
    assert.equal((await eks.send(new DescribeClusterCommand({ name: 'demo' }))).cluster?.status, 'ACTIVE');
    assert.ok((await eks.send(new ListAccessEntriesCommand({ clusterName: 'demo' }))).accessEntries?.includes(aliceArn));
    // IAM (the AWS query protocol) over h2, then an EKS write: a write over h2 is a write.
    const bobArn = (await iam.send(new CreateUserCommand({ UserName: 'bob' }))).User!.Arn!;
    const created = await eks.send(new CreateAccessEntryCommand({ clusterName: 'demo', principalArn: bobArn, kubernetesGroups: ['devs'] }));
    assert.equal(created.accessEntry?.kubernetesGroups?.[0], 'devs');
    assert.ok((await s.eks().send(new ListAccessEntriesCommand({ clusterName: 'demo' }))).accessEntries?.includes(bobArn), 'seen over HTTP/1.1 too');
  } finally {
    handler.destroy();
  }
  // An unsigned call is refused over h2 as over HTTP/1.1.
  const r = await h2(session, 'GET', '/clusters/demo');
  assert.equal(r.status, 403, r.text);
  assert.equal(r.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
});

test('limits per stream: body (413), header list, request deadline (408); the connection keeps serving', async () => {
  const auth = { authorization: `Bearer ${s.webhookToken}` };
  const big = Buffer.alloc(BODY_LIMIT + 1, 0x20);
  const tooLarge = await h2(session, 'POST', '/clusters/demo/authorize', big, auth);
  assert.equal(tooLarge.status, 413, tooLarge.text);
  const tooLargeApi = await h2(session, 'POST', '/clusters/demo/access-entries', big);
  assert.equal(tooLargeApi.status, 413, tooLargeApi.text);
  // A header list over 16 KiB (names and values, as HTTP/1.1 counts) is a 431, whatever the client
  // (Node's client refuses to send over the advertised size itself; curl does not).
  const filler = 'x'.repeat(H2_LIMITS.maxHeaderListSize);
  const byCurl = await run('curl', ['-sS', '--http2', '--cacert', s.caPath, '-H', `x-filler: ${filler}`, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${s.url}/healthz`]);
  assert.equal(byCurl.stdout, '2 431');
  const justUnder = await run('curl', ['-sS', '--http2', '--cacert', s.caPath, '-H', `x-filler: ${filler.slice(0, H2_LIMITS.maxHeaderListSize - 1024)}`, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${s.url}/healthz`]);
  assert.equal(justUnder.stdout, '2 200');
  // A body that never ends: 408 within the request timeout.
  const t0 = Date.now();
  const slow = await new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': '/clusters/demo/authorize', 'content-type': 'application/json', ...auth });
    req.write('{"apiVersion":');
    req.on('response', (h) => resolve({ status: Number(h[':status']), ms: Date.now() - t0 }));
    req.on('error', reject);
  });
  assert.equal(slow.status, 408);
  assert.ok(slow.ms >= REQUEST_TIMEOUT - 100, `after the deadline (${slow.ms} ms)`);
  // The rest of a late body, on a stream the server has answered: nothing breaks.
  const late = session.request({ ':method': 'POST', ':path': '/clusters/demo/authenticate', 'content-type': 'application/json', ...auth });
  late.on('error', () => undefined);
  late.resume();
  const lateClosed = new Promise<number>((r) => late.once('close', () => r(late.rstCode ?? -1)));
  late.write('{"apiVersion":');
  const lateStatus = await new Promise<number>((r) => late.on('response', (h) => r(Number(h[':status']))));
  assert.equal(lateStatus, 408);
  if (!late.destroyed) late.end('"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"x"}}');
  assert.equal(await lateClosed, 0, 'the server ends the stream with RST_STREAM(NO_ERROR)');
  const still = await h2(session, 'GET', '/healthz');
  assert.equal(still.status, 200, 'the session keeps serving');
});

test('shutdown: an h2 session gets GOAWAY and is closed', async () => {
  const other = await startTestServer();
  const c = await new Promise<ClientHttp2Session>((resolve, reject) => {
    const x = connect(other.url, { ca: other.ca });
    x.once('connect', () => resolve(x));
    x.once('error', reject);
  });
  assert.equal((await h2(c, 'GET', '/healthz')).status, 200);
  const goaway = new Promise<void>((r) => c.once('goaway', () => r()));
  const closed = new Promise<void>((r) => c.once('close', () => r()));
  await other.close();
  await goaway;
  await closed;
});
