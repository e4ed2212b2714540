/**
 * The one reader of rest-json input: a request's path parameters, query and JSON body become the
 * operation's typed input, checked against the operation's shape from botocore's model
 * (data/eks-inputs.json, written by scripts/gen-eks-inputs.mjs together with the TypeScript types
 * in model/eks-inputs.generated.ts). It checks what the model declares: each body member's JSON type,
 * nested structures, lists and maps, and required path and query members; required body members
 * and the values themselves (ARN forms, name patterns, enums, ranges) are the rules' business, with
 * EKS's wording and order. Unknown members are
 * ignored and `null` counts as absent, as AWS's own deserializers do.
 *
 * Wording of type errors (UNCONFIRMED against EKS, which answers some with a
 * SerializationException naming a Java type): the operation's own input error (InvalidParameter-
 * Exception; BadRequestException for the tag operations, which declare only that) saying
 * "<member path> must be a string." — the member named as the client sent it — and "<member> is
 * required." for a missing path or query member, the wording Entryway's rules already use.
 */
import model from '../../data/eks-inputs.json' with { type: 'json' };
import { AwsError } from '../errors/aws-error.js';

interface ShapeSpec {
  type: string;
  enum?: string[];
  members?: Record<string, { shape: string; location?: string; locationName?: string }>;
  required?: string[];
  member?: string;
  key?: string;
  value?: string;
}

const SHAPES = model.shapes as Record<string, ShapeSpec>;
const OPERATIONS = model.operations as Record<string, { method: string; uri: string; input: string; invalidInput: string }>;

/** The wire parts of a rest-json request. */
export interface RestJsonParts {
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  body: Record<string, unknown>;
}


const JSON_TYPE: Record<string, string> = {
  string: 'a string',
  boolean: 'true or false',
  integer: 'an integer',
  long: 'an integer',
  list: 'a list',
  map: 'an object of keys and values',
  structure: 'an object',
  timestamp: 'a timestamp',
};

function describeExpected(shape: ShapeSpec): string {
  if (shape.type === 'list' && shape.member && SHAPES[shape.member]?.type === 'string') return 'a list of strings';
  if (shape.type === 'map' && shape.value && SHAPES[shape.value]?.type === 'string') return 'an object of string values';
  return JSON_TYPE[shape.type] ?? 'a value of another type';
}

type Invalid = (message: string) => AwsError;

/** A body value checked against its shape; returns the value with nulls dropped. */
function readValue(v: unknown, shapeName: string, path: string, invalid: Invalid): unknown {
  const shape = SHAPES[shapeName];
  if (!shape) return v;
  const wrong = () => invalid(`${path} must be ${describeExpected(shape)}.`);
  switch (shape.type) {
    case 'string':
      if (typeof v !== 'string') throw wrong();
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw wrong();
      return v;
    case 'integer':
    case 'long':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw wrong();
      return v;
    case 'timestamp':
      if (typeof v !== 'number' && typeof v !== 'string') throw wrong();
      return v;
    case 'list': {
      if (!Array.isArray(v)) throw wrong();
      return v.map((x, i) => {
        if (x === null) throw wrong();
        return readValue(x, shape.member as string, `${path}[${i}]`, invalid);
      });
    }
    case 'map': {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw wrong();
      const out = Object.create(null) as Record<string, unknown>;
      for (const [k, x] of Object.entries(v)) {
        if (x === null) throw invalid(`The value of ${JSON.stringify(k.slice(0, 128))} in ${path} must be ${describeExpected(SHAPES[shape.value as string] as ShapeSpec)}.`);
        out[k] = readValue(x, shape.value as string, `${path}.${k.slice(0, 128)}`, invalid);
      }
      return out;
    }
    case 'structure':
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw wrong();
      return readStructure(v as Record<string, unknown>, shape, `${path}.`, invalid);
    default:
      return v;
  }
}

function readStructure(v: Record<string, unknown>, shape: ShapeSpec, prefix: string, invalid: Invalid): Record<string, unknown> {
  // Plain objects: their keys are the model's member names. Maps (user keys) have no prototype.
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(shape.members ?? {})) {
    const x = Object.prototype.hasOwnProperty.call(v, name) ? v[name] : undefined;
    if (x === undefined || x === null) continue;
    out[name] = readValue(x, m.shape, `${prefix}${name}`, invalid);
  }
  return out;
}

/** Whether the model knows the operation (every EKS route must: eks-api's tests check). */
export function hasInputShape(operation: string): boolean {
  return OPERATIONS[operation] !== undefined;
}

/**
 * Reads an operation's input from its wire parts. Path members come from the route's parameters,
 * query members as text (a repeated parameter only for a list member), body members checked by
 * type. Throws InvalidParameterException.
 */
export function readRestJsonInput<T>(operation: string, parts: RestJsonParts): T {
  const op = OPERATIONS[operation];
  if (!op) throw new Error(`no input shape for ${operation}; run scripts/gen-eks-inputs.mjs`);
  const shape = SHAPES[op.input] as ShapeSpec;
  const invalid: Invalid = (message) => new AwsError(op.invalidInput, 400, message);
  const out: Record<string, unknown> = {};
  const body = Object.create(null) as Record<string, unknown>;
  const bodyMembers: ShapeSpec = { type: 'structure', members: {} };
  for (const [name, m] of Object.entries(shape.members ?? {})) {
    if (m.location === 'uri') {
      const v = parts.params[m.locationName ?? name];
      if (v !== undefined) out[name] = v;
    } else if (m.location === 'querystring') {
      const v = parts.query[m.locationName ?? name];
      if (v === undefined) continue;
      if (SHAPES[m.shape]?.type === 'list') out[name] = Array.isArray(v) ? v : [v];
      else if (Array.isArray(v)) throw invalid(`${m.locationName ?? name} may be given only once.`);
      else out[name] = v;
    } else if (m.location === undefined) {
      (bodyMembers.members as Record<string, { shape: string }>)[name] = m;
      if (Object.prototype.hasOwnProperty.call(parts.body, name)) body[name] = parts.body[name];
    }
  }
  Object.assign(out, readStructure(body, bodyMembers, '', invalid));
  // Required path and query members; required body members are the services' to check (see the
  // types' note), so an invalid request still meets the cluster's gates first, as on EKS.
  for (const r of shape.required ?? []) {
    const m = shape.members?.[r];
    if (m?.location && out[r] === undefined) throw invalid(`${m.locationName ?? r} is required.`);
  }
  return out as T;
}
