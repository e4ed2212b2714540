// The layers of src/, lowest first. A module may import from its own layer or a
// lower one, never from a higher one; eslint.config.js turns this table into
// no-restricted-imports rules and scripts/check-imports.mjs checks the same
// table (and file-level import cycles) with exact path resolution.
export const LAYERS = [
  // Pure decision logic: no I/O, no framework.
  { name: 'core', folders: ['arn', 'sigv4', 'token', 'policy', 'rbac', 'mapping', 'rules', 'model', 'data'] },
  // Persistence, the compiled index, the operation context and the shared error type.
  { name: 'state', folders: ['store', 'index', 'ops', 'errors'] },
  // Domain services and jobs over the store.
  { name: 'domain', folders: ['clusters', 'entries', 'iam', 'authn', 'authz', 'audit', 'doctor', 'migration', 'oidc'] },
  // Protocol edges: one reader and one error table per wire protocol.
  { name: 'edge', folders: ['aws', 'eks-api', 'aws-query', 'kube-api', 'entryway-api', 'webhooks', 'console', 'cloudformation'] },
  // Entry points that wire everything together.
  { name: 'entry', folders: ['server', 'cli'] },
];

/** Top-level folders a module in `folder` must not import from. */
export function forbiddenFor(folder) {
  const at = LAYERS.findIndex((l) => l.folders.includes(folder));
  if (at < 0) return null;
  return LAYERS.slice(at + 1).flatMap((l) => l.folders);
}

export function layerOf(folder) {
  return LAYERS.find((l) => l.folders.includes(folder))?.name ?? null;
}
