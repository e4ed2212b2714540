/**
 * How a command is declared: its flags (with their help), whether it talks to a server (then the
 * connection flags are added), and what it does with the parsed values. main.ts parses; the help
 * text is generated from the declaration, so every flag is described and none can be shadowed by
 * another with the same name (defineCommand refuses a command flag named like a connection flag).
 */
import { parseArgs } from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in the help (`NAME`, `FILE`); booleans have none. */
  arg?: string;
  help: string;
}
export type FlagSpecs = Record<string, FlagSpec>;

/** Flags every client command accepts to find the server and sign as someone. */
export const CLIENT_FLAGS = {
  'data-dir': { type: 'string', arg: 'DIR', help: 'Entryway data directory (default ./.entryway or ENTRYWAY_DATA_DIR): server URL, CA, admin credentials' },
  'endpoint-url': { type: 'string', arg: 'URL', help: "Entryway's URL (default: AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL, then DIR/server.json)" },
  region: { type: 'string', arg: 'REGION', help: "signing region (default: AWS_REGION/AWS_DEFAULT_REGION, then the server's)" },
  profile: { type: 'string', arg: 'NAME', help: 'AWS profile, resolved like the AWS CLI does (default: AWS_PROFILE, the environment, then entryway-admin of DIR)' },
} as const satisfies FlagSpecs;

type ParseConfig<F extends FlagSpecs> = { options: F; strict: true; allowPositionals: true };
export type FlagValues<F extends FlagSpecs> = ReturnType<typeof parseArgs<ParseConfig<F>>>['values'];
export type ClientFlagValues = FlagValues<typeof CLIENT_FLAGS>;

export interface Command {
  /** One or more words, e.g. `serve` or `aws-auth apply`. */
  name: string;
  summary: string;
  help: string;
  flags: FlagSpecs;
  run: (args: string[]) => Promise<number>;
}

export interface CommandSpec<F extends FlagSpecs, C extends boolean> {
  name: string;
  summary: string;
  /** What follows `entryway <name>` in the usage line. */
  usage: string;
  /** Paragraphs after the usage line. */
  description?: string;
  flags: F;
  /** Talks to a running Entryway: adds the connection flags. */
  client: C;
  /** Positional arguments are accepted (described in `usage`). */
  positionals?: boolean;
  run: (values: FlagValues<C extends true ? F & typeof CLIENT_FLAGS : F>, positionals: string[]) => Promise<number>;
}

function flagLines(flags: FlagSpecs): string[] {
  const left = Object.entries(flags).map(([name, f]) => `${f.short ? `-${f.short}, ` : '    '}--${name}${f.arg ? ` ${f.arg}` : ''}${f.multiple ? ' (repeatable)' : ''}`);
  const width = Math.min(34, Math.max(...left.map((l) => l.length)));
  return Object.values(flags).map((f, i) => `  ${left[i]!.padEnd(width)}  ${f.help}`);
}

export function defineCommand<const F extends FlagSpecs, const C extends boolean>(spec: CommandSpec<F, C>): Command {
  const clash = spec.client ? Object.keys(spec.flags).filter((k) => k in CLIENT_FLAGS) : [];
  if (clash.length) throw new Error(`entryway ${spec.name}: flag --${clash[0]} is also a connection flag`);
  const all: FlagSpecs = spec.client ? { ...spec.flags, ...CLIENT_FLAGS } : spec.flags;
  const shorts = Object.values(all).flatMap((f) => (f.short ? [f.short] : []));
  if (new Set(shorts).size !== shorts.length) throw new Error(`entryway ${spec.name}: a short flag is used twice`);
  const help = [
    `Usage: entryway ${spec.name} ${spec.usage}`.trimEnd(),
    ...(spec.description ? ['', spec.description.trimEnd()] : []),
    ...(Object.keys(spec.flags).length ? ['', 'Flags:', ...flagLines(spec.flags)] : []),
    ...(spec.client ? ['', 'Connection:', ...flagLines(CLIENT_FLAGS)] : []),
  ].join('\n');
  const options = Object.fromEntries(Object.entries(all).map(([k, f]) => [k, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]));
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    flags: all,
    run: async (args) => {
      const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
      if (!spec.positionals && positionals.length) throw Object.assign(new Error(`unexpected argument ${JSON.stringify(positionals[0])} (see entryway ${spec.name} --help)`), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
      return spec.run(values as FlagValues<C extends true ? F & typeof CLIENT_FLAGS : F>, positionals);
    },
  };
}
