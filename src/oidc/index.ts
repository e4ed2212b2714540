/**
 * OIDC identity provider configs: the EKS operations (eks-routes.ts, service.ts) and the verifier of
 * their ID tokens for the TokenReview webhook and kubectl endpoints (authenticator.ts).
 */
import { readFileSync } from 'node:fs';
import type { ServerConfig } from '../server/config.js';
import { OidcAuthenticator } from './authenticator.js';
import { parseSigningAlgs } from './config.js';

export { identityProviderRoutes } from './eks-routes.js';
export { OidcAuthenticator } from './authenticator.js';
export type { OidcAuthenticatorOptions } from './authenticator.js';
export { parseSigningAlgs, SUPPORTED_SIGNING_ALGS, DEFAULT_SIGNING_ALGS } from './config.js';

/** The authenticator `entryway serve` uses: `--oidc-ca-file` and `--oidc-signing-algs` applied. */
export function oidcAuthenticatorFor(cfg: Pick<ServerConfig, 'oidcCaFile' | 'oidcSigningAlgs'>): OidcAuthenticator {
  let extraCa: string | undefined;
  if (cfg.oidcCaFile) {
    try {
      extraCa = readFileSync(cfg.oidcCaFile, 'utf8');
    } catch (e) {
      throw new Error(`--oidc-ca-file ${cfg.oidcCaFile} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!extraCa.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`--oidc-ca-file ${cfg.oidcCaFile} holds no PEM certificate`);
  }
  return new OidcAuthenticator({
    ...(cfg.oidcSigningAlgs ? { algorithms: parseSigningAlgs(cfg.oidcSigningAlgs) } : {}),
    ...(extraCa ? { extraCa } : {}),
  });
}
