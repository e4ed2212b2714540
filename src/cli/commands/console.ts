import { spawn } from 'node:child_process';
import { callApi, resolveClientConfig } from '../client.js';
import { defineCommand } from './types.js';
import { OUTPUT_FLAG, printJson, wantsJson } from './output.js';

/** A browser opener where one is likely to work: macOS, Windows, or a Linux desktop session. */
function opener(): string[] | undefined {
  if (process.env.BROWSER) return [process.env.BROWSER];
  if (process.platform === 'darwin') return ['open'];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', '""'];
  if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return ['xdg-open'];
  return undefined;
}

export const consoleCommand = defineCommand({
  name: 'console',
  summary: 'print (and open) a single-use sign-in link to the web console',
  usage: '[--no-browser] [-o json]',
  description: `Asks the server, with your AWS credentials like every other call, for a sign-in link to the web
console. The link works once and for five minutes; following it starts a console session for the
same IAM identity (12 h by default, serve --console-session; never longer than temporary
credentials last). Everything the console does is authorized by that identity's IAM policies.
The link is opened in a browser when one is available ($BROWSER, open, xdg-open), unless
--no-browser; it is always printed.`,
  client: true,
  flags: { 'no-browser': { type: 'boolean', help: 'print the link only' }, ...OUTPUT_FLAG },
  run: async (values) => {
    const cfg = await resolveClientConfig(values);
    const r = await callApi<{ signInUrl: string; expiresAt: number; sessionExpiresAt: number }>(cfg, 'POST', '/entryway/v1/console/sign-in', {});
    if (wantsJson(values.output)) printJson(r);
    else {
      process.stdout.write(`${r.signInUrl}\n`);
      process.stderr.write(`Sign-in link for the web console: single use, valid until ${new Date(r.expiresAt * 1000).toISOString()}.\n`);
    }
    const cmd = values['no-browser'] ? undefined : opener();
    if (cmd) {
      try {
        const child = spawn(cmd[0]!, [...cmd.slice(1), r.signInUrl], { stdio: 'ignore', detached: true });
        child.on('error', () => undefined);
        child.unref();
      } catch {
        // No browser after all: the link is printed.
      }
    }
    return 0;
  },
});
