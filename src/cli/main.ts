#!/usr/bin/env node
/**
 * `entryway` — the command line. Each subcommand lives in its own module under cli/commands.
 */
import { ApiError, CliError } from './client.js';
import { commands } from './commands/index.js';
import { describeStartupError } from './errors.js';

function table(list: { name: string; summary: string }[]): string[] {
  const width = Math.max(...list.map((c) => c.name.length));
  return list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
}

function usage(): string {
  return ['Usage: entryway <command> [flags]', '', 'Commands:', ...table(commands), '', 'Run `entryway <command> --help` for the flags of a command.'].join('\n');
}

/** `entryway aws-auth` (a group of subcommands): what the group holds. */
function groupUsage(group: string): string | undefined {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  if (!members.length) return undefined;
  return [`Usage: entryway ${group} <command> [flags]`, '', 'Commands:', ...table(members), '', `Run \`entryway ${group} <command> --help\` for its flags.`].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(usage() + '\n');
    return first ? 0 : 2;
  }
  if (first === '--version' || first === 'version') {
    const { version } = await import('./version.js');
    process.stdout.write(`entryway ${version()}\n`);
    return 0;
  }
  // Longest match first so that `aws-auth apply` wins over a hypothetical `aws-auth`.
  const words = [first, ...rest];
  const cmd = [...commands]
    .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)
    .find((c) => c.name.split(' ').every((w, i) => words[i] === w));
  if (!cmd) {
    const group = groupUsage(first);
    if (group) {
      const asked = rest[0] === undefined || rest[0] === '--help' || rest[0] === '-h';
      if (!asked) process.stderr.write(`entryway: unknown command ${JSON.stringify(`${first} ${rest[0]}`)}\n\n`);
      (asked && rest[0] !== undefined ? process.stdout : process.stderr).write(group + '\n');
      return asked && rest[0] !== undefined ? 0 : 2;
    }
    process.stderr.write(`entryway: unknown command ${JSON.stringify(first)}\n\n${usage()}\n`);
    return 2;
  }
  const args = words.slice(cmd.name.split(' ').length);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(cmd.help + '\n');
    return 0;
  }
  return cmd.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`entryway: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else if (e instanceof ApiError) {
      process.stderr.write(`entryway: ${e.code}: ${e.message}\n`);
      process.exitCode = 1;
    } else if (e instanceof Error && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`entryway: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      // Ordinary failures (a port in use, a database that is not there) are one line; the stack
      // is for bugs, and only on request.
      process.stderr.write(`entryway: ${describeStartupError(e)}\n`);
      if (process.env.ENTRYWAY_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
