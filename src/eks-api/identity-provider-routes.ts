/**
 * EKS API routes of the identity-provider-config operations (oidc/service.ts). They run with the plugin's SigV4 authentication, IAM authorization, idempotency, audit and errors.
 * IAM resources as in the Service Authorization Reference: the cluster for Associate and List, the
 * identityproviderconfig for Describe and Disassociate (its UUID is unknown before the lookup, so
 * policies match `identityproviderconfig/<cluster>/oidc/<name>/*`). Associate carries the condition
 * keys eks:clientId and eks:issuerUrl.
 */
import type { AnyEksRoute, EksCall } from './route.js';
import { clusterResource } from './route.js';
import { decodeNextToken, page, parseMaxResults } from './pagination.js';
import { updateShape } from './shapes.js';
import {
  associateIdentityProviderConfig,
  describeIdentityProviderConfig,
  disassociateIdentityProviderConfig,
  listIdentityProviderConfigs,
  oidcConfigShape,
} from '../oidc/service.js';

/** Describe and Disassociate name the config the same way. */
type Base = Omit<EksCall<{ identityProviderConfig?: { name?: string } }>, 'ctx'>;
interface Env {
  partition: string;
  region: string;
}

function configResource(c: Base, o: Env): string {
  const name = c.input.identityProviderConfig?.name ?? '';
  const shown = /^[A-Za-z0-9_-]{1,100}$/.test(name) ? name : '*';
  return `arn:${o.partition}:eks:${o.region}:${c.caller.accountId}:identityproviderconfig/${c.params.name ?? '*'}/oidc/${shown}/*`;
}

export const identityProviderRoutes: AnyEksRoute[] = [
  {
    method: 'POST',
    url: '/clusters/:name/identity-provider-configs/associate',
    operation: 'AssociateIdentityProviderConfig',
    kind: 'write',
    idempotent: true,
    resource: clusterResource,
    context: (c) => ({
      ...(c.input.oidc?.clientId !== undefined ? { 'eks:clientId': c.input.oidc.clientId } : {}),
      ...(c.input.oidc?.issuerUrl !== undefined ? { 'eks:issuerUrl': c.input.oidc.issuerUrl } : {}),
    }),
    run: async (c) => {
      const { update, provider } = await associateIdentityProviderConfig(c.ctx, c.input);
      return { update: updateShape(update, c.ctx.now), tags: provider.tags };
    },
  },
  {
    method: 'POST',
    url: '/clusters/:name/identity-provider-configs/describe',
    operation: 'DescribeIdentityProviderConfig',
    kind: 'read',
    resource: configResource,
    run: async (c) => {
      const p = await describeIdentityProviderConfig(c.ctx, c.input);
      c.ctx.audit.clusterName = p.clusterName;
      c.ctx.audit.resource = p.arn;
      return { identityProviderConfig: { oidc: oidcConfigShape(p, c.ctx.now) } };
    },
  },
  {
    method: 'POST',
    url: '/clusters/:name/identity-provider-configs/disassociate',
    operation: 'DisassociateIdentityProviderConfig',
    kind: 'write',
    idempotent: true,
    resource: configResource,
    run: async (c) => ({ update: updateShape(await disassociateIdentityProviderConfig(c.ctx, c.input), c.ctx.now) }),
  },
  {
    method: 'GET',
    url: '/clusters/:name/identity-provider-configs',
    operation: 'ListIdentityProviderConfigs',
    kind: 'read',
    resource: clusterResource,
    run: async (c) => {
      const limit = parseMaxResults(c.input.maxResults);
      const list = `identity-provider-configs/${c.params.name}`;
      const after = decodeNextToken(list, c.input.nextToken);
      const all = await listIdentityProviderConfigs(c.ctx, c.params.name);
      const p = page(
        all.filter((x) => after === undefined || x.name > after),
        limit,
        (x) => x.name,
        list,
      );
      return { identityProviderConfigs: p.items.map((x) => ({ type: 'oidc', name: x.name })), ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
    },
  },
];
