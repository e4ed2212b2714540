import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { CliError, callApi, resolveClientConfig } from '../client.js';
import { defineCommand } from './types.js';

interface WebhookConfig {
  cluster: string;
  authenticateUrl: string;
  authorizeUrl: string;
  certificateAuthorityData?: string;
  token: string;
  /** PEM of the extra CA Entryway trusts for OIDC issuers (serve --oidc-ca-file), if any. */
  identityProviderCa?: string;
  identityProviders: { name: string; issuerUrl: string; clientId: string; usernameClaim?: string; usernamePrefix?: string; groupsClaim?: string; groupsPrefix?: string; requiredClaims: Record<string, string> }[];
}

function webhookKubeconfig(server: string, caData: string | undefined, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'entryway', cluster: { server, ...(caData ? { 'certificate-authority-data': caData } : {}) } }],
    users: [{ name: 'kube-apiserver', user: { token } }],
    contexts: [{ name: 'webhook', context: { cluster: 'entryway', user: 'kube-apiserver' } }],
    'current-context': 'webhook',
  });
}

/** Structured authorization: Node, then Entryway (only for requests of IAM principals), then RBAC. */
export function authorizationConfig(kubeconfigPath: string, timeout: string): string {
  return stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AuthorizationConfiguration',
    authorizers: [
      { type: 'Node', name: 'node' },
      {
        type: 'Webhook',
        name: 'entryway',
        webhook: {
          timeout,
          subjectAccessReviewVersion: 'v1',
          matchConditionSubjectAccessReviewVersion: 'v1',
          // Entryway never denies; when it cannot be reached, RBAC alone decides.
          failurePolicy: 'NoOpinion',
          authorizedTTL: '5m',
          unauthorizedTTL: '30s',
          connectionInfo: { type: 'KubeConfigFile', kubeConfigFile: kubeconfigPath },
          // Access policies only ever apply to IAM principals Entryway authenticated, which carry
          // this extra; nodes, service accounts and impersonated users skip the webhook entirely.
          matchConditions: [{ expression: "'principalId' in request.extra" }],
        },
      },
      { type: 'RBAC', name: 'rbac' },
    ],
  });
}

/** Structured authentication for OIDC providers associated with the cluster (kube-apiserver checks those JWTs itself). */
export function authenticationConfig(providers: WebhookConfig['identityProviders'], ca?: string): string {
  return stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AuthenticationConfiguration',
    jwt: providers.map((p) => {
      const claim = p.usernameClaim ?? 'sub';
      // Kubernetes' default: claims other than email get the issuer URL as prefix; '-' disables it.
      const prefix = p.usernamePrefix === '-' ? '' : (p.usernamePrefix ?? (claim === 'email' ? '' : `${p.issuerUrl}#`));
      return {
        issuer: { url: p.issuerUrl, audiences: [p.clientId], ...(ca ? { certificateAuthority: ca } : {}) },
        claimMappings: {
          username: { claim, prefix },
          ...(p.groupsClaim ? { groups: { claim: p.groupsClaim, prefix: p.groupsPrefix ?? '' } } : {}),
        },
        ...(Object.keys(p.requiredClaims).length ? { claimValidationRules: Object.entries(p.requiredClaims).map(([claim, requiredValue]) => ({ claim, requiredValue })) } : {}),
      };
    }),
  });
}

export const kubeconfigWebhooksCommand = defineCommand({
  name: 'kubeconfig webhooks',
  summary: 'write the kube-apiserver webhook configs (authn + authz) for a cluster',
  usage: '--cluster NAME --out DIR [--install-dir DIR] [--timeout 3s]',
  description: `Writes, for kube-apiserver:
  authn-webhook.kubeconfig     --authentication-token-webhook-config-file (TokenReview)
  authz-webhook.kubeconfig     --authorization-webhook-config-file (SubjectAccessReview)
  authorization-config.yaml    structured alternative for --authorization-config (Kubernetes >= 1.30):
                               Node, Entryway (only IAM principals, via a match condition), RBAC
  authentication-config.yaml   when the cluster has OIDC identity providers: --authentication-config
                               with one jwt entry each (kube-apiserver verifies those tokens itself;
                               apiserver.config.k8s.io/v1, Kubernetes >= 1.34 — use v1beta1 for 1.30–1.33)
  kube-apiserver-flags.txt     the flags to add
The kubeconfigs carry Entryway's CA and the webhook bearer token; they are written owner-only.`,
  client: true,
  flags: {
    cluster: { type: 'string', arg: 'NAME', help: 'the cluster' },
    out: { type: 'string', arg: 'DIR', help: 'where to write the files' },
    'install-dir': { type: 'string', arg: 'DIR', help: 'where the files will live on the control-plane host (default: --out); used for the absolute paths inside authorization-config.yaml and the flags' },
    timeout: { type: 'string', arg: 'D', help: 'webhook timeout in the structured config (default 3s, at most 30s)' },
  },
  run: async (values) => {
    if (!values.cluster || !values.out) throw new CliError('--cluster and --out are required', 2);
    const timeout = values.timeout ?? '3s';
    if (!/^([1-9]|[12]\d|30)s$/.test(timeout)) throw new CliError('--timeout must be between 1s and 30s', 2);
    const cfg = await resolveClientConfig(values);
    const w = await callApi<WebhookConfig>(cfg, 'GET', `/entryway/v1/clusters/${encodeURIComponent(values.cluster)}/webhook-config`);
    const out = resolve(values.out);
    const dir = resolve(values['install-dir'] ?? out);
    mkdirSync(out, { recursive: true, mode: 0o700 });
    const write = (name: string, text: string, secret: boolean) => {
      const p = join(out, name);
      writeFileSync(p, text, { mode: secret ? 0o600 : 0o644 });
      chmodSync(p, secret ? 0o600 : 0o644);
      return p;
    };
    write('authn-webhook.kubeconfig', webhookKubeconfig(w.authenticateUrl, w.certificateAuthorityData, w.token), true);
    write('authz-webhook.kubeconfig', webhookKubeconfig(w.authorizeUrl, w.certificateAuthorityData, w.token), true);
    write('authorization-config.yaml', authorizationConfig(join(dir, 'authz-webhook.kubeconfig'), timeout), false);
    const flags = [
      `# Entryway webhooks for cluster ${w.cluster}. Authentication (IAM tokens from aws eks get-token):`,
      `--authentication-token-webhook-config-file=${join(dir, 'authn-webhook.kubeconfig')}`,
      '--authentication-token-webhook-version=v1',
      '--authentication-token-webhook-cache-ttl=2m',
      '',
      '# Authorization (EKS access policies), either with flags:',
      `--authorization-webhook-config-file=${join(dir, 'authz-webhook.kubeconfig')}`,
      '--authorization-webhook-version=v1',
      '--authorization-mode=Node,Webhook,RBAC',
      '# or, instead of those three (Kubernetes >= 1.30), the structured configuration:',
      `# --authorization-config=${join(dir, 'authorization-config.yaml')}`,
    ];
    if (w.identityProviders.length) {
      write('authentication-config.yaml', authenticationConfig(w.identityProviders, w.identityProviderCa), false);
      flags.push('', '# OIDC identity providers associated with the cluster (kube-apiserver verifies their ID tokens):', `--authentication-config=${join(dir, 'authentication-config.yaml')}`);
    }
    write('kube-apiserver-flags.txt', flags.join('\n') + '\n', false);
    process.stdout.write(`wrote webhook configuration for cluster ${w.cluster} to ${out}\n${flags.join('\n')}\n`);
    return 0;
  },
});
