/**
 * Typed reads of a decoded query-protocol request (see aws-query/form.ts for the decoding) with
 * AWS's constraint errors. Problems are collected and thrown together as one ValidationError,
 * worded like AWS: `2 validation errors detected: Value 'x' at 'userName' failed to satisfy
 * constraint: Member must …; Value …`.
 */
import type { Tags } from '../model/types.js';
import { iamError, iamMessages } from './errors.js';
import { showValue } from '../model/show.js';

export type Params = Record<string, unknown>;

export interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** The pattern as AWS prints it in the error. */
  patternText?: string;
  /** IAM names get IAM's own friendlier message instead of the generic pattern one. */
  iamName?: boolean;
}

export const PATTERNS = {
  name: { pattern: /^[\w+=,.@-]+$/, patternText: '[\\w+=,.@-]+' },
  path: { pattern: /^(?:\/|\/[\x21-\x7e]+\/)$/, patternText: '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)' },
  pathPrefix: { pattern: /^\/[\x21-\x7f]*$/, patternText: '\\u002F[\\u0021-\\u007F]*' },
  policyDocument: { pattern: /^[\t\n\r\x20-\xff]+$/, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' },
  description: { pattern: /^[\t\n\r\x20-\x7e\xa1-\xff]*$/, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*' },
  sessionName: { pattern: /^[\w+=,.@-]*$/, patternText: '[\\w+=,.@-]*' },
  externalId: { pattern: /^[\w+=,.@:/-]*$/, patternText: '[\\w+=,.@:\\/-]*' },
  accessKeyId: { pattern: /^\w+$/, patternText: '[\\w]+' },
  marker: { pattern: /^[\x20-\xff]+$/, patternText: '[\\u0020-\\u00FF]+' },
  tagKey: { pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+' },
  tagValue: { pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*' },
} as const;

/** 'UserName' → 'userName', the member spelling AWS uses in validation messages. */
const memberName = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

const show = (v: unknown): string => (v === undefined || v === null ? 'null' : `'${showValue(v, 1024)}'`);

export class Input {
  private readonly problems: string[] = [];
  /** IAM's non-pattern name message, thrown alone when it is the only problem. */
  private nameProblem: string | undefined;

  constructor(readonly params: Params) {}

  private fail(name: string, value: unknown, constraint: string): void {
    this.problems.push(`Value ${show(value)} at '${memberName(name)}' failed to satisfy constraint: ${constraint}`);
  }

  has(name: string): boolean {
    return this.params[name] !== undefined;
  }

  string(name: string, rule: StringRule & { required: true }): string;
  string(name: string, rule?: StringRule): string | undefined;
  string(name: string, rule: StringRule = {}): string | undefined {
    const v = this.params[name];
    if (v === undefined) {
      if (rule.required) this.fail(name, v, 'Member must not be null');
      return undefined;
    }
    if (typeof v !== 'string') {
      this.fail(name, '[structure]', 'Member must be a string');
      return undefined;
    }
    const before = this.problems.length;
    // Lengths count UTF-16 code units, as AWS's Java validators do.
    if (rule.min !== undefined && v.length < rule.min) this.fail(name, v, `Member must have length greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && v.length > rule.max) this.fail(name, v, `Member must have length less than or equal to ${rule.max}`);
    if (rule.pattern && !rule.pattern.test(v)) {
      if (rule.iamName && this.nameProblem === undefined) this.nameProblem = iamMessages.invalidName(memberName(name));
      this.fail(name, v, `Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`);
    }
    return this.problems.length === before ? v : undefined;
  }

  int(name: string, rule: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const v = this.params[name];
    if (v === undefined) {
      if (rule.required) this.fail(name, v, 'Member must not be null');
      return undefined;
    }
    if (typeof v !== 'string' || !/^-?\d{1,15}$/.test(v)) {
      this.fail(name, v, 'Member must be an integer');
      return undefined;
    }
    const n = Number(v);
    if (rule.min !== undefined && n < rule.min) this.fail(name, v, `Member must have value greater than or equal to ${rule.min}`);
    else if (rule.max !== undefined && n > rule.max) this.fail(name, v, `Member must have value less than or equal to ${rule.max}`);
    else return n;
    return undefined;
  }

  bool(name: string): boolean | undefined {
    const v = this.params[name];
    if (v === undefined) return undefined;
    if (v === 'true') return true;
    if (v === 'false') return false;
    this.fail(name, typeof v === 'string' ? v : '[structure]', 'Member must be a boolean');
    return undefined;
  }

  enumOf<T extends string>(name: string, values: readonly T[], rule: { required?: boolean } = {}): T | undefined {
    const v = this.string(name, rule);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      this.fail(name, v, `Member must satisfy enum value set: [${values.join(', ')}]`);
      return undefined;
    }
    return v as T;
  }

  /** A `Name.member.N` list of strings. */
  stringList(name: string, rule: StringRule & { maxItems?: number } = {}): string[] {
    const v = this.params[name];
    // botocore sends an empty list as `Name=`.
    if (v === undefined || v === '') return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      this.fail(name, '[structure]', 'Member must be a list of strings');
      return [];
    }
    if (rule.maxItems !== undefined && v.length > rule.maxItems) {
      this.fail(name, `[${v.length} items]`, `Member must have length less than or equal to ${rule.maxItems}`);
      return [];
    }
    const out: string[] = [];
    for (const item of v as string[]) {
      const sub = new Input({ x: item });
      const s = sub.string('x', rule);
      if (s === undefined) this.fail(name, item, sub.problems[0]?.replace(/^.*constraint: /, '') ?? 'invalid');
      else out.push(s);
    }
    return out;
  }

  /** `Tags.member.N.Key/Value` → a tag map (AWS: at most 50, unique keys, no `aws:` prefix). */
  tags(name = 'Tags'): Tags {
    const v = this.params[name];
    if (v === undefined || v === '') return {};
    if (!Array.isArray(v)) {
      this.fail(name, '[structure]', 'Member must be a list of tags');
      return {};
    }
    if (v.length > 50) this.fail(name, `[${v.length} tags]`, 'Member must have length less than or equal to 50');
    const out: Tags = {};
    v.forEach((t: unknown, i) => {
      const member = `${name}.${i + 1}.member`;
      if (typeof t !== 'object' || t === null || Array.isArray(t)) {
        this.fail(member, '[structure]', 'Member must be a tag');
        return;
      }
      const sub = new Input(t as Params);
      const key = sub.string('Key', { required: true, min: 1, max: 128, ...PATTERNS.tagKey });
      const value = sub.string('Value', { required: true, min: 0, max: 256, ...PATTERNS.tagValue });
      for (const p of sub.problems) this.problems.push(p.replace(/at '(key|value)'/, `at '${memberName(name)}.${i + 1}.member.$1'`));
      if (key === undefined || value === undefined) return;
      if (key.toLowerCase().startsWith('aws:')) {
        throw iamError.invalidInput('User-defined tag keys can\'t start with "aws:". This prefix is reserved for AWS tags.');
      }
      if (Object.keys(out).some((k) => k.toLowerCase() === key.toLowerCase())) {
        throw iamError.invalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
      }
      out[key] = value;
    });
    return out;
  }

  /** Throws the collected problems as one ValidationError. */
  done(): void {
    if (this.problems.length === 0) return;
    if (this.problems.length === 1 && this.nameProblem !== undefined) throw iamError.validation(this.nameProblem);
    const n = this.problems.length;
    throw iamError.validation(`${n} validation error${n === 1 ? '' : 's'} detected: ${this.problems.join('; ')}`);
  }
}
