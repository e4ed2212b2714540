/** ARNs of Entryway's own IAM entities and the input rules for their names (IAM API reference). */
import type { StringRule } from './input.js';
import { PATTERNS } from './input.js';

export const DEFAULT_PARTITION = 'aws';

export const userArn = (accountId: string, path: string, name: string, partition = DEFAULT_PARTITION): string =>
  `arn:${partition}:iam::${accountId}:user${path}${name}`;
export const roleArn = (accountId: string, path: string, name: string, partition = DEFAULT_PARTITION): string =>
  `arn:${partition}:iam::${accountId}:role${path}${name}`;
export const groupArn = (accountId: string, path: string, name: string, partition = DEFAULT_PARTITION): string =>
  `arn:${partition}:iam::${accountId}:group${path}${name}`;
export const policyArn = (accountId: string, path: string, name: string, partition = DEFAULT_PARTITION): string =>
  `arn:${partition}:iam::${accountId}:policy${path}${name}`;
export const assumedRoleArn = (accountId: string, roleName: string, sessionName: string, partition = DEFAULT_PARTITION): string =>
  `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
export const rootArn = (accountId: string, partition = DEFAULT_PARTITION): string => `arn:${partition}:iam::${accountId}:root`;

export const partitionOf = (arn: string): string => arn.split(':')[1] || DEFAULT_PARTITION;

export const RULES = {
  userName: { required: true, min: 1, max: 64, ...PATTERNS.name, iamName: true },
  roleName: { required: true, min: 1, max: 64, ...PATTERNS.name, iamName: true },
  groupName: { required: true, min: 1, max: 128, ...PATTERNS.name, iamName: true },
  policyName: { required: true, min: 1, max: 128, ...PATTERNS.name, iamName: true },
  path: { min: 1, max: 512, ...PATTERNS.path },
  pathPrefix: { min: 1, max: 512, ...PATTERNS.pathPrefix },
  policyDocument: { required: true, min: 1, max: 131072, ...PATTERNS.policyDocument },
  arn: { required: true, min: 20, max: 2048 },
  roleDescription: { max: 1000, ...PATTERNS.description },
  policyDescription: { max: 1000 },
  accessKeyId: { required: true, min: 16, max: 128, ...PATTERNS.accessKeyId },
  marker: { min: 1, max: 320, ...PATTERNS.marker },
  roleSessionName: { required: true, min: 2, max: 64, ...PATTERNS.sessionName },
  externalId: { min: 2, max: 1224, ...PATTERNS.externalId },
  tagKey: { min: 1, max: 128, ...PATTERNS.tagKey },
} satisfies Record<string, StringRule>;

export const MAX_SESSION_DURATION = { min: 3600, max: 43200 } as const;
export const ASSUME_ROLE_DURATION = { min: 900, max: 43200, default: 3600, chainedMax: 3600 } as const;
export const MAX_ACCESS_KEYS_PER_USER = 2;
/** IAM's default quota of groups a user can be a member of. */
export const MAX_GROUPS_PER_USER = 10;

/** Splits an IAM ARN resource like `user/a/b/alice` into path `/a/b/` and name `alice`. */
export function splitPathName(resourceAfterType: string): { path: string; name: string } {
  const i = resourceAfterType.lastIndexOf('/');
  return i < 0 ? { path: '/', name: resourceAfterType } : { path: `/${resourceAfterType.slice(0, i + 1)}`, name: resourceAfterType.slice(i + 1) };
}
