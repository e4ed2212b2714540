/**
 * Username and group templates that can never render as meant. Pure. aws-iam-authenticator
 * substitutes exactly `{{AccountID}}`, `{{SessionName}}`, `{{SessionNameRaw}}`, `{{AccessKeyID}}`
 * and `{{EC2PrivateDNSName}}`, case-sensitively; anything else stays literal in the username
 * (`{{sessionname}}` logs everyone in as the same odd name), and `{{EC2PrivateDNSName}}` resolves
 * only for node roles (EC2 instances), so on any other entry every login fails.
 */
export const TEMPLATE_VARIABLES = ['AccountID', 'SessionName', 'SessionNameRaw', 'AccessKeyID', 'EC2PrivateDNSName'] as const;

export type TemplateProblem =
  | { code: 'wrong_case'; found: string; meant: string }
  | { code: 'unknown_variable'; found: string }
  | { code: 'node_only'; found: '{{EC2PrivateDNSName}}' };

/** `nodeTemplatesResolve`: the principal is an EC2 node role (EC2_LINUX/EC2_WINDOWS entries, aws-auth node rows). */
export function templateProblems(template: string, nodeTemplatesResolve: boolean): TemplateProblem[] {
  const out: TemplateProblem[] = [];
  for (const m of template.matchAll(/\{\{([^{}]*)\}\}/g)) {
    const name = m[1]!;
    if ((TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      if (name === 'EC2PrivateDNSName' && !nodeTemplatesResolve) out.push({ code: 'node_only', found: '{{EC2PrivateDNSName}}' });
      continue;
    }
    const meant = TEMPLATE_VARIABLES.find((v) => v.toLowerCase() === name.trim().toLowerCase());
    out.push(meant ? { code: 'wrong_case', found: m[0], meant: `{{${meant}}}` } : { code: 'unknown_variable', found: m[0] });
  }
  return out;
}

export function describeTemplateProblem(p: TemplateProblem): string {
  switch (p.code) {
    case 'wrong_case':
      return `${p.found} is not a template variable (they are case-sensitive): it is kept literally. Write ${p.meant}.`;
    case 'unknown_variable':
      return `${p.found} is not a template variable (${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}): it would be kept literally.`;
    case 'node_only':
      return '{{EC2PrivateDNSName}} resolves only for EC2 node roles (EC2_LINUX/EC2_WINDOWS entries): every login of this principal fails.';
  }
}
