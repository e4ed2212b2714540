/**
 * Property: hostile input on every surface — the EKS API, Entryway's API, IAM and STS (query
 * protocol), the TokenReview and SubjectAccessReview webhooks and the kubectl review endpoints.
 *
 * Requests are well signed (the admin's keys; the webhook token), so that what is fuzzed is what
 * comes after authentication: random JSON (`jsonValue`, `anything`), valid bodies with one member
 * of the wrong type or removed, huge strings, bodies nested beyond 10,000 levels, invalid UTF-8 and
 * non-JSON bytes, odd path parameters (URL-encoded ARNs, double encoding, %00, `..`, very long
 * segments, unicode), random query strings, random IAM parameters (including `__proto__` paths).
 * Then:
 * - never a 5xx;
 * - an error is a clear 4xx in the surface's own shape (x-amzn-ErrorType; the query protocol's
 *   Error/Code; a TokenReview / SubjectAccessReview answer; a Kubernetes Status);
 * - a failed call writes nothing: the store (accounts, IAM, clusters, updates, entries,
 *   associations, aws-auth mappings, identity providers, EC2 instances) is identical before and after.
 * Raw request lines and headers (control bytes, invalid UTF-8) go over a bare TLS socket: a 4xx or
 * a closed connection, and the server keeps serving.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CreateAccessEntryCommand } from '@aws-sdk/client-eks';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { signRequest } from '../../src/sigv4/index.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createCluster } from '../e2e/lib.js';
import type { HeaderList, Reply } from './lib.js';
import { Client, check, countRequest, guardProcess, nastyString, note, rawExchange, rawStatus, snapshot } from './lib.js';

const FILE = 'test/property/apis.test.ts';
const OTHER = '444455556666';
const P = `arn:aws:iam::${OTHER}:role/target`;
const POLICY = (n: string) => `arn:aws:eks::aws:cluster-access-policy/${n}`;
const enc = encodeURIComponent;
/** Percent-encodes the UTF-8 bytes of any string (lone surrogates included, as U+FFFD). */
const pct = (v: string): string => [...Buffer.from(v, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

type Surface = 'eks' | 'entryway' | 'iam' | 'sts' | 'webhook-authn' | 'webhook-authz' | 'kube';

interface Route {
  surface: Surface;
  method: string;
  /** `{name}`, `{principal}`, `{policy}`, `{arn}`, `{id}` are filled from the pools below. */
  path: string;
  /** A valid body, mutated by the body arbitrary. */
  body?: Record<string, unknown>;
  /** IAM/STS action (query protocol), with valid parameters. */
  action?: [string, Record<string, string>];
}

const ROUTES: Route[] = [
  { surface: 'eks', method: 'POST', path: '/clusters', body: { name: 'gamma', roleArn: 'arn:aws:iam::111122223333:role/eks', resourcesVpcConfig: { subnetIds: ['subnet-1'], endpointPublicAccess: true }, accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false }, version: '1.31', tags: { a: 'b' }, clientRequestToken: 'tok', logging: { clusterLogging: [{ types: ['api'], enabled: true }] }, kubernetesNetworkConfig: { ipFamily: 'ipv4' }, upgradePolicy: { supportType: 'STANDARD' }, deletionProtection: false } },
  { surface: 'eks', method: 'GET', path: '/clusters' },
  { surface: 'eks', method: 'GET', path: '/clusters/{name}' },
  { surface: 'eks', method: 'DELETE', path: '/clusters/{victim}' },
  { surface: 'eks', method: 'POST', path: '/clusters/{name}/update-config', body: { accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' }, clientRequestToken: 'tok-u' } },
  { surface: 'eks', method: 'GET', path: '/clusters/{name}/updates' },
  { surface: 'eks', method: 'GET', path: '/clusters/{name}/updates/{id}' },
  { surface: 'eks', method: 'POST', path: '/tags/{arn}', body: { tags: { team: 'x' } } },
  { surface: 'eks', method: 'DELETE', path: '/tags/{arn}' },
  { surface: 'eks', method: 'GET', path: '/tags/{arn}' },
  { surface: 'eks', method: 'POST', path: '/clusters/{name}/access-entries', body: { principalArn: `arn:aws:iam::${OTHER}:role/new`, kubernetesGroups: ['devs'], username: 'dev:{{SessionName}}', type: 'STANDARD', tags: { a: 'b' }, clientRequestToken: 'tok-e' } },
  { surface: 'eks', method: 'GET', path: '/clusters/{name}/access-entries' },
  { surface: 'eks', method: 'GET', path: '/clusters/{name}/access-entries/{principal}' },
  { surface: 'eks', method: 'POST', path: '/clusters/{name}/access-entries/{principal}', body: { kubernetesGroups: ['ops'], username: 'u', clientRequestToken: 'tok-ue' } },
  { surface: 'eks', method: 'DELETE', path: '/clusters/{name}/access-entries/{victimPrincipal}' },
  { surface: 'eks', method: 'POST', path: '/clusters/{name}/access-entries/{principal}/access-policies', body: { policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'namespace', namespaces: ['dev', 'prod-*'] } } },
  { surface: 'eks', method: 'GET', path: '/clusters/{name}/access-entries/{principal}/access-policies' },
  { surface: 'eks', method: 'DELETE', path: '/clusters/{name}/access-entries/{principal}/access-policies/{policy}' },
  { surface: 'eks', method: 'GET', path: '/access-policies' },
  { surface: 'eks', method: 'POST', path: '/clusters/{name}/identity-provider-configs/associate', body: { oidc: { identityProviderConfigName: 'corp', issuerUrl: 'https://idp.example.com', clientId: 'kubernetes', usernameClaim: 'email', groupsClaim: 'groups', groupsPrefix: 'oidc:', requiredClaims: { hd: 'example.com' } }, tags: { a: 'b' }, clientRequestToken: 'tok-o' } },
  { surface: 'eks', method: 'POST', path: '/clusters/{name}/identity-provider-configs/describe', body: { identityProviderConfig: { type: 'oidc', name: 'corp' } } },
  { surface: 'eks', method: 'POST', path: '/clusters/{name}/identity-provider-configs/disassociate', body: { identityProviderConfig: { type: 'oidc', name: 'corp' }, clientRequestToken: 'tok-d' } },
  { surface: 'eks', method: 'GET', path: '/clusters/{name}/identity-provider-configs' },
  { surface: 'entryway', method: 'GET', path: '/entryway/v1/clusters/{name}/aws-auth' },
  { surface: 'entryway', method: 'PUT', path: '/entryway/v1/clusters/{name}/aws-auth', body: { yaml: 'mapUsers: |\n  - userarn: arn:aws:iam::444455556666:user/x\n    username: x\n' } },
  { surface: 'entryway', method: 'POST', path: '/entryway/v1/clusters/{name}/can-i', body: { principalArn: P, sessionName: 's', verb: 'get', resource: 'pods', namespace: 'dev', group: '', name: 'p' } },
  { surface: 'entryway', method: 'PUT', path: '/entryway/v1/ec2-instances/{instance}', body: { privateDnsName: 'ip-10-0-0-1.ec2.internal' } },
  { surface: 'entryway', method: 'GET', path: '/entryway/v1/ec2-instances' },
  { surface: 'entryway', method: 'POST', path: '/entryway/v1/accounts', body: { accountId: '123456789012' } },
  { surface: 'entryway', method: 'GET', path: '/entryway/v1/clusters/{name}/webhook-config' },
  { surface: 'entryway', method: 'PUT', path: '/entryway/v1/clusters/{name}/settings', body: { lockoutProtection: true, endpoint: 'https://k8s.example.com', certificateAuthorityData: 'Q0E=' } },
  { surface: 'entryway', method: 'GET', path: '/entryway/v1/clusters/{name}/doctor' },
  { surface: 'entryway', method: 'POST', path: '/entryway/v1/clusters/{name}/migration/plan', body: { target: 'API_AND_CONFIG_MAP' } },
  { surface: 'entryway', method: 'POST', path: '/entryway/v1/clusters/{name}/migration/apply', body: { target: 'API_AND_CONFIG_MAP' } },
  { surface: 'entryway', method: 'GET', path: '/entryway/v1/audit' },
  { surface: 'iam', method: 'POST', path: '/', action: ['CreateUser', { UserName: 'u1', Path: '/fuzz/', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['GetUser', { UserName: 'alice' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['ListUsers', { PathPrefix: '/', MaxItems: '10' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['DeleteUser', { UserName: 'u1' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['TagUser', { UserName: 'alice', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['CreateAccessKey', { UserName: 'alice' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['UpdateAccessKey', { UserName: 'alice', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', Status: 'Inactive' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['CreateRole', { RoleName: 'r1', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }) }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['UpdateAssumeRolePolicy', { RoleName: 'r1', PolicyDocument: '{}' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['CreatePolicy', { PolicyName: 'p1', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'eks:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/a': 'b' } } }] }) }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['PutUserPolicy', { UserName: 'alice', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', NotAction: 'iam:*', NotResource: 'arn:aws:iam::*:user/*' }] }) }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['AttachUserPolicy', { UserName: 'alice', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['ListAttachedRolePolicies', { RoleName: 'r1' }] },
  { surface: 'iam', method: 'POST', path: '/', action: ['GetPolicyVersion', { PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', VersionId: 'v1' }] },
  { surface: 'sts', method: 'POST', path: '/', action: ['AssumeRole', { RoleArn: 'arn:aws:iam::000000000000:role/r1', RoleSessionName: 's', DurationSeconds: '900', ExternalId: 'x', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }] },
  { surface: 'sts', method: 'POST', path: '/', action: ['GetCallerIdentity', {}] },
  { surface: 'webhook-authn', method: 'POST', path: '/clusters/{name}/authenticate', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8', audiences: ['https://kubernetes.default.svc'] } } },
  { surface: 'webhook-authz', method: 'POST', path: '/clusters/{name}/authorize', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u', groups: ['g'], uid: 'x', extra: { principalId: ['AIDA'] }, resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'dev' } } } },
  { surface: 'kube', method: 'POST', path: '/k8s/{name}/apis/authentication.k8s.io/v1/selfsubjectreviews', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
  { surface: 'kube', method: 'POST', path: '/k8s/{name}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'list', resource: 'pods' } } } },
  { surface: 'kube', method: 'POST', path: '/k8s/{name}/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'dev' } } },
  { surface: 'kube', method: 'GET', path: '/k8s/{name}/apis/{group}' },
];

// Path parameter pools: valid values and every oddity.
const ODD = ['', '%20%20', '%20', '%00', 'x%00y', '..', '%2e%2e', '%2E%2E%2F', '.', '%2F', '%252F', '%25', 'é', '%C3%A9', '%FF', '%C0%AF', '%ZZ', '%E0%A4%A', '__proto__', 'constructor', 'a'.repeat(101), 'a'.repeat(5_000), '%u0041', 'a%0Ab', '%09', '~', "'", '*'];
const POOLS: Record<string, string[]> = {
  name: ['alpha', 'alpha', 'alpha', 'ALPHA', 'alpha%00', 'alpha%2F..', 'nope', ...ODD],
  victim: ['gamma', 'nope', ...ODD],
  principal: [enc(P), enc(P), enc(P).replace(/%2F/g, '%2f'), enc(enc(P)), `${enc(P)}%00`, enc(P.toUpperCase()), enc(`arn:aws:iam::${OTHER}:role/${'x'.repeat(5_000)}`), enc('arn:aws:sts::444455556666:assumed-role/target/s'), 'x', ...ODD],
  victimPrincipal: [enc(`arn:aws:iam::${OTHER}:role/new`), enc(enc(P)), ...ODD],
  policy: [enc(POLICY('AmazonEKSViewPolicy')), enc(enc(POLICY('AmazonEKSViewPolicy'))), enc(POLICY('x'.repeat(3_000))), ...ODD],
  arn: [enc('arn:aws:eks:us-east-1:{acct}:cluster/alpha'), enc(enc('arn:aws:eks:us-east-1:{acct}:cluster/alpha')), enc('arn:aws:eks:us-east-1:{acct}:cluster/alpha\u0000'), enc('arn:aws:iam::{acct}:user/alice'), ...ODD],
  id: ['00000000-0000-0000-0000-000000000000', ...ODD],
  instance: ['i-0123456789abcdef0', 'i-01234567', ...ODD],
  group: ['authentication.k8s.io', ...ODD],
};

// Bodies: raw text, so that nesting far beyond what JSON.stringify can produce fits.
/** A member value replaced, after JSON.stringify, by a nesting no JSON.stringify could produce. */
const DEEP = 'zz-deep-sentinel-zz';
const deepText = (n: number, kind: 'array' | 'object' | 'mixed') =>
  kind === 'array' ? `${'['.repeat(n)}${']'.repeat(n)}` : kind === 'object' ? `${'{"a":'.repeat(n)}1${'}'.repeat(n)}` : `${'[{"a":'.repeat(n)}1${'}]'.repeat(n)}`;

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, -0, '', [], {}, [null], [[]], { '': '' }, ['x', 5], { __proto__: 'x' }, { toString: 1 }, [{ valueOf: 'x', toString: 'y' }], { toJSON: 1 }),
  fc.integer(),
  fc.double(),
  nastyString,
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true }),
  fc.constant(DEEP),
);

/** Every member path of a template (objects and arrays, leaves and interior nodes). */
function memberPaths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [];
  const out: (string | number)[][] = [];
  for (const [k, x] of Object.entries(v)) {
    const p = [...prefix, Array.isArray(v) ? Number(k) : k];
    out.push(p, ...memberPaths(x, p));
  }
  return out;
}

function setPath(v: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (remove) delete cur[last];
  else Object.defineProperty(cur, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

type Body = { label: string; bytes: (template: Record<string, unknown> | undefined) => Buffer };

const stringify = (v: unknown, deep: string): string => {
  let text: string;
  try {
    text = JSON.stringify(v) ?? 'null';
  } catch {
    text = 'null'; // BigInt and friends
  }
  return text.split(JSON.stringify(DEEP)).join(deep);
};

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Body>({ label: 'valid', bytes: (t) => Buffer.from(JSON.stringify(t ?? {})) }) },
  {
    weight: 6,
    arbitrary: fc.tuple(fc.nat(), wrongValue, fc.boolean(), fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed'), fc.integer({ min: 10_001, max: 30_000 })).map(([i, value, remove, kind, depth]): Body => ({
      label: `member #${i} ${remove ? 'removed' : `= ${String(value === DEEP ? `deep ${kind} ${depth}` : (stringify(value, '…') ?? '').slice(0, 60))}`}`,
      bytes: (t) => {
        const paths = memberPaths(t ?? {});
        if (!paths.length) return Buffer.from(stringify({ x: value }, deepText(depth, kind)));
        return Buffer.from(stringify(setPath(t, paths[i % paths.length] as (string | number)[], value, remove), deepText(depth, kind)));
      },
    })),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v): Body => ({ label: `json ${JSON.stringify(v).slice(0, 60)}`, bytes: () => Buffer.from(JSON.stringify(v)) })) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }).map((v): Body => ({ label: 'anything', bytes: () => Buffer.from(stringify(v, '0')) })) },
  { weight: 1, arbitrary: fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed').map((kind): Body => ({ label: `deep ${kind} 20000`, bytes: () => Buffer.from(deepText(20_000, kind)) })) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed'), fc.integer({ min: 10_001, max: 30_000 })).map(([kind, depth]): Body => ({
      label: `valid + deep ${kind} ${depth} member`,
      bytes: (t) => Buffer.from(stringify({ ...(t ?? {}), nested: DEEP }, deepText(depth, kind))),
    })),
  },
  { weight: 1, arbitrary: fc.nat({ max: 900_000 }).map((n): Body => ({ label: `huge string ${n}`, bytes: (t) => Buffer.from(JSON.stringify({ ...(t ?? {}), huge: 'h'.repeat(n) })) })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 200 }).map((b): Body => ({ label: `bytes ${Buffer.from(b).toString('hex').slice(0, 40)}`, bytes: () => Buffer.from(b) })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{"name":"\xff\xfe"}', '{"a":"\ud800"}', '\xef\xbb\xbf{}', '{"a":1,"a":2}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '', '   ', 'null', '{"a":1}{', '1e999999', '"\\u0000"').map((t): Body => ({
      label: `text ${JSON.stringify(t)}`,
      bytes: () => (t.startsWith('{"name":"\xff') ? Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) : Buffer.from(t)),
    })),
  },
);

const queryString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.array(fc.tuple(fc.constantFrom('maxResults', 'nextToken', 'associatedPolicyArn', 'include', 'tagKeys', 'principal', 'operation', 'kind', 'limit', 'after', 'since', 'allowDegraded', '__proto__', 'constructor', 'hasOwnProperty', 'Action', 'Version', 'X-Amz-Date'), nastyString), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${pct(v.slice(0, 2_000))}`).join('&')) },
  { weight: 1, arbitrary: fc.constantFrom('maxResults=0', 'maxResults=-1', 'maxResults=101', 'maxResults=1e3', 'maxResults=1&maxResults=2', 'nextToken=', 'nextToken=%00', 'nextToken=eyJ2IjoxfQ', 'tagKeys=a&tagKeys=b', '&&&', '=', 'a=%', 'a=%ZZ', '%00=1', 'limit=99999999999', 'since=-1') },
);

// IAM parameters: valid ones with one value replaced, plus random names (nested, __proto__, huge lists).
const iamExtra: fc.Arbitrary<[string, string][]> = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('UserName', 'RoleName', 'PolicyDocument', 'Path', 'MaxItems', 'Marker', 'Tags.member.1.Key', 'Tags.member.1001.Key', 'Tags.member.0.Key', 'Tags.member.9999.Key', '__proto__.UserName', 'constructor.prototype.x', 'A.B.C.D.E.F.G.H.I', 'Tags.member', 'Tags', 'x-amz-date', 'Action'), fc.stringMatching(/^[A-Za-z0-9_.-]{1,30}$/)),
    fc.oneof(nastyString, fc.constantFrom(deepText(12_000, 'object'), '{"Version":"2012-10-17","Statement":[]}', '1e400')),
  ),
  { maxLength: 4 },
);

/** Responses that come from the HTTP layer (Node, fastify) before any Entryway code. */
function httpLayer(r: Reply): string | undefined {
  if ((r.status === 400 || r.status === 417 || r.status === 431) && r.text === '') return 'node';
  // fastify's own answers to what Node could not parse (clientErrorHandler: 400, 431).
  if (r.json?.statusCode === r.status && typeof r.json?.error === 'string' && !r.headers['x-amzn-errortype']) return 'fastify-client-error';
  // An invalid percent-encoding in the path (FST_ERR_BAD_URL): 400 before routing.
  if (r.status === 400 && /is not a valid url component/.test(String(r.json?.message))) return 'bad-url';
  return undefined;
}

function assertShape(surface: Surface, r: Reply, what: string): void {
  if (httpLayer(r)) return;
  const type = r.headers['x-amzn-errortype'];
  switch (surface) {
    case 'eks':
    case 'entryway':
      if (r.status >= 400) {
        if (r.status === 404 && typeof r.json?.message === 'string' && !type) return; // a path no route serves
        assert.ok(typeof type === 'string' && type.length > 0, `${what}: x-amzn-ErrorType on ${r.status} (${r.text.slice(0, 200)})`);
        assert.equal(typeof r.json?.message, 'string', `${what}: JSON {message} (${r.text.slice(0, 200)})`);
      }
      return;
    case 'iam':
    case 'sts':
      if (r.status >= 400) {
        if (r.status === 404 && typeof r.json?.message === 'string') return;
        assert.ok(/<Code>[^<]+<\/Code>/.test(r.text) || typeof r.json?.Error?.Code === 'string', `${what}: an Error/Code (${r.status} ${r.text.slice(0, 200)})`);
      }
      return;
    case 'webhook-authn':
      // A path no route serves, an over-long cluster segment (414), a body over the limit.
      if ([404, 413, 414].includes(r.status) && typeof r.json?.message === 'string') return;
      // A body that is not a TokenReview, or another method: a Kubernetes Status.
      if ((r.status === 400 || r.status === 405) && r.json?.kind === 'Status') return;
      assert.equal(r.status, 200, `${what}: TokenReview answers 200 (${r.text.slice(0, 200)})`);
      assert.equal(r.json?.kind, 'TokenReview', `${what}: a TokenReview`);
      assert.equal(r.json?.status?.authenticated, false, `${what}: not authenticated`);
      return;
    case 'webhook-authz':
      if ([404, 413, 414].includes(r.status) && typeof r.json?.message === 'string') return;
      if ((r.status === 400 || r.status === 405) && r.json?.kind === 'Status') return;
      assert.equal(r.status, 200, `${what}: SubjectAccessReview answers 200 (${r.text.slice(0, 200)})`);
      assert.equal(r.json?.kind, 'SubjectAccessReview', `${what}: a SubjectAccessReview`);
      assert.equal(typeof r.json?.status?.allowed, 'boolean', `${what}: status.allowed`);
      return;
    case 'kube':
      // An over-long cluster segment is refused by the router before the kube plugin: 414 {message}.
      if (r.status === 414 && typeof r.json?.message === 'string') return;
      if (r.status >= 400) assert.equal(r.json?.kind, 'Status', `${what}: a Kubernetes Status (${r.status} ${r.text.slice(0, 200)})`);
      return;
  }
}

describe('hostile input on every surface', () => {
  let s: TestServer;
  let client: Client;
  const guard = guardProcess();

  before(async () => {
    // Updates that never complete during the test: the sweeper then has nothing to write behind a
    // call's back, so "the store is unchanged" means exactly "this call wrote nothing".
    s = await startTestServer({ config: { updateDurationMs: 24 * 3600_000 } });
    client = new Client(s);
    await createCluster(s.eks(), 'alpha', 'API_AND_CONFIG_MAP');
    await s.eks().send(new CreateAccessEntryCommand({ clusterName: 'alpha', principalArn: P, kubernetesGroups: ['g'] }));
    await s.iam().send(new CreateUserCommand({ UserName: 'alice' }));
  });

  after(async () => {
    client?.close();
    await s?.close();
    guard.assertClean();
  });

  async function send(route: Route, params: number[], q: string, b: Body, extra: [string, string][]): Promise<{ r: Reply; bytes: Buffer; what: string }> {
    let n = 0;
    const path = route.path.replace(/\{(\w+)\}/g, (_m, k: string) => {
      // Half the time the valid value (so the body is what gets fuzzed), else anything in the pool.
      const pool = POOLS[k] as string[];
      const x = params[n++] ?? 0;
      return (pool[x % 2 === 0 ? 0 : Math.floor(x / 2) % pool.length] as string).replace('{acct}', s.accountId);
    });
    const full = q ? `${path}?${q}` : path;
    let bytes: Buffer;
    let headers: HeaderList;
    if (route.surface === 'iam' || route.surface === 'sts') {
      const [action, valid] = route.action as [string, Record<string, string>];
      const pairs: [string, string][] = [['Action', action], ['Version', route.surface === 'iam' ? '2010-05-08' : '2011-06-15'], ...Object.entries(valid), ...extra];
      const seen = new Set<string>();
      bytes = Buffer.from(pairs.filter(([k]) => (seen.has(k) ? false : (seen.add(k), true))).map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&'));
      let signed;
      try {
        signed = await signRequest({ method: 'POST', url: `${s.url}${full}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: bytes, region: 'us-east-1', service: route.surface, credentials: s.admin, now: new Date() });
      } catch {
        signed = { headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      }
      headers = Object.entries(signed.headers);
    } else if (route.surface.startsWith('webhook')) {
      bytes = b.bytes(route.body);
      headers = [
        ['content-type', 'application/json'],
        ['authorization', `Bearer ${s.webhookToken}`],
      ];
    } else if (route.surface === 'kube') {
      bytes = route.method === 'GET' ? Buffer.alloc(0) : b.bytes(route.body);
      headers = [
        ['content-type', 'application/json'],
        ['authorization', `Bearer ${(extra[0]?.[1] ?? 'k8s-aws-v1.x').slice(0, 8_000)}`.replace(/[^\t\x20-\x7e]/g, '?')],
      ];
    } else {
      bytes = route.method === 'GET' || route.method === 'DELETE' ? Buffer.alloc(0) : b.bytes(route.body);
      let signed;
      try {
        signed = await signRequest({ method: route.method, url: `${s.url}${full}`, headers: bytes.length ? { 'content-type': 'application/json' } : {}, body: bytes, region: 'us-east-1', service: 'eks', credentials: s.admin, now: new Date() });
      } catch {
        // A query smithy will not sign (bad escapes): sent unsigned, still must be a clean 4xx.
        signed = { headers: { 'content-type': 'application/json' } };
      }
      headers = Object.entries(signed.headers);
    }
    const what = `${route.method} ${full.slice(0, 160)} [${b.label.slice(0, 80)}] ${extra.length ? JSON.stringify(extra).slice(0, 120) : ''}`;
    countRequest('apis: hostile requests after authentication');
    const r = await client.send(route.method, full, headers, bytes);
    return { r, bytes, what };
  }

  test('property: never a 5xx, always a clear 4xx in the surface shape, never a partial write', async () => {
    const name = 'apis: hostile requests after authentication';
    await check(
      name,
      fc.asyncProperty(fc.nat(), fc.array(fc.nat(), { minLength: 3, maxLength: 3 }), queryString, body, iamExtra, async (ri, params, q, b, extra) => {
        const route = ROUTES[ri % ROUTES.length] as Route;
        const before = await snapshot(s.server.store);
        const { r, what } = await send(route, params, q, b, extra);
        const layer = httpLayer(r);
        note(name, layer ? `http-layer:${layer}` : `${route.surface}:${r.status < 300 ? '2xx' : r.status}`);
        assert.ok(r.status < 500, `${what}: never a 5xx (got ${r.status} ${r.text.slice(0, 300)})`);
        assertShape(route.surface, r, what);
        if (r.status >= 400 || r.json?.status?.authenticated === false) {
          assert.equal(await snapshot(s.server.store), before, `${what}: a failed call writes nothing (${r.status} ${r.text.slice(0, 200)})`);
        }
      }),
      { ci: 200, file: FILE },
    );
    assert.equal((await client.send('GET', '/healthz', {})).status, 200, 'still serving');
  });

  test('property: raw request lines and headers with control bytes or invalid UTF-8 get a 4xx or a closed connection', async () => {
    const name = 'apis: raw request lines';
    const junk = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b));
    await check(
      name,
      fc.asyncProperty(fc.constantFrom('/clusters/', '/clusters/alpha/authenticate', '/entryway/v1/clusters/', '/k8s/', '/'), junk, fc.constantFrom('path', 'header-value', 'header-name', 'method'), async (prefix, j, where) => {
        const path = where === 'path' ? Buffer.concat([Buffer.from(prefix), j]) : Buffer.from(prefix);
        const method = where === 'method' ? j : Buffer.from('POST');
        const header = where === 'header-name' ? Buffer.concat([j, Buffer.from(': x\r\n')]) : Buffer.concat([Buffer.from('x-fuzz: '), where === 'header-value' ? j : Buffer.from('1'), Buffer.from('\r\n')]);
        const req = Buffer.concat([method, Buffer.from(' '), path, Buffer.from(' HTTP/1.1\r\nhost: localhost\r\n'), header, Buffer.from(`authorization: Bearer ${s.webhookToken}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`)]);
        countRequest(name);
        const out = await rawExchange(s, req, 5_000);
        const status = rawStatus(out.response);
        note(name, status ? String(status) : 'closed');
        assert.ok(out.closed || status > 0, `${where} ${j.toString('hex')}: answered or closed (${out.response.slice(0, 100)})`);
        assert.ok(status < 500, `${where} ${j.toString('hex')}: never a 5xx (${out.response.slice(0, 200)})`);
      }),
      { ci: 80, file: FILE },
    );
    assert.equal((await client.send('GET', '/healthz', {})).status, 200, 'still serving');
  });
});
