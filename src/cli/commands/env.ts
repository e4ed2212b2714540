import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { rootCertificates } from 'node:tls';
import { resolveDataDir } from '../../server/config.js';
import { ADMIN_PROFILE, paths, readServerInfo, writeFileAtomic } from '../../server/datadir.js';
import { defineCommand } from './types.js';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The services Entryway answers, as the AWS CLI and SDKs name their endpoint variables
 * (`AWS_ENDPOINT_URL_<SERVICE ID>`). Only these go to Entryway; everything else stays on AWS.
 */
export const SERVED_ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL_EKS', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_CLOUDFORMATION'] as const;

/**
 * A shell line that fails: `eval "$(entryway env)"` then stops a `set -e` script and leaves `$?`
 * non-zero, instead of silently exporting nothing (so that the next `aws` call goes to real AWS).
 */
function failLine(message: string): string {
  return `echo ${q(`entryway env: ${message}`)} >&2; false`;
}

/**
 * The CA bundle the shell's AWS tools should trust: Entryway's CA plus what they trusted before
 * (a preset AWS_CA_BUNDLE, e.g. a corporate proxy's, or else Node's public roots), so services
 * that stay on AWS keep working.
 */
function writeCaBundle(dir: string, entrywayCa: string): string {
  const previous = process.env.AWS_CA_BUNDLE;
  let others = rootCertificates.join('\n');
  if (previous && previous !== paths(dir).caBundle && existsSync(previous)) others = readFileSync(previous, 'utf8');
  const file = paths(dir).caBundle;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${readFileSync(entrywayCa, 'utf8').trimEnd()}\n${others.trimEnd()}\n`, 0o644);
  return file;
}

export const envCommand = defineCommand({
  name: 'env',
  summary: 'print shell exports so the AWS CLI and SDKs talk to this Entryway',
  usage: '[--data-dir DIR]     (use as: eval "$(entryway env)")',
  description: `Prints export lines for AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_STS and
AWS_ENDPOINT_URL_CLOUDFORMATION (only
the services Entryway serves go to it; every other AWS service in that shell stays on AWS),
AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE (the bootstrap administrator), AWS_DEFAULT_REGION and,
when the server uses its own CA, AWS_CA_BUNDLE: a bundle of Entryway's CA and what was trusted before.
It unsets AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (they would take precedence over
the profile) and the global AWS_ENDPOINT_URL.
When the data dir has no running Entryway, it prints a line that fails, so eval stops loudly.
On a replica that did not create the administrator, only the endpoint and region are exported.`,
  client: false,
  flags: {
    'data-dir': { type: 'string', arg: 'DIR', help: "the server's data directory (default ./.entryway, or ENTRYWAY_DATA_DIR)" },
  },
  run: async (values) => {
    const dir = resolveDataDir(values['data-dir']);
    const info = readServerInfo(dir);
    if (!info) {
      process.stdout.write(failLine(`${dir} holds no running Entryway (no server.json): start it first (entryway serve --data-dir ${dir}), or pass --data-dir`) + '\n');
      process.stderr.write(`entryway env: ${dir} holds no running Entryway (no server.json)\n`);
      return 1;
    }
    const p = paths(dir);
    const lines = [
      `# Entryway at ${info.url} (data dir ${dir}): EKS, IAM, STS and CloudFormation calls go there, other AWS services do not`,
      'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL',
      ...SERVED_ENDPOINT_VARIABLES.map((v) => `export ${v}=${q(info.url)}`),
      `export AWS_DEFAULT_REGION=${q(info.region)}`,
    ];
    if (existsSync(p.credentials)) {
      lines.push(`export AWS_SHARED_CREDENTIALS_FILE=${q(p.credentials)}`, `export AWS_PROFILE=${ADMIN_PROFILE}`);
    } else {
      const hint = `${p.credentials} does not exist: this replica did not create the administrator. Use the credentials file of the replica that bootstrapped the store (its data dir), or an administrator's keys (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).`;
      lines.push(`echo ${q(`entryway env: ${hint}`)} >&2`);
      process.stderr.write(`entryway env: ${hint}\n`);
    }
    if (info.caPath && info.url.startsWith('https:') && existsSync(info.caPath)) lines.push(`export AWS_CA_BUNDLE=${q(writeCaBundle(dir, info.caPath))}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
});
