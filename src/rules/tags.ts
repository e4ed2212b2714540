import type { Tags } from '../model/types.js';

/**
 * AWS tag rules (botocore TagMap/TagKey/TagValue): 1–50 pairs, keys 1–128 characters, values at most
 * 256, and the `aws:` prefix (any case) is reserved. `makeError` picks the
 * service's error type (EKS and IAM word and type these refusals differently), so the rule stays wire-free.
 */
export function validateTags(input: unknown, makeError: (msg: string) => Error, opts: { allowEmpty?: boolean } = {}): Tags {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw makeError('tags must be a map of string keys to string values.');
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length === 0 && !opts.allowEmpty) throw makeError('tags must contain at least 1 tag.');
  if (entries.length > 50) throw makeError('tags must contain at most 50 tags.');
  const out: Tags = {};
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw makeError(`The value of tag ${JSON.stringify(k)} must be a string.`);
    if (k.length < 1 || k.length > 128) throw makeError(`Tag keys must be between 1 and 128 characters: ${JSON.stringify(k.slice(0, 140))}.`);
    if (v.length > 256) throw makeError(`Tag values must be at most 256 characters (key ${JSON.stringify(k)}).`);
    if (k.toLowerCase().startsWith('aws:')) throw makeError(`Tag keys beginning with aws: are reserved for AWS use: ${JSON.stringify(k)}.`);
    out[k] = v;
  }
  return out;
}

export function validateTagKeys(input: unknown, makeError: (msg: string) => Error): string[] {
  const list = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(list) || list.length === 0) throw makeError('tagKeys must contain at least 1 key.');
  if (list.length > 50) throw makeError('tagKeys must contain at most 50 keys.');
  for (const k of list) {
    if (typeof k !== 'string' || k.length < 1 || k.length > 128) throw makeError('Tag keys must be strings between 1 and 128 characters.');
    if (k.toLowerCase().startsWith('aws:')) throw makeError(`Tag keys beginning with aws: are reserved for AWS use: ${JSON.stringify(k)}.`);
  }
  return list as string[];
}
