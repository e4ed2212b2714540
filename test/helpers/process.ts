/**
 * `entryway serve` as a real child process (for crash and restart tests): the built CLI when it
 * exists (npm test builds first), otherwise the sources through tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawHttp } from '../../src/cli/client.js';
import { paths } from '../../src/server/datadir.js';

const built = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const source = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  ca: string;
  output: () => string;
}

export async function serveProcess(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const argv = existsSync(built) ? [built, 'serve', ...args] : ['--import', 'tsx', source, 'serve', ...args];
  const child = spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const dataDir = args[args.indexOf('--data-dir') + 1] as string;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`entryway serve exited with ${child.exitCode}:\n${out}`);
    const m = /Entryway is running at (https:\/\/[^\s]+) /.exec(out);
    if (m) {
      const ca = readFileSync(paths(dataDir).caCert, 'utf8');
      const url = m[1] as string;
      const r = await rawHttp(`${url}/readyz`, { method: 'GET', ca }).catch(() => undefined);
      if (r?.status === 200) return { child, url, ca, output: () => out };
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`entryway serve did not become ready:\n${out}`);
}

export async function kill(p: ServeProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (p.child.exitCode !== null) return p.child.exitCode;
  const done = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
  p.child.kill(signal);
  return done;
}
