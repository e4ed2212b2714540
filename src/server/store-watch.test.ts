import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeTransitions } from './store-watch.js';

const up = { connected: true, feed: true, since: 0 };

test('losing the database is an error, regaining it is info; nothing is logged without a change', () => {
  assert.deepEqual(storeTransitions(up, up), []);
  const down = { ...up, connected: false, lastError: 'Connection terminated' };
  assert.deepEqual(storeTransitions(down, up).map((r) => r.level), ['error']);
  assert.match(storeTransitions(down, up)[0]!.msg, /store unreachable/);
  assert.deepEqual(storeTransitions(up, down), [{ level: 'info', msg: 'store reachable again: writes work' }]);
});

test('the change feed has its own records, and both can change at once', () => {
  const lost = { ...up, connected: false, feed: false };
  assert.deepEqual(storeTransitions(lost, up).map((r) => r.level), ['error', 'warn']);
  assert.deepEqual(storeTransitions(up, lost).map((r) => r.msg), ['store reachable again: writes work', 'change feed restored: resynchronising']);
});
