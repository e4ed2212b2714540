import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEnvelope, decodeSelfSubjectAccessReview, decodeSelfSubjectReview, decodeSelfSubjectRulesReview, ProtobufDecodeError, WireReader } from './protobuf.js';
import { captured, capturedRequests } from './testdata/slices.js';

// ---- a tiny encoder for hand-built messages ----
const varint = (n: number | bigint): number[] => {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
};
const key = (field: number, wt: number) => varint(field * 8 + wt);
const ld = (field: number, bytes: number[] | Uint8Array) => [...key(field, 2), ...varint(bytes.length), ...bytes];
const str = (field: number, s: string) => ld(field, [...Buffer.from(s, 'utf8')]);
const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const envelope = (raw: number[], apiVersion = 'authorization.k8s.io/v1', kind = 'SelfSubjectAccessReview', extra: number[] = []) =>
  new Uint8Array([...MAGIC, ...ld(1, [...str(1, apiVersion), ...str(2, kind)]), ...ld(2, raw), ...extra]);

const throwsDecode = (fn: () => unknown, re: RegExp, what: string) =>
  assert.throws(fn, (e: unknown) => e instanceof ProtobufDecodeError && re.test(e.message), what);

test('kubectl 1.32.4 bodies: envelopes decode with type meta and empty encoding', () => {
  const all = capturedRequests();
  assert.equal(all.length, 10, 'fixture count');
  for (const r of all) {
    const env = decodeEnvelope(Buffer.from(r.body, 'hex'));
    const expectedKind = r.path.endsWith('selfsubjectreviews') ? 'SelfSubjectReview' : r.path.endsWith('selfsubjectaccessreviews') ? 'SelfSubjectAccessReview' : 'SelfSubjectRulesReview';
    assert.equal(env.kind, expectedKind, r.command);
    assert.equal(env.apiVersion, r.path.split('/').slice(2, 4).join('/'), r.command);
    assert.equal(env.contentEncoding, '', r.command);
    assert.equal(env.contentType, '', r.command);
  }
});

test('kubectl 1.32.4 bodies: SelfSubjectAccessReview attributes', () => {
  const ra = (command: string) => decodeSelfSubjectAccessReview(decodeEnvelope(captured(command)).raw).spec;
  const base = { namespace: '', verb: '', group: '', version: '', resource: '', subresource: '', name: '' };
  assert.deepEqual(ra('kubectl auth can-i list pods -A'), { resourceAttributes: { ...base, verb: 'list', resource: 'pods' } }, 'list pods -A');
  assert.deepEqual(ra('kubectl auth can-i create deployments -n dev-a'), { resourceAttributes: { ...base, namespace: 'dev-a', verb: 'create', group: 'apps', resource: 'deployments' } }, 'create deployments');
  assert.deepEqual(ra('kubectl auth can-i get pods --subresource=log -n x'), { resourceAttributes: { ...base, namespace: 'x', verb: 'get', resource: 'pods', subresource: 'log' } }, 'pods/log');
  assert.deepEqual(ra('kubectl auth can-i get secrets/db -n prod'), { resourceAttributes: { ...base, namespace: 'prod', verb: 'get', resource: 'secrets', name: 'db' } }, 'named');
  assert.deepEqual(ra("kubectl auth can-i '*' '*'"), { resourceAttributes: { ...base, namespace: 'default', verb: '*', resource: '*' } }, 'star');
  assert.deepEqual(ra('kubectl auth can-i get /healthz'), { nonResourceAttributes: { path: '/healthz', verb: 'get' } }, 'non-resource');
});

test('kubectl 1.32.4 bodies: SelfSubjectRulesReview namespace and SelfSubjectReview', () => {
  assert.deepEqual(decodeSelfSubjectRulesReview(decodeEnvelope(captured('kubectl auth can-i --list -n dev-a')).raw), { spec: { namespace: 'dev-a' } }, '-n dev-a');
  assert.deepEqual(decodeSelfSubjectRulesReview(decodeEnvelope(captured('kubectl auth can-i --list')).raw), { spec: { namespace: 'default' } }, 'context namespace');
  assert.deepEqual(decodeSelfSubjectReview(decodeEnvelope(captured('kubectl auth whoami')).raw), {}, 'whoami');
});

test('selectors decode (raw selector and requirements) and repeated embedded messages merge', () => {
  const req = [...str(1, 'app'), ...str(2, 'In'), ...str(3, 'a'), ...str(3, 'b')];
  const raw = ld(2, [...ld(1, [...str(2, 'list'), ...str(5, 'pods'), ...ld(8, [...str(1, 'metadata.name=x')]), ...ld(9, [...str(1, 'app in (a,b)'), ...ld(2, req)])]), ...ld(1, str(1, 'ns'))]);
  const spec = decodeSelfSubjectAccessReview(new Uint8Array(raw)).spec;
  assert.equal(spec.resourceAttributes?.verb, 'list', 'first part kept');
  assert.equal(spec.resourceAttributes?.namespace, 'ns', 'second part merged');
  assert.deepEqual(spec.resourceAttributes?.fieldSelector, { rawSelector: 'metadata.name=x', requirements: [] }, 'field selector');
  assert.deepEqual(spec.resourceAttributes?.labelSelector, { rawSelector: 'app in (a,b)', requirements: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] }, 'label selector');
});

test('a repeated scalar keeps the last value', () => {
  const spec = decodeSelfSubjectAccessReview(new Uint8Array(ld(2, ld(2, [...str(1, '/a'), ...str(1, '/b'), ...str(2, 'get')])))).spec;
  assert.deepEqual(spec.nonResourceAttributes, { path: '/b', verb: 'get' }, 'last wins');
});

test('unknown fields of every wire type are skipped, at every level', () => {
  const unknown = [
    ...key(20, 0), ...varint(2n ** 64n - 1n), // 10-byte varint
    ...key(21, 1), 1, 2, 3, 4, 5, 6, 7, 8,
    ...ld(22, [0xff, 0x00, 0x80]),
    ...key(23, 5), 1, 2, 3, 4,
    ...key(24, 3), ...key(1, 0), 5, ...key(2, 3), ...key(1, 5), 0, 0, 0, 0, ...key(2, 4), ...key(24, 4), // nested groups
  ];
  const ra = [...unknown, ...str(2, 'get'), ...unknown, ...str(5, 'pods')];
  const raw = [...unknown, ...ld(2, [...unknown, ...ld(1, ra)]), ...unknown];
  const env = decodeEnvelope(envelope(raw, undefined, undefined, unknown));
  const spec = decodeSelfSubjectAccessReview(env.raw).spec;
  assert.equal(spec.resourceAttributes?.verb, 'get', 'verb');
  assert.equal(spec.resourceAttributes?.resource, 'pods', 'resource');
  assert.deepEqual(decodeSelfSubjectRulesReview(new Uint8Array([...unknown, ...ld(2, [...unknown, ...str(1, 'ns')])])).spec, { namespace: 'ns' }, 'rules review');
});

test('malformed input: each case is a ProtobufDecodeError', () => {
  throwsDecode(() => decodeEnvelope(new Uint8Array([0x6b, 0x38, 0x73, 0x01])), /prefix/, 'wrong magic');
  throwsDecode(() => decodeEnvelope(new Uint8Array([0x7b, 0x7d])), /prefix/, 'JSON is not protobuf');
  throwsDecode(() => decodeEnvelope(new Uint8Array([])), /prefix/, 'empty');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, 0x12, 0x80])), /truncated varint/, 'truncated length varint');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, 0x80])), /truncated varint/, 'truncated key');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, 0x12, ...varint(2 ** 31)])), /runs past the end/, 'huge length');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, 0x12, ...varint(2n ** 63n)])), /runs past the end/, 'length near 2^64');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, 0x12, 5, 1, 2])), /runs past the end/, 'length past the end');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), /overflows 64 bits/, 'over-long (11-byte) varint');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])), /overflows 64 bits/, '10th byte overflow');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 0), 0x80, 0x80, 0x80])), /truncated varint/, 'truncated value varint');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 1), 1, 2, 3])), /truncated fixed-width/, 'truncated fixed64');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 5), 1])), /truncated fixed-width/, 'truncated fixed32');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 6)])), /invalid wire type 6/, 'wire type 6');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 7)])), /invalid wire type 7/, 'wire type 7');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, 0x02, 0x00])), /invalid field number 0/, 'field 0');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...varint(2 ** 35)])), /overflows 32 bits/, 'key past 32 bits');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 4)])), /unexpected end-group/, 'stray end group');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 3), ...key(1, 0), 1])), /unterminated group/, 'unterminated group');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(9, 3), ...key(8, 4)])), /closed by end-group 8/, 'mismatched end group');
  const deep = [...Array.from({ length: 40 }, () => key(9, 3)).flat(), ...Array.from({ length: 40 }, () => key(9, 4)).flat()];
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...deep])), /nested too deeply/, 'deep groups');
  throwsDecode(() => decodeEnvelope(new Uint8Array([...MAGIC, ...key(2, 0), 1])), /wrong wire type 0 for Unknown.raw/, 'known field, wrong wire type');
  throwsDecode(() => decodeSelfSubjectAccessReview(new Uint8Array(ld(2, ld(1, [...key(2, 0), 1])))), /resourceAttributes.verb/, 'verb as varint');
  throwsDecode(() => decodeSelfSubjectAccessReview(new Uint8Array(ld(2, ld(1, ld(2, [0xc3, 0x28]))))), /UTF-8/, 'invalid UTF-8');
  throwsDecode(() => decodeSelfSubjectAccessReview(new Uint8Array([...key(2, 2), 10, ...str(1, 'x')])), /runs past the end/, 'spec length past the end');
  throwsDecode(() => decodeSelfSubjectReview(new Uint8Array([0x0a])), /truncated varint/, 'SelfSubjectReview is still checked');
});

test('the reader reads values exactly', () => {
  const r = new WireReader(new Uint8Array([...varint(300), ...varint(2 ** 40)]));
  assert.equal(r.varint(), 300, 'two-byte varint');
  assert.equal(r.varint(), 2 ** 40, 'six-byte varint');
  assert.equal(r.done, true, 'consumed');
});

test('arbitrary bytes never escape as anything but ProtobufDecodeError', () => {
  const decoders = [
    (b: Uint8Array) => decodeEnvelope(new Uint8Array([...MAGIC, ...b])),
    decodeSelfSubjectAccessReview,
    decodeSelfSubjectRulesReview,
    decodeSelfSubjectReview,
  ];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: decoders.length - 1 }), (bytes, i) => {
      try {
        decoders[i]!(bytes);
      } catch (e) {
        if (!(e instanceof ProtobufDecodeError)) throw e;
      }
    }),
    { numRuns: 3000 },
  );
  // Mutations of real bodies: flip bytes and cut tails.
  const bodies = capturedRequests().map((r) => Buffer.from(r.body, 'hex'));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: bodies.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (bi, pos, byte, cut) => {
      const b = Buffer.from(bodies[bi]!);
      b[pos % b.length] = byte;
      const sliced = b.subarray(0, b.length - (cut % 8));
      try {
        const env = decodeEnvelope(sliced);
        decodeSelfSubjectAccessReview(env.raw);
      } catch (e) {
        if (!(e instanceof ProtobufDecodeError)) throw e;
      }
    }),
    { numRuns: 3000 },
  );
});
