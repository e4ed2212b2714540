/**
 * Request bodies of the three review APIs → what the review needs. Pure.
 * Accepts JSON (kubectl ≤1.31, curl) and the Kubernetes protobuf envelope (kubectl ≥1.32, which
 * never falls back to JSON). Errors are Kubernetes-shaped: 415 for a media type we cannot read,
 * 400 for a body we cannot decode, 422 for a decodable but invalid review — never a 5xx.
 */
import type { RequestAttributes } from '../policy/engine.js';
import type { DecodedAccessReviewSpec, DecodedResourceAttributes, SelectorAttributes } from './protobuf.js';
import { decodeEnvelope, decodeSelfSubjectAccessReview, decodeSelfSubjectReview, decodeSelfSubjectRulesReview, hasK8sMagic, ProtobufDecodeError } from './protobuf.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
export const JSON_MEDIA_TYPE = 'application/json';

/** Review bodies are a few hundred bytes; anything near this is not a real request. */
export const MAX_REVIEW_BODY_BYTES = 64 * 1024;

export type ReviewKind = 'SelfSubjectReview' | 'SelfSubjectAccessReview' | 'SelfSubjectRulesReview';

/** A refusal as a Kubernetes Status: HTTP code and `reason`. */
export class ReviewRequestError extends Error {
  override readonly name = 'ReviewRequestError';
  constructor(
    readonly code: 400 | 415 | 422,
    readonly reason: 'BadRequest' | 'UnsupportedMediaType' | 'Invalid',
    message: string,
  ) {
    super(message);
  }
}

export type ReviewRequest =
  | { kind: 'SelfSubjectReview' }
  | { kind: 'SelfSubjectAccessReview'; spec: DecodedAccessReviewSpec }
  | { kind: 'SelfSubjectRulesReview'; spec: { namespace: string } };

const bad = (message: string) => new ReviewRequestError(400, 'BadRequest', message);

function mediaTypeOf(contentType: string | undefined, body: Uint8Array): 'json' | 'protobuf' | undefined {
  const mt = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mt === PROTOBUF_MEDIA_TYPE) return 'protobuf';
  if (mt === JSON_MEDIA_TYPE) return 'json';
  // No header: go by the bytes (client-go always sends one).
  if (mt === '') return hasK8sMagic(body) ? 'protobuf' : 'json';
  return undefined;
}

/**
 * Decodes a review body posted to `apiVersion` (from the path). The body's own apiVersion/kind, when
 * given, must match — kube-apiserver refuses a mismatch the same way.
 */
export function parseReviewRequest(kind: ReviewKind, apiVersion: string, contentType: string | undefined, body: Uint8Array): ReviewRequest {
  const media = mediaTypeOf(contentType, body);
  if (media === undefined) {
    throw new ReviewRequestError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${JSON_MEDIA_TYPE}, ${PROTOBUF_MEDIA_TYPE}`);
  }
  if (body.length === 0) throw bad('the request body is empty');
  if (body.length > MAX_REVIEW_BODY_BYTES) throw bad(`the request body is larger than ${MAX_REVIEW_BODY_BYTES} bytes`);
  return media === 'protobuf' ? fromProtobuf(kind, apiVersion, body) : fromJson(kind, apiVersion, body);
}

function checkTypeMeta(kind: ReviewKind, apiVersion: string, gotApiVersion: string, gotKind: string): void {
  if (gotApiVersion !== '' && gotApiVersion !== apiVersion) {
    throw bad(`the API version in the data (${gotApiVersion.slice(0, 100)}) does not match the expected API version (${apiVersion})`);
  }
  if (gotKind !== '' && gotKind !== kind) throw bad(`the kind in the data (${gotKind.slice(0, 100)}) does not match the expected kind (${kind})`);
}

function fromProtobuf(kind: ReviewKind, apiVersion: string, body: Uint8Array): ReviewRequest {
  try {
    const env = decodeEnvelope(body);
    checkTypeMeta(kind, apiVersion, env.apiVersion, env.kind);
    if (env.contentEncoding !== '') throw bad(`unsupported content encoding ${JSON.stringify(env.contentEncoding.slice(0, 100))}`);
    if (env.contentType !== '' && env.contentType !== PROTOBUF_MEDIA_TYPE) throw bad(`unsupported embedded content type ${JSON.stringify(env.contentType.slice(0, 100))}`);
    switch (kind) {
      case 'SelfSubjectReview':
        decodeSelfSubjectReview(env.raw);
        return { kind };
      case 'SelfSubjectAccessReview':
        return { kind, spec: validateAccessSpec(decodeSelfSubjectAccessReview(env.raw).spec) };
      case 'SelfSubjectRulesReview':
        return { kind, spec: decodeSelfSubjectRulesReview(env.raw).spec };
    }
  } catch (e) {
    if (e instanceof ProtobufDecodeError) throw bad(`the protobuf body could not be decoded: ${e.message}`);
    throw e;
  }
}

// ---- JSON -------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Like Go's decoder: absent or null → "", wrong type → error. */
function str(o: Obj, key: string, at: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(`${at}.${key}: expected a string`);
  return v;
}

function optObj(o: Obj, key: string, at: string): Obj | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw bad(`${at}.${key}: expected an object`);
  return v;
}

function jsonSelector(o: Obj | undefined, at: string): SelectorAttributes | undefined {
  if (o === undefined) return undefined;
  const reqs = o['requirements'];
  if (reqs !== undefined && reqs !== null && !Array.isArray(reqs)) throw bad(`${at}.requirements: expected an array`);
  const requirements = ((reqs as unknown[] | null | undefined) ?? []).map((r, i) => {
    if (!isObj(r)) throw bad(`${at}.requirements[${i}]: expected an object`);
    const values = r['values'];
    if (values !== undefined && values !== null && (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))) {
      throw bad(`${at}.requirements[${i}].values: expected an array of strings`);
    }
    return { key: str(r, 'key', `${at}.requirements[${i}]`), operator: str(r, 'operator', `${at}.requirements[${i}]`), values: [...((values as string[] | null | undefined) ?? [])] };
  });
  return { rawSelector: str(o, 'rawSelector', at), requirements };
}

function fromJson(kind: ReviewKind, apiVersion: string, body: Uint8Array): ReviewRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw bad('the request body is not valid JSON');
  }
  if (!isObj(doc)) throw bad('the request body must be a JSON object');
  const gotApiVersion = doc['apiVersion'];
  const gotKind = doc['kind'];
  if ((gotApiVersion !== undefined && typeof gotApiVersion !== 'string') || (gotKind !== undefined && typeof gotKind !== 'string')) throw bad('apiVersion and kind must be strings');
  checkTypeMeta(kind, apiVersion, gotApiVersion ?? '', gotKind ?? '');
  const spec = optObj(doc, 'spec', '') ?? {};
  switch (kind) {
    case 'SelfSubjectReview':
      return { kind };
    case 'SelfSubjectRulesReview':
      return { kind, spec: { namespace: str(spec, 'namespace', 'spec') } };
    case 'SelfSubjectAccessReview': {
      const out: DecodedAccessReviewSpec = {};
      const ra = optObj(spec, 'resourceAttributes', 'spec');
      if (ra) {
        const at = 'spec.resourceAttributes';
        const attrs: DecodedResourceAttributes = {
          namespace: str(ra, 'namespace', at),
          verb: str(ra, 'verb', at),
          group: str(ra, 'group', at),
          version: str(ra, 'version', at),
          resource: str(ra, 'resource', at),
          subresource: str(ra, 'subresource', at),
          name: str(ra, 'name', at),
        };
        const fs = jsonSelector(optObj(ra, 'fieldSelector', at), `${at}.fieldSelector`);
        const ls = jsonSelector(optObj(ra, 'labelSelector', at), `${at}.labelSelector`);
        out.resourceAttributes = { ...attrs, ...(fs ? { fieldSelector: fs } : {}), ...(ls ? { labelSelector: ls } : {}) };
      }
      const nra = optObj(spec, 'nonResourceAttributes', 'spec');
      if (nra) out.nonResourceAttributes = { path: str(nra, 'path', 'spec.nonResourceAttributes'), verb: str(nra, 'verb', 'spec.nonResourceAttributes') };
      return { kind, spec: validateAccessSpec(out) };
    }
  }
}

/** kube-apiserver's SelfSubjectAccessReview validation: exactly one kind of attributes. */
function validateAccessSpec(spec: DecodedAccessReviewSpec): DecodedAccessReviewSpec {
  if ((spec.resourceAttributes === undefined) === (spec.nonResourceAttributes === undefined)) {
    throw new ReviewRequestError(422, 'Invalid', 'SelfSubjectAccessReview.authorization.k8s.io is invalid: spec: exactly one of nonResourceAttributes or resourceAttributes must be specified');
  }
  return spec;
}

/**
 * The attributes to authorize. Selectors are left out: they only ever narrow a request, and access
 * policies (like RBAC) do not look at them, so ignoring them is safe.
 */
export function attributesOf(spec: DecodedAccessReviewSpec): RequestAttributes {
  const ra = spec.resourceAttributes;
  if (ra) return { namespace: ra.namespace, verb: ra.verb, group: ra.group, version: ra.version, resource: ra.resource, subresource: ra.subresource, name: ra.name };
  const nra = spec.nonResourceAttributes ?? { path: '', verb: '' };
  return { path: nra.path, verb: nra.verb };
}
