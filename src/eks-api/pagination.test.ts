import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../errors/aws-error.js';
import { decodeNextToken, encodeNextToken, page, parseMaxResults } from './pagination.js';

function throwsInvalidParameter(fn: () => unknown, message: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof AwsError, `expected an AwsError, got ${String(err)}`);
  assert.equal(err.code, 'InvalidParameterException', 'code');
  assert.equal(err.status, 400, 'status');
  assert.equal(err.message, message, 'message');
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const BAD_TOKEN = 'The nextToken is not valid for this request.';

describe('nextToken', () => {
  const keys = ['', 'arn:aws:iam::111122223333:role/teams/dev', 'ünïcödé', 'a'.repeat(2000)];
  for (const k of keys) {
    it(`round-trips ${JSON.stringify(k).slice(0, 40)}`, () => {
      const t = encodeNextToken('entries/demo/', k);
      assert.match(t, /^[A-Za-z0-9_-]+$/, 'URL-safe without escaping');
      assert.equal(decodeNextToken('entries/demo/', t), k);
    });
  }
  it('absent, null and empty mean the first page', () => {
    for (const t of [undefined, null, '']) assert.equal(decodeNextToken('entries/demo/', t), undefined);
  });
  it('is bound to its list (another cluster, another filter, another operation)', () => {
    const t = encodeNextToken('entries/demo/', 'k');
    for (const other of ['entries/other/', 'entries/demo/arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', 'clusters', 'associations/demo/x']) {
      throwsInvalidParameter(() => decodeNextToken(other, t), BAD_TOKEN);
    }
  });
  const garbage: [string, unknown][] = [
    ['plain text', 'junk'],
    ['characters outside base64url', 'abc+/='],
    ['spaces', 'a b'],
    ['base64 of non-JSON', b64('not json')],
    ['JSON that is not an object', b64('[1,2]')],
    ['JSON null', b64('null')],
    ['wrong version', b64(JSON.stringify({ v: 2, l: 'entries/demo/', a: 'k' }))],
    ['missing key', b64(JSON.stringify({ v: 1, l: 'entries/demo/' }))],
    ['non-string key', b64(JSON.stringify({ v: 1, l: 'entries/demo/', a: 5 }))],
    ['a key with NUL (PostgreSQL refuses it in text parameters)', b64(JSON.stringify({ v: 1, l: 'entries/demo/', a: 'arn\u0000x' }))],
    ['a key with a control character', b64(JSON.stringify({ v: 1, l: 'entries/demo/', a: 'a\nb' }))],
    ['over 4096 characters', 'A'.repeat(4097)],
    ['a number', 5],
    ['an array', ['x']],
  ];
  for (const [what, t] of garbage) it(`refuses ${what}`, () => throwsInvalidParameter(() => decodeNextToken('entries/demo/', t), BAD_TOKEN));
});

describe('parseMaxResults', () => {
  const ok: [unknown, number][] = [
    [undefined, 100],
    [null, 100],
    ['', 100],
    ['1', 1],
    ['7', 7],
    ['07', 7],
    ['100', 100],
    [50, 50],
  ];
  for (const [input, want] of ok) it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(parseMaxResults(input), want));
  const bad = ['0', '101', '-1', 'abc', '1.5', '1e2', ' 5', '5 ', '0x10', '9999999999', '+5', 0, 101];
  for (const input of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => throwsInvalidParameter(() => parseMaxResults(input), 'maxResults must be an integer between 1 and 100.'));
  }
  it('honours a smaller maximum', () => {
    assert.equal(parseMaxResults(undefined, 20), 20);
    throwsInvalidParameter(() => parseMaxResults('21', 20), 'maxResults must be an integer between 1 and 20.');
  });
});

describe('page', () => {
  const keyOf = (s: string) => s;
  it('no token when everything fits', () => {
    assert.deepEqual(page([], 3, keyOf, 'l'), { items: [] });
    assert.deepEqual(page(['a', 'b', 'c'], 3, keyOf, 'l'), { items: ['a', 'b', 'c'] });
  });
  it('a fetched extra item means another page, whose token names the last item returned', () => {
    const p = page(['a', 'b', 'c', 'd'], 3, keyOf, 'l');
    assert.deepEqual(p.items, ['a', 'b', 'c']);
    assert.ok(p.nextToken, 'nextToken set');
    assert.equal(decodeNextToken('l', p.nextToken), 'c');
  });
  it('uses keyOf for the key', () => {
    const p = page([{ id: 'x1' }, { id: 'x2' }], 1, (o) => o.id, 'l');
    assert.equal(decodeNextToken('l', p.nextToken), 'x1');
  });
});
