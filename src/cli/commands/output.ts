/** The one output flag every command that prints data takes: `-o, --output`. */
import { CliError } from '../client.js';

export const OUTPUT_FLAG = {
  output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'text (default) or json' },
} as const;

export function wantsJson(output: string | undefined, also: readonly string[] = []): boolean {
  if (output === undefined || output === 'text') return false;
  if (output === 'json') return true;
  if (also.includes(output)) return false;
  throw new CliError(`--output takes ${['text', 'json', ...also].join(', ')}, not ${JSON.stringify(output)}`, 2);
}

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}
