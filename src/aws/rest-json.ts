/**
 * rest-json plumbing shared by the EKS API and Entryway's own API: body and query parsing, and
 * errors rendered as AWS does (status, `x-amzn-ErrorType`, JSON `{message, …}`).
 */
import type { FastifyReply } from 'fastify';
import { AwsError, eksError } from '../errors/aws-error.js';

export function sendAwsError(reply: FastifyReply, e: AwsError): FastifyReply {
  reply.code(e.status).header('x-amzn-errortype', e.code).header('content-type', 'application/json');
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return reply.send(JSON.stringify({ message: e.message, ...e.fields }));
}

/**
 * No AWS shape nests deeper than a handful of levels. A bound here keeps every later recursive walk
 * (request hashing, validation, audit) safe from stack overflow on `[[[[…]]]]` bodies.
 */
export const MAX_JSON_DEPTH = 32;

/** The deepest array/object nesting of a JSON text, counted without parsing (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

export function parseJsonBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  const text = raw.toString('utf8');
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new AwsError('SerializationException', 400, `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new AwsError('SerializationException', 400, 'The request body is not valid JSON.');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new AwsError('SerializationException', 400, 'The request body must be a JSON object.');
  return v as Record<string, unknown>;
}

export function parseQuery(rawQuery: string): Record<string, string | string[]> {
  // No prototype: a parameter named `__proto__` is just a key.
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const cur = out[k];
    out[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  return out;
}

export function singleQueryValue(q: Record<string, string | string[]>, key: string): string | undefined {
  const v = q[key];
  if (Array.isArray(v)) throw eksError.invalidParameter(`${key} may be given only once.`);
  return v;
}
