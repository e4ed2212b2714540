import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError, eksError } from '../errors/aws-error.js';
import { validateTagKeys, validateTags } from './tags.js';

function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof AwsError, `expected an AwsError, got ${String(err)}`);
  assert.equal(err.code, code, `code (message: ${err.message})`);
  if (message) assert.match(err.message, message, 'message');
}

const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));

describe('validateTags', () => {
  const ok: [string, unknown, Record<string, string>][] = [
    ['absent', undefined, {}],
    ['null', null, {}],
    ['one pair', { team: 'a' }, { team: 'a' }],
    ['empty value', { team: '' }, { team: '' }],
    ['allowed punctuation', { 'a b+-=._:/@': 'x y+-=._:/@' }, { 'a b+-=._:/@': 'x y+-=._:/@' }],
    ['key of 128', { ['k'.repeat(128)]: 'v' }, { ['k'.repeat(128)]: 'v' }],
    ['value of 256', { k: 'v'.repeat(256) }, { k: 'v'.repeat(256) }],
    ['50 pairs', many(50), many(50)],
    ['aws inside a key is fine', { 'my-aws:key': 'v' }, { 'my-aws:key': 'v' }],
    ['case matters', { Team: 'A', team: 'a' }, { Team: 'A', team: 'a' }],
  ];
  for (const [what, input, want] of ok) it(`accepts ${what}`, () => assert.deepEqual(validateTags(input, eksError.invalidParameter), want));

  const bad: [string, unknown, RegExp][] = [
    ['an empty map', {}, /at least 1 tag/],
    ['51 pairs', many(51), /at most 50 tags/],
    ['an empty key', { '': 'v' }, /between 1 and 128/],
    ['a key of 129', { ['k'.repeat(129)]: 'v' }, /between 1 and 128/],
    ['a value of 257', { k: 'v'.repeat(257) }, /at most 256/],
    ['a number value', { k: 5 }, /must be a string/],
    ['a null value', { k: null }, /must be a string/],
    ['an object value', { k: {} }, /must be a string/],
    ['a list', [['k', 'v']], /map of string keys/],
    ['a string', 'k=v', /map of string keys/],
    ['a number', 5, /map of string keys/],
    ['the aws: prefix', { 'aws:cloudformation:stack': 'x' }, /reserved/],
    ['the AWS: prefix in any case', { 'AwS:x': 'x' }, /reserved/],
  ];
  for (const [what, input, message] of bad) it(`refuses ${what}`, () => throwsCode(() => validateTags(input, eksError.invalidParameter), 'InvalidParameterException', message));

  it('allowEmpty accepts {}', () => assert.deepEqual(validateTags({}, eksError.invalidParameter, { allowEmpty: true }), {}));
  it('the caller picks the error type (TagResource uses BadRequestException)', () => {
    throwsCode(() => validateTags({}, eksError.badRequest), 'BadRequestException');
    throwsCode(() => validateTags({ 'aws:x': 'y' }, eksError.badRequest), 'BadRequestException');
  });
  it('returns a copy, not the input', () => {
    const input = { a: 'b' };
    const out = validateTags(input, eksError.invalidParameter);
    assert.notEqual(out, input, 'a new object');
  });
});

describe('validateTagKeys', () => {
  const ok: [string, unknown, string[]][] = [
    ['one key given once in the query', 'team', ['team']],
    ['a list', ['a', 'b'], ['a', 'b']],
    ['50 keys', Array.from({ length: 50 }, (_, i) => `k${i}`), Array.from({ length: 50 }, (_, i) => `k${i}`)],
    ['a key of 128', ['k'.repeat(128)], ['k'.repeat(128)]],
  ];
  for (const [what, input, want] of ok) it(`accepts ${what}`, () => assert.deepEqual(validateTagKeys(input, eksError.badRequest), want));

  const bad: [string, unknown, RegExp][] = [
    ['absent', undefined, /at least 1 key/],
    ['an empty list', [], /at least 1 key/],
    ['51 keys', Array.from({ length: 51 }, (_, i) => `k${i}`), /at most 50 keys/],
    ['an empty key', [''], /between 1 and 128/],
    ['a key of 129', ['k'.repeat(129)], /between 1 and 128/],
    ['a non-string key', [5], /between 1 and 128/],
    ['the aws: prefix', ['aws:x'], /reserved/],
    ['an object', { k: 'v' }, /at least 1 key/],
  ];
  for (const [what, input, message] of bad) it(`refuses ${what}`, () => throwsCode(() => validateTagKeys(input, eksError.badRequest), 'BadRequestException', message));
});
