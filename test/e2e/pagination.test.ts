/**
 * Paging with real clients (the AWS CLI's auto-pagination, the SDK paginator), keyset tokens under
 * concurrent change, maxResults/nextToken validation on every list, and the 3,000-entry quota.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessEntryCommand,
  DeleteAccessEntryCommand,
  ListAccessEntriesCommand,
  ListClustersCommand,
  paginateListAccessEntries,
} from '@aws-sdk/client-eks';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { AccessEntryRecord } from '../../src/model/types.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { POLICY, assertAwsError, createCluster, enc, rejectsWith, signed } from './lib.js';

const OTHER = '444455556666';
const arnOf = (i: number) => `arn:aws:iam::${OTHER}:role/r-${String(i).padStart(4, '0')}`;

async function createMany(eks: EKSClient, clusterName: string, arns: string[]): Promise<void> {
  for (let i = 0; i < arns.length; i += 10) {
    await Promise.all(arns.slice(i, i + 10).map((principalArn) => eks.send(new CreateAccessEntryCommand({ clusterName, principalArn }))));
  }
}

describe('pagination', () => {
  let s: TestServer;
  let eks: EKSClient;
  const arns = Array.from({ length: 250 }, (_, i) => arnOf(i));
  before(async () => {
    s = await startTestServer();
    eks = s.eks();
    await createCluster(eks, 'big', 'API', false);
    await createMany(eks, 'big', [...arns].reverse());
  });
  after(async () => s.close());

  it('aws eks list-access-entries --page-size 7 returns all 250 in order (the CLI follows nextToken)', async () => {
    const r = await s.aws(['eks', 'list-access-entries', '--cluster-name', 'big', '--page-size', '7']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.accessEntries, arns, 'all entries, sorted');
    assert.equal(r.json.nextToken, undefined, 'no token left over');
  });

  it('aws eks list-access-entries --max-results 7 is one page of 7 with a nextToken (the CLI turns auto-paging off)', async () => {
    const r = await s.aws(['eks', 'list-access-entries', '--cluster-name', 'big', '--max-results', '7']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.accessEntries, arns.slice(0, 7), 'first page');
    assert.equal(typeof r.json.nextToken, 'string', 'nextToken to continue');
    const next = await eks.send(new ListAccessEntriesCommand({ clusterName: 'big', maxResults: 7, nextToken: r.json.nextToken }));
    assert.deepEqual(next.accessEntries, arns.slice(7, 14), 'the CLI token continues in the SDK');
  });

  it('the SDK paginator and the default page size agree', async () => {
    const seen: string[] = [];
    for await (const page of paginateListAccessEntries({ client: eks, pageSize: 13 }, { clusterName: 'big' })) {
      assert.ok((page.accessEntries ?? []).length <= 13, 'page size');
      seen.push(...(page.accessEntries ?? []));
    }
    assert.deepEqual(seen, arns, 'paginator');
    const first = await eks.send(new ListAccessEntriesCommand({ clusterName: 'big' }));
    assert.equal(first.accessEntries?.length, 100, 'default maxResults is 100');
    assert.ok(first.nextToken, 'and a nextToken');
  });

  it('pages stay correct while entries are added and removed between pages', async () => {
    await createCluster(eks, 'churn', 'API', false);
    const initial = Array.from({ length: 60 }, (_, i) => arnOf(i * 10));
    await createMany(eks, 'churn', initial);
    const removed = new Set<string>();
    const seen: string[] = [];
    let nextToken: string | undefined;
    let round = 0;
    do {
      const out = await eks.send(new ListAccessEntriesCommand({ clusterName: 'churn', maxResults: 8, ...(nextToken ? { nextToken } : {}) }));
      seen.push(...(out.accessEntries ?? []));
      nextToken = out.nextToken;
      const last = seen[seen.length - 1] ?? '';
      // Between pages: delete one already returned and one still ahead; add one behind and one ahead.
      const behind = initial.filter((a) => a <= last && !removed.has(a));
      const ahead = initial.filter((a) => a > last && !removed.has(a));
      for (const victim of [behind[0], ahead[ahead.length - 1]]) {
        if (!victim) continue;
        await eks.send(new DeleteAccessEntryCommand({ clusterName: 'churn', principalArn: victim }));
        removed.add(victim);
      }
      await createMany(eks, 'churn', [arnOf(round * 10 + 1), arnOf(600 - round * 10 + 5)]);
      round++;
    } while (nextToken && round < 100);
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    assert.deepEqual(seen, [...seen].sort(), 'strictly increasing');
    for (const a of initial) if (!removed.has(a)) assert.ok(seen.includes(a), `${a} existed throughout and was returned`);
  });

  it('maxResults 0, 101, abc, -1, 1.5 are InvalidParameterException on every list', async () => {
    await signed(s, 'POST', `/clusters/big/access-entries/${enc(arns[0] ?? '')}/access-policies`, { policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } });
    const lists = ['/clusters', '/clusters/big/access-entries', `/clusters/big/access-entries/${enc(arns[0] ?? '')}/access-policies`, '/access-policies', '/clusters/big/updates'];
    for (const path of lists) {
      for (const bad of ['0', '101', 'abc', '-1', '1.5', '']) {
        const r = await signed(s, 'GET', `${path}?maxResults=${bad}`);
        if (bad === '') {
          assert.equal(r.status, 200, `${path} empty maxResults means the default`);
          continue;
        }
        assertAwsError(r, 'InvalidParameterException', 400, 'maxResults must be an integer between 1 and 100.');
      }
      const ok = await signed(s, 'GET', `${path}?maxResults=100`);
      assert.equal(ok.status, 200, `${path} maxResults=100: ${ok.text}`);
    }
  });

  it('a garbage nextToken, or one from another list, is InvalidParameterException', async () => {
    const tokenOf = async (path: string) => {
      const r = await signed(s, 'GET', path);
      assert.equal(typeof r.json?.nextToken, 'string', `${path} gives a token`);
      return r.json.nextToken as string;
    };
    for (const a of arns.slice(0, 2)) {
      await signed(s, 'POST', `/clusters/big/access-entries/${enc(a)}/access-policies`, { policyArn: POLICY('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } });
    }
    await createCluster(eks, 'small', 'API', false);
    await createMany(eks, 'small', [arnOf(1), arnOf(2)]);
    const fromBig = await tokenOf('/clusters/big/access-entries?maxResults=1');
    const fromClusters = await tokenOf('/clusters?maxResults=1');
    const fromPolicies = await tokenOf('/access-policies?maxResults=1');
    const fromFiltered = await tokenOf(`/clusters/big/access-entries?maxResults=1&associatedPolicyArn=${enc(POLICY('AmazonEKSViewPolicy'))}`);
    const cases: [string, string][] = [
      ['/clusters/big/access-entries', 'garbage'],
      ['/clusters/big/access-entries', `${fromBig}x`],
      ['/clusters/big/access-entries', fromBig.slice(0, -3)],
      ['/clusters/small/access-entries', fromBig],
      ['/clusters/big/access-entries', fromClusters],
      ['/clusters/big/access-entries', fromFiltered],
      ['/clusters', fromBig],
      ['/access-policies', fromClusters],
      ['/clusters/big/updates', fromPolicies],
      [`/clusters/big/access-entries/${enc(arns[0] ?? '')}/access-policies`, fromBig],
    ];
    for (const [path, token] of cases) {
      const r = await signed(s, 'GET', `${path}?nextToken=${enc(token)}`);
      assertAwsError(r, 'InvalidParameterException', 400, 'The nextToken is not valid for this request.');
    }
    await rejectsWith(eks.send(new ListClustersCommand({ nextToken: 'not-a-token' })), 'InvalidParameterException', 400);
    const good = await signed(s, 'GET', `/clusters/big/access-entries?nextToken=${enc(fromBig)}&maxResults=2`);
    assert.deepEqual(good.json.accessEntries, arns.slice(1, 3), 'a valid token continues after the last key');
  });
});

describe('the 3,000-entry quota', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s.close());

  it('the 3,001st entry is ResourceLimitExceededException; deleting one makes room', async () => {
    const eks = s.eks();
    const c = await createCluster(eks, 'full', 'API', false);
    const now = Date.now();
    // 2,999 entries straight into the store in one transaction; the 3,000th and 3,001st go through the API.
    await s.server.store.transaction(async (tx) => {
      for (let i = 0; i < 2999; i++) {
        const uuid = randomUUID();
        const name = `bulk-${String(i).padStart(4, '0')}`;
        const rec: AccessEntryRecord = {
          clusterName: 'full',
          principalArn: `arn:aws:iam::${OTHER}:user/${name}`,
          principalId: null,
          type: 'STANDARD',
          username: `arn:aws:iam::${OTHER}:user/${name}`,
          kubernetesGroups: [],
          tags: {},
          createdAt: now,
          modifiedAt: now,
          uuid,
          accessEntryArn: `${c.arn?.replace(':cluster/', ':access-entry/')}/user/${OTHER}/${name}/${uuid}`,
        };
        await tx.insertEntry(rec);
      }
    });
    const last = `arn:aws:iam::${OTHER}:user/number-3000`;
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'full', principalArn: last }));
    const over = `arn:aws:iam::${OTHER}:user/number-3001`;
    await rejectsWith(eks.send(new CreateAccessEntryCommand({ clusterName: 'full', principalArn: over })), 'ResourceLimitExceededException', 400, /maximum number of access entries \(3000\)/);
    let count = 0;
    for await (const page of paginateListAccessEntries({ client: eks, pageSize: 100 }, { clusterName: 'full' })) count += page.accessEntries?.length ?? 0;
    assert.equal(count, 3000, 'exactly 3,000 entries');
    await eks.send(new DeleteAccessEntryCommand({ clusterName: 'full', principalArn: last }));
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'full', principalArn: over }));
  });
});
