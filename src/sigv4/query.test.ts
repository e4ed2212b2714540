import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeComponent, encodeComponent, formatQuery, parseQuery } from './index.js';

test('parseQuery splits on & and the first =, skipping empty segments', () => {
  assert.deepEqual(parseQuery(''), { ok: true, pairs: [] });
  assert.deepEqual(parseQuery('a=1&&b&c=x=y&=v'), {
    ok: true,
    pairs: [
      ['a', '1'],
      ['b', ''],
      ['c', 'x=y'],
      ['', 'v'],
    ],
  });
  assert.deepEqual(parseQuery('a=1&a=2'), { ok: true, pairs: [['a', '1'], ['a', '2']] });
});

test('decoding is strict: + is space, bad escapes and bad UTF-8 fail', () => {
  assert.equal(decodeComponent('a+b%20c%2Bd'), 'a b c+d');
  assert.equal(decodeComponent('caf%C3%A9'), 'café');
  assert.equal(decodeComponent('%'), undefined);
  assert.equal(decodeComponent('%zz'), undefined);
  assert.equal(decodeComponent('60%gh'), undefined);
  assert.equal(decodeComponent('%C3'), undefined);
  assert.equal(decodeComponent('%FF'), undefined);
  assert.equal(parseQuery('x=60%gh').ok, false);
  assert.equal(parseQuery('a=1;b=2').ok, true);
  assert.equal(parseQuery('a=1;b=2', { rejectSemicolon: true }).ok, false);
});

test('encodeComponent is the SigV4 URI encoding (unreserved kept, space %20)', () => {
  assert.equal(encodeComponent("a b+c/d=~*!'()-_."), 'a%20b%2Bc%2Fd%3D~%2A%21%27%28%29-_.');
});

test('formatQuery then parseQuery round-trips any pairs', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }))), (pairs) => {
      const r = parseQuery(formatQuery(pairs));
      assert.ok(r.ok);
      assert.deepEqual(r.pairs, pairs);
    }),
  );
});
