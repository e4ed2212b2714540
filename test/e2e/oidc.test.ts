/**
 * OIDC identity providers end to end, with real clients on both sides:
 * - a real OpenID Provider (`oidc-provider` over HTTPS on loopback, its certificate from a private
 *   CA that Entryway trusts only through `oidcCaFile` = `--oidc-ca-file`), whose ID tokens are
 *   obtained through its authorization-code flow driven with plain HTTPS requests (devInteractions
 *   login and consent forms, then the token endpoint with client_secret_basic);
 * - the real AWS CLI for associate / describe / list / describe-update / disassociate;
 * - TokenReview against the webhook, kubectl against Entryway's kube endpoint;
 * - hostile tokens forged with jose against the provider's real keys and JWKS;
 * - key rotation at the provider while Entryway runs, and a JWKS outage.
 * Entryway's clock runs ahead by `skew` so asynchronous updates and the JWKS refresh interval can
 * be passed without sleeping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssociateIdentityProviderConfigCommand, CreateClusterCommand, DescribeIdentityProviderConfigCommand } from '@aws-sdk/client-eks';
import type { JWK } from 'jose';
import { SignJWT, importJWK } from 'jose';
import { ensureSelfSigned } from '../../src/server/tls.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { rejectsWith } from './lib.js';

// oidc-provider ships no type declarations: load it through a non-literal specifier and type the
// little this test uses.
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
const OIDC_PROVIDER = 'oidc-provider';
const { default: Provider } = (await import(OIDC_PROVIDER)) as { default: new (issuer: string, config: Record<string, unknown>) => OidcProvider };

const CLIENT_ID = 'kubernetes';
const CLIENT_SECRET = 'entryway-e2e-client-secret-0123456789';
const REDIRECT_URI = 'https://app.example/callback';
const UPDATE_MS = 2_000;

interface Account {
  email: string;
  email_verified: boolean;
  groups: string[] | string;
  tenant: string;
}

const ACCOUNTS: Record<string, Account> = {
  alice: { email: 'alice@corp.example', email_verified: true, groups: ['dev', 'ops'], tenant: 'acme' },
  bob: { email: 'bob@corp.example', email_verified: false, groups: ['dev'], tenant: 'acme' },
  dave: { email: 'dave@corp.example', email_verified: true, groups: 'ops', tenant: 'other' },
};

type PrivateJwk = JWK & { kid: string };

function rsaKey(kid: string): PrivateJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' };
}

/** A real OpenID Provider on loopback HTTPS whose signing keys can be rotated while it serves. */
class TestOp {
  jwksHits = 0;
  jwksDown = false;
  private handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.writeHead(503).end();

  readonly server: Server;
  issuer = '';

  private constructor(
    private readonly tls: { key: string; cert: string; ca: string; caPath?: string },
  ) {
    this.server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      if ((req.url ?? '').startsWith('/jwks')) {
        this.jwksHits++;
        if (this.jwksDown) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
      }
      this.handler(req, res);
    });
  }

  get ca(): string {
    return this.tls.ca;
  }

  get caPath(): string {
    return this.tls.caPath as string;
  }

  static async start(dir: string): Promise<TestOp> {
    const op = new TestOp(ensureSelfSigned(dir, ['127.0.0.1', 'localhost']));
    await new Promise<void>((resolve) => op.server.listen(0, '127.0.0.1', resolve));
    op.issuer = `https://127.0.0.1:${(op.server.address() as AddressInfo).port}`;
    return op;
  }

  /** (Re)starts the provider with these signing keys: the first signs, all are published. */
  use(keys: PrivateJwk[]): void {
    const provider = new Provider(this.issuer, {
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI], response_types: ['code'], grant_types: ['authorization_code'] }],
      jwks: { keys },
      conformIdTokenClaims: false,
      claims: { openid: ['sub', 'tenant'], email: ['email', 'email_verified'], groups: ['groups'] },
      pkce: { required: () => false },
      ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 3600, AuthorizationCode: 60 },
      findAccount: async (_ctx: unknown, id: string) => {
        const a = ACCOUNTS[id];
        return a ? { accountId: id, claims: async () => ({ sub: id, ...a }) } : undefined;
      },
    });
    this.handler = provider.callback();
  }

  get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
    return this.send('GET', url, undefined, headers);
  }

  private send(method: string, url: string, body: string | undefined, headers: Record<string, string>) {
    return new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>((resolve, reject) => {
      const req = request(new URL(url, this.issuer), { method, ca: this.ca, headers: { ...headers, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * An ID token for `login` through the authorization-code flow, as a browser would do it:
   * /auth → login form → consent form → redirect with ?code= → token endpoint.
   */
  async login(login: string): Promise<string> {
    const jar = new Map<string, string>();
    const cookies = () => ({ cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') });
    const keep = (h: IncomingMessage['headers']) => {
      for (const c of h['set-cookie'] ?? []) {
        const kv = c.split(';')[0] ?? '';
        const i = kv.indexOf('=');
        jar.set(kv.slice(0, i), kv.slice(i + 1));
      }
    };
    const q = new URLSearchParams({ client_id: CLIENT_ID, response_type: 'code', scope: 'openid email groups', redirect_uri: REDIRECT_URI, state: 's', nonce: 'n' });
    let r = await this.get(`/auth?${q}`, cookies());
    for (let step = 0; step < 12; step++) {
      keep(r.headers);
      const location = r.headers.location;
      if (r.status >= 300 && r.status < 400 && location) {
        if (location.startsWith(REDIRECT_URI)) {
          const code = new URL(location).searchParams.get('code');
          assert.ok(code, `authorization code in ${location}`);
          const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
          const t = await this.send('POST', '/token', new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }).toString(), { authorization: `Basic ${basic}` });
          assert.equal(t.status, 200, `token endpoint: ${t.body}`);
          const idToken = (JSON.parse(t.body) as { id_token?: string }).id_token;
          assert.ok(idToken, 'an id_token');
          return idToken;
        }
        r = await this.get(location, cookies());
        continue;
      }
      assert.equal(r.status, 200, `interaction page: ${r.status} ${r.body.slice(0, 300)}`);
      const action = /<form[^>]*action="([^"]+)"/.exec(r.body)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(r.body)?.[1];
      assert.ok(action && prompt, `a devInteractions form: ${r.body.slice(0, 300)}`);
      const form: Record<string, string> = prompt === 'login' ? { prompt, login, password: 'any' } : { prompt };
      r = await this.send('POST', action.replace(/&amp;/g, '&'), new URLSearchParams(form).toString(), cookies());
    }
    throw new Error('the authorization-code flow did not finish');
  }

  async publicJwks(): Promise<JWK[]> {
    const r = await this.get('/jwks');
    assert.equal(r.status, 200, 'JWKS');
    return (JSON.parse(r.body) as { keys: JWK[] }).keys;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Review {
  authenticated?: boolean;
  user?: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()) as { kid?: string }).kid;
const seg = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('OIDC identity provider: real OpenID Provider, AWS CLI, TokenReview, kubectl, key rotation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entryway-oidc-'));
  const op = await TestOp.start(join(dir, 'op'));
  const k1 = rsaKey('key-1');
  op.use([k1]);
  let skew = 0;
  const advance = (ms: number) => {
    skew += ms;
  };
  const s: TestServer = await startTestServer({ config: { oidcCaFile: op.caPath, updateDurationMs: UPDATE_MS }, now: () => Date.now() + skew });
  const review = async (cluster: string, token: string): Promise<Review> => {
    const r = await s.post(`/clusters/${cluster}/authenticate`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    assert.equal(r.status, 200, `TokenReview HTTP status: ${r.text}`);
    return (r.json as { status: Review }).status;
  };
  const refused = async (cluster: string, token: string, error: RegExp, label: string) => {
    const st = await review(cluster, token);
    assert.equal(st.authenticated, false, `${label}: refused (${JSON.stringify(st)})`);
    assert.match(st.error ?? '', error, `${label}: error`);
  };
  try {
    const eks = s.eks();
    for (const name of ['demo', 'demo2']) {
      await eks.send(new CreateClusterCommand({ name, roleArn: `arn:aws:iam::${s.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['subnet-1'] }, accessConfig: { authenticationMode: 'API' } }));
    }
    const alice = await op.login('alice');
    assert.equal(kidOf(alice), 'key-1', 'the provider signs with key-1');

    await t.test('aws eks associate-identity-provider-config: an update, the config CREATING until it completes', async () => {
      const r = await s.aws([
        'eks',
        'associate-identity-provider-config',
        '--cluster-name',
        'demo',
        '--oidc',
        `identityProviderConfigName=corp,issuerUrl=${op.issuer},clientId=${CLIENT_ID},usernameClaim=email,groupsClaim=groups,groupsPrefix=oidc:`,
        '--tags',
        'team=platform',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const u = r.json.update;
      assert.equal(u.status, 'InProgress', 'update status');
      assert.equal(u.type, 'AssociateIdentityProviderConfig', 'update type');
      assert.deepEqual(u.params, [{ type: 'IdentityProviderConfig', value: '[{"type":"oidc","name":"corp"}]' }], 'update params');
      assert.deepEqual(r.json.tags, { team: 'platform' }, 'tags echoed');
      const d = await eks.send(new DescribeIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: { type: 'oidc', name: 'corp' } }));
      assert.equal(d.identityProviderConfig?.oidc?.status, 'CREATING', 'CREATING while the update runs');
      const st = await review('demo', alice);
      assert.equal(st.authenticated, false, 'a CREATING provider does not authenticate yet');

      advance(UPDATE_MS);
      const upd = await s.aws(['eks', 'describe-update', '--name', 'demo', '--update-id', u.id]);
      assert.equal(upd.code, 0, upd.stderr);
      assert.equal(upd.json.update.status, 'Successful', 'update completed');
      assert.equal(upd.json.update.type, 'AssociateIdentityProviderConfig', 'DescribeUpdate type');
      const desc = await s.aws(['eks', 'describe-identity-provider-config', '--cluster-name', 'demo', '--identity-provider-config', 'type=oidc,name=corp']);
      assert.equal(desc.code, 0, desc.stderr);
      const o = desc.json.identityProviderConfig.oidc;
      assert.equal(o.status, 'ACTIVE', 'ACTIVE after the update');
      assert.match(o.identityProviderConfigArn, new RegExp(`^arn:aws:eks:us-east-1:${s.accountId}:identityproviderconfig/demo/oidc/corp/[0-9a-f-]{36}$`), 'ARN');
      assert.deepEqual(
        { ...o, identityProviderConfigArn: undefined },
        {
          identityProviderConfigName: 'corp',
          identityProviderConfigArn: undefined,
          clusterName: 'demo',
          issuerUrl: op.issuer,
          clientId: CLIENT_ID,
          usernameClaim: 'email',
          groupsClaim: 'groups',
          groupsPrefix: 'oidc:',
          requiredClaims: {},
          tags: { team: 'platform' },
          status: 'ACTIVE',
        },
        'describe shape (unset prefixes omitted)',
      );
      const list = await s.aws(['eks', 'list-identity-provider-configs', '--cluster-name', 'demo']);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(list.json.identityProviderConfigs, [{ type: 'oidc', name: 'corp' }], 'list');
    });

    await t.test('TokenReview: real ID tokens map to username/groups with prefixes, no IAM extras', async () => {
      const st = await review('demo', alice);
      assert.equal(st.authenticated, true, `alice authenticated: ${JSON.stringify(st)}`);
      assert.deepEqual(st.user, { username: 'alice@corp.example', uid: '', groups: ['oidc:dev', 'oidc:ops'], extra: {} }, 'alice');
      const dave = await review('demo', await op.login('dave'));
      assert.deepEqual(dave.user?.groups, ['oidc:ops'], 'a string groups claim is one group');
      await refused('demo', await op.login('bob'), /email .* is not verified/, 'bob: email_verified false');
      await refused('demo2', alice, /neither a k8s-aws-v1 token nor an ID token/, 'a cluster without this provider');
    });

    await t.test('default sub prefix and requiredClaims (second cluster, same issuer, via the SDK)', async () => {
      await eks.send(
        new AssociateIdentityProviderConfigCommand({ clusterName: 'demo2', oidc: { identityProviderConfigName: 'corp-sub', issuerUrl: op.issuer, clientId: CLIENT_ID, requiredClaims: { tenant: 'acme' } } }),
      );
      advance(UPDATE_MS);
      const st = await review('demo2', alice);
      assert.equal(st.authenticated, true, JSON.stringify(st));
      assert.equal(st.user?.username, `${op.issuer}#alice`, 'sub prefixed with issuer#');
      assert.equal(st.user?.groups, undefined, 'no groups claim configured: no groups');
      await refused('demo2', await op.login('dave'), /required claim "tenant" does not have the required value/, 'dave: tenant other');
    });

    await t.test('hostile and invalid tokens are refused with a reason', async () => {
      const key = await importJWK(k1, 'RS256');
      const now = Math.floor(Date.now() / 1000) + Math.ceil(skew / 1000);
      const claims = { iss: op.issuer, aud: CLIENT_ID, sub: 'mallory', email: 'admin@corp.example', email_verified: true, groups: ['admins'] };
      const forge = (c: Record<string, unknown>, kid = 'key-1') => new SignJWT({ ...claims, iat: now, exp: now + 600, ...c }).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
      // The provider's real public key, from its JWKS, as an HMAC secret (the classic confusion attack).
      const pub = (await op.publicJwks()).find((k) => k.kid === 'key-1');
      assert.ok(pub, 'key-1 is published');
      const pem = createPublicKey({ key: pub as Record<string, string>, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      const hs256 = await new SignJWT({ ...claims, exp: now + 600 }).setProtectedHeader({ alg: 'HS256', kid: 'key-1' }).sign(new TextEncoder().encode(pem));
      const rogue = await importJWK(rsaKey('key-1'), 'RS256');
      const [h, , sig] = alice.split('.') as [string, string, string];
      const cases: [string, string, RegExp][] = [
        ['alg none', `${seg({ alg: 'none', kid: 'key-1' })}.${seg({ ...claims, exp: now + 600 })}.`, /signing algorithm "none" is not accepted/],
        ['HS256 signed with the provider public key', hs256, /signing algorithm "HS256" is not accepted/],
        ['expired', await forge({ exp: now - 5 }), /has expired/],
        ['not yet valid', await forge({ nbf: now + 300 }), /not valid yet/],
        ['wrong audience', await forge({ aud: 'another-client' }), /audience/],
        ['no exp', await forge({ exp: undefined }), /exp/],
        ['unknown kid', await new SignJWT({ ...claims, exp: now + 600 }).setProtectedHeader({ alg: 'RS256', kid: 'key-404' }).sign(rogue), /key "key-404"/],
        ['a rogue key under the real kid', await new SignJWT({ ...claims, exp: now + 600 }).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).sign(rogue), /signature does not verify/],
        ['claims swapped under a real signature', `${h}.${seg({ ...claims, exp: now + 600 })}.${sig}`, /signature does not verify/],
        ['malformed', `${h}.%%%.${sig}`, /base64url/],
        ['oversized', `${h}.${'A'.repeat(20_000)}.${sig}`, /larger than/],
      ];
      for (const [label, token, error] of cases) await refused('demo', token, error, label);
      // A token of another issuer is not this provider's: the IAM path answers (and refuses it).
      await refused('demo', await forge({ iss: 'https://evil.example' }), /neither a k8s-aws-v1 token/, 'other issuer');
      const ok = await review('demo', await forge({}));
      assert.equal(ok.authenticated, true, 'the same forge with the real key verifies (control)');
    });

    await t.test('kubectl auth whoami with --token and with an exec plugin', async () => {
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
      const r = await run('kubectl', ['--kubeconfig', kubeconfig, '--server', `${s.url}/k8s/demo`, '--certificate-authority', s.caPath, '--token', alice, 'auth', 'whoami', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const u = (JSON.parse(r.stdout) as { status: { userInfo: { username: string; groups: string[]; extra?: unknown } } }).status.userInfo;
      assert.equal(u.username, 'alice@corp.example', 'username');
      assert.deepEqual(u.groups, ['oidc:dev', 'oidc:ops', 'system:authenticated'], 'groups');
      assert.equal(u.extra, undefined, 'no extra: access policies never apply to OIDC users');

      // The docs' exec-plugin shape: any command that prints an ExecCredential with the id_token.
      const plugin = join(dir, 'id-token.sh');
      writeFileSync(plugin, `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$ID_TOKEN"\n`);
      chmodSync(plugin, 0o755);
      const execConfig = join(dir, 'exec.kubeconfig');
      writeFileSync(
        execConfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'demo', cluster: { server: `${s.url}/k8s/demo`, 'certificate-authority': s.caPath } }],
          users: [{ name: 'corp', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } } }],
          contexts: [{ name: 'demo', context: { cluster: 'demo', user: 'corp' } }],
          'current-context': 'demo',
        }),
      );
      const e = await run('kubectl', ['--kubeconfig', execConfig, 'auth', 'whoami'], { ...process.env, ID_TOKEN: await op.login('dave') });
      assert.equal(e.code, 0, e.stderr);
      assert.match(e.stdout, /Username\s+dave@corp\.example/, e.stdout);
      const bad = await run('kubectl', ['--kubeconfig', kubeconfig, '--server', `${s.url}/k8s/demo`, '--certificate-authority', s.caPath, '--token', `${alice.slice(0, -4)}AAAA`, 'auth', 'whoami']);
      assert.equal(bad.code, 1, 'a bad signature is Unauthorized');
      assert.match(bad.stderr, /Unauthorized/, bad.stderr);
    });

    await t.test('key rotation at the provider while Entryway runs; JWKS outage', async () => {
      const hitsBefore = op.jwksHits;
      const k2 = rsaKey('key-2');
      op.use([k2, k1]);
      assert.equal((await review('demo', alice)).authenticated, true, 'old token, old key still published: accepted');
      assert.equal(op.jwksHits, hitsBefore, 'no JWKS fetch for a known key');
      advance(11_000); // past the refresh interval since the last fetch
      const alice2 = await op.login('alice');
      assert.equal(kidOf(alice2), 'key-2', 'the provider now signs with key-2');
      assert.equal((await review('demo', alice2)).authenticated, true, 'new-kid token accepted');
      assert.equal(op.jwksHits, hitsBefore + 1, 'exactly one JWKS refresh for the new kid');
      assert.equal((await review('demo', await op.login('dave'))).authenticated, true, 'another key-2 token');
      assert.equal(op.jwksHits, hitsBefore + 1, 'no further fetch');

      op.jwksDown = true;
      const k3 = rsaKey('key-3');
      op.use([k3, k2]);
      const alice3 = await op.login('alice');
      assert.equal(kidOf(alice3), 'key-3', 'the provider signs with key-3, but its JWKS is unreachable');
      advance(11_000);
      assert.equal((await review('demo', alice)).authenticated, true, 'key-1 token still accepted while the JWKS is down');
      assert.equal((await review('demo', alice2)).authenticated, true, 'key-2 token still accepted while the JWKS is down');
      await refused('demo', alice3, /key "key-3" is unknown and the keys of .* could not be refreshed: .*HTTP 503/, 'unknown key while the JWKS is down');
      op.jwksDown = false;
      advance(11_000);
      assert.equal((await review('demo', alice3)).authenticated, true, 'key-3 accepted once the JWKS is back');
    });

    await t.test('aws eks disassociate-identity-provider-config: DELETING, then gone; its users lose access', async () => {
      const r = await s.aws(['eks', 'disassociate-identity-provider-config', '--cluster-name', 'demo', '--identity-provider-config', 'type=oidc,name=corp']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json.update.type, 'DisassociateIdentityProviderConfig', 'update type');
      assert.equal(r.json.update.status, 'InProgress', 'update status');
      const d = await eks.send(new DescribeIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: { type: 'oidc', name: 'corp' } }));
      assert.equal(d.identityProviderConfig?.oidc?.status, 'DELETING', 'DELETING while the update runs');
      advance(UPDATE_MS);
      await rejectsWith(
        eks.send(new DescribeIdentityProviderConfigCommand({ clusterName: 'demo', identityProviderConfig: { type: 'oidc', name: 'corp' } })),
        'ResourceNotFoundException',
        404,
        'No config found for cluster: demo, config type: oidc, config name: corp',
      );
      await refused('demo', alice, /neither a k8s-aws-v1 token nor an ID token/, 'after disassociation');
      assert.equal((await review('demo2', await op.login('alice'))).authenticated, true, 'the other cluster keeps its provider');
    });
  } finally {
    await s.close();
    await op.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without --oidc-ca-file, a private-CA issuer is not trusted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entryway-oidc-ca-'));
  const op = await TestOp.start(join(dir, 'op'));
  op.use([rsaKey('key-1')]);
  const s = await startTestServer();
  try {
    await s.eks().send(new CreateClusterCommand({ name: 'demo', roleArn: `arn:aws:iam::${s.accountId}:role/eks`, resourcesVpcConfig: { subnetIds: ['subnet-1'] } }));
    await s.eks().send(new AssociateIdentityProviderConfigCommand({ clusterName: 'demo', oidc: { identityProviderConfigName: 'corp', issuerUrl: op.issuer, clientId: CLIENT_ID } }));
    const r = await s.post('/clusters/demo/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await op.login('alice') } });
    const st = (r.json as { status: Review }).status;
    assert.equal(st.authenticated, false, 'refused');
    assert.match(st.error ?? '', /could not be fetched: discovery .*certificate/i, `names the TLS failure: ${st.error}`);
    assert.equal(op.jwksHits, 0, 'no JWKS fetched');
  } finally {
    await s.close();
    await op.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
