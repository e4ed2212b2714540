/**
 * Property: secrets never reach the logs or the audit trail. A real `entryway serve` (child process,
 * --log-level trace, every authentication/authorization decision audited) takes a random sequence
 * of calls that carry credentials where credentials go — SigV4 signatures and session tokens, the
 * k8s-aws-v1 and OIDC-shaped bearer tokens of reviews (valid, mutated, for unknown clusters), the
 * webhook bearer token, a call that hits an internal error — and afterwards nothing in its
 * stdout/stderr or in GET /entryway/v1/audit contains a secret access key, a session token, a
 * presigned signature, a bearer token or the webhook token. Also: the data directory and its secret
 * files are owner-only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ADMIN_PROFILE, paths, readCredentialsProfile } from '../../src/server/datadir.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { signRequest } from '../../src/sigv4/index.js';
import type { AwsCredentials } from '../../src/sigv4/index.js';
import { createToken } from '../../src/token/index.js';
import { kill, serveProcess } from '../helpers/process.js';
import type { ServeProcess } from '../helpers/process.js';
import type { Reply } from './lib.js';
import { Client, check, countRequest, note } from './lib.js';

const FILE = 'test/property/secrets.test.ts';

let dir: string;
let p: ServeProcess;
let client: Client;
let admin: AwsCredentials;
let webhookToken: string;
const keys: AwsCredentials[] = [];
/** Every secret seen during the test; none may appear in logs or audit. */
const secrets = new Set<string>();

function remember(...values: (string | undefined)[]): void {
  for (const v of values) if (v && v.length >= 16) secrets.add(v);
}

async function call(service: 'eks' | 'iam' | 'sts', method: string, path: string, body: string | undefined, creds: AwsCredentials, contentType = 'application/json'): Promise<Reply> {
  const signed = await signRequest({ method, url: p.url + path, headers: body ? { 'content-type': contentType } : {}, ...(body ? { body } : {}), region: 'us-east-1', service, credentials: creds, now: new Date() });
  remember(/Signature=([0-9a-f]{64})/.exec(signed.headers.authorization ?? '')?.[1]);
  return client.send(method, path, Object.entries(signed.headers), body ? Buffer.from(body) : undefined);
}
const iam = (action: string, params: Record<string, string>, creds = admin, service: 'iam' | 'sts' = 'iam') =>
  call(service, 'POST', '/', new URLSearchParams({ Action: action, Version: service === 'iam' ? '2010-05-08' : '2011-06-15', ...params }).toString(), creds, 'application/x-www-form-urlencoded');
const tag = (xml: string, t: string) => new RegExp(`<${t}>([^<]+)</${t}>`).exec(xml)?.[1] ?? '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entryway-secrets-'));
  p = await serveProcess(['--data-dir', dir, '--listen', '127.0.0.1:0', '--management-rate-limit', '0', '--log-level', 'trace', '--audit-decisions', '1', '--update-duration', '0s']);
  client = new Client(p);
  const a = readCredentialsProfile(paths(dir).credentials, ADMIN_PROFILE);
  assert.ok(a, 'admin credentials');
  admin = a;
  remember(admin.secretAccessKey);
  keys.push(admin);
  const acct = tag((await iam('GetUser', {})).text, 'Arn').split(':')[4] as string;
  assert.match(acct, /^\d{12}$/, 'account id');
  assert.equal((await call('eks', 'POST', '/clusters', JSON.stringify({ name: 'demo', roleArn: `arn:aws:iam::${acct}:role/eks`, resourcesVpcConfig: { subnetIds: ['s'] }, accessConfig: { authenticationMode: 'API' } }), admin)).status, 200, 'cluster');
  assert.equal((await iam('CreateUser', { UserName: 'sec' })).status, 200, 'user');
  const k = (await iam('CreateAccessKey', { UserName: 'sec' })).text;
  const user = { accessKeyId: tag(k, 'AccessKeyId'), secretAccessKey: tag(k, 'SecretAccessKey') };
  assert.ok(user.accessKeyId && user.secretAccessKey, `an access key: ${k.slice(0, 300)}`);
  remember(user.secretAccessKey);
  keys.push(user);
  await call('eks', 'POST', '/clusters/demo/access-entries', JSON.stringify({ principalArn: `arn:aws:iam::${acct}:user/sec` }), admin);
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });
  assert.equal((await iam('CreateRole', { RoleName: 'ops', AssumeRolePolicyDocument: trust })).status, 200, 'role');
  const c = (await iam('AssumeRole', { RoleArn: `arn:aws:iam::${acct}:role/ops`, RoleSessionName: 'secrets-test' }, admin, 'sts')).text;
  const session = { accessKeyId: tag(c, 'AccessKeyId'), secretAccessKey: tag(c, 'SecretAccessKey'), sessionToken: tag(c, 'SessionToken') };
  assert.ok(session.accessKeyId && session.sessionToken, `a session: ${c.slice(0, 300)}`);
  remember(session.secretAccessKey, session.sessionToken);
  keys.push(session);
  const account = (await call('eks', 'POST', '/entryway/v1/accounts', '{}', admin)).json;
  assert.ok(account?.account?.secretAccessKey, 'a new account and its administrator key');
  remember(account.account.secretAccessKey);
  webhookToken = (await call('eks', 'GET', '/entryway/v1/clusters/demo/webhook-config', undefined, admin)).json?.token;
  assert.ok(webhookToken, 'webhook token');
  remember(webhookToken);
  assert.ok(secrets.size >= 6, `secrets collected (${secrets.size})`);
});

after(async () => {
  client?.close();
  if (p) await kill(p, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('secrets at rest: the data directory is 0700; credentials, server.json, the database and the TLS keys are 0600', () => {
  const mode = (f: string) => statSync(f).mode & 0o777;
  assert.equal(mode(dir), 0o700, 'data directory');
  for (const f of [paths(dir).credentials, paths(dir).serverInfo, paths(dir).db, join(paths(dir).tls, 'ca.key'), join(paths(dir).tls, 'server.key')]) {
    assert.equal(mode(f), 0o600, f);
  }
  assert.equal(mode(paths(dir).tls), 0o700, 'tls directory');
});

type Op = { label: string; run: () => Promise<void> };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom('demo', 'nope'), fc.constantFrom('valid', 'flip', 'truncate', 'other-cluster')).map(([ki, cluster, how]): Op => ({
    label: `review ${how} token for ${cluster}`,
    run: async () => {
      const key = keys[ki % keys.length] as AwsCredentials;
      let token = await createToken({ credentials: key, region: 'us-east-1', clusterId: how === 'other-cluster' ? 'other' : 'demo', now: new Date(), endpoint: p.url });
      remember(token, /X-Amz-Signature=([0-9a-f]{64})/.exec(Buffer.from(token.slice(11), 'base64url').toString())?.[1]);
      if (how === 'flip') token = `${token.slice(0, -5)}A${token.slice(-4)}`;
      if (how === 'truncate') token = token.slice(0, 200);
      await client.webhook(`/clusters/${cluster}/authenticate`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }, webhookToken);
    },
  })),
  fc.nat().map((ki): Op => ({
    label: 'kubectl whoami with a token',
    run: async () => {
      const token = await createToken({ credentials: keys[ki % keys.length] as AwsCredentials, region: 'us-east-1', clusterId: 'demo', now: new Date(), endpoint: p.url });
      remember(token);
      await client.send('POST', '/k8s/demo/apis/authentication.k8s.io/v1/selfsubjectreviews', [['content-type', 'application/json'], ['authorization', `Bearer ${token}`]], Buffer.from('{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'));
    },
  })),
  fc.constant<Op>({
    label: 'an ID token for no configured issuer',
    run: async () => {
      const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'https://idp.example', sub: 'x', secret: 'oidc-secret-claim-0123456789' })).toString('base64url')}.c2lnbmF0dXJlLXRoYXQtaXMtc2VjcmV0LTAxMjM0NQ`;
      remember(jwt);
      await client.webhook('/clusters/demo/authenticate', { spec: { token: jwt } }, webhookToken);
    },
  }),
  fc.constantFrom('wrong-webhook-token', 'sar').map((how): Op => ({
    label: how,
    run: async () => {
      if (how === 'sar') await client.webhook('/clusters/demo/authorize', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u', extra: { principalId: ['AIDAX'] }, resourceAttributes: { verb: 'get', resource: 'pods' } } }, webhookToken);
      else await client.webhook('/clusters/demo/authenticate', { spec: { token: 'x' } }, `${webhookToken.slice(0, -3)}abc`);
    },
  })),
  fc.tuple(fc.nat(), fc.constantFrom('ok', 'bad-signature', 'expired', 'deep-500')).map(([ki, how]): Op => ({
    label: `management call ${how}`,
    run: async () => {
      const key = keys[ki % keys.length] as AwsCredentials;
      if (how === 'ok') await iam('ListUsers', {}, key);
      else if (how === 'bad-signature') await iam('ListUsers', {}, { ...key, secretAccessKey: `${key.secretAccessKey}x` });
      else if (how === 'expired') {
        const signed = await signRequest({ method: 'GET', url: `${p.url}/clusters`, region: 'us-east-1', service: 'eks', credentials: key, now: new Date(Date.now() - 3_600_000) });
        await client.send('GET', '/clusters', Object.entries(signed.headers));
      } else {
        // An internal error (the deep-nesting bug): the error log must not carry the request.
        const deep = `${'['.repeat(10_001)}${']'.repeat(10_001)}`;
        await call('eks', 'POST', '/clusters/demo/access-entries', `{"principalArn":"arn:aws:iam::444455556666:role/x","clientRequestToken":"t-${ki}","x":${deep}}`, key);
      }
    },
  })),
);

test('property: no secret, session token, signature or bearer token reaches the logs or the audit trail', async () => {
  const name = 'secrets: logs and audit never carry credentials';
  await check(
    name,
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 5 }), async (ops) => {
      for (const o of ops) {
        countRequest(name);
        note(name, o.label.split(' ').slice(0, 2).join(' '));
        await o.run();
      }
    }),
    { ci: 15, file: FILE },
  );
  // A graceful stop flushes the batched audit events; then the trail is read from the store itself.
  const code = await kill(p, 'SIGTERM');
  assert.equal(code, 0, 'a graceful stop');
  const store = new SqliteStore(paths(dir).db);
  const events: unknown[] = [];
  try {
    let afterId: number | undefined;
    for (;;) {
      const page = await store.read((tx) => tx.queryAudit({ limit: 1000, ...(afterId !== undefined ? { afterId } : {}) }));
      events.push(...page);
      if (page.length < 1000) break;
      afterId = page[page.length - 1]?.id;
    }
  } finally {
    await store.close();
  }
  assert.ok(events.length > 20, `audit events (${events.length})`);
  assert.ok(events.some((e) => (e as { kind?: string }).kind === 'authentication'), 'decisions are audited');
  const audit = JSON.stringify(events);
  const output = p.output();
  assert.match(output, /shutting down: draining in-flight requests/, 'the whole run was logged');
  for (const s of secrets) {
    assert.ok(!output.includes(s), `a secret (${s.slice(0, 6)}…, ${s.length} chars) reached the log`);
    assert.ok(!audit.includes(s), `a secret (${s.slice(0, 6)}…, ${s.length} chars) reached the audit trail`);
  }
});
