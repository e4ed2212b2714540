/**
 * The store contract as executable checks, run against every driver (store.test.ts for SQLite,
 * postgres.test.ts for PostgreSQL) so both behave the same.
 */
import assert from 'node:assert/strict';
import type { AccessEntryRecord, ClusterRecord } from '../model/types.js';
import { StoreConflictError } from './sql.js';
import type { Store } from './store.js';

export function sampleCluster(name: string, accountId = '111122223333'): ClusterRecord {
  return {
    name,
    id: `id-${name}`,
    accountId,
    region: 'us-east-1',
    arn: `arn:aws:eks:us-east-1:${accountId}:cluster/${name}`,
    createdAt: 1,
    readyAt: 1,
    version: '1.32',
    platformVersion: 'eks.1',
    roleArn: `arn:aws:iam::${accountId}:role/eks`,
    spec: {},
    tags: {},
    authenticationMode: 'API',
    bootstrapClusterCreatorAdminPermissions: false,
    creator: { arn: 'a', principalArn: 'a', principalId: 'AIDA', accountId },
    hiddenCreatorAdmin: false,
    settings: { lockoutProtection: true },
  };
}

export function sampleEntry(cluster: string, principalArn: string): AccessEntryRecord {
  return {
    clusterName: cluster,
    principalArn,
    principalId: null,
    type: 'STANDARD',
    username: principalArn,
    kubernetesGroups: [],
    tags: {},
    createdAt: 1,
    modifiedAt: 1,
    uuid: 'u',
    accessEntryArn: `arn:aws:eks:us-east-1:111122223333:access-entry/${cluster}/x`,
  };
}

export interface ContractCase {
  name: string;
  run: (store: Store) => Promise<void>;
}

/** Each case gets a fresh, empty store. */
export const storeContract: ContractCase[] = [
  {
    name: 'a committed transaction is visible to reads and publishes its changes',
    run: async (store) => {
      const events: unknown[] = [];
      store.onChange((e) => events.push(e));
      await store.transaction(async (tx) => tx.insertCluster(sampleCluster('demo')));
      const got = await store.read((tx) => tx.getCluster('demo'));
      assert.equal(got?.name, 'demo');
      assert.deepEqual(events, [{ type: 'changes', changes: [{ kind: 'cluster', name: 'demo' }], origin: 'local' }]);
    },
  },
  {
    name: 'a failed transaction leaves nothing behind and publishes nothing',
    run: async (store) => {
      const events: unknown[] = [];
      store.onChange((e) => events.push(e));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertCluster(sampleCluster('demo'));
          await tx.insertEntry(sampleEntry('demo', 'arn:aws:iam::111122223333:user/a'));
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.read((tx) => tx.getCluster('demo')), undefined);
      assert.equal(await store.read((tx) => tx.countEntries('demo')), 0);
      assert.deepEqual(events, []);
    },
  },
  {
    name: 'duplicate keys raise StoreConflictError',
    run: async (store) => {
      await store.transaction(async (tx) => tx.insertCluster(sampleCluster('demo')));
      await assert.rejects(store.transaction(async (tx) => tx.insertCluster(sampleCluster('demo'))), StoreConflictError);
    },
  },
  {
    name: 'entry keysets page in bytewise order and survive inserts between pages',
    run: async (store) => {
      const arns = ['arn:aws:iam::111122223333:user/B', 'arn:aws:iam::111122223333:role/a', 'arn:aws:iam::111122223333:user/a', 'arn:aws:iam::111122223333:role/Z'];
      await store.transaction(async (tx) => {
        await tx.insertCluster(sampleCluster('demo'));
        for (const a of arns) await tx.insertEntry(sampleEntry('demo', a));
      });
      const first = await store.read((tx) => tx.listEntryArns('demo', { limit: 2 }));
      assert.deepEqual(first, ['arn:aws:iam::111122223333:role/Z', 'arn:aws:iam::111122223333:role/a']);
      await store.transaction(async (tx) => tx.insertEntry(sampleEntry('demo', 'arn:aws:iam::111122223333:role/0')));
      const second = await store.read((tx) => tx.listEntryArns('demo', { after: first[1], limit: 10 }));
      assert.deepEqual(second, ['arn:aws:iam::111122223333:user/B', 'arn:aws:iam::111122223333:user/a']);
    },
  },
  {
    name: 'deleting an entry cascades its associations; deleting a cluster cascades everything',
    run: async (store) => {
      const p = 'arn:aws:iam::111122223333:user/a';
      await store.transaction(async (tx) => {
        await tx.insertCluster(sampleCluster('demo'));
        await tx.insertEntry(sampleEntry('demo', p));
        await tx.putAssociation({ clusterName: 'demo', principalArn: p, policyArn: 'pol', scope: { type: 'cluster', namespaces: [] }, associatedAt: 1, modifiedAt: 1 });
      });
      assert.deepEqual(await store.read((tx) => tx.listEntryArns('demo', { limit: 10, associatedPolicyArn: 'pol' })), [p]);
      await store.transaction(async (tx) => tx.deleteEntry('demo', p));
      assert.equal((await store.read((tx) => tx.listClusterAssociations('demo'))).length, 0);
      await store.transaction(async (tx) => {
        await tx.insertEntry(sampleEntry('demo', p));
        await tx.deleteCluster('demo');
      });
      assert.equal(await store.read((tx) => tx.countEntries('demo')), 0);
    },
  },
  {
    name: 'every change to a cluster slice bumps its revision',
    run: async (store) => {
      await store.transaction(async (tx) => tx.insertCluster(sampleCluster('demo')));
      const r1 = (await store.read((tx) => tx.clusterRevisions())).get('demo');
      await store.transaction(async (tx) => tx.insertEntry(sampleEntry('demo', 'arn:aws:iam::111122223333:user/a')));
      const r2 = (await store.read((tx) => tx.clusterRevisions())).get('demo');
      assert.ok(r1 !== undefined && r2 !== undefined && r2 > r1);
    },
  },
  {
    name: 'a snapshot reads one state while writers commit',
    run: async (store) => {
      await store.transaction(async (tx) => tx.putSetting('k', 'before'));
      const seen = await store.snapshot(async (sql) => {
        const first = await sql.get<{ value: string }>("SELECT value FROM settings WHERE key = 'k'");
        // A write that commits after the snapshot began (SQLite's in-memory store has one
        // connection, so there the snapshot holds the writer out instead).
        const write = store.transaction(async (tx) => tx.putSetting('k', 'after'));
        if (store.description !== 'sqlite::memory:') await write;
        const second = await sql.get<{ value: string }>("SELECT value FROM settings WHERE key = 'k'");
        return { first: first?.value, second: second?.value, write };
      });
      await seen.write;
      assert.deepEqual([seen.first, seen.second], ['before', 'before']);
      assert.equal(await store.read((tx) => tx.getSetting('k')), 'after');
    },
  },
  {
    name: 'settings: put-if-absent keeps the first value',
    run: async (store) => {
      assert.equal(await store.transaction((tx) => tx.putSettingIfAbsent('k', 'one')), 'one');
      assert.equal(await store.transaction((tx) => tx.putSettingIfAbsent('k', 'two')), 'one');
    },
  },
  {
    name: 'IAM groups: members and policies follow a rename; membership lookups join both ways',
    run: async (store) => {
      const A = '111122223333';
      await store.transaction(async (tx) => {
        await tx.insertAccount({ accountId: A, createdAt: 1 });
        await tx.insertUser({ accountId: A, userName: 'Alice', path: '/', userId: 'AIDAALICE', arn: `arn:aws:iam::${A}:user/Alice`, createdAt: 1, tags: {} });
        await tx.insertGroup({ accountId: A, groupName: 'Old', path: '/', groupId: 'AGPAOLD', arn: `arn:aws:iam::${A}:group/Old`, createdAt: 1 });
        assert.equal(await tx.addGroupMember(A, 'old', 'alice'), true);
        assert.equal(await tx.addGroupMember(A, 'OLD', 'ALICE'), false);
        await tx.attachPolicy({ accountId: A, principalType: 'group', principalName: 'Old', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
        await tx.putInlinePolicy({ accountId: A, principalType: 'group', principalName: 'Old', policyName: 'p', document: '{}' });
      });
      await store.transaction((tx) => tx.updateGroup('Old', { accountId: A, groupName: 'New', path: '/t/', groupId: 'AGPAOLD', arn: `arn:aws:iam::${A}:group/t/New`, createdAt: 1 }));
      await store.read(async (tx) => {
        assert.equal(await tx.getGroup(A, 'old'), undefined);
        assert.equal((await tx.getGroup(A, 'new'))?.path, '/t/');
        assert.deepEqual((await tx.listGroupsForUser(A, 'alice')).map((g) => g.groupName), ['New']);
        assert.deepEqual((await tx.listGroupMembers(A, 'NEW')).map((u) => u.userName), ['Alice']);
        assert.deepEqual(await tx.listAttachedPolicies(A, 'group', 'New'), ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
        assert.deepEqual((await tx.listInlinePolicies(A, 'group', 'New')).map((p) => p.policyName), ['p']);
      });
      assert.equal(await store.transaction((tx) => tx.removeGroupMember(A, 'New', 'Alice')), true);
      assert.equal(await store.transaction((tx) => tx.removeGroupMember(A, 'New', 'Alice')), false);
    },
  },
  {
    name: 'audit events are queryable by cluster and time',
    run: async (store) => {
      await store.transaction(async (tx) => {
        for (let i = 0; i < 5; i++) {
          await tx.insertAudit({ at: 1000 + i, kind: 'management', requestId: `r${i}`, principalArn: 'p', accessKeyId: 'k', sourceIp: '127.0.0.1', service: 'eks', operation: 'Op', clusterName: i % 2 ? 'a' : 'b', resource: null, result: 'Success' });
        }
      });
      const a = await store.read((tx) => tx.queryAudit({ clusterName: 'a', limit: 10 }));
      assert.deepEqual(a.map((e) => e.requestId), ['r1', 'r3']);
      const since = await store.read((tx) => tx.queryAudit({ since: 1003, limit: 10 }));
      assert.deepEqual(since.map((e) => e.requestId), ['r3', 'r4']);
    },
  },
];
