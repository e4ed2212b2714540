import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../model/types.js';
import { decisionSampler } from './decision-audit.js';
import { surfaceOf } from './rate-limit.js';

test('decision sampling: off at 0, records the sampled fraction, never a token', () => {
  assert.equal(decisionSampler(0, () => undefined, () => 0), undefined);
  const out: AuditEvent[] = [];
  const draws = [0.1, 0.6, 0.49];
  const sample = decisionSampler(0.5, (e) => out.push(e), () => 42, () => draws.shift() ?? 1);
  assert.ok(sample);
  for (let i = 0; i < 3; i++) sample({ kind: 'authentication', cluster: 'c', principal: 'arn:aws:iam::1:role/r', result: 'authenticated', detail: 'alice', requestId: `r${i}`, ip: '10.0.0.1' });
  assert.deepEqual(out.map((e) => [e.requestId, e.operation, e.at, e.accessKeyId]), [['r0', 'TokenReview', 42, '-'], ['r2', 'TokenReview', 42, '-']]);
});

test('rate-limit surfaces: the two webhook paths, the operator routes, everything else is management', () => {
  assert.equal(surfaceOf('/clusters/prod/authenticate'), 'webhook');
  assert.equal(surfaceOf('/clusters/prod/authorize?timeout=5s'), 'webhook');
  assert.equal(surfaceOf('/clusters/prod/access-entries'), 'management');
  assert.equal(surfaceOf('/clusters/a/b/authorize'), 'management');
  assert.equal(surfaceOf('/metrics'), 'none');
  assert.equal(surfaceOf('/readyz?allowDegraded=true'), 'none');
  assert.equal(surfaceOf('/'), 'management');
});
