import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PROFILE, paths, readCredentialsProfile, readServerInfo, writeCredentialsProfile, writeServerInfo } from './datadir.js';

test('server.json and the credentials file are written whole, owner-only, with no temporary file left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entryway-datadir-'));
  try {
    const info = { url: 'https://127.0.0.1:8443', pid: 4242, startedAt: '2026-01-01T00:00:00.000Z' };
    writeServerInfo(dir, info as Parameters<typeof writeServerInfo>[1]);
    writeServerInfo(dir, { ...info, pid: 4243 } as Parameters<typeof writeServerInfo>[1]);
    assert.equal(readServerInfo(dir)?.pid, 4243);
    writeCredentialsProfile(dir, ADMIN_PROFILE, 'AKIAEXAMPLE000000001', 'secret-1');
    writeCredentialsProfile(dir, 'other', 'AKIAEXAMPLE000000002', 'secret-2');
    assert.deepEqual(readCredentialsProfile(paths(dir).credentials, ADMIN_PROFILE), { accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: 'secret-1' });
    for (const f of [paths(dir).serverInfo, paths(dir).credentials]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
