import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../store/sqlite.js';
import type { AuditEvent, Caller } from '../model/types.js';
import type { Tx } from '../store/repo.js';
import type { OperationRequest } from './operation.js';
import { auditEventOf, runOperation, scrubSecrets, systemCaller } from './operation.js';

const caller: Caller = { accountId: '111122223333', arn: 'arn:aws:iam::111122223333:user/alice', principalArn: 'arn:aws:iam::111122223333:user/alice', principalId: 'AIDAALICE', accessKeyId: 'AKIAALICE', kind: 'user' };

function harness() {
  const store = new SqliteStore(':memory:');
  const events: { event: AuditEvent; inTx: boolean }[] = [];
  const audit = async (event: AuditEvent, tx?: Tx) => {
    if (tx) await tx.insertAudit(event);
    events.push({ event, inTx: tx !== undefined });
  };
  const errors = (e: unknown) => ({ code: (e as { code?: string }).code ?? 'InternalFailure', message: (e as Error).message });
  const request = (extra: Partial<OperationRequest> = {}): OperationRequest => ({ requestId: 'r1', sourceIp: '127.0.0.1', at: 1000, service: 'eks', operation: 'Op', note: { clusterName: null, resource: null }, ...extra });
  const setting = () => store.read((tx) => tx.getSetting('k'));
  return { store, events, deps: { store, audit, errors }, request, setting };
}

test('a successful write commits with exactly one Success record, written in its transaction', async () => {
  const h = harness();
  const req = h.request();
  const out = await runOperation(h.deps, req, async () => ({
    kind: 'write',
    caller,
    run: async (tx) => {
      await tx.putSettingIfAbsent('k', 'v');
      req.note.resource = 'k';
      req.note.after = { value: 'v', secretAccessKey: 'never' };
      return 'done';
    },
  }));
  assert.deepEqual(out, { ok: true, value: 'done' });
  assert.equal(await h.setting(), 'v');
  assert.equal(h.events.length, 1);
  const [{ event, inTx }] = h.events as [{ event: AuditEvent; inTx: boolean }];
  assert.equal(inTx, true);
  assert.equal(event.result, 'Success');
  assert.equal(event.principalArn, caller.arn);
  assert.equal(event.resource, 'k');
  assert.deepEqual(event.after, { value: 'v' }, 'secrets scrubbed by name');
  const stored = await h.store.read((tx) => tx.queryAudit({ limit: 10 }));
  assert.equal(stored.length, 1, 'the record is in the store with the change');
});

test('a write that fails rolls back and leaves one refusal record, outside the rolled-back transaction', async () => {
  const h = harness();
  const req = h.request();
  const out = await runOperation(h.deps, req, async () => ({
    kind: 'write',
    caller,
    run: async (tx) => {
      await tx.putSettingIfAbsent('k', 'v');
      req.note.after = { value: 'v' };
      throw Object.assign(new Error('no such thing'), { code: 'ResourceNotFoundException' });
    },
  }));
  assert.deepEqual(out, { ok: false, error: { code: 'ResourceNotFoundException', message: 'no such thing' } });
  assert.equal(await h.setting(), undefined, 'nothing committed');
  assert.equal(h.events.length, 1);
  assert.equal(h.events[0]?.inTx, false);
  assert.equal(h.events[0]?.event.result, 'ResourceNotFoundException');
  assert.equal(h.events[0]?.event.after, undefined, 'no after-image of a change that did not happen');
  assert.equal((await h.store.read((tx) => tx.queryAudit({ limit: 10 }))).length, 0, 'no record in the store from the rolled-back transaction');
});

test('authorization refusals and plan failures are recorded once, with what the edge knew', async () => {
  const h = harness();
  const denied = await runOperation(h.deps, h.request(), async () => ({
    kind: 'write',
    caller,
    authorize: async () => {
      throw Object.assign(new Error('not allowed'), { code: 'AccessDeniedException' });
    },
    run: async (tx) => tx.putSettingIfAbsent('k', 'v'),
  }));
  assert.equal(denied.ok, false);
  assert.equal(await h.setting(), undefined);
  const req = h.request({ accessKeyId: 'AKIAUNKNOWN', failureTarget: () => 'arn:target', failureDetail: () => 'the key is not known' });
  await runOperation(h.deps, req, async () => {
    throw Object.assign(new Error('The security token included in the request is invalid.'), { code: 'InvalidClientTokenId' });
  });
  assert.deepEqual(
    h.events.map((e) => [e.event.result, e.event.principalArn, e.event.accessKeyId, e.event.resource, e.event.errorMessage]),
    [
      ['AccessDeniedException', caller.arn, caller.accessKeyId, null, 'not allowed'],
      ['InvalidClientTokenId', '-', 'AKIAUNKNOWN', 'arn:target', 'The security token included in the request is invalid. (the key is not known)'],
    ],
  );
});

test('rejected results commit as Rejected; unchanged writes and reads leave no record unless asked', async () => {
  const h = harness();
  await runOperation(h.deps, h.request(), async () => ({ kind: 'write', caller, run: async () => 'bad document', rejected: (r) => `refused: ${r}` }));
  await runOperation(h.deps, h.request(), async () => ({ kind: 'write', caller, run: async () => 0, unchanged: (n) => n === 0 }));
  await runOperation(h.deps, h.request(), async () => ({ kind: 'read', caller, run: async () => 1 }));
  assert.deepEqual(h.events.map((e) => [e.event.result, e.event.errorMessage, e.inTx]), [['Rejected', 'refused: bad document', true]]);
  await runOperation({ ...h.deps, auditReads: true }, h.request(), async () => ({ kind: 'read', caller, run: async () => 1 }));
  assert.equal(h.events.length, 2);
  assert.equal(h.events[1]?.event.result, 'Success');
});

test('system callers are named per job, in the reserved account, and never carry a key', () => {
  const c = systemCaller('update-sweeper');
  assert.equal(c.arn, 'arn:aws:iam::000000000000:user/entryway-system/update-sweeper');
  assert.equal(c.accessKeyId, '-');
  const e = auditEventOf({ requestId: 'x', sourceIp: '-', at: 1, service: 'entryway', operation: 'SettleUpdates', caller: c, note: { clusterName: 'c', resource: 'u1' } }, 'Success');
  assert.equal(e.principalArn, c.arn);
  assert.equal(e.clusterName, 'c');
  assert.deepEqual(scrubSecrets({ a: [{ Password: 'p', b: 1 }], SessionToken: 't' }), { a: [{ b: 1 }] });
});
