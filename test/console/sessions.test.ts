/**
 * Console sign-in and sessions over HTTP (no browser): what a session is bound to and what ends it,
 * who may ask for a link, the page's security headers, the audit records, and sessions shared by
 * replicas on PostgreSQL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { entryway } from '../helpers/cli.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { AttachRolePolicyCommand, AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createRole, signed } from '../e2e/lib.js';
import { rawHttp } from '../../src/cli/client.js';
import { createLogger, startServer } from '../../src/server/app.js';
import type { RunningServer } from '../../src/server/app.js';
import pg from 'pg';
import { postgresTestUrl, requirePostgres } from '../../src/store/testing.js';
import { CONSOLE_SECURITY_HEADERS } from '../../src/console/plugin.js';

// Under CI=true a missing PostgreSQL fails requirePostgres loudly; elsewhere the test says why it skipped.
const pgSkip = (await requirePostgres()) ? false : 'PostgreSQL not reachable';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.close();
});

interface Session {
  cookie: string;
  csrf: string;
  expiresAt: number;
  setCookie: string;
}

async function http(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string, ca = s.ca) {
  const r = await rawHttp(url + path, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body ? { body: Buffer.from(body) } : {}), ca });
  const text = r.body.toString('utf8');
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json, type: String(r.headers['x-amzn-errortype'] ?? '').split(':')[0] };
}

async function link(credentials?: Credentials, server = s): Promise<{ code: string; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await signed(server, 'POST', '/entryway/v1/console/sign-in', {}, credentials ? { credentials } : {});
  assert.equal(r.status, 200, r.text);
  const code = /#code=([A-Za-z0-9_-]{43})$/.exec(r.json.signInUrl)?.[1];
  assert.ok(code, r.json.signInUrl);
  return { code, body: r.json };
}

async function exchange(code: string, url = s.url, ca = s.ca): Promise<Session> {
  const r = await http(url, 'POST', '/console/api/session', {}, JSON.stringify({ code }), ca);
  assert.equal(r.status, 200, r.text);
  const setCookie = String(r.headers['set-cookie']);
  const cookie = setCookie.split(';')[0]!;
  return { cookie, csrf: r.json.csrfToken, expiresAt: r.json.expiresAt, setCookie };
}

const call = (x: Session, method: string, path: string, body?: string, url = s.url, ca = s.ca) => http(url, method, path, { cookie: x.cookie, 'x-entryway-csrf': x.csrf }, body, ca);

async function userWithKey(name: string, policy?: string): Promise<Credentials> {
  await s.iam().send(new CreateUserCommand({ UserName: name }));
  if (policy) await s.iam().send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: policy }));
  const k = (await s.iam().send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

test('the cookie is __Host-, HttpOnly, Secure, SameSite=Strict and lasts the session; the link names the public URL', async () => {
  const l = await link();
  assert.ok(l.body.signInUrl.startsWith(`${s.url}/console/sign-in#code=`));
  assert.ok(l.body.expiresAt - Date.now() / 1000 <= 300 && l.body.expiresAt - Date.now() / 1000 > 290, 'the link lives five minutes');
  const x = await exchange(l.code);
  assert.match(x.setCookie, /^__Host-entryway-session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=(\d+)$/);
  const maxAge = Number(/Max-Age=(\d+)/.exec(x.setCookie)![1]);
  assert.ok(Math.abs(maxAge - 12 * 3600) <= 2, `12 h by default, not ${maxAge}`);
  const me = await call(x, 'GET', '/console/api/session');
  assert.equal(me.json.identity.arn, `arn:aws:iam::${s.accountId}:user/entryway-admin`);
  // The store holds only digests: neither the code nor the cookie's value is in it.
  const rows = await s.server.store.read((tx) => tx.sql.all<{ id_hash: string; data: string }>('SELECT id_hash, data FROM console_sessions'));
  const secret = x.cookie.split('=')[1]!;
  assert.ok(rows.length >= 1 && rows.every((r) => !r.id_hash.includes(secret) && !r.data.includes(secret) && !r.data.includes(l.code)));
});

test('entryway console prints the link and opens it with $BROWSER; --no-browser only prints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entryway-browser-'));
  try {
    const opened = join(dir, 'opened');
    const fake = join(dir, 'browser.sh');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(fake, 0o755);
    const r = await entryway(s, ['console'], { env: { BROWSER: fake } });
    assert.equal(r.code, 0, r.stderr);
    const url = r.stdout.trim();
    for (let i = 0; i < 50 && !existsSync(opened); i++) await sleep(100);
    assert.equal(readFileSync(opened, 'utf8'), url, 'the browser got the printed link');
    rmSync(opened);
    const quiet = await entryway(s, ['console', '--no-browser', '-o', 'json'], { env: { BROWSER: fake } });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.match(JSON.parse(quiet.stdout).signInUrl, /\/console\/sign-in#code=/);
    await sleep(500);
    assert.equal(existsSync(opened), false, '--no-browser opens nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sign-in needs entryway:CreateConsoleSignIn (ReadOnlyAccess has it; no policy, no link); a session cannot mint links', async () => {
  const none = await userWithKey('no-policy');
  const r = await signed(s, 'POST', '/entryway/v1/console/sign-in', {}, { credentials: none });
  assert.equal(r.status, 403);
  // Entryway's own actions are refused like IAM's (AccessDenied), as on every /entryway/v1 route.
  assert.equal(r.errorType, 'AccessDenied');
  assert.match(r.json.message, /not authorized to perform: entryway:CreateConsoleSignIn/);
  const ro = await userWithKey('reader', 'arn:aws:iam::aws:policy/ReadOnlyAccess');
  const x = await exchange((await link(ro)).code);
  const minted = await call(x, 'POST', '/entryway/v1/console/sign-in', '{}');
  assert.equal(minted.status, 403, minted.text);
  assert.match(minted.json.message, /not from a console session/);
});

test('deactivating the key a session came from ends the session; temporary credentials cap its lifetime', async () => {
  const creds = await userWithKey('rotator', 'arn:aws:iam::aws:policy/ReadOnlyAccess');
  const x = await exchange((await link(creds)).code);
  assert.equal((await call(x, 'GET', '/clusters')).status, 200);
  await s.iam().send(new UpdateAccessKeyCommand({ UserName: 'rotator', AccessKeyId: creds.accessKeyId, Status: 'Inactive' }));
  const r = await call(x, 'GET', '/clusters');
  assert.equal(r.status, 403);
  assert.equal(r.type, 'UnrecognizedClientException');
  assert.match(r.json.message, /no longer valid/);
  assert.equal((await call(x, 'GET', '/console/api/session')).status, 401);

  const roleArn = await createRole(s, 'console-role');
  await s.iam().send(new AttachRolePolicyCommand({ RoleName: 'console-role', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
  const assumed = await s.sts().send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'web', DurationSeconds: 900 }));
  const temp = { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! };
  const l = await link(temp);
  assert.equal(l.body.sessionExpiresAt, Math.floor(assumed.Credentials!.Expiration!.getTime() / 1000), 'the session ends with the credentials');
  const t = await exchange(l.code);
  assert.ok(Number(/Max-Age=(\d+)/.exec(t.setCookie)![1]) <= 900);
  const me = await call(t, 'GET', '/console/api/session');
  assert.equal(me.json.identity.arn, `arn:aws:sts::${s.accountId}:assumed-role/console-role/web`);
});

test('signing in and out is audited; the code never is', async () => {
  const l = await link();
  const x = await exchange(l.code);
  assert.equal((await call(x, 'DELETE', '/console/api/session')).json.signedOut, true);
  assert.equal((await http(s.url, 'POST', '/console/api/session', {}, JSON.stringify({ code: l.code }))).status, 403, 'the code was used');
  await s.server.flushAudit();
  const ops = await s.server.store.read((tx) => tx.queryAudit({ limit: 1000, service: 'entryway' }));
  const names = ops.map((e) => `${e.operation}:${e.result}`);
  for (const n of ['CreateConsoleSignIn:Success', 'ConsoleSignIn:Success', 'ConsoleSignOut:Success', 'ConsoleSignIn:AccessDenied']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  assert.ok(!JSON.stringify(ops).includes(l.code), 'no sign-in code in the audit trail');
});

test('the console page: strict CSP and framing headers, index for every path, immutable assets, / redirects a browser', async () => {
  for (const path of ['/console/', '/console/clusters/prod/access?q=x', '/console/sign-in']) {
    const r = await http(s.url, 'GET', path);
    assert.equal(r.status, 200, path);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    for (const [k, v] of Object.entries(CONSOLE_SECURITY_HEADERS)) assert.equal(r.headers[k], v, `${path} ${k}`);
    assert.match(String(r.headers['content-security-policy']), /script-src 'self';/);
    assert.doesNotMatch(String(r.headers['content-security-policy']), /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.doesNotMatch(r.text, /<script>|<script(?![^>]*\ssrc=)/, 'no inline script in the page');
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(r.text)?.[1];
    assert.ok(asset);
    const a = await http(s.url, 'GET', asset);
    assert.equal(a.status, 200);
    assert.equal(a.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(a.headers['content-type']), /^text\/javascript/);
  }
  assert.equal((await http(s.url, 'GET', '/console/assets/missing.js')).status, 404);
  const home = await http(s.url, 'GET', '/', { accept: 'text/html,application/xhtml+xml' });
  assert.equal(home.status, 302);
  assert.equal(home.headers.location, '/console/');
  assert.notEqual((await http(s.url, 'GET', '/', { accept: '*/*' })).status, 302, 'an API client on / is not redirected');
  assert.equal((await http(s.url, 'GET', '/console/api/session')).status, 401);
});

test('replicas on PostgreSQL share sessions: signed in on one, signed in on the other; signed out on one, out on both', { skip: pgSkip }, async () => {
  const u = new URL(postgresTestUrl());
  u.searchParams.set('schema', `console_${Math.random().toString(36).slice(2, 10)}`);
  const storeUrl = u.toString();
  const a = await startTestServer({ store: 'postgres', config: { storeUrl } });
  const dir = mkdtempSync(join(tmpdir(), 'entryway-console-b-'));
  let b: RunningServer | undefined;
  try {
    b = await startServer(
      { host: '127.0.0.1', port: 0, dataDir: dir, region: 'us-east-1', tls: { mode: 'self-signed', sans: [] }, allowInsecureHttp: false, updateDurationMs: 0, clusterCreateDurationMs: 0, logLevel: 'silent', connectedSts: false, customStsHosts: [], awsAuthFiles: [], bodyLimit: 1 << 20, managementRateLimit: 0, webhookRateLimit: 0, auditDecisions: 0, storeUrl },
      { logger: createLogger('silent') },
    );
    const bCa = b.tls!.ca;
    const x = await exchange((await link(undefined, a)).code, a.url, a.ca);
    const onB = await call(x, 'GET', '/console/api/session', undefined, b.url, bCa);
    assert.equal(onB.status, 200, onB.text);
    assert.equal(onB.json.identity.arn, `arn:aws:iam::${a.accountId}:user/entryway-admin`);
    assert.equal((await call(x, 'GET', '/clusters', undefined, b.url, bCa)).status, 200);
    assert.equal((await call(x, 'DELETE', '/console/api/session', undefined, b.url, bCa)).json.signedOut, true);
    assert.equal((await call(x, 'GET', '/clusters', undefined, a.url, a.ca)).status, 403, 'signed out on A too');
  } finally {
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
    await a.close();
    const c = new pg.Client({ connectionString: postgresTestUrl() });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${u.searchParams.get('schema')} CASCADE`);
    await c.end();
  }
});
