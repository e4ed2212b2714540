/**
 * OIDC identity provider configs: the EKS operations on them (service.ts; their routes are
 * eks-api/identity-provider-routes.ts) and the verifier of their ID tokens for the TokenReview
 * webhook and kubectl endpoints (authenticator.ts). Pure parts: config.ts, claims.ts, token.ts;
 * network I/O: keys.ts, authenticator.ts; store: service.ts.
 */
export { OidcAuthenticator } from './authenticator.js';
export type { OidcAuthenticatorOptions } from './authenticator.js';
export { parseSigningAlgs, SUPPORTED_SIGNING_ALGS, DEFAULT_SIGNING_ALGS } from './config.js';
