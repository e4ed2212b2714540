// Compatibility with real AWS clients: requests made by botocore, the AWS CLI and the AWS SDK for
// JavaScript are captured on a loopback server and must verify; altered copies must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateAccessEntryCommand, DescribeAccessEntryCommand, EKSClient, ListAccessEntriesCommand } from '@aws-sdk/client-eks';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  RequestExpiredError,
  SignatureExpiredError,
  SignatureMismatchError,
  parseSigV4,
  verifySigV4,
} from './index.js';
import type { SigV4Request } from './index.js';
import { splitTarget, startCaptureServer } from './testdata/capture.js';

const run = promisify(execFile);
const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLE//tok+en=';
const MIN = 60_000;

const awsEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_')) delete env[k];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: AKID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_DEFAULT_REGION: 'us-east-1',
  };
};

async function haveCommand(cmd: string, args: string[]): Promise<boolean> {
  try {
    await run(cmd, args, { env: awsEnv() });
    return true;
  } catch {
    return false;
  }
}

async function jsSdkCalls(endpoint: string): Promise<void> {
  const common = { region: 'us-east-1', endpoint, maxAttempts: 1, credentials: { accessKeyId: AKID, secretAccessKey: SECRET } };
  const eks = new EKSClient(common);
  const sts = new STSClient(common);
  const stsSession = new STSClient({ ...common, credentials: { ...common.credentials, sessionToken: TOKEN } });
  const iam = new IAMClient(common);
  const calls: Array<Promise<unknown>> = [
    eks.send(new DescribeAccessEntryCommand({ clusterName: 'demo', principalArn: 'arn:aws:iam::111122223333:role/dev' })),
    eks.send(
      new ListAccessEntriesCommand({
        clusterName: 'demo',
        maxResults: 5,
        nextToken: 'tok en+/=~*',
        associatedPolicyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
      }),
    ),
    eks.send(
      new CreateAccessEntryCommand({
        clusterName: 'demo',
        principalArn: 'arn:aws:iam::111122223333:role/path/dev',
        kubernetesGroups: ['devs'],
        username: 'dev:{{SessionName}}',
      }),
    ),
    sts.send(new GetCallerIdentityCommand({})),
    stsSession.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111122223333:role/dev', RoleSessionName: 's@x.com' })),
    iam.send(new CreateUserCommand({ UserName: 'x', Path: '/eng/' })),
  ];
  await Promise.allSettled(calls);
  for (const c of [eks, sts, stsSession, iam]) c.destroy();
}

interface Case {
  name: string;
  req: SigV4Request;
  secret: string;
}

async function verify(c: Case, now: Date, secret = c.secret) {
  const p = parseSigV4(c.req);
  assert.ok(p.ok, `${c.name}: parse failed: ${p.ok ? '' : p.error.message}`);
  return verifySigV4(c.req, p.value, { secretAccessKey: secret, now });
}

async function assertVerifies(c: Case): Promise<void> {
  const p = parseSigV4(c.req);
  assert.ok(p.ok, `${c.name}: ${p.ok ? '' : p.error.message}`);
  const r = await verifySigV4(c.req, p.value, { secretAccessKey: c.secret, now: p.value.date });
  assert.deepEqual(r, { ok: true }, `${c.name} should verify: ${r.ok ? '' : r.error.constructor.name}`);
}

/**
 * botocore signs `/a/./b/../c//d%2Fe/` as `/a/c/d%2Fe/`. The signature is right, but Entryway routes
 * on the raw path, so such a request is refused (regression: a signed `DELETE /clusters/x` replayed
 * as `DELETE /clusters/x/access-entries/..` reached DeleteAccessEntry). The same request sent with
 * the normalised path verifies, which shows the signature itself is botocore's.
 */
async function assertDotSegmentsRefused(c: Case): Promise<void> {
  const p = parseSigV4(c.req);
  assert.ok(p.ok, `${c.name}: parses`);
  const r = await verifySigV4(c.req, p.value, { secretAccessKey: c.secret, now: p.value.date });
  assert.ok(!r.ok && r.error instanceof SignatureMismatchError && r.error.detail === 'the request path has empty, . or .. segments', `${c.name}: refused for its raw path`);
  const normalised = { ...c.req, rawPath: '/a/c/d%2Fe/' };
  assert.deepEqual(await verifySigV4(normalised, p.value, { secretAccessKey: c.secret, now: p.value.date }), { ok: true }, `${c.name}: the normalised path verifies`);
}

/** Every altered copy of a genuine request must fail, with the failure the HTTP layer needs. */
async function assertMutationsFail(c: Case): Promise<void> {
  const p = parseSigV4(c.req);
  assert.ok(p.ok);
  const parsed = p.value;
  const expectMismatch = async (what: string, req: SigV4Request, secret = c.secret) => {
    const q = parseSigV4(req);
    if (!q.ok) return; // refusing to parse is failing too
    const r = await verifySigV4(req, q.value, { secretAccessKey: secret, now: parsed.date });
    assert.ok(!r.ok && r.error instanceof SignatureMismatchError, `${c.name}: ${what} must fail with SignatureMismatchError`);
  };
  await expectMismatch('wrong secret', c.req, `${c.secret}x`);
  await expectMismatch('host changed', { ...c.req, headers: { ...c.req.headers, host: 'elsewhere.test' } });
  const other = parsed.signedHeaders.find((h) => !['host', 'x-amz-date', 'date'].includes(h));
  if (other) {
    await expectMismatch(`${other} changed`, { ...c.req, headers: { ...c.req.headers, [other]: `${String(c.req.headers[other])}x` } });
  }
  await expectMismatch('query param added', { ...c.req, rawQuery: c.req.rawQuery ? `${c.req.rawQuery}&extra=1` : 'extra=1' });
  if (c.req.rawQuery.includes('=')) {
    await expectMismatch('query value changed', { ...c.req, rawQuery: c.req.rawQuery.replace(/=([^&]*)/, '=$1z') });
  }
  await expectMismatch('path changed', { ...c.req, rawPath: `${c.req.rawPath}x` });
  await expectMismatch('method changed', { ...c.req, method: c.req.method === 'GET' ? 'POST' : 'GET' });
  if (c.req.body.length > 0) {
    const body = Buffer.from(c.req.body);
    body[0] = (body[0] as number) ^ 1;
    await expectMismatch('body byte flipped', { ...c.req, body });
  } else {
    await expectMismatch('body added', { ...c.req, body: Buffer.from('x') });
  }
  const sig = parsed.signature;
  const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
  const withSig =
    parsed.mode === 'header'
      ? { ...c.req, headers: { ...c.req.headers, authorization: String(c.req.headers['authorization']).replace(sig, flipped) } }
      : { ...c.req, rawQuery: c.req.rawQuery.replace(sig, flipped) };
  await expectMismatch('signature char flipped', withSig);

  // Clock: 6 minutes either way.
  const later = await verify(c, new Date(parsed.date.getTime() + 6 * MIN + (parsed.expiresSeconds ?? 0) * 1000));
  if (parsed.mode === 'header') {
    assert.ok(!later.ok && later.error instanceof SignatureExpiredError && later.error.direction === 'past', c.name);
    assert.match(later.error.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
  } else {
    assert.ok(!later.ok && later.error instanceof RequestExpiredError, c.name);
  }
  const earlier = await verify(c, new Date(parsed.date.getTime() - 6 * MIN));
  assert.ok(!earlier.ok && earlier.error instanceof SignatureExpiredError && earlier.error.direction === 'future', c.name);
}

test('requests from botocore, the AWS CLI and the AWS SDK for JavaScript verify; altered copies fail', async (t) => {
  if (!(await haveCommand('python3', ['-c', 'import botocore'])) || !(await haveCommand('aws', ['--version']))) {
    t.skip('python3 with botocore and the aws CLI are needed');
    return;
  }
  const server = await startCaptureServer();
  t.after(() => server.close());
  const endpoint = `http://127.0.0.1:${server.port}`;
  const script = fileURLToPath(new URL('./testdata/botocore_requests.py', import.meta.url));
  const cli = (...args: string[]) => run('aws', [...args, '--endpoint-url', endpoint], { env: awsEnv() }).catch(() => undefined);

  const [python] = await Promise.all([
    run('python3', [script, String(server.port)], { env: awsEnv() }),
    cli('eks', 'describe-access-entry', '--cluster-name', 'demo', '--principal-arn', 'arn:aws:iam::111122223333:role/dev'),
    cli(
      'eks',
      'list-access-entries',
      '--cluster-name',
      'demo',
      '--associated-policy-arn',
      'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
      '--max-results',
      '5',
      '--next-token',
      'tok en+/=~',
      '--no-paginate',
    ),
    cli('iam', 'create-user', '--user-name', 'x', '--path', '/eng/'),
    jsSdkCalls(endpoint),
  ]);

  const captured: Case[] = server.requests.map((req) => ({
    name: `${req.method} ${req.rawPath}?${req.rawQuery} [${String(req.headers['user-agent']).split(' ')[0]}]`,
    req,
    secret: SECRET,
  }));
  const offline = (JSON.parse(python.stdout) as Array<{ name: string; method: string; url: string; headers: Record<string, string>; body: string; secret: string }>).map(
    (o): Case => {
      const u = new URL(o.url);
      const target = o.url.slice(o.url.indexOf('/', u.protocol.length + 2));
      return {
        name: `botocore offline: ${o.name}`,
        req: { method: o.method, ...splitTarget(target), headers: { host: u.host, ...o.headers }, body: Buffer.from(o.body, 'base64') },
        secret: o.secret,
      };
    },
  );

  const by = (prefix: string) => captured.filter((c) => String(c.req.headers['user-agent']).startsWith(prefix));
  assert.equal(by('aws-cli/').length, 3, 'three AWS CLI requests');
  assert.equal(by('Botocore/').length, 6, 'six botocore client requests');
  assert.equal(by('aws-sdk-js/').length, 6, 'six AWS SDK for JavaScript requests');
  assert.equal(offline.length, 10);

  // The shapes the brief cares about really were exercised.
  const all = [...captured, ...offline];
  assert.ok(all.some((c) => c.req.rawPath === '/clusters/demo/access-entries/arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fdev'));
  assert.ok(captured.some((c) => c.req.rawQuery.split('&').length >= 3 && c.req.rawPath === '/clusters/demo/access-entries'));
  assert.ok(all.some((c) => Buffer.from(c.req.body).toString().startsWith('Action=CreateUser&Version=2010-05-08')));
  assert.ok(all.some((c) => c.req.headers['x-amz-security-token'] === TOKEN));
  assert.ok(offline.some((c) => c.req.rawQuery.includes('X-Amz-Security-Token=')));

  for (const c of all) {
    await t.test(c.name, async () => {
      if (c.name.includes('dot-segments')) return assertDotSegmentsRefused(c);
      await assertVerifies(c);
      await assertMutationsFail(c);
    });
  }
});
