import { readFileSync } from 'node:fs';
import { ApiError, CliError, callApi, resolveClientConfig } from '../client.js';
import { defineCommand } from './types.js';
import { printJson, wantsJson } from './output.js';

function readInput(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

export const awsAuthApplyCommand = defineCommand({
  name: 'aws-auth apply',
  summary: "apply a cluster's aws-auth ConfigMap (YAML) — a broken document keeps the last good mapping",
  usage: '--cluster NAME -f aws-auth.yaml',
  description: `Applies the aws-auth ConfigMap of a cluster (the whole ConfigMap document, or just its data), used in
CONFIG_MAP and API_AND_CONFIG_MAP modes. A document that does not parse is refused as a whole and the
last good mapping stays in force; the reason is printed and kept (entryway aws-auth get).`,
  client: true,
  flags: {
    cluster: { type: 'string', arg: 'NAME', help: 'the cluster' },
    file: { type: 'string', short: 'f', arg: 'FILE', help: 'the YAML document (- for standard input)' },
  },
  run: async (values) => {
    if (!values.cluster || !values.file) throw new CliError('--cluster and -f are required', 2);
    const yaml = readInput(values.file);
    const cfg = await resolveClientConfig(values);
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
});

export const awsAuthGetCommand = defineCommand({
  name: 'aws-auth get',
  summary: "show a cluster's aws-auth mapping (and the last rejected document's error)",
  usage: '--cluster NAME [-o yaml|json]',
  client: true,
  flags: {
    cluster: { type: 'string', arg: 'NAME', help: 'the cluster' },
    output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'yaml (default: the applied document) or json (parsed mappings, warnings, last error)' },
  },
  run: async (values) => {
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    const json = wantsJson(values.output === 'yaml' ? undefined : values.output);
    const cfg = await resolveClientConfig(values);
    const r = await callApi<{ awsAuth: { source: string; lastError?: { at: number; message: string } } }>(cfg, 'GET', `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/aws-auth`);
    if (json) printJson(r.awsAuth);
    else {
      process.stdout.write(r.awsAuth.source.endsWith('\n') ? r.awsAuth.source : r.awsAuth.source + '\n');
      if (r.awsAuth.lastError) process.stderr.write(`note: a later document was rejected at ${new Date(r.awsAuth.lastError.at).toISOString()}: ${r.awsAuth.lastError.message}\n`);
    }
    return 0;
  },
});
