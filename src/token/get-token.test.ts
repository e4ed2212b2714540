// Tokens made by the real AWS CLI (`aws eks get-token`) with known fake credentials, offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseToken, tokenFromUrl, verifyTokenOffline } from './index.js';
import type { ParsedToken, TokenConfig } from './index.js';

const run = promisify(execFile);
const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SESSION = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN//example+token=';

interface ExecCredential {
  kind: string;
  apiVersion: string;
  status: { expirationTimestamp: string; token: string };
}

async function getToken(region: string, extraEnv: Record<string, string>): Promise<ExecCredential> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: AKID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...extraEnv,
  });
  const { stdout } = await run('aws', ['eks', 'get-token', '--cluster-name', 'demo', '--region', region], { env });
  return JSON.parse(stdout) as ExecCredential;
}

function parsed(cred: ExecCredential, config?: TokenConfig): ParsedToken {
  const t = cred.status.token;
  // Parse "now" a few seconds after signing: the CLI used the real clock.
  const date = /X-Amz-Date=(\d{8}T\d{6}Z)/.exec(Buffer.from(t.slice(11), 'base64url').toString())?.[1] as string;
  const now = new Date(Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15)) + 5000);
  const r = parseToken(t, now, config);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.token;
}

async function assertOnlyValidFor(t: ParsedToken, cluster: string, config?: TokenConfig): Promise<void> {
  assert.deepEqual(await verifyTokenOffline(t, cluster, SECRET), { ok: true });
  for (const [c, s] of [
    ['other', SECRET],
    [cluster, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ'],
  ] as const) {
    const r = await verifyTokenOffline(t, c, s);
    assert.ok(!r.ok && r.error.code === 'signature_mismatch', `${c}`);
  }
  const sig = t.params['x-amz-signature'] as string;
  const flipped = `${sig.slice(0, 7)}${sig[7] === 'a' ? 'b' : 'a'}${sig.slice(8)}`;
  const r = parseToken(tokenFromUrl(t.url.replace(sig, flipped)), t.date, config);
  assert.ok(r.ok);
  const f = await verifyTokenOffline(r.token, cluster, SECRET);
  assert.ok(!f.ok && f.error.code === 'signature_mismatch');
}

test('aws eks get-token: regional, AWS_ENDPOINT_URL=https://127.0.0.1:8443, and http + session token', async (t) => {
  try {
    await run('aws', ['--version']);
  } catch {
    t.skip('the aws CLI is needed');
    return;
  }
  const [regional, endpoint, session] = await Promise.all([
    getToken('us-east-1', {}),
    getToken('us-east-1', { AWS_ENDPOINT_URL: 'https://127.0.0.1:8443' }),
    getToken('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:8080', AWS_SESSION_TOKEN: SESSION }),
  ]);

  await t.test('regional token', async () => {
    assert.equal(regional.kind, 'ExecCredential');
    assert.match(regional.status.token, /^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const p = parsed(regional);
    assert.equal(p.host, 'sts.us-east-1.amazonaws.com');
    assert.equal(p.stsRegion, 'us-east-1');
    assert.equal(p.accessKeyId, AKID);
    assert.equal(p.expiresSeconds, 60);
    assert.deepEqual(p.signedHeaders, ['host', 'x-k8s-aws-id']);
    // The CLI says the token expires 14 minutes after signing.
    const exp = Date.parse(regional.status.expirationTimestamp) - p.date.getTime();
    assert.ok(exp >= 14 * 60_000 && exp <= 14 * 60_000 + 2000, String(exp));
    await assertOnlyValidFor(p, 'demo');
  });

  await t.test('AWS_ENDPOINT_URL makes the token point at that host:port', async () => {
    const url = Buffer.from(endpoint.status.token.slice(11), 'base64url').toString();
    assert.ok(url.startsWith('https://127.0.0.1:8443/?Action=GetCallerIdentity&'), url.slice(0, 40));
    const refused = parseToken(endpoint.status.token, new Date());
    assert.ok(!refused.ok && refused.error.code === 'bad_host');
    const config = { customStsHosts: ['127.0.0.1:8443'] };
    const p = parsed(endpoint, config);
    assert.equal(p.host, '127.0.0.1:8443');
    assert.equal(p.stsRegion, 'custom');
    assert.deepEqual(p.credentialScope, { date: p.params['x-amz-date']?.slice(0, 8), region: 'us-east-1', service: 'sts' });
    await assertOnlyValidFor(p, 'demo', config);
  });

  await t.test('plain-http endpoint with a session token', async () => {
    const refused = parseToken(session.status.token, new Date(), { customStsHosts: ['127.0.0.1:8080'] });
    assert.ok(!refused.ok && refused.error.code === 'bad_scheme');
    const config = { customStsHosts: ['http://127.0.0.1:8080'] };
    const p = parsed(session, config);
    assert.equal(p.scheme, 'http');
    assert.equal(p.securityToken, SESSION);
    assert.equal(p.credentialScope?.region, 'eu-west-1');
    await assertOnlyValidFor(p, 'demo', config);
  });
});
