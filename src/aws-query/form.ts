/**
 * Decoding of AWS query-protocol parameters (`application/x-www-form-urlencoded` bodies and query
 * strings) into a nested structure, strictly:
 * - `Foo.member.N[.Bar]` becomes a list (N from 1, contiguous, at most 1000), `Foo.Bar` an object;
 * - an empty list arrives as `Foo=` (botocore) and stays the empty string for the reader to accept;
 * - repeated names, a name that is both a value and a parent, bad escapes, invalid UTF-8 and
 *   absurd sizes are refused with a 400 instead of being guessed at.
 */
import { AwsError } from '../errors/aws-error.js';
import type { Params } from '../iam/input.js';
import { parseQuery } from '../sigv4/index.js';

export const MAX_PARAMS = 2000;
const MAX_DEPTH = 8;
const MAX_LIST = 1000;

export const malformed = (message: string): AwsError => new AwsError('MalformedQueryString', 400, message);

export interface DecodedRequest {
  action?: string;
  version?: string;
  params: Params;
}

type Node = { value?: string; children?: Map<string, Node> };

function toValue(node: Node, name: string): unknown {
  if (!node.children) return node.value;
  if (node.value !== undefined) throw malformed(`Parameter ${name} is given both as a value and as a structure.`);
  const keys = [...node.children.keys()];
  if (keys.length === 1 && keys[0] === 'member') {
    const members = (node.children.get('member') as Node).children;
    if (!members) throw malformed(`Parameter ${name}.member must be indexed (${name}.member.1, …).`);
    const indexes = [...members.keys()];
    if (!indexes.every((k) => /^[1-9]\d{0,3}$/.test(k))) throw malformed(`Parameter ${name}.member has an invalid index.`);
    const sorted = indexes.map(Number).sort((a, b) => a - b);
    if (sorted.length > MAX_LIST || sorted.some((n, i) => n !== i + 1)) {
      throw malformed(`List ${name}.member must be numbered from 1 without gaps.`);
    }
    return sorted.map((n) => toValue(members.get(String(n)) as Node, `${name}.member.${n}`));
  }
  const out = Object.create(null) as Params;
  for (const [k, child] of node.children) out[k] = toValue(child, `${name}.${k}`);
  return out;
}

/**
 * Decodes `a=b&…` pairs (already percent-decoded) into Action, Version and nested parameters.
 * Presigning parameters (`X-Amz-*`) are left out: SigV4 has consumed them.
 */
export function decodeParams(pairs: ReadonlyArray<readonly [string, string]>): DecodedRequest {
  if (pairs.length > MAX_PARAMS) throw malformed(`Too many parameters (at most ${MAX_PARAMS}).`);
  const root = new Map<string, Node>();
  const seen = new Set<string>();
  // Null-prototype objects: `__proto__.UserName=x` must stay a parameter named `__proto__`, never
  // become the prototype every reader's `params.UserName` would fall through to.
  const out: DecodedRequest = { params: Object.create(null) as Params };
  for (const [key, value] of pairs) {
    if (seen.has(key)) throw malformed(`Parameter ${key} is given more than once.`);
    seen.add(key);
    if (/^x-amz-/i.test(key)) continue;
    if (key === 'Action') out.action = value;
    else if (key === 'Version') out.version = value;
    else {
      const path = key.split('.');
      if (path.length > MAX_DEPTH || path.some((p) => p === '' || !/^[A-Za-z0-9_-]+$/.test(p))) throw malformed(`Invalid parameter name: ${key}`);
      let level = root;
      let node: Node | undefined;
      for (const [i, seg] of path.entries()) {
        node = level.get(seg);
        if (!node) {
          node = {};
          level.set(seg, node);
        }
        if (i < path.length - 1) level = node.children ??= new Map();
      }
      (node as Node).value = value;
    }
  }
  for (const [k, node] of root) out.params[k] = toValue(node, k);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The parameters of a request: the form body (POST) plus the query string. */
export function requestPairs(rawQuery: string, body: Buffer, contentType: string | undefined): Array<readonly [string, string]> {
  const q = parseQuery(rawQuery);
  if (!q.ok) throw malformed(`Malformed query string: ${q.reason}`);
  const pairs = [...q.pairs];
  if (body.length > 0) {
    const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      throw malformed(`Unsupported Content-Type '${contentType ?? ''}': the query protocol takes application/x-www-form-urlencoded bodies.`);
    }
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      throw malformed('The request body is not valid UTF-8.');
    }
    const b = parseQuery(text.replace(/[\r\n]+$/, ''));
    if (!b.ok) throw malformed(`Malformed form body: ${b.reason}`);
    pairs.push(...b.pairs);
  }
  return pairs;
}
