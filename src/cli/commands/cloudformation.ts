import { RESOURCE_TYPES } from '../../cloudformation/resource-types.js';
import { PSEUDO_PARAMETERS, SUPPORTED_INTRINSICS } from '../../cloudformation/template/engine.js';
import { OUTPUT_FLAG, printJson, wantsJson } from './output.js';
import { defineCommand } from './types.js';

export const cloudformationTypesCommand = defineCommand({
  name: 'cloudformation types',
  summary: 'list the CloudFormation resource types, intrinsics and pseudo parameters Entryway serves',
  usage: '[-o json]',
  description: `Entryway serves the CloudFormation API on its endpoint (SigV4 service cloudformation; export
AWS_ENDPOINT_URL_CLOUDFORMATION, as \`eval "$(entryway env)"\` does), so \`aws cloudformation deploy\`,
\`delete-stack\`, change sets and the CLI's waiters work unchanged. Stacks act through the same EKS and
IAM services as the APIs: the caller's IAM policies, validation, lock-out protection and audit apply.
This lists what templates may use; docs/cloudformation.md says what differs from AWS.`,
  client: false,
  flags: { ...OUTPUT_FLAG },
  run: async (values) => {
    const types = Object.entries(RESOURCE_TYPES).map(([type, t]) => ({ type, ref: t.ref, attributes: t.attributes, required: t.required, replaceOn: t.replaceOn }));
    if (wantsJson(values.output)) {
      printJson({ resourceTypes: types, intrinsics: SUPPORTED_INTRINSICS, pseudoParameters: PSEUDO_PARAMETERS });
      return 0;
    }
    const lines = ['Resource types:'];
    for (const t of types) lines.push(`  ${t.type}`, `    Ref: ${t.ref}`, `    GetAtt: ${t.attributes.join(', ')}`, `    replaced on: ${t.replaceOn.join(', ')}`);
    lines.push('', `Intrinsic functions: ${SUPPORTED_INTRINSICS.join(', ')}`, `Pseudo parameters: ${PSEUDO_PARAMETERS.join(', ')}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
});
