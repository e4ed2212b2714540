/** Runs the `entryway` CLI from source (as `npx entryway` would run the build) against a test server. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestServer } from './server.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export async function entryway(s: TestServer, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...s.awsEnv(), ...opts.env };
  try {
    const child = run(process.execPath, ['--import', 'tsx', main, ...args, '--data-dir', s.dataDir], { env, maxBuffer: 16 * 1024 * 1024 });
    if (opts.input !== undefined) {
      child.child.stdin?.end(opts.input);
    }
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}
