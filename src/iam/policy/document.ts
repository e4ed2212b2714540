/**
 * IAM JSON policy documents: parsing and validation (pure). Two kinds:
 * - identity policies (managed and inline): Principal/NotPrincipal are refused, Action and
 *   Resource (or their Not forms) are required;
 * - trust policies (a role's AssumeRolePolicyDocument): Principal or NotPrincipal is required,
 *   Resource is refused, and only STS actions make sense.
 * Errors carry IAM's MalformedPolicyDocument wording where it is known ("Syntax errors in policy.",
 * "Policy document should not specify a principal.", "Missing required field Principal",
 * "Has prohibited field Resource", "Resource x must be in ARN format or \"*\".",
 * "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
 * "Actions/Condition can contain only one colon.", "IAM resource x cannot contain region
 * information."; all observed in AWS responses quoted in public reports).
 */

export type PolicyKind = 'identity' | 'trust';
export type Effect = 'Allow' | 'Deny';
export type PolicyVersion = '2012-10-17' | '2008-10-17';

export interface PrincipalSpec {
  /** `"Principal": "*"` or `{"AWS": "*"}`. */
  any: boolean;
  aws: string[];
  service: string[];
  federated: string[];
  canonicalUser: string[];
}

export interface ConditionClause {
  /** Operator as written, e.g. `ForAnyValue:StringLike`, `StringEqualsIfExists`. */
  operator: string;
  key: string;
  values: string[];
}

export interface Statement {
  sid?: string;
  effect: Effect;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: PrincipalSpec;
  notPrincipal?: PrincipalSpec;
  conditions: ConditionClause[];
}

export interface PolicyDocument {
  version: PolicyVersion;
  id?: string;
  statements: Statement[];
}

/** A policy IAM would refuse; `message` is the MalformedPolicyDocument text. */
export class PolicyParseError extends Error {
  override readonly name = 'PolicyParseError';
}

const SYNTAX = 'Syntax errors in policy.';
const fail = (message: string): never => {
  throw new PolicyParseError(message);
};

const TOP_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const PRINCIPAL_TYPES: Record<string, keyof Omit<PrincipalSpec, 'any'>> = {
  AWS: 'aws',
  Service: 'service',
  Federated: 'federated',
  CanonicalUser: 'canonicalUser',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A string or a non-empty list of strings. */
function stringOrList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  return fail(SYNTAX);
}

function checkAction(a: string, kind: PolicyKind): void {
  if (a === '*') return;
  const parts = a.split(':');
  if (parts.length < 2) fail('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  if (parts.length > 2) fail('Actions/Condition can contain only one colon.');
  const [vendor, name] = parts as [string, string];
  if (!/^[a-zA-Z0-9-]+$/.test(vendor) || name === '' || /\s/.test(name)) fail(`Action ${a} is not valid.`);
  if (kind === 'trust' && vendor.toLowerCase() !== 'sts') fail('AssumeRole policy may only specify STS AssumeRole actions.');
}

function checkResource(r: string): void {
  if (r === '*') return;
  if (!r.startsWith('arn:')) fail(`Resource ${r} must be in ARN format or "*".`);
  const parts = r.split(':');
  if (parts.length < 3 || parts[1] === '' || parts[2] === '') fail(`Resource ${r} must be in ARN format or "*".`);
  if (parts[2] === 'iam' && parts[3] !== undefined && parts[3] !== '' && parts[3] !== '*') {
    fail(`IAM resource ${r} cannot contain region information.`);
  }
}

const ACCOUNT_ID = /^\d{12}$/;
const AWS_PRINCIPAL_ARN = /^arn:[a-z-]+:(iam::\d{12}:(root|user\/.+|role\/.+|federated-user\/.+)|sts::\d{12}:(assumed-role\/[^/]+\/.+|federated-user\/.+))$/;

function parsePrincipal(v: unknown): PrincipalSpec {
  const spec: PrincipalSpec = { any: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (v === '*') return { ...spec, any: true };
  if (!isObject(v) || Object.keys(v).length === 0) return fail(SYNTAX);
  for (const [type, raw] of Object.entries(v)) {
    const field = PRINCIPAL_TYPES[type];
    if (!field) fail(`Invalid principal in policy: "${type}"`);
    const values = stringOrList(raw);
    for (const p of values) {
      if (field === 'aws') {
        if (p === '*') spec.any = true;
        else if (!ACCOUNT_ID.test(p) && !AWS_PRINCIPAL_ARN.test(p)) fail(`Invalid principal in policy: "AWS":"${p}"`);
      }
      if (field === 'service' && !/^[a-z0-9.-]+$/i.test(p)) fail(`Invalid principal in policy: "SERVICE":"${p}"`);
    }
    spec[field as keyof Omit<PrincipalSpec, 'any'>].push(...values.filter((p) => !(field === 'aws' && p === '*')));
  }
  return spec;
}

/** Condition operators are written as `[ForAnyValue:|ForAllValues:]Name[IfExists]`. */
const OPERATOR = /^(?:(?:ForAnyValue|ForAllValues):)?[A-Za-z]+$/;

function parseCondition(v: unknown): ConditionClause[] {
  if (!isObject(v)) return fail(SYNTAX);
  const out: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(v)) {
    if (!OPERATOR.test(operator)) fail(SYNTAX);
    if (!isObject(block) || Object.keys(block).length === 0) fail(SYNTAX);
    for (const [key, raw] of Object.entries(block as Record<string, unknown>)) {
      if (!key.includes(':')) fail('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
      const list = Array.isArray(raw) ? raw : [raw];
      if (list.some((x) => typeof x !== 'string' && typeof x !== 'boolean' && typeof x !== 'number')) fail(SYNTAX);
      out.push({ operator, key, values: list.map((x) => String(x)) });
    }
  }
  return out;
}

function parseStatement(raw: unknown, kind: PolicyKind): Statement {
  if (!isObject(raw)) return fail(SYNTAX);
  for (const k of Object.keys(raw)) if (!STATEMENT_FIELDS.has(k)) fail(SYNTAX);
  if (raw.Effect === undefined) fail('Missing required field Effect');
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') fail(SYNTAX);
  if (raw.Action !== undefined && raw.NotAction !== undefined) fail(SYNTAX);
  if (raw.Resource !== undefined && raw.NotResource !== undefined) fail(SYNTAX);
  if (raw.Principal !== undefined && raw.NotPrincipal !== undefined) fail(SYNTAX);
  if (raw.Sid !== undefined && (typeof raw.Sid !== 'string' || !/^[A-Za-z0-9 ]*$/.test(raw.Sid))) {
    fail(kind === 'trust' ? SYNTAX : 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*');
  }

  const st: Statement = { effect: raw.Effect as Effect, conditions: [] };
  if (typeof raw.Sid === 'string') st.sid = raw.Sid;

  if (kind === 'identity') {
    if (raw.Principal !== undefined || raw.NotPrincipal !== undefined) fail('Policy document should not specify a principal.');
    if (raw.Action === undefined && raw.NotAction === undefined) fail('Policy statement must contain actions.');
    if (raw.Resource === undefined && raw.NotResource === undefined) fail('Policy statement must contain resources.');
  } else {
    if (raw.Resource !== undefined) fail('Has prohibited field Resource');
    if (raw.NotResource !== undefined) fail('Has prohibited field NotResource');
    if (raw.Principal === undefined && raw.NotPrincipal === undefined) fail('Missing required field Principal');
    if (raw.Action === undefined && raw.NotAction === undefined) fail('Missing required field Action');
  }

  if (raw.Action !== undefined) st.action = stringOrList(raw.Action);
  if (raw.NotAction !== undefined) st.notAction = stringOrList(raw.NotAction);
  for (const a of st.action ?? st.notAction ?? []) checkAction(a, kind);
  if (raw.Resource !== undefined) st.resource = stringOrList(raw.Resource);
  if (raw.NotResource !== undefined) st.notResource = stringOrList(raw.NotResource);
  for (const r of st.resource ?? st.notResource ?? []) checkResource(r);
  if (raw.Principal !== undefined) st.principal = parsePrincipal(raw.Principal);
  if (raw.NotPrincipal !== undefined) st.notPrincipal = parsePrincipal(raw.NotPrincipal);
  if (raw.Condition !== undefined) st.conditions = parseCondition(raw.Condition);
  return st;
}

/** Parses and validates a policy document; throws PolicyParseError with IAM's message. */
export function parsePolicy(text: string, kind: PolicyKind): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail(SYNTAX);
  }
  if (!isObject(raw)) return fail(SYNTAX);
  for (const k of Object.keys(raw)) if (!TOP_FIELDS.has(k)) fail(SYNTAX);
  // No Version means the 2008 language (no policy variables), as in IAM.
  const version = raw.Version === undefined ? '2008-10-17' : raw.Version;
  if (version !== '2012-10-17' && version !== '2008-10-17') return fail('The policy failed legacy parsing');
  if (raw.Id !== undefined && typeof raw.Id !== 'string') fail(SYNTAX);
  if (raw.Statement === undefined) fail('Missing required field Statement');
  const list = Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement];
  if (list.length === 0) fail(SYNTAX);
  const statements = list.map((s) => parseStatement(s, kind));
  const doc: PolicyDocument = { version, statements };
  if (typeof raw.Id === 'string') doc.id = raw.Id;
  return doc;
}
