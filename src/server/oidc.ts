/** The OIDC verifier `entryway serve` uses: `--oidc-ca-file` and `--oidc-signing-algs` applied. */
import { readFileSync } from 'node:fs';
import { OidcAuthenticator, parseSigningAlgs } from '../oidc/index.js';
import type { ServerConfig } from './config.js';

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
