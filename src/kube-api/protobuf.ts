/**
 * Decoder for the bodies kubectl ≥1.32 sends to the review APIs: the Kubernetes protobuf envelope
 * (`k8s\0` + runtime.Unknown) around SelfSubjectReview, SelfSubjectAccessReview and
 * SelfSubjectRulesReview (k8s-authn-authz §5.4; field numbers from kubernetes/api's protobuf tags).
 *
 * Hand-written wire reader rather than protobufjs's Reader: we need only varints and
 * length-delimited fields, and here every malformed input must become one named error
 * (`ProtobufDecodeError`) with hard bounds — over-long varints, lengths past the end, groups nested
 * without limit, invalid wire types and field numbers — which is easier to guarantee and test in
 * ~100 lines we own than by relying on a general reader's partial checks (protobufjs silently
 * truncates over-long uint32 varints, for one).
 *
 * Semantics follow Go's generated (gogo) unmarshalers: unknown fields of any wire type are skipped;
 * a known field with the wrong wire type is an error; a repeated scalar keeps the last value and a
 * repeated embedded message is merged. Strings must be valid UTF-8.
 */

export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
}

/** `k8s\0`: the prefix of every Kubernetes protobuf-encoded object. */
export const K8S_PROTOBUF_MAGIC: readonly number[] = [0x6b, 0x38, 0x73, 0x00];

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const MAX_FIELD_NUMBER = 536_870_911; // 2^29 - 1
const MAX_GROUP_DEPTH = 32;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads one message's fields in order. Every method throws ProtobufDecodeError on bad input. */
export class WireReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** An unsigned varint (up to 10 bytes). Values above 2^53 lose precision; callers only bound-check them. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new ProtobufDecodeError('truncated varint');
      const b = this.buf[this.pos++]!;
      // The 10th byte may only carry the 64th bit (and so cannot continue).
      if (i === 9 && b > 1) throw new ProtobufDecodeError('varint overflows 64 bits');
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new ProtobufDecodeError('varint overflows 64 bits'); // unreachable: the 10th byte ends it
  }

  /** The next field's key; the caller then reads or skips its value. */
  tag(): { field: number; wireType: number } {
    const key = this.varint();
    if (key > 0xffff_ffff) throw new ProtobufDecodeError('field key overflows 32 bits');
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === 0 || field > MAX_FIELD_NUMBER) throw new ProtobufDecodeError(`invalid field number ${field}`);
    if (wireType > WIRE_FIXED32) throw new ProtobufDecodeError(`invalid wire type ${wireType} for field ${field}`);
    return { field, wireType };
  }

  bytes(): Uint8Array {
    const n = this.varint();
    if (n > this.buf.length - this.pos) throw new ProtobufDecodeError(`length ${n} runs past the end of the message`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const b = this.bytes();
    try {
      return utf8.decode(b);
    } catch {
      throw new ProtobufDecodeError('string is not valid UTF-8');
    }
  }

  private advance(n: number): void {
    if (n > this.buf.length - this.pos) throw new ProtobufDecodeError('truncated fixed-width field');
    this.pos += n;
  }

  /** Skips the value of a field read with `tag()` (unknown fields). */
  skip(field: number, wireType: number, depth = 0): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      case WIRE_START_GROUP: {
        if (depth >= MAX_GROUP_DEPTH) throw new ProtobufDecodeError('groups nested too deeply');
        for (;;) {
          if (this.done) throw new ProtobufDecodeError(`unterminated group ${field}`);
          const t = this.tag();
          if (t.wireType === WIRE_END_GROUP) {
            if (t.field !== field) throw new ProtobufDecodeError(`group ${field} closed by end-group ${t.field}`);
            return;
          }
          this.skip(t.field, t.wireType, depth + 1);
        }
      }
      case WIRE_END_GROUP:
        throw new ProtobufDecodeError(`unexpected end-group ${field}`);
      default:
        throw new ProtobufDecodeError(`invalid wire type ${wireType}`);
    }
  }
}

type FieldVisitor = (field: number, wireType: number, r: WireReader) => boolean;

/**
 * Walks a message: `visit` reads the fields it knows and returns true; anything else is skipped.
 */
function walk(buf: Uint8Array, visit: FieldVisitor): void {
  const r = new WireReader(buf);
  while (!r.done) {
    const { field, wireType } = r.tag();
    if (!visit(field, wireType, r)) r.skip(field, wireType);
  }
}

function expectBytes(wireType: number, what: string): void {
  if (wireType !== WIRE_BYTES) throw new ProtobufDecodeError(`wrong wire type ${wireType} for ${what}`);
}

/** A string field: numbers map to property names of `into`. */
function stringFields<T extends object>(buf: Uint8Array, names: Readonly<Record<number, keyof T & string>>, into: T, what: string): T {
  walk(buf, (field, wireType, r) => {
    const name = names[field];
    if (name === undefined) return false;
    expectBytes(wireType, `${what}.${name}`);
    (into as Record<string, unknown>)[name] = r.string();
    return true;
  });
  return into;
}

// ---- runtime.Unknown --------------------------------------------------------------------------

export interface K8sEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function hasK8sMagic(body: Uint8Array): boolean {
  return body.length >= 4 && K8S_PROTOBUF_MAGIC.every((b, i) => body[i] === b);
}

/** `k8s\0` + runtime.Unknown{1 typeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}. */
export function decodeEnvelope(body: Uint8Array): K8sEnvelope {
  if (!hasK8sMagic(body)) throw new ProtobufDecodeError('missing the k8s protobuf prefix (6b 38 73 00)');
  const out: K8sEnvelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  walk(body.subarray(4), (field, wireType, r) => {
    switch (field) {
      case 1:
        expectBytes(wireType, 'Unknown.typeMeta');
        stringFields(r.bytes(), { 1: 'apiVersion', 2: 'kind' }, out, 'Unknown.typeMeta');
        return true;
      case 2:
        expectBytes(wireType, 'Unknown.raw');
        out.raw = r.bytes();
        return true;
      case 3:
        expectBytes(wireType, 'Unknown.contentEncoding');
        out.contentEncoding = r.string();
        return true;
      case 4:
        expectBytes(wireType, 'Unknown.contentType');
        out.contentType = r.string();
        return true;
      default:
        return false;
    }
  });
  return out;
}

// ---- authorization.k8s.io/v1 -------------------------------------------------------------------

export interface SelectorRequirement {
  key: string;
  operator: string;
  values: string[];
}

export interface SelectorAttributes {
  rawSelector: string;
  requirements: SelectorRequirement[];
}

export interface DecodedResourceAttributes {
  namespace: string;
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  name: string;
  fieldSelector?: SelectorAttributes;
  labelSelector?: SelectorAttributes;
}

export interface DecodedNonResourceAttributes {
  path: string;
  verb: string;
}

export interface DecodedAccessReviewSpec {
  resourceAttributes?: DecodedResourceAttributes;
  nonResourceAttributes?: DecodedNonResourceAttributes;
}

/** Field{Label}SelectorAttributes{1 rawSelector, 2 requirements[]{1 key, 2 operator, 3 values[]}} — same numbers for both. */
function decodeSelector(buf: Uint8Array, into: SelectorAttributes, what: string): SelectorAttributes {
  walk(buf, (field, wireType, r) => {
    if (field === 1) {
      expectBytes(wireType, `${what}.rawSelector`);
      into.rawSelector = r.string();
      return true;
    }
    if (field !== 2) return false;
    expectBytes(wireType, `${what}.requirements`);
    const req: SelectorRequirement = { key: '', operator: '', values: [] };
    walk(r.bytes(), (f, wt, rr) => {
      if (f === 3) {
        expectBytes(wt, `${what}.requirements.values`);
        req.values.push(rr.string());
        return true;
      }
      if (f !== 1 && f !== 2) return false;
      expectBytes(wt, `${what}.requirements`);
      req[f === 1 ? 'key' : 'operator'] = rr.string();
      return true;
    });
    into.requirements.push(req);
    return true;
  });
  return into;
}

const RESOURCE_ATTRIBUTE_STRINGS = { 1: 'namespace', 2: 'verb', 3: 'group', 4: 'version', 5: 'resource', 6: 'subresource', 7: 'name' } as const;

function decodeResourceAttributes(buf: Uint8Array, into: DecodedResourceAttributes): DecodedResourceAttributes {
  walk(buf, (field, wireType, r) => {
    const name = RESOURCE_ATTRIBUTE_STRINGS[field as keyof typeof RESOURCE_ATTRIBUTE_STRINGS];
    if (name !== undefined) {
      expectBytes(wireType, `resourceAttributes.${name}`);
      into[name] = r.string();
      return true;
    }
    if (field !== 8 && field !== 9) return false;
    const key = field === 8 ? 'fieldSelector' : 'labelSelector';
    expectBytes(wireType, `resourceAttributes.${key}`);
    into[key] = decodeSelector(r.bytes(), into[key] ?? { rawSelector: '', requirements: [] }, `resourceAttributes.${key}`);
    return true;
  });
  return into;
}

/** SelfSubjectAccessReview{1 metadata, 2 spec{1 resourceAttributes, 2 nonResourceAttributes}, 3 status}. */
export function decodeSelfSubjectAccessReview(raw: Uint8Array): { spec: DecodedAccessReviewSpec } {
  const spec: DecodedAccessReviewSpec = {};
  walk(raw, (field, wireType, r) => {
    if (field !== 2) return false;
    expectBytes(wireType, 'SelfSubjectAccessReview.spec');
    walk(r.bytes(), (f, wt, rr) => {
      if (f === 1) {
        expectBytes(wt, 'spec.resourceAttributes');
        spec.resourceAttributes = decodeResourceAttributes(
          rr.bytes(),
          spec.resourceAttributes ?? { namespace: '', verb: '', group: '', version: '', resource: '', subresource: '', name: '' },
        );
        return true;
      }
      if (f === 2) {
        expectBytes(wt, 'spec.nonResourceAttributes');
        spec.nonResourceAttributes = stringFields(rr.bytes(), { 1: 'path', 2: 'verb' }, spec.nonResourceAttributes ?? { path: '', verb: '' }, 'nonResourceAttributes');
        return true;
      }
      return false;
    });
    return true;
  });
  return { spec };
}

/** SelfSubjectRulesReview{1 metadata, 2 spec{1 namespace}, 3 status}. */
export function decodeSelfSubjectRulesReview(raw: Uint8Array): { spec: { namespace: string } } {
  const spec = { namespace: '' };
  walk(raw, (field, wireType, r) => {
    if (field !== 2) return false;
    expectBytes(wireType, 'SelfSubjectRulesReview.spec');
    stringFields(r.bytes(), { 1: 'namespace' }, spec, 'spec');
    return true;
  });
  return { spec };
}

/** SelfSubjectReview{1 metadata, 2 status}: nothing is read, but the message must be well-formed. */
export function decodeSelfSubjectReview(raw: Uint8Array): Record<string, never> {
  walk(raw, () => false);
  return {};
}
