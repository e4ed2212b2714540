/**
 * API output shapes of IAM entities (members as the IAM API reference names them). Plain objects;
 * aws-query serialises them (lists become `<member>` elements). Policy documents are URL-encoded,
 * as IAM returns them (botocore and the SDKs decode them).
 */
import type { IamRoleRecord, IamUserRecord, ManagedPolicyRecord, Tags } from '../model/types.js';
import { iamError } from './errors.js';
import { isoSeconds } from './context.js';
import type { Input } from './input.js';
import { RULES } from './names.js';

export type Shape = { [k: string]: Value };
export type Value = string | number | boolean | undefined | Shape | Value[];

export const tagList = (tags: Tags): Shape[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const tagsIfAny = (tags: Tags): Shape[] | undefined => (Object.keys(tags).length > 0 ? tagList(tags) : undefined);

export const encodePolicy = (doc: string): string => encodeURIComponent(doc);

export function userShape(u: IamUserRecord, withTags: boolean): Shape {
  return {
    Path: u.path,
    UserName: u.userName,
    UserId: u.userId,
    Arn: u.arn,
    CreateDate: isoSeconds(u.createdAt),
    Tags: withTags ? tagsIfAny(u.tags) : undefined,
  };
}

export function roleShape(r: IamRoleRecord, opts: { tags: boolean; lastUsed?: boolean }): Shape {
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: isoSeconds(r.createdAt),
    AssumeRolePolicyDocument: encodePolicy(r.assumeRolePolicyDocument),
    Description: r.description === '' ? undefined : r.description,
    MaxSessionDuration: r.maxSessionDuration,
    Tags: opts.tags ? tagsIfAny(r.tags) : undefined,
    RoleLastUsed: opts.lastUsed ? {} : undefined,
  };
}

export type PolicyRecordWithTags = ManagedPolicyRecord & { tags?: Tags };

export function policyShape(p: PolicyRecordWithTags, attachmentCount: number, withTags: boolean): Shape {
  return {
    PolicyName: p.name,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: 'v1',
    AttachmentCount: attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: p.description === '' ? undefined : p.description,
    CreateDate: isoSeconds(p.createdAt),
    UpdateDate: isoSeconds(p.updatedAt),
    Tags: withTags && p.tags ? tagsIfAny(p.tags) : undefined,
  };
}

/**
 * IAM list pagination: `MaxItems` (1–1000, default 100) and an opaque `Marker` that resumes after
 * the last key returned. `items` must be sorted by `key`.
 */
export function paginate<T>(input: Input, items: readonly T[], key: (t: T) => string): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const max = input.int('MaxItems', { min: 1, max: 1000 }) ?? 100;
  const marker = input.string('Marker', RULES.marker);
  input.done();
  let start = 0;
  if (marker !== undefined) {
    let after: string;
    try {
      after = Buffer.from(marker, 'base64url').toString('utf8');
    } catch {
      throw iamError.validation('Invalid Marker.');
    }
    if (Buffer.from(after, 'utf8').toString('base64url') !== marker) throw iamError.validation('Invalid Marker.');
    start = items.findIndex((t) => key(t) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + max);
  const truncated = start + max < items.length;
  const last = page[page.length - 1];
  return truncated && last !== undefined
    ? { page, IsTruncated: true, Marker: Buffer.from(key(last), 'utf8').toString('base64url') }
    : { page, IsTruncated: false };
}
