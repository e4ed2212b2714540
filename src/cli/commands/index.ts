import { accountsCreateCommand, clusterSettingsCommand, nodesListCommand, nodesRegisterCommand } from './misc.js';
import { auditCommand } from './audit.js';
import { awsAuthApplyCommand, awsAuthGetCommand } from './aws-auth.js';
import { iamIdentityMappingCreateCommand, iamIdentityMappingDeleteCommand, iamIdentityMappingGetCommand } from './iamidentitymapping.js';
import { canICommand } from './can-i.js';
import { accessReportCommand, entriesListCommand, rbacDeleteCommand, rbacGetCommand, rbacImportCommand, whoCanCommand } from './effective.js';
import { cloudformationTypesCommand } from './cloudformation.js';
import { consoleCommand } from './console.js';
import { doctorCommand } from './doctor.js';
import { envCommand } from './env.js';
import { kubeconfigWebhooksCommand } from './kubeconfig.js';
import { migrateAwsAuthCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { backupCommand, restoreCommand, storeCopyCommand } from './store.js';
import type { Command } from './types.js';

export const commands: Command[] = [
  serveCommand,
  envCommand,
  consoleCommand,
  awsAuthApplyCommand,
  awsAuthGetCommand,
  iamIdentityMappingCreateCommand,
  iamIdentityMappingGetCommand,
  iamIdentityMappingDeleteCommand,
  canICommand,
  whoCanCommand,
  accessReportCommand,
  rbacImportCommand,
  rbacGetCommand,
  rbacDeleteCommand,
  entriesListCommand,
  cloudformationTypesCommand,
  kubeconfigWebhooksCommand,
  auditCommand,
  doctorCommand,
  migrateAwsAuthCommand,
  accountsCreateCommand,
  nodesRegisterCommand,
  nodesListCommand,
  clusterSettingsCommand,
  backupCommand,
  restoreCommand,
  storeCopyCommand,
];
