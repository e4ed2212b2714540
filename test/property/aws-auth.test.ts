/**
 * Property: the aws-auth ConfigMap — random, truncated and mutated documents (from the fixtures in
 * test/fixtures/aws-auth/) through `parseAwsAuth`, through Entryway's API
 * (PUT /entryway/v1/clusters/{name}/aws-auth) and through a watched file (`serve --aws-auth`).
 * - parseAwsAuth never throws, is deterministic, and what it accepts survives
 *   serialise → parse unchanged;
 * - a rejected document keeps the last good mapping: the user a TokenReview yields for a mapped
 *   principal is exactly what it was, and the stored mapping is unchanged;
 * - never a 5xx.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { parseAwsAuth, serializeAwsAuth } from '../../src/mapping/index.js';
import { createToken } from '../../src/token/index.js';
import { signRequest } from '../../src/sigv4/index.js';
import type { Credentials, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createCluster } from '../e2e/lib.js';
import { Client, check, countRequest, guardProcess, note } from './lib.js';

const FILE = 'test/property/aws-auth.test.ts';
const FIXTURES = new URL('../fixtures/aws-auth/', import.meta.url);
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(new URL(f, FIXTURES), 'utf8'));

const GOOD = (acct: string) =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: aws-auth',
    '  namespace: kube-system',
    'data:',
    '  mapUsers: |',
    `    - userarn: arn:aws:iam::${acct}:user/carol`,
    '      username: carol-mapped',
    '      groups:',
    '        - team-a',
    '  mapRoles: |',
    `    - rolearn: arn:aws:iam::${acct}:role/nodes`,
    '      username: system:node:{{EC2PrivateDNSName}}',
    '      groups: [system:bootstrappers, system:nodes]',
    '  mapAccounts: |',
    '    - "444455556666"',
    '',
  ].join('\n');

// ---------------------------------------------------------------------------------------------
// Document mutations

type Mutation = { label: string; apply: (doc: string) => string };
const pos = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const at = (s: string, f: number) => Math.floor(f * s.length);
const lines = (d: string) => d.split('\n');

const TOKENS = ['&a ', '*a', '!!binary ', '!!str ', '!!map ', '? ', '|', '>', '---\n', '...\n', '{{', '}}', '%YAML 1.2\n', '<<: *a\n', '- ', ': ', '#', '"', "'", '\t', '\r', '\u00a0', '\ufeff', '[', ']', '{', '}', ',', '&x [*x]', 'null', '~', 'yes', '0x1F', '1e9999', '.inf', '!!python/object:os.system ', '${HOME}'];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(pos, fc.integer({ min: 0, max: 255 })).map(([p, b]): Mutation => ({ label: `byte @${p.toFixed(2)}=0x${b.toString(16)}`, apply: (d) => d.slice(0, at(d, p)) + String.fromCharCode(b) + d.slice(at(d, p) + 1) })),
  pos.map((p): Mutation => ({ label: `truncate @${p.toFixed(2)}`, apply: (d) => d.slice(0, at(d, p)) })),
  fc.tuple(pos, fc.constantFrom(...TOKENS)).map(([p, t]): Mutation => ({ label: `insert ${JSON.stringify(t)}`, apply: (d) => d.slice(0, at(d, p)) + t + d.slice(at(d, p)) })),
  fc.tuple(fc.nat(), fc.integer({ min: -4, max: 4 })).map(([i, shift]): Mutation => ({
    label: `indent line #${i} by ${shift}`,
    apply: (d) => {
      const l = lines(d);
      const k = i % l.length;
      const line = l[k] as string;
      l[k] = shift >= 0 ? ' '.repeat(shift) + line : line.replace(new RegExp(`^ {0,${-shift}}`), '');
      return l.join('\n');
    },
  })),
  fc.tuple(fc.nat(), fc.constantFrom('delete', 'duplicate', 'swap')).map(([i, how]): Mutation => ({
    label: `${how} line #${i}`,
    apply: (d) => {
      const l = lines(d);
      const k = i % l.length;
      if (how === 'delete') l.splice(k, 1);
      else if (how === 'duplicate') l.splice(k, 0, l[k] as string);
      else [l[k], l[(k + 1) % l.length]] = [l[(k + 1) % l.length] as string, l[k] as string];
      return l.join('\n');
    },
  })),
  fc.constantFrom('crlf', 'tabs', 'bom', 'upper', 'strip-pipes', 'flow-bomb', 'anchor-bomb', 'huge', 'two-docs', 'empty', 'only-comment', 'json').map((how): Mutation => ({
    label: how,
    apply: (d) => {
      switch (how) {
        case 'crlf':
          return d.replace(/\n/g, '\r\n');
        case 'tabs':
          return d.replace(/ {2}/g, '\t');
        case 'bom':
          return `\ufeff${d}`;
        case 'upper':
          return d.replace(/map(Roles|Users|Accounts)/g, (m) => m.toUpperCase());
        case 'strip-pipes':
          return d.replace(/: \|\n/g, ':\n');
        case 'flow-bomb':
          return d.replace('groups:', `groups: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n      x:`);
        case 'anchor-bomb':
          return `${d}\n  extra: |\n    a: &a [x,x,x,x,x,x,x,x,x]\n    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n    e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`;
        case 'huge':
          return d + `#${'x'.repeat(1_100_000)}`;
        case 'two-docs':
          return `${d}\n---\n${d}`;
        case 'empty':
          return '';
        case 'only-comment':
          return '# nothing here\n';
        default:
          return JSON.stringify({ data: { mapUsers: '- userarn: x' } });
      }
    },
  })),
);

const randomDoc: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.array(fc.constantFrom(...TOKENS, 'data:\n', '  mapRoles: |\n', '    - rolearn: arn:aws:iam::1:role/x\n', '      username: u\n', '      groups: [g]\n', '  mapUsers: "x"\n', '\n', '  '), { maxLength: 40 }).map((a) => a.join('')),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
);

// ---------------------------------------------------------------------------------------------

const stripWarnings = (r: ReturnType<typeof parseAwsAuth>) => (r.ok ? { mapRoles: r.mapRoles, mapUsers: r.mapUsers, mapAccounts: r.mapAccounts } : { error: r.error.code });

test('property: parseAwsAuth never throws, is deterministic, and what it accepts round-trips through serializeAwsAuth', async () => {
  const name = 'aws-auth: parseAwsAuth on mutated and random documents';
  const docs = [...fixtures.map((f) => f.replace(/ACCOUNT/g, '111122223333')), GOOD('111122223333')];
  await check(
    name,
    fc.property(fc.oneof({ weight: 4, arbitrary: fc.tuple(fc.nat(), fc.array(mutation, { maxLength: 4 })).map(([i, muts]) => muts.reduce((d, m) => m.apply(d), docs[i % docs.length] as string)) }, { weight: 1, arbitrary: randomDoc }), (doc) => {
      countRequest(name);
      let r: ReturnType<typeof parseAwsAuth>;
      try {
        r = parseAwsAuth(doc);
      } catch (e) {
        assert.fail(`parseAwsAuth threw on ${JSON.stringify(doc.slice(0, 200))}: ${String(e)}`);
      }
      note(name, r.ok ? 'accepted' : `rejected:${r.error.code}`);
      assert.deepEqual(stripWarnings(parseAwsAuth(doc)), stripWarnings(r), 'deterministic');
      if (!r.ok) {
        assert.equal(typeof r.error.message, 'string', 'a message');
        assert.ok(r.error.message.length > 0 && r.error.message.length < 5_000, `a bounded message (${r.error.message.length})`);
        return;
      }
      for (const row of [...r.mapRoles, ...r.mapUsers]) {
        assert.ok(typeof row.arn === 'string' && row.arn.length > 0, 'every row has an ARN');
        assert.ok(Array.isArray(row.groups) && row.groups.every((g) => typeof g === 'string'), 'groups are strings');
      }
      const again = parseAwsAuth(serializeAwsAuth(r));
      assert.ok(again.ok, `serialised form parses (${again.ok ? '' : again.error.message})`);
      assert.deepEqual(stripWarnings(again), stripWarnings(r), 'round trip');
    }),
    { ci: 300, file: FILE },
  );
});

describe('aws-auth through the API and a watched file: a rejected document keeps the last good mapping', () => {
  let s: TestServer;
  let client: Client;
  let dir: string;
  let carol: Credentials;
  let good: string;
  let expected: unknown;
  const guard = guardProcess();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'entryway-aws-auth-fuzz-'));
    s = await startTestServer({ config: { awsAuthFiles: [{ cluster: 'filed', path: join(dir, 'aws-auth.yaml') }] } });
    client = new Client(s);
    await createCluster(s.eks(), 'legacy', 'CONFIG_MAP');
    await createCluster(s.eks(), 'filed', 'CONFIG_MAP');
    await s.iam().send(new CreateUserCommand({ UserName: 'carol' }));
    const k = (await s.iam().send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!;
    carol = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    good = GOOD(s.accountId);
    assert.equal((await putAwsAuth('legacy', good)).status, 200, 'the good document applies');
    const r = await review('legacy', await carolToken('legacy'));
    assert.equal(r.json?.status?.authenticated, true, `carol is mapped: ${r.text}`);
    expected = r.json.status.user;
    assert.equal(expected && (expected as { username: string }).username, 'carol-mapped', 'the mapped username');
  });

  after(async () => {
    client?.close();
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
    guard.assertClean();
  });

  async function putAwsAuth(cluster: string, yaml: string) {
    const body = Buffer.from(JSON.stringify({ yaml }));
    const path = `/entryway/v1/clusters/${cluster}/aws-auth`;
    const signed = await signRequest({ method: 'PUT', url: s.url + path, headers: { 'content-type': 'application/json' }, body, region: 'us-east-1', service: 'eks', credentials: s.admin, now: new Date() });
    return client.send('PUT', path, Object.entries(signed.headers), body);
  }
  const review = (cluster: string, token: string) => client.webhook(`/clusters/${cluster}/authenticate`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }, s.webhookToken);
  const stored = (cluster: string) => s.server.store.read(async (tx) => tx.getAwsAuth(cluster));
  const carolToken = (cluster: string) => createToken({ credentials: carol, region: 'us-east-1', clusterId: cluster, now: new Date(), endpoint: s.url });

  test('property: PUT aws-auth with mutated documents — rejected ⇒ same mapping, same TokenReview user; never a 5xx', async () => {
    const name = 'aws-auth: API rejections keep the last good mapping';
    const docs = [good, ...fixtures.map((f) => f.replace(/ACCOUNT/g, s.accountId))];
    await check(
      name,
      fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (i, muts) => {
        const doc = muts.reduce((d, m) => m.apply(d), docs[i % docs.length] as string);
        const what = muts.map((m) => m.label).join(' | ');
        const before = await stored('legacy');
        countRequest(name);
        const r = await putAwsAuth('legacy', doc);
        assert.ok(r.status < 500, `${what}: never a 5xx (${r.status} ${r.text.slice(0, 200)})`);
        note(name, r.status === 200 ? 'applied' : `refused:${r.status}`);
        if (r.status === 200) {
          // A valid document: put the good one back before the next run.
          assert.equal((await putAwsAuth('legacy', good)).status, 200, 'restored');
        } else {
          assert.ok(r.status >= 400 && typeof r.json?.message === 'string', `${what}: a 4xx with a message (${r.status} ${r.text.slice(0, 200)})`);
          const after = await stored('legacy');
          assert.deepEqual(
            { mapRoles: after?.mapRoles, mapUsers: after?.mapUsers, mapAccounts: after?.mapAccounts, source: after?.source },
            { mapRoles: before?.mapRoles, mapUsers: before?.mapUsers, mapAccounts: before?.mapAccounts, source: before?.source },
            `${what}: the stored mapping is the last good one`,
          );
        }
        const rv = await review('legacy', await carolToken('legacy'));
        assert.deepEqual(rv.json?.status?.user, expected, `${what}: carol still maps to the same user`);
      }),
      { ci: 80, file: FILE },
    );
  });

  test('property: the watched file — a rejected edit keeps the last good mapping', async () => {
    const name = 'aws-auth: watched-file rejections keep the last good mapping';
    const path = join(dir, 'aws-auth.yaml');
    /** Waits until the watcher has processed exactly this text (applied, or rejected and recorded). */
    const settle = async (text: string, since: number) => {
      for (let i = 0; i < 60; i++) {
        const r = await stored('filed');
        if (r && (r.source === text || (r.lastError && r.lastError.at >= since))) return r;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.fail('the watcher did not process the file within 6 s');
    };
    // Every write is made unique (a trailing comment), so the watcher — which skips a text it has
    // already processed — sees each one, and `settle` can tell which write it processed.
    let n = 0;
    const write = async (doc: string) => {
      const text = `${doc}\n# write ${++n}\n`;
      const t = Date.now();
      writeFileSync(path, text);
      return { text, rec: await settle(text, t) };
    };
    const first = await write(good);
    assert.equal(first.rec.source, first.text, 'the good document applies from the file');
    const base = await review('filed', await carolToken('filed'));
    assert.equal(base.json?.status?.user?.username, 'carol-mapped', `carol is mapped on filed: ${base.text}`);
    const expectedFiled = base.json.status.user;
    await check(
      name,
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (muts) => {
        const doc = muts.reduce((d, m) => m.apply(d), good);
        const what = muts.map((m) => m.label).join(' | ');
        if (doc.length > 1_000_000) return;
        const lastGood = (await stored('filed'))?.source;
        countRequest(name);
        const { text, rec } = await write(doc);
        note(name, rec.source === text ? 'applied' : 'rejected');
        if (rec.source !== text) {
          assert.equal(rec.source, lastGood, `${what}: the last good document stays`);
          const rv = await review('filed', await carolToken('filed'));
          assert.deepEqual(rv.json?.status?.user, expectedFiled, `${what}: carol still maps to the same user`);
        }
        // Back to the good document for the next run.
        const restored = await write(good);
        assert.equal(restored.rec.source, restored.text, 'restored');
      }),
      { ci: 3, file: FILE, timeoutMs: 30_000 },
    );
  });

});
