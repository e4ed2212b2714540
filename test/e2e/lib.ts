/**
 * Shared helpers for the EKS API end-to-end tests: signed plain HTTP (for what SDKs cannot send),
 * typed-error assertions for @aws-sdk/client-eks, and small fixtures (clusters, IAM principals).
 */
import assert from 'node:assert/strict';
import { CreateClusterCommand } from '@aws-sdk/client-eks';
import type { AuthenticationMode, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { rawHttp } from '../../src/cli/client.js';
import type { Credentials, TestServer } from '../helpers/server.js';
import { signRequest } from '../../src/sigv4/index.js';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed body when it is JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** `x-amzn-errortype` without the `:…` suffix, when present. */
  errorType: string | undefined;
}

function toReply(res: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }): HttpReply {
  const text = res.body.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const t = res.headers['x-amzn-errortype'];
  return { status: res.status, headers: res.headers, text, json, errorType: typeof t === 'string' ? t.split(':')[0] : undefined };
}

export interface SignedOptions {
  credentials?: Credentials;
  service?: string;
  region?: string;
  /** Signing time (default now); shifts test the clock-skew rule. */
  now?: Date;
  headers?: Record<string, string>;
  /** Raw body bytes (sent as is) instead of JSON.stringify(body). */
  rawBody?: string | Buffer;
}

/** A SigV4-signed request with the path sent exactly as given (already percent-encoded). */
export async function signed(s: TestServer, method: string, path: string, body?: unknown, o: SignedOptions = {}): Promise<HttpReply> {
  const payload = o.rawBody !== undefined ? Buffer.from(o.rawBody) : body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const req = await signRequest({
    method,
    url: s.url + path,
    headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(o.headers ?? {}) },
    ...(payload ? { body: payload } : {}),
    region: o.region ?? s.region,
    service: o.service ?? 'eks',
    credentials: o.credentials ?? s.admin,
    now: o.now ?? new Date(),
  });
  // signRequest normalises the URL; send the path exactly as the caller wrote it.
  const res = await rawHttp(s.url + path, { method, headers: req.headers, body: req.body, ca: s.ca });
  return toReply(res);
}

/** An unsigned request. */
export async function unsigned(s: TestServer, method: string, path: string, body?: string): Promise<HttpReply> {
  const res = await rawHttp(s.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: Buffer.from(body) }),
    ca: s.ca,
  });
  return toReply(res);
}

export const enc = encodeURIComponent;

/** Asserts an AWS error reply: status, `x-amzn-ErrorType`, JSON `{message}` (matching `message` when given). */
export function assertAwsError(r: HttpReply, type: string, status: number, message?: string | RegExp): void {
  assert.equal(r.status, status, `status for ${type}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.equal(r.errorType, type, `x-amzn-ErrorType: ${String(r.errorType)} ${r.text.slice(0, 300)}`);
  assert.equal(typeof r.json?.message, 'string', `JSON {message} body: ${r.text.slice(0, 300)}`);
  if (typeof message === 'string') assert.equal(r.json.message, message, 'message');
  else if (message) assert.match(r.json.message, message, 'message');
}

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
}

/** Runs an SDK call that must fail; checks the typed error's name, HTTP status and message. */
export async function rejectsWith(p: Promise<unknown>, name: string, status: number, message?: string | RegExp): Promise<SdkError> {
  let err: SdkError | undefined;
  try {
    await p;
  } catch (e) {
    err = e as SdkError;
  }
  assert.ok(err, `expected ${name} but the call succeeded`);
  assert.equal(err.name, name, `error name (message: ${err.message})`);
  assert.equal(err.$metadata?.httpStatusCode, status, `HTTP status of ${name}`);
  if (typeof message === 'string') assert.equal(err.message, message, 'message');
  else if (message) assert.match(err.message, message, 'message');
  return err;
}

/** The CLI's one-line error rendering: `An error occurred (<Type>) when calling the <Op> operation…: <message>`. */
export function assertCliError(r: { code: number; stderr: string }, type: string, operation: string, message?: string): void {
  assert.notEqual(r.code, 0, 'the CLI exits non-zero');
  assert.match(r.stderr, new RegExp(`An error occurred \\(${type}\\) when calling the ${operation} operation`), r.stderr);
  if (message) assert.ok(r.stderr.trimEnd().endsWith(message), `CLI message: ${r.stderr}`);
}

export async function createCluster(eks: EKSClient, name: string, mode?: AuthenticationMode, bootstrap?: boolean) {
  const accessConfig = mode === undefined && bootstrap === undefined ? undefined : { ...(mode ? { authenticationMode: mode } : {}), ...(bootstrap === undefined ? {} : { bootstrapClusterCreatorAdminPermissions: bootstrap }) };
  const out = await eks.send(
    new CreateClusterCommand({
      name,
      roleArn: 'arn:aws:iam::111122223333:role/eks-cluster',
      resourcesVpcConfig: { subnetIds: ['subnet-1'] },
      ...(accessConfig ? { accessConfig } : {}),
    }),
  );
  assert.ok(out.cluster, 'CreateCluster returns a cluster');
  return out.cluster;
}

export async function createRole(s: TestServer, name: string, path?: string): Promise<string> {
  const out = await s.iam().send(
    new CreateRoleCommand({
      RoleName: name,
      ...(path ? { Path: path } : {}),
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: 'sts:AssumeRole' }] }),
    }),
  );
  assert.ok(out.Role?.Arn, 'CreateRole returns the ARN');
  return out.Role.Arn;
}

export async function createUser(s: TestServer, name: string, path?: string): Promise<string> {
  const out = await s.iam().send(new CreateUserCommand({ UserName: name, ...(path ? { Path: path } : {}) }));
  assert.ok(out.User?.Arn, 'CreateUser returns the ARN');
  return out.User.Arn;
}

export const POLICY = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
