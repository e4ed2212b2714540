import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '../errors/aws-error.js';
import { Input } from './input.js';
import { RULES } from './names.js';

function check(params: Record<string, unknown>, read: (i: Input) => unknown): { ok: true; value: unknown } | { ok: false; code: string; message: string } {
  const i = new Input(params);
  try {
    const value = read(i);
    i.done();
    return { ok: true, value };
  } catch (e) {
    if (!isAwsError(e)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

test('IAM names', () => {
  const table: [string | undefined, boolean][] = [
    ['alice', true],
    ['a', true],
    ['Alice+ops=1,x.y@z-w_', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['a b', false],
    ['a/b', false],
    ['a:b', false],
    [undefined, false],
  ];
  for (const [name, ok] of table) {
    const r = check(name === undefined ? {} : { UserName: name }, (i) => i.string('UserName', RULES.userName));
    assert.equal(r.ok, ok, `${name}`);
  }
  const bad = check({ UserName: 'a b' }, (i) => i.string('UserName', RULES.userName));
  assert.deepEqual(bad, {
    ok: false,
    code: 'ValidationError',
    message: 'The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-',
  });
  const missing = check({}, (i) => i.string('UserName', RULES.userName));
  assert.equal(missing.ok ? '' : missing.message, "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null");
});

test('paths', () => {
  const table: [string, boolean][] = [
    ['/', true],
    ['/teams/', true],
    ['/a/b/c/', true],
    ['teams/', false],
    ['/teams', false],
    ['//', false],
    ['/a b/', false],
    [`/${'a'.repeat(510)}/`, true],
    [`/${'a'.repeat(511)}/`, false],
  ];
  for (const [path, ok] of table) assert.equal(check({ Path: path }, (i) => i.string('Path', RULES.path)).ok, ok, path);
});

test('session names and durations', () => {
  for (const [name, ok] of [
    ['ab', true],
    ['a', false],
    ['alice@example.com', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['a:b', false],
  ] as const) {
    assert.equal(check({ RoleSessionName: name }, (i) => i.string('RoleSessionName', RULES.roleSessionName)).ok, ok, name);
  }
  const r = check({ RoleSessionName: 'a:b' }, (i) => i.string('RoleSessionName', RULES.roleSessionName));
  assert.equal(
    r.ok ? '' : r.message,
    "1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
  );
  const d = check({ DurationSeconds: '899' }, (i) => i.int('DurationSeconds', { min: 900, max: 43200 }));
  assert.equal(d.ok ? '' : d.message, "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
  assert.equal(check({ DurationSeconds: 'x' }, (i) => i.int('DurationSeconds')).ok, false);
  assert.deepEqual(check({ DurationSeconds: '43200' }, (i) => i.int('DurationSeconds', { min: 900, max: 43200 })), { ok: true, value: 43200 });
});

test('several problems are reported together', () => {
  const r = check({ UserName: 'a b', Path: 'x' }, (i) => [i.string('UserName', RULES.userName), i.string('Path', RULES.path)]);
  assert.ok(!r.ok && r.message.startsWith('2 validation errors detected: '), JSON.stringify(r));
});

test('tags and lists', () => {
  assert.deepEqual(
    check({ Tags: [{ Key: 'team', Value: 'a' }, { Key: 'env', Value: '' }] }, (i) => i.tags()),
    { ok: true, value: { team: 'a', env: '' } },
  );
  assert.deepEqual(check({ Tags: '' }, (i) => i.tags()), { ok: true, value: {} });
  const reserved = check({ Tags: [{ Key: 'aws:x', Value: 'a' }] }, (i) => i.tags());
  assert.equal(reserved.ok ? '' : reserved.code, 'InvalidInput');
  const dup = check({ Tags: [{ Key: 'A', Value: '1' }, { Key: 'a', Value: '2' }] }, (i) => i.tags());
  assert.equal(dup.ok ? '' : dup.code, 'InvalidInput');
  assert.equal(check({ Tags: [{ Key: 'k' }] }, (i) => i.tags()).ok, false);
  assert.equal(check({ Tags: 'x' }, (i) => i.tags()).ok, false);
  assert.deepEqual(check({ TagKeys: ['a', 'b'] }, (i) => i.stringList('TagKeys')), { ok: true, value: ['a', 'b'] });
  assert.equal(check({ TagKeys: [{ a: 'b' }] }, (i) => i.stringList('TagKeys')).ok, false);
  assert.equal(check({ Status: 'Enabled' }, (i) => i.enumOf('Status', ['Active', 'Inactive'])).ok, false);
  assert.equal(check({ UserName: { x: '1' } }, (i) => i.string('UserName', RULES.userName)).ok, false);
});
