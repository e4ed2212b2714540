export * from './objects.js';
export * from './evaluate.js';
export * from './risks.js';
export { DEFAULT_CLUSTER_ROLES, DEFAULT_CLUSTER_ROLE_BINDINGS } from './defaults.js';
