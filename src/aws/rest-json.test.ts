import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, jsonDepth, parseJsonBody, parseQuery } from './rest-json.js';
import { AwsError } from '../errors/aws-error.js';

test('jsonDepth counts nesting outside strings', () => {
  assert.equal(jsonDepth('{}'), 1);
  assert.equal(jsonDepth('{"a":[{"b":[]}]}'), 4);
  assert.equal(jsonDepth('{"a":"[[[[{{{{"}'), 1, 'brackets inside strings do not count');
  assert.equal(jsonDepth('{"a":"\\"[[[["}'), 1, 'an escaped quote does not end the string');
  assert.equal(jsonDepth('"x"'), 0);
});

test('parseJsonBody refuses bodies nested beyond the limit with a SerializationException, before parsing', () => {
  const ok = `{"a":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
  assert.deepEqual(Object.keys(parseJsonBody(Buffer.from(ok))), ['a']);
  const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  assert.throws(() => parseJsonBody(Buffer.from(deep)), (e: unknown) => e instanceof AwsError && e.code === 'SerializationException' && e.status === 400);
  assert.throws(() => parseJsonBody(Buffer.from('[1]')), (e: unknown) => e instanceof AwsError && e.code === 'SerializationException');
});

test('parseQuery keeps __proto__ as a plain key', () => {
  const q = parseQuery('__proto__=x&maxResults=3');
  assert.equal(q.maxResults, '3');
  assert.equal(Object.getPrototypeOf(q), null);
  assert.equal(q['__proto__'], 'x');
});
