import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiError, CliError, callApi, resolveClientConfig } from '../client.js';
import type { Command } from './types.js';
import { CLIENT_FLAGS, CLIENT_FLAGS_HELP } from './types.js';

function readInput(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

export const awsAuthApplyCommand: Command = {
  name: 'aws-auth apply',
  summary: "apply a cluster's aws-auth ConfigMap (YAML) — a broken document keeps the last good mapping",
  help: `Usage: entryway aws-auth apply --cluster NAME -f aws-auth.yaml

Applies the aws-auth ConfigMap of a cluster (the whole ConfigMap document, or just its data), used in
CONFIG_MAP and API_AND_CONFIG_MAP modes. A document that does not parse is refused as a whole and the
last good mapping stays in force; the reason is printed and kept (entryway aws-auth get).

  --cluster NAME   the cluster
  -f, --file FILE  the YAML document (- for standard input)
${CLIENT_FLAGS_HELP}`,
  run: async (args) => {
    const { values } = parseArgs({ args, strict: true, options: { ...CLIENT_FLAGS, cluster: { type: 'string' }, file: { type: 'string', short: 'f' } } });
    if (!values.cluster || !values.file) throw new CliError('--cluster and -f are required', 2);
    const yaml = readInput(values.file);
    const cfg = resolveClientConfig({ ...values, dataDir: values['data-dir'] });
    try {
      const r = await callApi<{ applied: boolean; ignoredInApiMode: boolean; mapRoles: number; mapUsers: number; mapAccounts: number; warnings: string[] }>(
        cfg,
        'PUT',
        `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/aws-auth`,
        { yaml },
      );
      process.stdout.write(
        `${r.applied ? 'applied' : 'unchanged'}: ${r.mapRoles} mapRoles, ${r.mapUsers} mapUsers, ${r.mapAccounts} mapAccounts${r.ignoredInApiMode ? ' (the cluster is in API mode: aws-auth is ignored)' : ''}\n`,
      );
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      return 0;
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        process.stderr.write(`rejected: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};

export const awsAuthGetCommand: Command = {
  name: 'aws-auth get',
  summary: "show a cluster's aws-auth mapping (and the last rejected document's error)",
  help: `Usage: entryway aws-auth get --cluster NAME [-o yaml|json]

  --cluster NAME   the cluster
  -o, --output F   yaml (default: the applied document) or json (parsed mappings, warnings, last error)
${CLIENT_FLAGS_HELP}`,
  run: async (args) => {
    const { values } = parseArgs({ args, strict: true, options: { ...CLIENT_FLAGS, cluster: { type: 'string' }, output: { type: 'string', short: 'o' } } });
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    const cfg = resolveClientConfig({ ...values, dataDir: values['data-dir'] });
    const r = await callApi<{ awsAuth: { source: string; lastError?: { at: number; message: string } } }>(cfg, 'GET', `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/aws-auth`);
    if (values.output === 'json') process.stdout.write(JSON.stringify(r.awsAuth, null, 2) + '\n');
    else {
      process.stdout.write(r.awsAuth.source.endsWith('\n') ? r.awsAuth.source : r.awsAuth.source + '\n');
      if (r.awsAuth.lastError) process.stderr.write(`note: a later document was rejected at ${new Date(r.awsAuth.lastError.at).toISOString()}: ${r.awsAuth.lastError.message}\n`);
    }
    return 0;
  },
};
