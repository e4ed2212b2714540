import { CliError, callApi, resolveClientConfig } from '../client.js';
import { resolveResource } from '../resource.js';
import { defineCommand } from './types.js';
import { OUTPUT_FLAG, printJson, wantsJson } from './output.js';

export const canICommand = defineCommand({
  name: 'can-i',
  summary: 'ask whether an IAM principal may do something in a cluster, and why',
  usage: `--cluster NAME --principal ARN [--session NAME] VERB RESOURCE[.GROUP][/NAME] [-n NS] [--subresource S] [--name N]
       entryway can-i --cluster NAME --principal ARN VERB /NON-RESOURCE-URL`,
  description: `Answers with the same code as the webhooks: the identity the principal gets (access entries, aws-auth,
per the cluster's authentication mode) and the access policy that allows the request — or why none
does. RBAC bindings inside the cluster are not visible to Entryway and are not counted.
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
    const [verb, target] = positionals;
    if (!verb || !target || positionals.length > 2) throw new CliError('expected VERB and RESOURCE (or a /non-resource/url)', 2);
    let body: Record<string, unknown>;
    if (target.startsWith('/')) body = { verb, path: target };
    else {
      const slash = target.indexOf('/');
      const resPart = slash >= 0 ? target.slice(0, slash) : target;
      const name = slash >= 0 ? target.slice(slash + 1) : values.name;
      const { resource, group } = resolveResource(resPart);
      body = { verb, resource, group, ...(values.namespace ? { namespace: values.namespace } : {}), ...(values.subresource ? { subresource: values.subresource } : {}), ...(name ? { name } : {}) };
    }
    const json = wantsJson(values.output);
    const cfg = await resolveClientConfig(values);
    const r = await callApi<{ allowed: boolean; reason?: string; explanation?: string; user?: { username: string; groups: string[] } }>(
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
    }
    return r.allowed ? 0 : 1;
  },
});
