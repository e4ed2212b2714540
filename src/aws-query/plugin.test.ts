// End to end: the real AWS CLI (v1, botocore) and the AWS SDK for JavaScript v3 against Entryway's
// IAM/STS on a loopback server, plus raw signed HTTP for the refusals SDKs would not send.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteUserCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  ListUserTagsCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AuditEvent } from '../model/types.js';
import { createBaseApp } from '../server/http.js';
import { presignGetCallerIdentity, signRequest } from '../sigv4/index.js';
import type { AwsCredentials } from '../sigv4/index.js';
import { SqliteStore } from '../store/sqlite.js';
import { bootstrap } from '../iam/accounts.js';
import type { AccountCredentials } from '../iam/accounts.js';
import { awsQueryPlugin } from './plugin.js';

const pexec = promisify(execFile);
/** The CLI is on developer machines and CI; elsewhere its test is skipped rather than failed. */
const HAVE_CLI = (() => {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const ACCOUNT = '210987654321';
const REGION = 'us-east-1';

let app: FastifyInstance;
let endpoint: string;
let admin: AccountCredentials;
const audits: AuditEvent[] = [];
const secrets: string[] = [];

before(async () => {
  const store = new SqliteStore(':memory:');
  const b = await bootstrap(store, { accountId: ACCOUNT });
  assert.ok(b.created);
  admin = b.credentials;
  secrets.push(admin.secretAccessKey);
  app = createBaseApp();
  await app.register(awsQueryPlugin, { store, region: REGION, onAudit: (e) => void audits.push(e) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

after(async () => {
  await app.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only these credentials; `viaEnv` points it at Entryway with AWS_ENDPOINT_URL instead of --endpoint-url. */
async function cli(creds: AwsCredentials, args: string[], viaEnv = false): Promise<Run> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(viaEnv ? { AWS_ENDPOINT_URL: endpoint } : {}),
  });
  try {
    const r = await pexec('aws', [...args, ...(viaEnv ? [] : ['--endpoint-url', endpoint]), '--output', 'json'], { env, encoding: 'utf8' });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
const aws = (creds: AwsCredentials, ...args: string[]): Promise<Run> => cli(creds, args);
const json = (r: Run): Record<string, unknown> => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};
const adminCreds = (): AwsCredentials => ({ accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey });

test('the walkthrough with the real AWS CLI', { skip: HAVE_CLI ? false : 'aws CLI not installed' }, async () => {
  const me = json(await aws(adminCreds(), 'sts', 'get-caller-identity'));
  assert.deepEqual(me, { UserId: admin.userId, Account: ACCOUNT, Arn: admin.userArn });

  const user = json(await aws(adminCreds(), 'iam', 'create-user', '--user-name', 'alice')).User as Record<string, string>;
  assert.equal(user.Arn, `arn:aws:iam::${ACCOUNT}:user/alice`);
  assert.match(user.UserId as string, /^AIDA[A-Z2-7]{17}$/);
  const key = json(await aws(adminCreds(), 'iam', 'create-access-key', '--user-name', 'alice')).AccessKey as Record<string, string>;
  const alice = { accessKeyId: key.AccessKeyId as string, secretAccessKey: key.SecretAccessKey as string };
  secrets.push(alice.secretAccessKey);
  assert.equal((await aws(adminCreds(), 'iam', 'attach-user-policy', '--user-name', 'alice', '--policy-arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess')).code, 0);

  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });
  const role = json(await aws(adminCreds(), 'iam', 'create-role', '--role-name', 'dev', '--path', '/teams/', '--assume-role-policy-document', trust)).Role as Record<string, unknown>;
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/teams/dev`;
  assert.equal(role.Arn, roleArn);
  // botocore decodes the URL-encoded document back into JSON.
  assert.deepEqual(role.AssumeRolePolicyDocument, JSON.parse(trust));

  // alice (ReadOnlyAccess) may read but not create users, and may not assume the role yet.
  const refused = await aws(alice, 'iam', 'create-user', '--user-name', 'mallory');
  assert.notEqual(refused.code, 0);
  assert.match(
    refused.stderr,
    new RegExp(`An error occurred \\(AccessDenied\\) when calling the CreateUser operation: User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${ACCOUNT}:user/mallory because no identity-based policy allows the iam:CreateUser action`),
  );
  const noAssume = await aws(alice, 'sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'alice@example.com');
  assert.match(noAssume.stderr, /\(AccessDenied\) when calling the AssumeRole operation: User: .*user\/alice is not authorized to perform: sts:AssumeRole on resource:/);

  const grant = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }] });
  assert.equal((await aws(adminCreds(), 'iam', 'put-user-policy', '--user-name', 'alice', '--policy-name', 'assume-dev', '--policy-document', grant)).code, 0);
  const assumed = json(await aws(alice, 'sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'alice@example.com'));
  const c = assumed.Credentials as Record<string, string>;
  secrets.push(c.SecretAccessKey as string, c.SessionToken as string);
  assert.match(c.AccessKeyId as string, /^ASIA/);
  assert.ok(Date.parse(c.Expiration as string) > Date.now() + 3500_000);
  const temp = { accessKeyId: c.AccessKeyId as string, secretAccessKey: c.SecretAccessKey as string, sessionToken: c.SessionToken as string };
  const who = json(await aws(temp, 'sts', 'get-caller-identity'));
  assert.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/dev/alice@example.com`);
  assert.match(who.UserId as string, /^AROA[A-Z2-7]{17}:alice@example\.com$/);

  // A k8s-aws-v1 token made by the CLI for Entryway's endpoint verifies against Entryway's STS.
  const tokenRun = await cli(temp, ['eks', 'get-token', '--cluster-name', 'demo'], true);
  const token = (json(tokenRun).status as { token: string }).token;
  assert.ok(token.startsWith('k8s-aws-v1.') && token.length < 4096, String(token.length));
  const url = Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8');
  assert.ok(url.startsWith(`${endpoint}/?Action=GetCallerIdentity`), url);
  const res = await fetch(url, { headers: { 'x-k8s-aws-id': 'demo', accept: 'application/json' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    GetCallerIdentityResponse: {
      GetCallerIdentityResult: { UserId: who.UserId, Account: ACCOUNT, Arn: who.Arn },
      ResponseMetadata: { RequestId: res.headers.get('x-amzn-requestid') },
    },
  });
  const otherCluster = await fetch(url, { headers: { 'x-k8s-aws-id': 'prod', accept: 'application/json' } });
  assert.equal(otherCluster.status, 403);
  assert.equal(((await otherCluster.json()) as { Error: { Code: string } }).Error.Code, 'SignatureDoesNotMatch');

  // Deactivating a key refuses its next call.
  assert.equal((await aws(adminCreds(), 'iam', 'update-access-key', '--user-name', 'alice', '--access-key-id', alice.accessKeyId, '--status', 'Inactive')).code, 0);
  const inactive = await aws(alice, 'sts', 'get-caller-identity');
  assert.match(inactive.stderr, /\(InvalidClientTokenId\) when calling the GetCallerIdentity operation: The security token included in the request is invalid\./);

  const users = json(await aws(adminCreds(), 'iam', 'list-users')).Users as { UserName: string }[];
  assert.deepEqual(users.map((u) => u.UserName), ['alice', 'entryway-admin']);
  const conflict = await aws(adminCreds(), 'iam', 'delete-user', '--user-name', 'alice');
  assert.match(conflict.stderr, /\(DeleteConflict\) when calling the DeleteUser operation: Cannot delete entity, must delete access keys first\./);
});

const clientConfig = (creds: AwsCredentials) => ({ endpoint, region: REGION, credentials: creds, maxAttempts: 1 });
function sdk(Client: typeof IAMClient, creds: AwsCredentials): IAMClient;
function sdk(Client: typeof STSClient, creds: AwsCredentials): STSClient;
function sdk(Client: typeof IAMClient | typeof STSClient, creds: AwsCredentials): IAMClient | STSClient {
  return Client === IAMClient ? new IAMClient(clientConfig(creds)) : new STSClient(clientConfig(creds));
}

test('SDK v3: bulk calls, errors, pagination, tags, documents', async () => {
  const iam = sdk(IAMClient, adminCreds());
  for (let i = 0; i < 12; i++) await iam.send(new CreateUserCommand({ UserName: `bulk-${String(i).padStart(2, '0')}`, Path: '/bulk/', Tags: [{ Key: 'n', Value: String(i) }] }));
  const names: string[] = [];
  for await (const page of paginateListUsers({ client: iam, pageSize: 5 }, { PathPrefix: '/bulk/' })) names.push(...(page.Users ?? []).map((u) => u.UserName ?? ''));
  assert.equal(names.length, 12);
  assert.deepEqual(names, [...names].sort());
  const tags = await iam.send(new ListUserTagsCommand({ UserName: 'bulk-03' }));
  assert.deepEqual(tags.Tags, [{ Key: 'n', Value: '3' }]);

  const missing = await iam.send(new GetUserCommand({ UserName: 'nobody' })).catch((e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode: number } });
  assert.ok(missing && 'name' in missing);
  assert.deepEqual([missing.name, missing.message, missing.$metadata.httpStatusCode], ['NoSuchEntityException', 'The user with name nobody cannot be found.', 404]);
  const dup = await iam.send(new CreateUserCommand({ UserName: 'BULK-00' })).catch((e: { name: string }) => e);
  assert.equal((dup as { name: string }).name, 'EntityAlreadyExistsException');
  const badName = await iam.send(new CreateUserCommand({ UserName: 'has space' })).catch((e: { name: string; message: string }) => e);
  assert.equal((badName as { name: string }).name, 'ValidationError');
  const badDoc = await iam
    .send(new PutUserPolicyCommand({ UserName: 'bulk-00', PolicyName: 'p', PolicyDocument: '{"Statement":{"Effect":"Allow","Action":"*"}}' }))
    .catch((e: { name: string; message: string }) => e);
  assert.deepEqual([(badDoc as { name: string }).name, (badDoc as { message: string }).message], ['MalformedPolicyDocumentException', 'Policy statement must contain resources.']);
  const twoKeys = [await iam.send(new CreateAccessKeyCommand({ UserName: 'bulk-01' })), await iam.send(new CreateAccessKeyCommand({ UserName: 'bulk-01' }))];
  secrets.push(...twoKeys.map((k) => k.AccessKey?.SecretAccessKey ?? ''));
  const third = await iam.send(new CreateAccessKeyCommand({ UserName: 'bulk-01' })).catch((e: { name: string }) => e);
  assert.equal((third as { name: string }).name, 'LimitExceededException');
  const conflict = await iam.send(new DeleteUserCommand({ UserName: 'bulk-01' })).catch((e: { name: string; $metadata: { httpStatusCode: number } }) => e);
  assert.deepEqual([(conflict as { name: string }).name, (conflict as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode], ['DeleteConflictException', 409]);
  await iam.send(new DeleteUserCommand({ UserName: 'bulk-11' }));

  const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'ext-id:123/x' } } }] });
  await iam.send(new CreateRoleCommand({ RoleName: 'sdk-role', AssumeRolePolicyDocument: doc, Description: 'quotes " & <angles>', MaxSessionDuration: 7200 }));
  const role = await iam.send(new GetRoleCommand({ RoleName: 'sdk-role' }));
  assert.equal(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? ''), doc);
  assert.equal(role.Role?.Description, 'quotes " & <angles>');
  assert.equal(role.Role?.MaxSessionDuration, 7200);
  assert.ok(role.Role?.CreateDate instanceof Date);

  // The bootstrap admin assumes the role through the SDK (trust names the account; admin is allowed).
  const sts = sdk(STSClient, adminCreds());
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/sdk-role`, RoleSessionName: 'sdk', ExternalId: 'ext-id:123/x', DurationSeconds: 7200 }));
  secrets.push(out.Credentials?.SecretAccessKey ?? '', out.Credentials?.SessionToken ?? '');
  assert.ok(out.Credentials?.Expiration instanceof Date);
  const session = sdk(STSClient, {
    accessKeyId: out.Credentials?.AccessKeyId ?? '',
    secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
    sessionToken: out.Credentials?.SessionToken ?? '',
  });
  const who = await session.send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/sdk-role/sdk`);
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'sdk-role',
      PolicyName: 'chain',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }),
    }),
  );
  const chained = await session
    .send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/sdk-role`, RoleSessionName: 'again', ExternalId: 'ext-id:123/x', DurationSeconds: 7200 }))
    .catch((e: { name: string; message: string }) => e);
  assert.equal((chained as { message: string }).message, 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');

  // A user whose policies allow nothing.
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'bulk-02' }));
  secrets.push(k.AccessKey?.SecretAccessKey ?? '');
  const nobody = sdk(IAMClient, { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' });
  const denied = await nobody.send(new ListUsersCommand({})).catch((e: { name: string; message: string; $metadata: { httpStatusCode: number } }) => e);
  assert.equal((denied as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode, 403);
  assert.match((denied as { message: string }).message, /is not authorized to perform: iam:ListUsers on resource: .* because no identity-based policy allows the iam:ListUsers action$/);
  await iam.send(new AttachUserPolicyCommand({ UserName: 'bulk-02', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
  assert.ok((await nobody.send(new ListUsersCommand({}))).Users);
  // GetCallerIdentity needs no permission.
  assert.equal((await sdk(STSClient, { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' }).send(new GetCallerIdentityCommand({}))).Account, ACCOUNT);
});

async function raw(opts: { body?: string | Buffer; service?: string; contentType?: string; query?: string; creds?: AwsCredentials; at?: Date; sign?: boolean; method?: string }) {
  const url = `${endpoint}/${opts.query ? `?${opts.query}` : ''}`;
  const body = opts.body ?? '';
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded; charset=utf-8' };
  let h = headers;
  if (opts.sign !== false) {
    const s = await signRequest({ method: opts.method ?? 'POST', url, headers, body, region: REGION, service: opts.service ?? 'iam', credentials: opts.creds ?? adminCreds(), now: opts.at ?? new Date() });
    h = s.headers;
    delete h.host;
  }
  const res = await fetch(url, { method: opts.method ?? 'POST', headers: h, ...(opts.method === 'GET' ? {} : { body }) });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}
const code = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

test('refusals over HTTP: never a 5xx, always an ErrorResponse', async () => {
  const cases: [string, Parameters<typeof raw>[0], number, string][] = [
    ['unsigned', { body: 'Action=ListUsers', sign: false }, 403, 'MissingAuthenticationToken'],
    ['unknown key', { body: 'Action=ListUsers', creds: { accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ', secretAccessKey: 'x'.repeat(40) } }, 403, 'InvalidClientTokenId'],
    ['bad signature', { body: 'Action=ListUsers', creds: { accessKeyId: admin.accessKeyId, secretAccessKey: 'x'.repeat(40) } }, 403, 'SignatureDoesNotMatch'],
    ['clock skew', { body: 'Action=ListUsers', at: new Date(Date.now() - 6 * 60_000) }, 403, 'SignatureDoesNotMatch'],
    ['future clock', { body: 'Action=ListUsers', at: new Date(Date.now() + 6 * 60_000) }, 403, 'SignatureDoesNotMatch'],
    ['unknown action', { body: 'Action=LaunchRockets&Version=2010-05-08' }, 400, 'InvalidAction'],
    ['wrong version', { body: 'Action=ListUsers&Version=2011-06-15' }, 400, 'InvalidAction'],
    ['IAM action under sts', { body: 'Action=ListUsers', service: 'sts' }, 400, 'InvalidAction'],
    ['STS action under iam', { body: 'Action=AssumeRole', service: 'iam' }, 400, 'InvalidAction'],
    ['missing action', { body: 'UserName=x' }, 400, 'MissingAction'],
    ['bad escape', { body: 'Action=ListUsers&PathPrefix=%zz' }, 400, 'MalformedQueryString'],
    ['duplicate', { body: 'Action=GetUser&UserName=a&UserName=b' }, 400, 'MalformedQueryString'],
    ['gap in list', { body: 'Action=UntagUser&UserName=alice&TagKeys.member.2=a' }, 400, 'MalformedQueryString'],
    ['json body', { body: '{"Action":"ListUsers"}', contentType: 'application/json' }, 400, 'MalformedQueryString'],
    ['binary body', { body: Buffer.from([0x41, 0x3d, 0xc3, 0x28]) }, 400, 'MalformedQueryString'],
    ['bad member type', { body: 'Action=GetUser&UserName.member.1=a' }, 400, 'ValidationError'],
    ['other service scope', { body: 'Action=ListUsers', service: 'eks' }, 403, 'SignatureDoesNotMatch'],
    ['huge max items', { body: 'Action=ListUsers&MaxItems=99999999999999999999' }, 400, 'ValidationError'],
  ];
  for (const [name, opts, status, want] of cases) {
    const r = await raw(opts);
    assert.equal(r.status, status, `${name}: ${r.text}`);
    assert.equal(code(r.text), want, name);
    assert.match(r.text, /^<ErrorResponse xmlns="https:\/\/(iam|sts)\.amazonaws\.com\/doc\/[-0-9]+\/"><Error><Type>Sender<\/Type>/, name);
    assert.match(r.type, /^text\/xml/, name);
  }
  // Oversized body: the framework's limit answers in the protocol's format too.
  const big = await raw({ body: `Action=ListUsers&x=${'a'.repeat(1024 * 1024 + 10)}`, sign: false });
  assert.equal(big.status, 413);
  assert.equal(code(big.text), 'RequestEntityTooLarge');
});

test('presigned GetCallerIdentity GET answers XML or JSON', async () => {
  const url = await presignGetCallerIdentity({ credentials: adminCreds(), region: REGION, clusterId: 'demo', now: new Date(), endpoint });
  const xml = await fetch(url, { headers: { 'x-k8s-aws-id': 'demo' } });
  const text = await xml.text();
  assert.equal(xml.status, 200);
  assert.match(text, new RegExp(`^<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>${admin.userId}</UserId><Account>${ACCOUNT}</Account><Arn>${admin.userArn}</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>[-0-9a-f]+</RequestId></ResponseMetadata></GetCallerIdentityResponse>$`));
  const j = await fetch(url, { headers: { 'x-k8s-aws-id': 'demo', accept: 'application/json' } });
  assert.equal(((await j.json()) as { GetCallerIdentityResponse: { GetCallerIdentityResult: { Arn: string } } }).GetCallerIdentityResponse.GetCallerIdentityResult.Arn, admin.userArn);
  const missingHeader = await fetch(url, { headers: { accept: 'application/json' } });
  assert.equal(missingHeader.status, 403);
  const old = await presignGetCallerIdentity({ credentials: adminCreds(), region: REGION, clusterId: 'demo', now: new Date(Date.now() - 120_000), endpoint });
  const expired = await fetch(old, { headers: { 'x-k8s-aws-id': 'demo', accept: 'application/json' } });
  assert.equal(expired.status, 403);
  assert.deepEqual(((await expired.json()) as { Error: { Code: string } }).Error.Code, 'RequestExpired');
});

test('audit: one event per call, never a secret', async () => {
  assert.ok(audits.length > 20);
  const text = JSON.stringify(audits);
  for (const s of secrets) assert.equal(text.includes(s), false, 'a secret reached the audit trail');
  const create = audits.find((e) => e.operation === 'CreateUser' && e.result === 'Success');
  assert.ok(create);
  assert.deepEqual([create.service, create.principalArn, create.kind, create.clusterName], ['iam', admin.userArn, 'management', null]);
  assert.match(String(create.resource), /^arn:aws:iam::210987654321:user\//);
  const unauth = audits.find((e) => e.result === 'MissingAuthenticationToken');
  assert.ok(unauth);
  assert.deepEqual([unauth.principalArn, unauth.kind, unauth.operation], ['-', 'management', '-']);
  const key = audits.find((e) => e.operation === 'CreateAccessKey' && e.result === 'Success');
  assert.ok(key && typeof key.after === 'object' && key.after !== null && 'AccessKeyId' in key.after);
});
