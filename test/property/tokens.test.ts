/**
 * Property: k8s-aws-v1 tokens on the TokenReview webhook.
 *
 * Genuine tokens (createToken for keys of the bootstrapped server — the admin, an IAM user, an
 * assumed-role session — against Entryway's own endpoint and AWS's regional hosts, plus tokens from
 * the real `aws eks get-token` with AWS_ENDPOINT_URL) are mutated at random: byte flips in the
 * base64 and in the decoded URL, duplicated parameters in every case variant, removed, reordered
 * and re-encoded parameters, host/scheme/path swaps, date shifts, credential and signature edits,
 * truncation, padding, unicode, very long inputs, and posting to another cluster. Then:
 * - never a 5xx, never an escaped exception, the server keeps answering;
 * - accepted ⇒ exactly the user (username, uid, groups, extra) the genuine token maps to, and
 *   only on the cluster it was made for.
 * With --connected-sts (a fetch spy stands in for AWS): no fetch ever leaves the STS allowlist,
 * what is fetched is the token's URL byte for byte with the cluster header, and an accepted
 * token carries exactly the identity the (randomly misbehaving) STS answered.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { CreateAccessEntryCommand } from '@aws-sdk/client-eks';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { TOKEN_PREFIX, createToken, parseToken, tokenFromUrl, verifyTokenOffline } from '../../src/token/index.js';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createCluster } from '../e2e/lib.js';
import type { Reply } from './lib.js';
import { Client, caseVariant, check, countRequest, guardProcess, note } from './lib.js';

const FILE = 'test/property/tokens.test.ts';
const CLUSTERS = ['alpha', 'beta'] as const;

// ---------------------------------------------------------------------------------------------
// Token surgery: a token is prefix + base64url(URL); mutations work on either layer.

interface Tok {
  prefix: string;
  payload: string;
}

const split = (token: string): Tok => (token.startsWith(TOKEN_PREFIX) ? { prefix: TOKEN_PREFIX, payload: token.slice(TOKEN_PREFIX.length) } : { prefix: '', payload: token });
const join = (t: Tok): string => t.prefix + t.payload;
/** The URL as a byte string (latin1: one char per byte, lossless). */
const urlOf = (t: Tok): string => Buffer.from(t.payload, 'base64url').toString('latin1');
const withUrl = (t: Tok, url: string): Tok => ({ prefix: t.prefix, payload: Buffer.from(url, 'latin1').toString('base64url') });
/** A unicode string's UTF-8 bytes as a byte string. */
const utf8Bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

interface UrlParts {
  head: string;
  pairs: string[];
}
function splitUrl(url: string): UrlParts {
  const q = url.indexOf('?');
  return q < 0 ? { head: url, pairs: [] } : { head: url.slice(0, q + 1), pairs: url.slice(q + 1).split('&') };
}
const joinUrl = (p: UrlParts): string => p.head + p.pairs.join('&');
const onPairs = (t: Tok, f: (pairs: string[]) => string[]): Tok => {
  const p = splitUrl(urlOf(t));
  return withUrl(t, joinUrl({ head: p.head, pairs: f([...p.pairs]) }));
};
const keyOf = (pair: string) => pair.split('=', 1)[0] as string;
const decode = (v: string): string => {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
};
const setParam = (t: Tok, name: string, f: (value: string) => string): Tok =>
  onPairs(t, (pairs) => pairs.map((p) => (keyOf(p).toLowerCase() === name.toLowerCase() ? `${keyOf(p)}=${f(p.slice(keyOf(p).length + 1))}` : p)));

const PARAMS = ['Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token'];
const HOSTS = [
  'sts.amazonaws.com',
  'sts.us-east-1.amazonaws.com',
  'sts.eu-west-1.amazonaws.com',
  'sts-fips.us-east-1.amazonaws.com',
  'sts.us-east-1.api.aws',
  'sts.cn-north-1.amazonaws.com.cn',
  'sts.us-gov-west-1.amazonaws.com',
  'STS.us-east-1.amazonaws.com',
  'sts.us-east-1.amazonaws.com:443',
  'sts.us-east-1.amazonaws.com.',
  'sts.us-east-1.amazonaws.com.evil.example',
  'evil.example',
  'sts.us-east-1.amazonaws.com@evil.example',
  'evil.example@sts.us-east-1.amazonaws.com',
  '169.254.169.254',
  '127.0.0.1',
  'localhost',
  '[::1]',
  '0x7f000001',
  'xn--sts-us-east-1-amazonaws-com',
  'sts.us-east-1.amazonaws.com\\@evil.example',
  'sts.%75s-east-1.amazonaws.com',
];

type Mutation = { label: string; apply: (t: Tok, ctx: MutationContext) => Tok };
interface MutationContext {
  serverHost: string;
  otherKeyIds: string[];
}

const pos = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const at = (s: string, f: number) => Math.floor(f * s.length);
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // base64 layer
  fc.tuple(pos, fc.oneof(fc.constantFrom(...B64), fc.constantFrom('=', '+', '/', '.', ' ', '\n', '\u0000', 'é', '💥'))).map(([p, c]): Mutation => ({
    label: `b64 char @${p.toFixed(3)} → ${JSON.stringify(c)}`,
    apply: (t) => ({ ...t, payload: t.payload.slice(0, at(t.payload, p)) + c + t.payload.slice(at(t.payload, p) + 1) }),
  })),
  fc.tuple(pos, fc.nat({ max: 4 })).map(([p, n]): Mutation => ({ label: `b64 truncate @${p.toFixed(3)}-${n}`, apply: (t) => ({ ...t, payload: t.payload.slice(0, Math.max(0, at(t.payload, p) - n)) }) })),
  fc.constantFrom('=', '==', '===', ' ', '\n', '\r\n', '\t', '.', '..', 'A', 'AA', 'AAA', '%3D').map((pad): Mutation => ({ label: `b64 pad ${JSON.stringify(pad)}`, apply: (t) => ({ ...t, payload: t.payload + pad }) })),
  fc.constantFrom('K8S-AWS-V1.', 'k8s-aws-v1', 'k8s-aws-v1..', ' k8s-aws-v1.', 'k8s-aws-v2.', 'k8s-aws-v1.k8s-aws-v1.', '', 'Bearer k8s-aws-v1.').map((prefix): Mutation => ({ label: `prefix ${JSON.stringify(prefix)}`, apply: (t) => ({ ...t, prefix }) })),
  fc.tuple(pos, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 })).map(([p, u]): Mutation => ({
    label: `b64 unicode ${JSON.stringify(u)}`,
    apply: (t) => ({ ...t, payload: t.payload.slice(0, at(t.payload, p)) + u + t.payload.slice(at(t.payload, p)) }),
  })),
  fc.constantFrom(4_000, 16_384, 20_000, 70_000).map((n): Mutation => ({ label: `b64 long +${n}`, apply: (t) => ({ ...t, payload: t.payload + 'A'.repeat(n) }) })),
  // URL layer: bytes
  fc.tuple(pos, fc.integer({ min: 0, max: 255 })).map(([p, b]): Mutation => ({
    label: `url byte @${p.toFixed(3)} → 0x${b.toString(16)}`,
    apply: (t) => {
      const u = urlOf(t);
      return withUrl(t, u.slice(0, at(u, p)) + String.fromCharCode(b) + u.slice(at(u, p) + 1));
    },
  })),
  fc.tuple(pos, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 })).map(([p, u]): Mutation => ({
    label: `url unicode ${JSON.stringify(u)}`,
    apply: (t) => {
      const s = urlOf(t);
      return withUrl(t, s.slice(0, at(s, p)) + utf8Bytes(u) + s.slice(at(s, p)));
    },
  })),
  pos.map((p): Mutation => ({ label: `url truncate @${p.toFixed(3)}`, apply: (t) => withUrl(t, urlOf(t).slice(0, at(urlOf(t), p))) })),
  fc.constantFrom('#', '#frag', '&', '&&', '?', ';', '&=', '&a', '%', '%00', ' ', '\\').map((x): Mutation => ({ label: `url append ${JSON.stringify(x)}`, apply: (t) => withUrl(t, urlOf(t) + x) })),
  fc.constantFrom(5_000, 13_000, 60_000).map((n): Mutation => ({ label: `url long +${n}`, apply: (t) => withUrl(t, `${urlOf(t)}&X-Amz-Padding=${'p'.repeat(n)}`) })),
  // URL layer: scheme, host, path
  fc.constantFrom('http', 'HTTPS', 'ftp', 'https:', 'file', '').map((sch): Mutation => ({ label: `scheme ${sch}`, apply: (t) => withUrl(t, urlOf(t).replace(/^[a-z]+/, sch)) })),
  fc.oneof(fc.constantFrom(...HOSTS), fc.constantFrom('$server', '$server-hostname', '$server-other-port'), fc.domain()).map((h): Mutation => ({
    label: `host ${h}`,
    apply: (t, c) => {
      const [hostname, port] = c.serverHost.split(':') as [string, string];
      const host = h === '$server' ? c.serverHost : h === '$server-hostname' ? hostname : h === '$server-other-port' ? `${hostname}:${Number(port) + 1}` : h;
      return withUrl(t, urlOf(t).replace(/^([a-z]+:\/\/)[^/?]*/, (_m, scheme: string) => scheme + host));
    },
  })),
  fc.constantFrom('', '//', '/./', '/../', '/%2F', '/sts', '/?', '/;x').map((p): Mutation => ({ label: `path ${JSON.stringify(p)}`, apply: (t) => withUrl(t, urlOf(t).replace(/^([a-z]+:\/\/[^/?]*)\/?/, `$1${p}`)) })),
  // Query layer
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...PARAMS).chain((k) => caseVariant(k)), fc.constantFrom('same', 'x', 'empty', 'other')).map(([i, j, variant, v]): Mutation => ({
    label: `duplicate #${i} as ${variant} (${v}) at ${j}`,
    apply: (t) =>
      onPairs(t, (pairs) => {
        if (!pairs.length) return pairs;
        const src = pairs[i % pairs.length] as string;
        const value = v === 'same' ? src.slice(keyOf(src).length + 1) : v === 'x' ? 'x' : v === 'empty' ? '' : (pairs[(i + 1) % pairs.length] as string).slice(keyOf(pairs[(i + 1) % pairs.length] as string).length + 1);
        const key = variant.toLowerCase() === keyOf(src).toLowerCase() ? variant : keyOf(src);
        pairs.splice(j % (pairs.length + 1), 0, `${key}=${value}`);
        return pairs;
      }),
  })),
  fc.tuple(fc.constantFrom(...PARAMS), fc.constantFrom('same', 'x', 'GetCallerIdentity', '', '0')).chain(([k, v]) => caseVariant(k).map((variant) => [variant, v] as const)).map(([variant, v]): Mutation => ({
    label: `add ${variant}=${v}`,
    apply: (t) => onPairs(t, (pairs) => [...pairs, `${variant}=${v === 'same' ? (pairs.find((p) => keyOf(p).toLowerCase() === variant.toLowerCase())?.slice(variant.length + 1) ?? '') : v}`]),
  })),
  fc.nat().map((i): Mutation => ({ label: `remove #${i}`, apply: (t) => onPairs(t, (pairs) => pairs.filter((_, k) => k !== i % Math.max(1, pairs.length))) })),
  fc.array(fc.nat(), { minLength: 9, maxLength: 9 }).map((keys): Mutation => ({
    label: `reorder ${keys.join(',')}`,
    apply: (t) => onPairs(t, (pairs) => pairs.map((p, k) => [keys[k % keys.length] as number, p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p)),
  })),
  fc.tuple(fc.nat(), fc.constantFrom('percent-unreserved', 'lower-escapes', 'upper-escapes', 'plus-for-space', 'encode-equals')).map(([i, how]): Mutation => ({
    label: `re-encode #${i} ${how}`,
    apply: (t) =>
      onPairs(t, (pairs) =>
        pairs.map((p, k) => {
          if (k !== i % pairs.length) return p;
          const key = keyOf(p);
          const v = p.slice(key.length + 1);
          if (how === 'percent-unreserved') return `${key}=${v.replace(/[A-Za-z0-9]/, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
          if (how === 'lower-escapes') return `${key}=${v.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`;
          if (how === 'upper-escapes') return `${key}=${v.replace(/%[0-9a-f]{2}/g, (e) => e.toUpperCase())}`;
          if (how === 'plus-for-space') return `${key}=${v.replace(/%20/g, '+')}+`;
          return `${key.replace(/-/, '%2D')}=${v}`;
        }),
      ),
  })),
  fc.tuple(fc.constantFrom('X-Amz-Expires'), fc.constantFrom('0', '900', '901', '-1', '+60', '060', '1e3', ' 60', '99999999999999999999', 'NaN')).map(([k, v]): Mutation => ({ label: `${k}=${v}`, apply: (t) => setParam(t, k, () => encodeURIComponent(v)) })),
  fc.constantFrom('getcalleridentity', 'AssumeRole', 'GetCallerIdentity ', 'GetCallerIdentity%00', '').map((v): Mutation => ({ label: `Action=${v}`, apply: (t) => setParam(t, 'Action', () => v) })),
  fc.constantFrom('host', 'host%3Bx-k8s-aws-idx', 'x-k8s-aws-id', 'host%3BX-K8S-AWS-ID', 'host%3Bx-k8s-aws-id%3Bx-amz-date', '').map((v): Mutation => ({ label: `SignedHeaders=${v}`, apply: (t) => setParam(t, 'X-Amz-SignedHeaders', () => v) })),
  fc.integer({ min: -3600, max: 3600 }).map((sec): Mutation => ({
    label: `date ${sec >= 0 ? '+' : ''}${sec}s`,
    apply: (t) =>
      setParam(t, 'X-Amz-Date', (v) => {
        const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
        if (!m) return v;
        const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + sec * 1000);
        return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
      }),
  })),
  fc.constantFrom('20990101T000000Z', '20200230T000000Z', '2026-01-01T00:00:00Z', 'x', '').map((v): Mutation => ({ label: `X-Amz-Date=${v}`, apply: (t) => setParam(t, 'X-Amz-Date', () => encodeURIComponent(v)) })),
  fc.tuple(fc.constantFrom(0, 1, 2, 3, 4, 5), fc.constantFrom('us-west-2', 'iam', 'eks', '20200101', 'aws4_request2', '', 'x/y', 'AKIDOTHER')).map(([part, v]): Mutation => ({
    label: `credential[${part}]=${v}`,
    apply: (t) =>
      setParam(t, 'X-Amz-Credential', (cred) => {
        const parts = decode(cred).split('/');
        parts[part] = v;
        return encodeURIComponent(parts.join('/'));
      }),
  })),
  fc.nat().map((i): Mutation => ({
    label: `credential key → another Entryway key #${i}`,
    apply: (t, c) => setParam(t, 'X-Amz-Credential', (cred) => encodeURIComponent([c.otherKeyIds[i % c.otherKeyIds.length], ...decode(cred).split('/').slice(1)].join('/'))),
  })),
  fc.tuple(fc.nat({ max: 63 }), fc.constantFrom('0', 'f', 'A', 'F', 'g', '')).map(([i, c]): Mutation => ({ label: `signature[${i}]=${c}`, apply: (t) => setParam(t, 'X-Amz-Signature', (sig) => sig.slice(0, i) + c + sig.slice(i + 1)) })),
  fc.constantFrom('upper', 'append', 'drop').map((how): Mutation => ({
    label: `signature ${how}`,
    apply: (t) => setParam(t, 'X-Amz-Signature', (sig) => (how === 'upper' ? sig.toUpperCase() : how === 'append' ? `${sig}00` : sig.slice(1))),
  })),
  fc.constantFrom('drop', 'change', 'add').map((how): Mutation => ({
    label: `security token ${how}`,
    apply: (t) =>
      how === 'drop'
        ? onPairs(t, (pairs) => pairs.filter((p) => keyOf(p).toLowerCase() !== 'x-amz-security-token'))
        : how === 'change'
          ? setParam(t, 'X-Amz-Security-Token', (v) => `${v.slice(0, -2)}AA`)
          : onPairs(t, (pairs) => [...pairs, 'X-Amz-Security-Token=FwoGZXIvYXdzEBYaDForged']),
  })),
);

/** Where a (possibly mutated) token is posted: its own cluster, the other one, or a name that does not exist. */
const target = fc.oneof({ weight: 6, arbitrary: fc.constant('own') }, { weight: 2, arbitrary: fc.constant('other') }, { weight: 1, arbitrary: fc.constantFrom('nope', 'ALPHA', 'alpha%00', 'alpha/..', 'a'.repeat(300)) });

// ---------------------------------------------------------------------------------------------

interface Source {
  label: string;
  cluster: (typeof CLUSTERS)[number];
  /** A fresh genuine token; signed at `now` when the source can choose (createToken). */
  make: (now?: Date) => Promise<string>;
  /** Whether make() honours `now` (the AWS CLI signs at the real time). */
  canShift: boolean;
}

function assertReview(r: Reply, what: string): void {
  assert.ok(r.status < 500, `${what}: never a 5xx (got ${r.status} ${r.text.slice(0, 200)})`);
  if (r.status === 404) return; // a cluster name the router does not take (e.g. with '/')
  assert.equal(r.status, 200, `${what}: a TokenReview answer (got ${r.status} ${r.text.slice(0, 200)})`);
  assert.equal(r.json?.kind, 'TokenReview', `${what}: kind TokenReview (${r.text.slice(0, 200)})`);
  assert.equal(typeof r.json?.status?.authenticated, 'boolean', `${what}: status.authenticated is a boolean`);
}

describe('k8s-aws-v1 tokens, offline verification (keys Entryway issued)', () => {
  let s: TestServer;
  let client: Client;
  const guard = guardProcess();
  const sources: Source[] = [];
  const expected = new Map<string, unknown>();
  let ctx: MutationContext;

  before(async () => {
    s = await startTestServer();
    client = new Client(s);
    const iam = s.iam();
    const eks = s.eks();
    const acct = s.accountId;
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    const alice: Credentials = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const bk = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:user/alice` }, Action: 'sts:AssumeRole' }] });
    // Sessions last 12 hours so that long fuzz runs keep a valid one.
    await iam.send(new CreateRoleCommand({ RoleName: 'dev', Path: '/teams/', AssumeRolePolicyDocument: trust, MaxSessionDuration: 43_200 }));
    const c = (await s.sts(alice).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/teams/dev`, RoleSessionName: 'alice@example.com', DurationSeconds: 43_200 }))).Credentials!;
    const session: Credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    await createCluster(eks, 'alpha', 'API_AND_CONFIG_MAP');
    await createCluster(eks, 'beta', 'API');
    for (const cluster of CLUSTERS) {
      await eks.send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: [`${cluster}-readers`] }));
      await eks.send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn: `arn:aws:iam::${acct}:user/bob`, username: 'bob-{{AccessKeyID}}' }));
      await eks.send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn: `arn:aws:iam::${acct}:role/teams/dev`, username: `dev:{{SessionName}}`, kubernetesGroups: ['devs'] }));
    }
    ctx = { serverHost: new URL(s.url).host, otherKeyIds: [s.admin.accessKeyId, alice.accessKeyId, bk.AccessKeyId!, session.accessKeyId, 'AKIAIOSFODNN7EXAMPLE'] };

    const keys: [string, Credentials][] = [
      ['admin', s.admin],
      ['alice', alice],
      ['bob', { accessKeyId: bk.AccessKeyId!, secretAccessKey: bk.SecretAccessKey! }],
      ['dev-session', session],
    ];
    for (const cluster of CLUSTERS) {
      for (const [who, credentials] of keys) {
        for (const endpoint of [s.url, undefined]) {
          for (const region of endpoint ? ['us-east-1'] : ['us-east-1', 'eu-west-1', 'cn-north-1', 'us-gov-west-1']) {
            sources.push({
              label: `${who}@${cluster} via ${endpoint ? 'entryway' : `sts.${region}`}`,
              cluster,
              canShift: true,
              make: (now = new Date()) => createToken({ credentials, region, clusterId: cluster, now, ...(endpoint ? { endpoint } : {}) }),
            });
          }
        }
      }
    }
    // The real AWS CLI (`aws eks get-token`, AWS_ENDPOINT_URL=Entryway): tokens are refreshed when
    // older than 10 minutes so long runs stay inside the 15-minute window.
    for (const [who, credentials, cluster] of [['alice', alice, 'alpha'], ['dev-session', session, 'beta']] as const) {
      let cached: { token: string; at: number } | undefined;
      sources.push({
        label: `aws eks get-token ${who}@${cluster}`,
        cluster,
        canShift: false,
        make: async () => {
          if (!cached || Date.now() - cached.at > 10 * 60_000) {
            const r = await s.aws(['eks', 'get-token', '--cluster-name', cluster], { credentials });
            assert.equal(r.code, 0, r.stderr);
            cached = { token: r.json.status.token as string, at: Date.now() };
          }
          return cached.token;
        },
      });
    }
    // What each source's genuine token maps to: the oracle for accepted mutants.
    for (const src of sources) {
      const r = await client.webhook(`/clusters/${src.cluster}/authenticate`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await src.make() } }, s.webhookToken);
      assert.equal(r.json?.status?.authenticated, true, `genuine token ${src.label} is accepted: ${r.text.slice(0, 300)}`);
      expected.set(src.label, r.json.status.user);
    }
  });

  after(async () => {
    client?.close();
    await s?.close();
    guard.assertClean();
  });

  const review = (cluster: string, token: string) => client.webhook(`/clusters/${cluster}/authenticate`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }, s.webhookToken);

  test('property: mutated genuine tokens are refused, or accepted as exactly the same user on the same cluster', async () => {
    const name = 'tokens: mutated genuine tokens (offline)';
    await check(
      name,
      fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), target, async (si, muts, where) => {
        const src = sources[si % sources.length] as Source;
        const genuine = await src.make();
        let t = split(genuine);
        for (const m of muts) t = m.apply(t, ctx);
        const token = join(t);
        const cluster = where === 'own' ? src.cluster : where === 'other' ? (CLUSTERS.find((c) => c !== src.cluster) as string) : where;
        const what = `${src.label} ${muts.map((m) => m.label).join(' | ')} → ${cluster}`;
        countRequest(name);
        const r = await review(encodeURIComponent(cluster), token);
        assertReview(r, what);
        note(name, r.json?.status?.authenticated ? 'accepted' : 'refused');
        if (r.json?.status?.authenticated) {
          assert.equal(cluster, src.cluster, `${what}: accepted only on the cluster it was made for`);
          assert.deepEqual(r.json.status.user, expected.get(src.label), `${what}: accepted only as the genuine user`);
        }
      }),
      { ci: 300, file: FILE },
    );
  });

  test('property: tokens signed at any time are accepted only inside [-15 min, +5 min] of now, as the genuine user', async () => {
    const name = 'tokens: signing-time window';
    await check(
      name,
      fc.asyncProperty(fc.nat(), fc.integer({ min: -40 * 60, max: 40 * 60 }), async (si, offsetSec) => {
        const src = sources[si % sources.length] as Source;
        if (!src.canShift) return;
        const token = await src.make(new Date(Date.now() + offsetSec * 1000));
        countRequest(name);
        const r = await review(src.cluster, token);
        assertReview(r, `${src.label} at ${offsetSec}s`);
        const inside = offsetSec >= -15 * 60 + 5 && offsetSec <= 5 * 60 - 5;
        const outside = offsetSec < -15 * 60 - 5 || offsetSec > 5 * 60 + 5;
        if (inside) assert.equal(r.json.status.authenticated, true, `${src.label} signed ${offsetSec}s from now is valid: ${r.text.slice(0, 200)}`);
        if (outside) assert.equal(r.json.status.authenticated, false, `${src.label} signed ${offsetSec}s from now is refused`);
        if (r.json.status.authenticated) assert.deepEqual(r.json.status.user, expected.get(src.label), 'the genuine user');
      }),
      { ci: 60, file: FILE },
    );
  });

  test('property: random strings and random URLs are never accepted', async () => {
    const name = 'tokens: random strings';
    const url = fc.tuple(fc.constantFrom('https://', 'http://', ''), fc.oneof(fc.constantFrom(...HOSTS), fc.domain()), fc.constantFrom('/', '', '/x'), fc.array(fc.tuple(fc.constantFrom(...PARAMS, 'x'), fc.string({ maxLength: 30 })), { maxLength: 10 }));
    const token = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc.base64String({ maxLength: 400 }).map((b) => `k8s-aws-v1.${b}`),
      fc.uint8Array({ maxLength: 600 }).map((b) => `k8s-aws-v1.${Buffer.from(b).toString('base64url')}`),
      url.map(([sch, h, p, q]) => tokenFromUrl(`${sch}${h}${p}?${q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`)),
      fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map(([a, b, c]) => `${a}.${b}.${c}`),
    );
    await check(
      name,
      fc.asyncProperty(token, fc.constantFrom(...CLUSTERS), async (tok, cluster) => {
        countRequest(name);
        const r = await review(cluster, tok);
        assertReview(r, JSON.stringify(tok.slice(0, 80)));
        assert.equal(r.json.status.authenticated, false, `${JSON.stringify(tok.slice(0, 80))} is refused`);
      }),
      { ci: 300, file: FILE },
    );
    const health = await client.send('GET', '/healthz', {});
    assert.equal(health.status, 200, 'the server still answers');
  });
});

// ---------------------------------------------------------------------------------------------
// The same mutations without a server: parseToken + verifyTokenOffline, cheap enough for long runs.

test('property (pure): parseToken + verifyTokenOffline accept a mutant only for the same key, session and cluster', async () => {
  const name = 'tokens: mutated genuine tokens (pure parse + offline verify)';
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const keys = [
    { accessKeyId: 'AKIAENTRYWAY00000001', secretAccessKey: SECRET },
    { accessKeyId: 'ASIAENTRYWAY00000002', secretAccessKey: SECRET, sessionToken: 'FwoGZXIvYXdzEBYaDH+session/token==' },
  ];
  const host = '127.0.0.1:8443';
  const cfg = { customStsHosts: [host] };
  const ctx: MutationContext = { serverHost: host, otherKeyIds: ['AKIAENTRYWAY00000001', 'ASIAENTRYWAY00000002', 'AKIAOTHER00000000003'] };
  await check(
    name,
    fc.asyncProperty(fc.nat({ max: 1 }), fc.boolean(), fc.constantFrom('alpha', 'beta'), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.constantFrom('alpha', 'alpha', 'alpha', 'beta'), async (ki, own, cluster, muts, verifyFor) => {
      const key = keys[ki] as (typeof keys)[number];
      const now = new Date();
      const genuine = await createToken({ credentials: key, region: own ? 'us-east-1' : 'eu-west-1', clusterId: cluster, now, ...(own ? { endpoint: `https://${host}` } : {}) });
      let t = split(genuine);
      for (const m of muts) t = m.apply(t, ctx);
      countRequest(name);
      const parsed = parseToken(join(t), now, cfg);
      if (!parsed.ok) {
        note(name, `refused:${parsed.error.code}`);
        return;
      }
      // What the authenticator does next: the secret of the key the token names, then the signature.
      const secret = keys.find((k) => k.accessKeyId === parsed.token.accessKeyId)?.secretAccessKey;
      if (!secret) {
        note(name, 'refused:unknown_key');
        return;
      }
      const v = await verifyTokenOffline(parsed.token, verifyFor, secret);
      note(name, v.ok ? 'accepted' : `refused:${v.error.code}`);
      if (!v.ok) return;
      const what = muts.map((m) => m.label).join(' | ');
      assert.equal(parsed.token.accessKeyId, key.accessKeyId, `${what}: the same access key`);
      assert.equal(verifyFor, cluster, `${what}: only for the cluster it was made for`);
      assert.equal(parsed.token.securityToken, key.sessionToken, `${what}: the same session token`);
      assert.equal(parsed.token.params['action'], 'GetCallerIdentity', `${what}: still GetCallerIdentity`);
    }),
    { ci: 600, file: FILE },
  );
});

// ---------------------------------------------------------------------------------------------
// Connected mode: keys Entryway does not hold are replayed to "STS" — a spy that misbehaves.

const FOREIGN: Credentials = { accessKeyId: 'AKIAFOREIGN000000001', secretAccessKey: 'foreign-secret' };
const FOREIGN_ACCOUNT = '999988887777';

const STS_HOST = /^(?:sts\.amazonaws\.com|sts(?:-fips)?\.(?:(?!cn-)[a-z0-9][a-z0-9-]*[a-z0-9]\.(?:amazonaws\.com|api\.aws)|cn-[a-z0-9-]+\.(?:amazonaws\.com\.cn|api\.amazonwebservices\.com\.cn)))$/;

interface StsAnswer {
  kind: string;
  /** The username Entryway must report when it accepts this answer. */
  username?: string;
  respond: () => Response | Promise<Response>;
}

const json200 = (o: unknown) => new Response(JSON.stringify(o), { status: 200, headers: { 'content-type': 'application/json' } });
const identity = (Account: string, Arn: string, UserId: string) => ({ GetCallerIdentityResponse: { GetCallerIdentityResult: { Account, Arn, UserId }, ResponseMetadata: { RequestId: 'r' } } });

const ANSWERS: StsAnswer[] = [
  { kind: 'ok-role', username: `arn:aws:sts::${FOREIGN_ACCOUNT}:assumed-role/Deployer/ci-run-42`, respond: () => json200(identity(FOREIGN_ACCOUNT, `arn:aws:sts::${FOREIGN_ACCOUNT}:assumed-role/Deployer/ci-run-42`, 'AROAFOREIGNROLE0001:ci-run-42')) },
  {
    kind: 'ok-user-xml',
    username: `arn:aws:iam::${FOREIGN_ACCOUNT}:user/ci`,
    respond: () =>
      new Response(`<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::${FOREIGN_ACCOUNT}:user/ci</Arn><UserId>AIDAFOREIGNUSER00001</UserId><Account>${FOREIGN_ACCOUNT}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`, { status: 200 }),
  },
  { kind: 'unmapped', respond: () => json200(identity(FOREIGN_ACCOUNT, `arn:aws:iam::${FOREIGN_ACCOUNT}:user/nobody`, 'AIDANOBODY')) },
  { kind: 'throttle', respond: () => new Response('{"Error":{"Code":"Throttling","Message":"Rate exceeded","Type":"Sender"}}', { status: 400 }) },
  { kind: 'denied', respond: () => new Response('{"Error":{"Code":"SignatureDoesNotMatch","Message":"X-Amz-Security-Token=secret","Type":"Sender"}}', { status: 403 }) },
  { kind: 'error-500', respond: () => new Response('oops', { status: 500 }) },
  { kind: 'redirect', respond: () => new Response(null, { status: 302, headers: { location: 'https://169.254.169.254/latest/meta-data/' } }) },
  { kind: 'garbage', respond: () => new Response('\u0000{not json<', { status: 200 }) },
  { kind: 'bad-arn', respond: () => json200(identity(FOREIGN_ACCOUNT, 'arn:aws:s3:::bucket', 'AIDAX')) },
  { kind: 'bad-user-id', respond: () => json200(identity(FOREIGN_ACCOUNT, `arn:aws:sts::${FOREIGN_ACCOUNT}:assumed-role/Deployer/s`, 'AROA:a:b')) },
  { kind: 'wrong-types', respond: () => json200({ GetCallerIdentityResponse: { GetCallerIdentityResult: { Account: 1, Arn: ['x'], UserId: null } } }) },
  { kind: 'huge', respond: () => new Response('x'.repeat(300_000), { status: 200 }) },
  {
    kind: 'network-error',
    respond: () => {
      throw new TypeError('fetch failed');
    },
  },
  { kind: 'proto', respond: () => json200(JSON.parse('{"__proto__":{"GetCallerIdentityResult":{"Account":"1","Arn":"arn:aws:iam::1:user/x","UserId":"AIDA"}}}')) },
];

describe('k8s-aws-v1 tokens, connected STS (fetch spy)', () => {
  let s: TestServer;
  let client: Client;
  const guard = guardProcess();
  const fetches: { url: string; method?: string; redirect?: string; cluster: string | null }[] = [];
  const stray: string[] = [];
  // Deterministic per URL, so a cached verification and a fresh one agree. Like the real STS, a
  // token presigned for cluster demo does not verify with another x-k8s-aws-id.
  const answerFor = (url: string, cluster: string | null): StsAnswer =>
    cluster !== 'demo' ? (ANSWERS.find((a) => a.kind === 'denied') as StsAnswer) : (ANSWERS[createHash('sha256').update(url).digest()[0]! % ANSWERS.length] as StsAnswer);
  const stsFetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const cluster = new Headers(init?.headers).get('x-k8s-aws-id');
    fetches.push({ url, method: init?.method, redirect: init?.redirect, cluster });
    return answerFor(url, cluster).respond();
  };
  const realFetch = globalThis.fetch;
  let ownKeyToken: () => Promise<string>;

  before(async () => {
    s = await startTestServer({ config: { connectedSts: true }, stsFetch });
    client = new Client(s);
    await createCluster(s.eks(), 'demo', 'API');
    await createCluster(s.eks(), 'other', 'API');
    for (const cluster of ['demo', 'other']) {
      await s.eks().send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn: `arn:aws:iam::${FOREIGN_ACCOUNT}:role/Deployer`, kubernetesGroups: ['deployers'] }));
      await s.eks().send(new CreateAccessEntryCommand({ clusterName: cluster, principalArn: `arn:aws:iam::${FOREIGN_ACCOUNT}:user/ci` }));
    }
    ownKeyToken = () => createToken({ credentials: s.admin, region: 'us-east-1', clusterId: 'demo', now: new Date() });
    // Anything else in the process reaching for the network through fetch is a stray connection.
    globalThis.fetch = async (input: Parameters<typeof fetch>[0]) => {
      stray.push(String(input instanceof Request ? input.url : input));
      throw new TypeError('network disabled in this test');
    };
  });

  after(async () => {
    globalThis.fetch = realFetch;
    client?.close();
    await s?.close();
    guard.assertClean();
  });

  test('property: no fetch outside the STS allowlist; what is fetched is the token URL; accepted = what STS said', async () => {
    const name = 'tokens: connected STS allowlist and identity';
    const regions = fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'cn-north-1', 'us-gov-west-1', 'eu-isoe-west-1', 'not-a-region');
    await check(
      name,
      fc.asyncProperty(regions, fc.boolean(), fc.array(mutation, { maxLength: 3 }), fc.constantFrom('demo', 'demo', 'demo', 'other'), async (region, own, muts, cluster) => {
        const genuine = own ? await ownKeyToken() : await createToken({ credentials: FOREIGN, region, clusterId: 'demo', now: new Date() });
        let t = split(genuine);
        for (const m of muts) t = m.apply(t, { serverHost: new URL(s.url).host, otherKeyIds: [s.admin.accessKeyId, 'AKIAFOREIGN000000002'] });
        const token = join(t);
        const what = `${own ? 'own key' : `foreign ${region}`} ${muts.map((m) => m.label).join(' | ')} → ${cluster}`;
        const before = fetches.length;
        countRequest(name);
        const r = await client.webhook(`/clusters/${cluster}/authenticate`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }, s.webhookToken);
        assert.ok(r.status === 200 || r.status === 429, `${what}: 200 or 429, got ${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(typeof r.json?.status?.authenticated, 'boolean', `${what}: a TokenReview`);
        const made = fetches.slice(before);
        const decoded = t.prefix === TOKEN_PREFIX ? urlOf(t) : undefined;
        for (const f of made) {
          const u = new URL(f.url);
          assert.equal(u.protocol, 'https:', `${what}: https only (${f.url.slice(0, 120)})`);
          assert.ok(STS_HOST.test(u.host), `${what}: fetched host ${u.host} is an STS host`);
          assert.equal(u.port, '', `${what}: no port`);
          assert.equal(u.username + u.password, '', `${what}: no userinfo`);
          assert.equal(u.pathname, '/', `${what}: path /`);
          assert.equal(f.url, decoded, `${what}: exactly the token's URL is fetched`);
          assert.equal(f.method, 'GET', `${what}: GET`);
          assert.equal(f.redirect, 'manual', `${what}: redirects are not followed`);
          assert.equal(f.cluster, cluster, `${what}: x-k8s-aws-id is the reviewed cluster`);
        }
        assert.ok(made.length <= 1, `${what}: at most one STS call per review`);
        note(name, `${made.length ? 'sts-called' : 'no-sts-call'}`);
        note(name, r.json.status.authenticated ? 'accepted' : r.status === 429 ? 'throttled' : 'refused');
        if (r.status === 429) {
          assert.ok(made.length === 1 && answerFor(made[0]!.url, made[0]!.cluster).kind === 'throttle', `${what}: 429 only when STS throttles`);
        }
        if (!r.json.status.authenticated) return;
        assert.ok(decoded !== undefined, `${what}: accepted tokens have the prefix`);
        const username = r.json.status.user.username as string;
        if (made.length === 0 && username === `arn:aws:iam::${s.accountId}:user/entryway-admin`) {
          // Verified offline: only a neutral mutation of an Entryway-key token, on its own cluster.
          assert.ok(own, `${what}: only tokens of Entryway's own keys are verified offline`);
          assert.equal(cluster, 'demo', `${what}: own-key tokens open only their cluster`);
          return;
        }
        // Verified by STS now, or earlier (cached): exactly what STS answered for that URL.
        const answer = made.length === 1 ? answerFor(made[0]!.url, made[0]!.cluster) : answerFor(decoded, cluster);
        assert.ok(answer.username, `${what}: accepted only when STS answered with a mapped identity (${answer.kind})`);
        assert.equal(username, answer.username, `${what}: the identity STS returned`);
      }),
      { ci: 250, file: FILE },
    );
    assert.deepEqual(stray, [], 'no other fetch was made');
    assert.ok(fetches.length > 0, 'the property reached STS at least once');
  });
});
