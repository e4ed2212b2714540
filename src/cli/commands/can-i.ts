import { CliError, callApi, resolveClientConfig } from '../client.js';
import { resolveResource } from '../resource.js';
import { defineCommand } from './types.js';
import { OUTPUT_FLAG, printJson, wantsJson } from './output.js';

/** VERB and RESOURCE[.GROUP][/NAME] (or a /non-resource/url) as the API's request fields. */
export function requestFromArgs(positionals: string[], values: { namespace?: string | undefined; subresource?: string | undefined; name?: string | undefined }): Record<string, unknown> {
  const [verb, target] = positionals;
  if (!verb || !target || positionals.length > 2) throw new CliError('expected VERB and RESOURCE (or a /non-resource/url)', 2);
  if (target.startsWith('/')) return { verb, path: target };
  const slash = target.indexOf('/');
  const resPart = slash >= 0 ? target.slice(0, slash) : target;
  const name = slash >= 0 ? target.slice(slash + 1) : values.name;
  const { resource, group } = resolveResource(resPart);
  return { verb, resource, group, ...(values.namespace ? { namespace: values.namespace } : {}), ...(values.subresource ? { subresource: values.subresource } : {}), ...(name ? { name } : {}) };
}

export const canICommand = defineCommand({
  name: 'can-i',
  summary: 'ask whether an IAM principal may do something in a cluster, and why',
  usage: `--cluster NAME --principal ARN [--session NAME] VERB RESOURCE[.GROUP][/NAME] [-n NS] [--subresource S] [--name N]
       entryway can-i --cluster NAME --principal ARN VERB /NON-RESOURCE-URL`,
  description: `Answers with the same code as the webhooks: the identity the principal gets (access entries, aws-auth,
per the cluster's authentication mode), then what allows the request — system:masters, an access
policy and its scope, or an RBAC binding → role → rule of the cluster's imported RBAC snapshot
(entryway rbac import) — or why nothing does. Without a snapshot only the default roles and
bindings every cluster has are counted, and the answer says so.
Exit status: 0 yes, 1 no.`,
  client: true,
  positionals: true,
  flags: {
    cluster: { type: 'string', arg: 'NAME', help: 'the cluster' },
    principal: { type: 'string', arg: 'ARN', help: 'IAM user or role ARN (for a role, the session name defaults to entryway-can-i)' },
    session: { type: 'string', arg: 'NAME', help: 'role session name (matters for {{SessionName}} usernames)' },
    namespace: { type: 'string', short: 'n', arg: 'NS', help: 'namespace of the request (default: none, i.e. cluster-wide)' },
    subresource: { type: 'string', arg: 'S', help: 'e.g. log, exec, scale' },
    name: { type: 'string', arg: 'N', help: 'resource name' },
    ...OUTPUT_FLAG,
  },
  run: async (values, positionals) => {
    if (!values.cluster || !values.principal) throw new CliError('--cluster and --principal are required', 2);
    const body = requestFromArgs(positionals, values);
    const json = wantsJson(values.output);
    const cfg = await resolveClientConfig(values);
    const r = await callApi<{ allowed: boolean; reason?: string; explanation?: string; user?: { username: string; groups: string[] }; rbac?: { complete: boolean; importedAt?: number } }>(
      cfg,
      'POST',
      `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/can-i`,
      { principalArn: values.principal, ...(values.session ? { sessionName: values.session } : {}), ...body },
    );
    if (json) printJson(r);
    else {
      process.stdout.write(`${r.allowed ? 'yes' : 'no'}\n`);
      if (r.user) process.stdout.write(`  as ${r.user.username}${r.user.groups.length ? ` (groups: ${r.user.groups.join(', ')})` : ''}\n`);
      process.stdout.write(`  ${r.allowed ? `allowed by: ${r.reason}` : `why: ${r.explanation}`}\n`);
      if (r.rbac) process.stdout.write(`  rbac: ${r.rbac.complete ? `snapshot of ${new Date(r.rbac.importedAt!).toISOString()}` : 'no snapshot imported (defaults only)'}\n`);
    }
    return r.allowed ? 0 : 1;
  },
});
