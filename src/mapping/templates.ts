// Username/group templates and reserved username prefixes, as aws-iam-authenticator applies them
// (iam-authenticator.md §4). Pure: the EC2 private-DNS lookup is injected.

/** What a template may refer to; the fields of the verified identity plus the EC2 lookup. */
export interface TemplateVars {
  accountId: string;
  /** STS session name ('' for IAM users); `{{SessionName}}` is this with every `@` turned into `-`. */
  sessionName: string;
  accessKeyId: string;
  /**
   * Private DNS name of an EC2 instance, or undefined when unknown. Only called when a template
   * contains `{{EC2PrivateDNSName}}`; absent means every such template fails.
   */
  lookupPrivateDnsName?: ((instanceId: string) => string | undefined) | undefined;
}

export type TemplateErrorCode = 'no_instance_id' | 'node_not_found';

/** Rendering failed; upstream denies the token with this message. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Upstream `instanceIDPattern`; `\w` is ASCII in both Go RE2 and a non-unicode JS regex. */
const INSTANCE_ID = /^i-(\w{8}|\w{17})$/;

export const EC2_PRIVATE_DNS_NAME = '{{EC2PrivateDNSName}}';

/**
 * Replaces the five variables in upstream's order: `{{EC2PrivateDNSName}}` (only looked up when
 * present), `{{AccountID}}`, `{{SessionName}}`, `{{SessionNameRaw}}`, `{{AccessKeyID}}`. Unknown
 * placeholders stay literal and the result is not validated. Sequential replacement is equivalent
 * to a single pass here because none of the substituted values can contain `{{` (STS session
 * names are `[\w+=,.@-]*`). Throws TemplateError.
 */
export function renderTemplate(template: string, vars: TemplateVars): string {
  let out = template;
  if (out.includes(EC2_PRIVATE_DNS_NAME)) {
    if (!INSTANCE_ID.test(vars.sessionName)) {
      throw new TemplateError('no_instance_id', 'SessionName did not contain an instance id');
    }
    const dns = vars.lookupPrivateDnsName?.(vars.sessionName);
    // An empty PrivateDnsName is a failure upstream too (terminated or not yet networked instance).
    if (dns === undefined || dns === '') {
      throw new TemplateError('node_not_found', `failed to find node ${vars.sessionName}`);
    }
    out = out.replaceAll(EC2_PRIVATE_DNS_NAME, dns);
  }
  out = out.replaceAll('{{AccountID}}', vars.accountId);
  out = out.replaceAll('{{SessionName}}', vars.sessionName.replaceAll('@', '-'));
  out = out.replaceAll('{{SessionNameRaw}}', vars.sessionName);
  out = out.replaceAll('{{AccessKeyID}}', vars.accessKeyId);
  return out;
}

/** Renders a username and every group; the first failure wins (upstream renders the username first). */
export function renderUser(username: string, groups: readonly string[], vars: TemplateVars): { username: string; groups: string[] } {
  return { username: renderTemplate(username, vars), groups: groups.map((g) => renderTemplate(g, vars)) };
}

/**
 * The list EKS configures for the access-entry (DynamicFile) backend, in upstream's sample order.
 * The aws-auth backend has none, which is why aws-auth rows may use `system:node:…` usernames.
 */
export const RESERVED_USERNAME_PREFIXES: readonly string[] = ['aws:', 'iam:', 'amazon:', 'system:', 'eks:'];

/** The first reserved prefix the (rendered) username starts with, or undefined. Case-sensitive, like Go's HasPrefix. */
export function checkReservedPrefix(username: string, prefixes: readonly string[] = RESERVED_USERNAME_PREFIXES): string | undefined {
  return prefixes.find((p) => username.startsWith(p));
}

/** Upstream's deny message for a reserved prefix (minus its "with with" typo). */
export function reservedPrefixMessage(username: string, mapper: string, prefixes: readonly string[] = RESERVED_USERNAME_PREFIXES): string {
  return `invalid username '${username}' for mapper ${mapper}: username must not begin with the following prefixes: [${prefixes.join(' ')}]`;
}

/** True when a string uses any `{{…}}` placeholder, known or not. */
export const hasTemplate = (s: string): boolean => /\{\{[^{}]*\}\}/.test(s);
