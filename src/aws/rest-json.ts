/**
 * rest-json plumbing shared by the EKS API and Entryway's own API: body and query parsing, and
 * errors rendered as AWS does (status, `x-amzn-ErrorType`, JSON `{message, …}`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AwsError, eksError } from './errors.js';
import { StoreConflictError, StoreUnavailableError } from '../store/sql.js';

export function sendAwsError(reply: FastifyReply, e: AwsError): FastifyReply {
  reply.code(e.status).header('x-amzn-errortype', e.code).header('content-type', 'application/json');
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return reply.send(JSON.stringify({ message: e.message, ...e.fields }));
}

/** Anything thrown → a client-facing AwsError; unexpected failures become ServerException (logged). */
export function toAwsError(e: unknown, log?: FastifyRequest['log']): AwsError {
  if (e instanceof AwsError) return e;
  if (e instanceof StoreConflictError) return eksError.inUse('The resource was changed by a concurrent request; retry the call.');
  if (e instanceof StoreUnavailableError) return eksError.unavailable('The Entryway database is unavailable; the request was not applied. Retry later.');
  log?.error({ err: e }, 'unhandled error');
  return eksError.server('Entryway hit an internal error. The request was not applied.');
}

export function parseJsonBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 400, 'The request body is not valid JSON.');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new AwsError('SerializationException', 400, 'The request body must be a JSON object.');
  return v as Record<string, unknown>;
}

export function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
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
