import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, callApi, resolveClientConfig } from '../client.js';
import { credentialsFileProblem, paths, writeCredentialsFileProfile } from '../../server/datadir.js';
import { resolveDataDir } from '../../server/config.js';
import { defineCommand } from './types.js';
import { OUTPUT_FLAG, printJson, wantsJson } from './output.js';

/**
 * Where `accounts create` keeps the new administrator's keys: --credentials-file, else
 * AWS_SHARED_CREDENTIALS_FILE (what `entryway env` exports, and what the AWS CLI reads), else the
 * data dir's credentials file.
 */
export function credentialsTarget(flag: string | undefined, dataDir: string | undefined): string {
  return resolve(flag ?? process.env.AWS_SHARED_CREDENTIALS_FILE ?? paths(resolveDataDir(dataDir)).credentials);
}

export const accountsCreateCommand = defineCommand({
  name: 'accounts create',
  summary: "create another account in Entryway's IAM, with its own administrator",
  usage: '[--account-id ID] [--profile-name NAME] [--credentials-file FILE | --print-credentials]',
  description: `Creates an account (a random 12-digit ID unless given) with an administrator user and access key,
and adds a profile for it (default name entryway-<account id>) to the credentials file: --credentials-file,
else AWS_SHARED_CREDENTIALS_FILE, else DIR/credentials. Where the file cannot be written, nothing is
created; if writing fails after the server made the key, the key is printed instead, never lost.`,
  client: true,
  flags: {
    'account-id': { type: 'string', arg: 'ID', help: '12-digit ID of the new account (default: random)' },
    'profile-name': { type: 'string', arg: 'NAME', help: 'profile to write (default entryway-<account id>)' },
    'credentials-file': { type: 'string', arg: 'FILE', help: 'AWS shared-credentials file to add the profile to' },
    'print-credentials': { type: 'boolean', help: 'print the access key and secret (shell exports) instead of writing a file' },
    ...OUTPUT_FLAG,
  },
  run: async (values) => {
    const print = values['print-credentials'] === true;
    const file = credentialsTarget(values['credentials-file'], values['data-dir']);
    const problem = print ? undefined : credentialsFileProblem(file);
    if (problem) throw new CliError(`cannot write the new administrator's credentials to ${file} (${problem}); nothing was created. Pass --credentials-file FILE or --print-credentials.`);
    const cfg = await resolveClientConfig(values);
    const r = await callApi<{ account: { accountId: string; administratorArn: string; accessKeyId: string; secretAccessKey: string } }>(cfg, 'POST', '/entryway/v1/accounts', values['account-id'] ? { accountId: values['account-id'] } : {});
    const a = r.account;
    const profile = values['profile-name'] ?? `entryway-${a.accountId}`;
    const exports = `export AWS_ACCESS_KEY_ID=${a.accessKeyId} AWS_SECRET_ACCESS_KEY=${a.secretAccessKey}`;
    if (print) {
      if (wantsJson(values.output)) printJson(r.account);
      else process.stdout.write(`account ${a.accountId} created; administrator ${a.administratorArn}\n${exports}\n`);
      return 0;
    }
    try {
      writeCredentialsFileProfile(file, profile, a.accessKeyId, a.secretAccessKey);
    } catch (e) {
      process.stdout.write(`account ${a.accountId} created; administrator ${a.administratorArn}\n${exports}\n`);
      process.stderr.write(`entryway: the credentials could not be written to ${file} (${(e as Error).message}); they are printed above — keep them, the secret cannot be shown again\n`);
      return 1;
    }
    if (wantsJson(values.output)) printJson({ accountId: a.accountId, administratorArn: a.administratorArn, accessKeyId: a.accessKeyId, credentialsFile: file, profile });
    else process.stdout.write(`account ${a.accountId} created; administrator ${a.administratorArn}\ncredentials written to ${file} as profile ${profile} (AWS_PROFILE=${profile})\n`);
    return 0;
  },
});

export const nodesRegisterCommand = defineCommand({
  name: 'nodes register',
  summary: 'record the private DNS name of an EC2 instance (for {{EC2PrivateDNSName}} offline)',
  usage: '--instance-id i-0123456789abcdef0 --private-dns-name ip-10-0-1-23.ec2.internal',
  description: `Node roles (EC2_LINUX/EC2_WINDOWS entries, aws-auth rows with system:node:{{EC2PrivateDNSName}})
authenticate as the node whose instance ID is the session name. Offline, Entryway resolves the
instance ID through this table.`,
  client: true,
  flags: {
    'instance-id': { type: 'string', arg: 'ID', help: 'the EC2 instance ID (the node role session name)' },
    'private-dns-name': { type: 'string', arg: 'NAME', help: "the instance's private DNS name" },
  },
  run: async (values) => {
    if (!values['instance-id'] || !values['private-dns-name']) throw new CliError('--instance-id and --private-dns-name are required', 2);
    await callApi(await resolveClientConfig(values), 'PUT', `/entryway/v1/ec2-instances/${encodeURIComponent(values['instance-id'])}`, { privateDnsName: values['private-dns-name'] });
    process.stdout.write(`${values['instance-id']} → ${values['private-dns-name']}\n`);
    return 0;
  },
});

export const nodesListCommand = defineCommand({
  name: 'nodes list',
  summary: 'list registered EC2 instances',
  usage: '[-o json]',
  client: true,
  flags: { ...OUTPUT_FLAG },
  run: async (values) => {
    const r = await callApi<{ instances: { instanceId: string; privateDnsName: string }[] }>(await resolveClientConfig(values), 'GET', '/entryway/v1/ec2-instances');
    if (wantsJson(values.output)) printJson(r.instances);
    else for (const i of r.instances) process.stdout.write(`${i.instanceId}\t${i.privateDnsName}\n`);
    return 0;
  },
});

export const clusterSettingsCommand = defineCommand({
  name: 'cluster settings',
  summary: "show or change a cluster's Entryway settings (lock-out protection, real API server)",
  usage: '--cluster NAME [--lockout-protection true|false] [--api-server-url URL [--api-server-ca-file FILE] | --clear-api-server-url]',
  description: 'Without a change, prints the settings.',
  client: true,
  flags: {
    cluster: { type: 'string', arg: 'NAME', help: 'the cluster' },
    'lockout-protection': { type: 'string', arg: 'true|false', help: 'refuse changes that remove the last cluster-admin path in API mode (default true)' },
    'api-server-url': { type: 'string', arg: 'URL', help: "the cluster's real kube-apiserver URL, reported by DescribeCluster instead of Entryway's review endpoint (update-kubeconfig then targets the real cluster)" },
    'api-server-ca-file': { type: 'string', arg: 'FILE', help: 'its CA bundle (PEM)' },
    'clear-api-server-url': { type: 'boolean', help: "report Entryway's endpoint again" },
    ...OUTPUT_FLAG,
  },
  run: async (values) => {
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    if (values['api-server-ca-file'] && !values['api-server-url']) throw new CliError('--api-server-ca-file goes with --api-server-url', 2);
    if (values['clear-api-server-url'] && values['api-server-url']) throw new CliError('--api-server-url and --clear-api-server-url exclude each other', 2);
    const path = `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/settings`;
    const body: Record<string, unknown> = {};
    if (values['lockout-protection'] !== undefined) {
      if (!['true', 'false'].includes(values['lockout-protection'])) throw new CliError('--lockout-protection takes true or false', 2);
      body.lockoutProtection = values['lockout-protection'] === 'true';
    }
    if (values['clear-api-server-url']) body.endpoint = null;
    else if (values['api-server-url']) {
      body.endpoint = values['api-server-url'];
      if (values['api-server-ca-file']) {
        let pem: Buffer;
        try {
          pem = readFileSync(values['api-server-ca-file']);
        } catch (e) {
          throw new CliError(`cannot read ${values['api-server-ca-file']}: ${(e as Error).message}`);
        }
        body.certificateAuthorityData = pem.toString('base64');
      }
    }
    const cfg = await resolveClientConfig(values);
    const r = await callApi(cfg, Object.keys(body).length ? 'PUT' : 'GET', path, Object.keys(body).length ? body : undefined);
    printJson(r);
    return 0;
  },
});
