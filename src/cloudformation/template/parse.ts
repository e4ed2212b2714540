/**
 * Template text → plain JSON values. JSON templates are read as JSON (so their errors name JSON);
 * anything else is YAML, where CloudFormation's short forms (`!Ref X`, `!GetAtt A.B`, `!Sub …`,
 * `!If [...]`, …) become their long forms (`{Ref: X}`, `{"Fn::GetAtt": ["A","B"]}`, …). Pure: no I/O.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { templateError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** CloudFormation's limit for a TemplateBody. */
export const MAX_TEMPLATE_BODY = 51_200;

/** Short-form tags and the long form each one stands for. */
const SHORT_FORMS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!GetAtt': 'Fn::GetAtt',
  '!Sub': 'Fn::Sub',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!ImportValue': 'Fn::ImportValue',
  '!GetAZs': 'Fn::GetAZs',
  '!Cidr': 'Fn::Cidr',
  '!Transform': 'Fn::Transform',
};

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseTemplateBody(text: string): JsonObject {
  if (Buffer.byteLength(text, 'utf8') > MAX_TEMPLATE_BODY) {
    throw templateError(`1 validation error detected: Value '[template]' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY}`);
  }
  const trimmed = text.trimStart();
  let value: Json;
  if (trimmed.startsWith('{')) {
    try {
      value = JSON.parse(text) as Json;
    } catch (e) {
      throw templateError(`Template format error: JSON not well-formed. (${(e as Error).message})`);
    }
  } else {
    value = parseYaml(text);
  }
  if (!isObject(value)) throw templateError('Template format error: unsupported structure.');
  return value;
}

function parseYaml(text: string): Json {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    throw templateError(`Template format error: YAML not well-formed.${where}`);
  }
  return convert(doc.contents as YamlNode | null, doc, 0, { left: MAX_NODES });
}

/** Aliases can multiply a small text into a huge tree; no template needs more nodes than this. */
const MAX_NODES = 200_000;

function convert(node: YamlNode | null, doc: ReturnType<typeof parseDocument>, depth: number, budget: { left: number }): Json {
  if (depth > 64) throw templateError('Template format error: the template is nested too deeply.');
  if (--budget.left < 0) throw templateError('Template format error: the template expands to too many values.');
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return convert(node.resolve(doc) as YamlNode, doc, depth + 1, budget);
  const tag = node.tag;
  let value: Json;
  if (isScalar(node)) {
    const v = node.value;
    value = v === null || v === undefined ? (tag && SHORT_FORMS[tag] ? '' : null) : typeof v === 'object' ? String(v as unknown) : (v as Json);
    if (typeof v === 'bigint') value = Number(v);
  } else if (isSeq(node)) {
    value = node.items.map((i) => convert(i as YamlNode, doc, depth + 1, budget));
  } else if (isMap(node)) {
    const out: JsonObject = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = pair.key as YamlNode | null;
      const key = k === null ? '' : isScalar(k) ? String(k.value) : undefined;
      if (key === undefined) throw templateError('Template format error: YAML not well-formed. (a mapping key is not a plain value)');
      out[key] = convert(pair.value as YamlNode | null, doc, depth + 1, budget);
    }
    value = out;
  } else {
    throw templateError('Template format error: YAML not well-formed.');
  }
  if (!tag || !tag.startsWith('!') || tag.startsWith('!!')) return value;
  const long = SHORT_FORMS[tag];
  if (!long) throw templateError(`Template format error: YAML not well-formed. (unknown tag ${tag.slice(0, 40)})`);
  // `!GetAtt A.B` is the one short form whose scalar splits.
  if (long === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [long]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [long]: value };
}
