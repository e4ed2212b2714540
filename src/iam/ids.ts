/**
 * AWS-shaped identifiers and secrets, crypto-random. The random source is injectable so tests can
 * pin values; production always uses node:crypto.
 *
 * Shapes (IAM user guide "Unique identifiers"): unique IDs are a 4-letter type prefix plus base32
 * (`A-Z2-7`), 21 characters in all; access key IDs are 20 characters (`AKIA` long-term, `ASIA`
 * temporary). Secrets are 40 characters of base64. Session tokens are opaque base64 blobs; AWS's
 * start with `IQoJb3JpZ2luX2Vj` (base64 of a protobuf header) and so do ours, but ours are shorter
 * (~330 characters) so a presigned k8s-aws-v1 token that carries one stays well under 4 KiB.
 */
import { randomBytes } from 'node:crypto';

/** Returns `n` uniformly random bytes. */
export type RandomSource = (n: number) => Uint8Array;

export const cryptoRandom: RandomSource = (n) => randomBytes(n);

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `len` characters of `[A-Z2-7]`; 256 is a multiple of 32, so `byte & 31` is unbiased. */
export function randomBase32(len: number, random: RandomSource = cryptoRandom): string {
  const bytes = random(len);
  let out = '';
  for (let i = 0; i < len; i++) out += BASE32[(bytes[i] as number) & 31];
  return out;
}

/** `len` decimal digits, rejection-sampled so every digit is equally likely. */
function randomDigits(len: number, random: RandomSource): string {
  let out = '';
  while (out.length < len) {
    for (const b of random(len * 2)) {
      if (b < 250 && out.length < len) out += String(b % 10);
    }
  }
  return out;
}

export const UNIQUE_ID_PREFIX = { user: 'AIDA', role: 'AROA', policy: 'ANPA', group: 'AGPA' } as const;

export const newUserId = (random: RandomSource = cryptoRandom): string => UNIQUE_ID_PREFIX.user + randomBase32(17, random);
export const newRoleId = (random: RandomSource = cryptoRandom): string => UNIQUE_ID_PREFIX.role + randomBase32(17, random);
export const newGroupId = (random: RandomSource = cryptoRandom): string => UNIQUE_ID_PREFIX.group + randomBase32(17, random);
export const newPolicyId = (random: RandomSource = cryptoRandom): string => UNIQUE_ID_PREFIX.policy + randomBase32(17, random);

/** Long-term IAM user key. */
export const newAccessKeyId = (random: RandomSource = cryptoRandom): string => 'AKIA' + randomBase32(16, random);
/** Temporary (STS) key. */
export const newTemporaryAccessKeyId = (random: RandomSource = cryptoRandom): string => 'ASIA' + randomBase32(16, random);

/** 30 random bytes are exactly 40 base64 characters, like an AWS secret access key. */
export const newSecretAccessKey = (random: RandomSource = cryptoRandom): string => Buffer.from(random(30)).toString('base64');

const SESSION_TOKEN_PREFIX = 'IQoJb3JpZ2luX2Vj';
/** 240 random bytes → 320 base64 characters after the fixed prefix (336 in all). */
export const newSessionToken = (random: RandomSource = cryptoRandom): string =>
  SESSION_TOKEN_PREFIX + Buffer.from(random(240)).toString('base64');

/** 12 digits, first non-zero (tools that read account IDs as numbers would drop a leading 0). */
export function newAccountId(random: RandomSource = cryptoRandom): string {
  let first = '';
  while (first === '' || first === '0') first = randomDigits(1, random);
  return first + randomDigits(11, random);
}

export const ID_PATTERNS = {
  userId: /^AIDA[A-Z2-7]{17}$/,
  roleId: /^AROA[A-Z2-7]{17}$/,
  policyId: /^ANPA[A-Z2-7]{17}$/,
  groupId: /^AGPA[A-Z2-7]{17}$/,
  accessKeyId: /^AKIA[A-Z2-7]{16}$/,
  temporaryAccessKeyId: /^ASIA[A-Z2-7]{16}$/,
  secretAccessKey: /^[A-Za-z0-9+/]{40}$/,
  accountId: /^[1-9]\d{11}$/,
} as const;
