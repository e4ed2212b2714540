import { parseArgs } from 'node:util';
import { CliError } from '../client.js';
import { resolveDataDir } from '../../server/config.js';
import { ADMIN_PROFILE, paths, readServerInfo } from '../../server/datadir.js';
import type { Command } from './types.js';
import { existsSync } from 'node:fs';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const envCommand: Command = {
  name: 'env',
  summary: 'print shell exports so the AWS CLI and SDKs talk to this Entryway',
  help: `Usage: eval "$(entryway env [--data-dir DIR])"

Prints export lines for AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE (the bootstrap administrator),
AWS_ENDPOINT_URL, AWS_DEFAULT_REGION and, when the server uses TLS with its own CA, AWS_CA_BUNDLE.
It also unsets AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, which would otherwise
take precedence over the profile.

  --data-dir DIR   the server's data directory (default ./.entryway, or ENTRYWAY_DATA_DIR)`,
  run: async (args) => {
    const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' } }, strict: true });
    const dir = resolveDataDir(values['data-dir']);
    const info = readServerInfo(dir);
    if (!info) throw new CliError(`${dir} holds no running Entryway (no server.json). Start it first: entryway serve --data-dir ${dir}`);
    const p = paths(dir);
    const lines = [
      `# Entryway at ${info.url} (data dir ${dir})`,
      'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN',
      `export AWS_SHARED_CREDENTIALS_FILE=${q(p.credentials)}`,
      `export AWS_PROFILE=${ADMIN_PROFILE}`,
      `export AWS_ENDPOINT_URL=${q(info.url)}`,
      `export AWS_DEFAULT_REGION=${q(info.region)}`,
    ];
    if (!existsSync(p.credentials)) lines.splice(2, 0, `# warning: ${p.credentials} does not exist (was this data dir bootstrapped by another replica?)`);
    if (info.caPath && info.url.startsWith('https:')) lines.push(`export AWS_CA_BUNDLE=${q(info.caPath)}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
