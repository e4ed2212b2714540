import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../store/sqlite.js';
import { bootstrap } from '../iam/index.js';
import type { AuditEvent, Caller } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import type { OpContext } from '../ops/context.js';
import { createCluster, updateClusterConfig } from './service.js';
import { UPDATE_SWEEPER, settleCluster } from './jobs.js';
import { runHousekeeping } from '../audit/housekeeping.js';

async function setup() {
  const store = new SqliteStore(':memory:');
  const boot = await bootstrap(store, { accountId: '111122223333' });
  assert.ok(boot.created);
  const c = boot.credentials;
  const caller: Caller = { accountId: c.accountId, arn: c.userArn, principalArn: c.userArn, principalId: c.userId, accessKeyId: c.accessKeyId, kind: 'user' };
  const events: AuditEvent[] = [];
  const audit = async (e: AuditEvent, tx?: Tx) => {
    if (tx) await tx.insertAudit(e);
    events.push(e);
  };
  const deps = { store, audit, region: 'us-east-1', partition: 'aws', updateDurationMs: 1000, clusterCreateDurationMs: 0 };
  const ctx = (tx: Tx, now: number): OpContext => ({ tx, caller, now, region: 'us-east-1', partition: 'aws', updateDurationMs: 1000, clusterCreateDurationMs: 0, audit: { clusterName: null, resource: null } });
  return { store, caller, events, deps, ctx, audit };
}

test('the sweeper settles a completed mode move as its own audited operation, once', async () => {
  const h = await setup();
  await h.store.transaction((tx) => createCluster(h.ctx(tx, 0), { name: 'c1', roleArn: 'arn:aws:iam::111122223333:role/eks', resourcesVpcConfig: {} }));
  const update = await h.store.transaction((tx) => updateClusterConfig(h.ctx(tx, 10), { name: 'c1', accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' } }));

  const early = await settleCluster(h.deps, 'c1', 500);
  assert.deepEqual(early, { ok: true, value: 0 }, 'not due yet');
  assert.equal(h.events.length, 0, 'nothing due: no record');

  const done = await settleCluster(h.deps, 'c1', 2000);
  assert.deepEqual(done, { ok: true, value: 1 });
  assert.equal(h.events.length, 1);
  const e = h.events[0] as AuditEvent;
  assert.equal(e.operation, 'SettleUpdates');
  assert.equal(e.principalArn, UPDATE_SWEEPER.arn);
  assert.equal(e.clusterName, 'c1');
  assert.equal(e.resource, update.id);
  assert.deepEqual(e.after, { authenticationMode: 'API_AND_CONFIG_MAP', updates: [{ id: update.id, type: 'AccessConfigUpdate', status: 'Successful' }] });
  const entry = await h.store.read((tx) => tx.getEntry('c1', h.caller.principalArn));
  assert.ok(entry, "the creator's hidden admin grant became a visible entry");
  const stored = await h.store.read((tx) => tx.queryAudit({ operation: 'SettleUpdates', limit: 10 }));
  assert.equal(stored.length, 1, 'the record committed with the change');

  assert.deepEqual(await settleCluster(h.deps, 'c1', 3000), { ok: true, value: 0 }, 'idempotent');
  assert.equal(h.events.length, 1);
  const missing = await settleCluster(h.deps, 'nope', 3000);
  assert.equal(missing.ok, false);
  assert.equal(h.events.at(-1)?.result, 'ResourceNotFoundException');
});

test('housekeeping records removing audit history, and only that', async () => {
  const h = await setup();
  await h.store.transaction(async (tx) => {
    for (let i = 0; i < 3; i++) await tx.insertAudit({ at: i, kind: 'management', requestId: `r${i}`, principalArn: 'p', accessKeyId: 'k', sourceIp: '-', service: 'eks', operation: 'Op', clusterName: null, resource: null, result: 'Success' });
  });
  const none = await runHousekeeping({ store: h.store, audit: h.audit }, 10_000);
  assert.equal(none.ok && none.value.auditEvents, 0, 'no retention: nothing removed');
  assert.equal(h.events.length, 0, 'expired sessions and tokens alone leave no record');
  const swept = await runHousekeeping({ store: h.store, audit: h.audit, auditRetentionMs: 5_000 }, 10_000);
  assert.ok(swept.ok);
  assert.equal(swept.value.auditEvents, 3);
  assert.equal(h.events.length, 1);
  assert.equal(h.events[0]?.operation, 'DeleteExpiredRecords');
  assert.equal(h.events[0]?.principalArn, 'arn:aws:iam::000000000000:user/entryway-system/housekeeping');
  const left = await h.store.read((tx) => tx.queryAudit({ limit: 10 }));
  // The Bootstrap record (at the real clock, after the cutoff) stays; the three old events went.
  assert.deepEqual(left.map((e) => e.operation).sort(), ['Bootstrap', 'DeleteExpiredRecords'], 'the removal is recorded');
});
