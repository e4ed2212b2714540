import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ID_PATTERNS,
  newAccessKeyId,
  newAccountId,
  newPolicyId,
  newRoleId,
  newSecretAccessKey,
  newSessionToken,
  newTemporaryAccessKeyId,
  newUserId,
  randomBase32,
} from './ids.js';

test('ID shapes', () => {
  for (let i = 0; i < 200; i++) {
    assert.match(newUserId(), ID_PATTERNS.userId);
    assert.match(newRoleId(), ID_PATTERNS.roleId);
    assert.match(newPolicyId(), ID_PATTERNS.policyId);
    assert.match(newAccessKeyId(), ID_PATTERNS.accessKeyId);
    assert.match(newTemporaryAccessKeyId(), ID_PATTERNS.temporaryAccessKeyId);
    assert.match(newSecretAccessKey(), ID_PATTERNS.secretAccessKey);
    assert.match(newAccountId(), ID_PATTERNS.accountId);
  }
  assert.equal(newUserId().length, 21);
  assert.equal(newAccessKeyId().length, 20);
});

test('session tokens are long opaque base64 that keeps a presigned token small', () => {
  const t = newSessionToken();
  assert.match(t, /^IQoJb3JpZ2luX2Vj[A-Za-z0-9+/]+=*$/);
  assert.ok(t.length >= 300 && t.length <= 400, String(t.length));
  // Worst case every character percent-encoded (3x), then base64url (4/3): still well under 16 KiB.
  assert.ok(Math.ceil((t.length * 3 + 1200) * (4 / 3)) < 4096);
});

test('injectable random source gives deterministic IDs', () => {
  const zeros = (n: number) => new Uint8Array(n);
  assert.equal(newUserId(zeros), 'AIDA' + 'A'.repeat(17));
  assert.equal(randomBase32(4, () => Uint8Array.from([0, 1, 31, 32])), 'AB7A');
  // Account IDs never start with 0 even when the source says so first.
  let calls = 0;
  const source = (n: number) => {
    calls++;
    return calls === 1 ? new Uint8Array(n) : new Uint8Array(n).fill(13);
  };
  assert.equal(newAccountId(source), '333333333333');
});

test('IDs are unique in practice', () => {
  const s = new Set(Array.from({ length: 2000 }, () => newAccessKeyId()));
  assert.equal(s.size, 2000);
});
