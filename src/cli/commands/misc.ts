import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CliError, callApi, resolveClientConfig } from '../client.js';
import { writeCredentialsProfile } from '../../server/datadir.js';
import { resolveDataDir } from '../../server/config.js';
import type { Command } from './types.js';
import { CLIENT_FLAGS, CLIENT_FLAGS_HELP } from './types.js';

const client = (values: Record<string, unknown>) =>
  resolveClientConfig({
    ...(typeof values.endpoint === 'string' ? { endpoint: values.endpoint } : {}),
    ...(typeof values.region === 'string' ? { region: values.region } : {}),
    ...(typeof values.profile === 'string' ? { profile: values.profile } : {}),
    ...(typeof values['data-dir'] === 'string' ? { dataDir: values['data-dir'] } : {}),
  });

export const accountsCreateCommand: Command = {
  name: 'accounts create',
  summary: "create another account in Entryway's IAM, with its own administrator",
  help: `Usage: entryway accounts create [--account-id ID] [--profile-name NAME]

Creates an account (a random 12-digit ID unless given) with an administrator user and access key,
and adds a profile for it to DIR/credentials (default name entryway-<account id>).
${CLIENT_FLAGS_HELP}`,
  run: async (args) => {
    const { values } = parseArgs({ args, strict: true, options: { ...CLIENT_FLAGS, 'account-id': { type: 'string' }, 'profile-name': { type: 'string' } } });
    const cfg = client(values);
    const r = await callApi<{ account: { accountId: string; administratorArn: string; accessKeyId: string; secretAccessKey: string } }>(cfg, 'POST', '/entryway/v1/accounts', values['account-id'] ? { accountId: values['account-id'] } : {});
    const profile = values['profile-name'] ?? `entryway-${r.account.accountId}`;
    const file = writeCredentialsProfile(resolveDataDir(values['data-dir']), profile, r.account.accessKeyId, r.account.secretAccessKey);
    process.stdout.write(`account ${r.account.accountId} created; administrator ${r.account.administratorArn}\ncredentials written to ${file} as profile ${profile} (AWS_PROFILE=${profile})\n`);
    return 0;
  },
};

export const nodesRegisterCommand: Command = {
  name: 'nodes register',
  summary: 'record the private DNS name of an EC2 instance (for {{EC2PrivateDNSName}} offline)',
  help: `Usage: entryway nodes register --instance-id i-0123456789abcdef0 --private-dns-name ip-10-0-1-23.ec2.internal

Node roles (EC2_LINUX/EC2_WINDOWS entries, aws-auth rows with system:node:{{EC2PrivateDNSName}})
authenticate as the node whose instance ID is the session name. Offline, Entryway resolves the
instance ID through this table.
${CLIENT_FLAGS_HELP}`,
  run: async (args) => {
    const { values } = parseArgs({ args, strict: true, options: { ...CLIENT_FLAGS, 'instance-id': { type: 'string' }, 'private-dns-name': { type: 'string' } } });
    if (!values['instance-id'] || !values['private-dns-name']) throw new CliError('--instance-id and --private-dns-name are required', 2);
    await callApi(client(values), 'PUT', `/entryway/v1/ec2-instances/${encodeURIComponent(values['instance-id'])}`, { privateDnsName: values['private-dns-name'] });
    process.stdout.write(`${values['instance-id']} → ${values['private-dns-name']}\n`);
    return 0;
  },
};

export const nodesListCommand: Command = {
  name: 'nodes list',
  summary: 'list registered EC2 instances',
  help: `Usage: entryway nodes list\n${CLIENT_FLAGS_HELP}`,
  run: async (args) => {
    const { values } = parseArgs({ args, strict: true, options: { ...CLIENT_FLAGS } });
    const r = await callApi<{ instances: { instanceId: string; privateDnsName: string }[] }>(client(values), 'GET', '/entryway/v1/ec2-instances');
    for (const i of r.instances) process.stdout.write(`${i.instanceId}\t${i.privateDnsName}\n`);
    return 0;
  },
};

export const clusterSettingsCommand: Command = {
  name: 'cluster settings',
  summary: "show or change a cluster's Entryway settings (lock-out protection, real API endpoint)",
  help: `Usage: entryway cluster settings --cluster NAME [--lockout-protection true|false] [--endpoint URL [--ca-file FILE] | --clear-endpoint]

  --lockout-protection B  refuse changes that remove the last cluster-admin path in API mode (default true)
  --endpoint URL          the cluster's real kube-apiserver URL, reported by DescribeCluster instead of
                          Entryway's own review endpoint (then update-kubeconfig targets the real cluster)
  --ca-file FILE          its CA bundle (PEM)
  --clear-endpoint        report Entryway's endpoint again
${CLIENT_FLAGS_HELP}`,
  run: async (args) => {
    const { values } = parseArgs({
      args,
      strict: true,
      options: { ...CLIENT_FLAGS, cluster: { type: 'string' }, 'lockout-protection': { type: 'string' }, endpoint: { type: 'string' }, 'ca-file': { type: 'string' }, 'clear-endpoint': { type: 'boolean' } },
    });
    if (!values.cluster) throw new CliError('--cluster is required', 2);
    const path = `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/settings`;
    const cfg = client(values);
    const body: Record<string, unknown> = {};
    if (values['lockout-protection'] !== undefined) {
      if (!['true', 'false'].includes(values['lockout-protection'])) throw new CliError('--lockout-protection takes true or false', 2);
      body.lockoutProtection = values['lockout-protection'] === 'true';
    }
    if (values['clear-endpoint']) body.endpoint = null;
    else if (values.endpoint) {
      body.endpoint = values.endpoint;
      if (values['ca-file']) body.certificateAuthorityData = Buffer.from(readFileSync(values['ca-file'])).toString('base64');
    }
    const r = await callApi(cfg, Object.keys(body).length ? 'PUT' : 'GET', path, Object.keys(body).length ? body : undefined);
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return 0;
  },
};
