// The aws-auth ConfigMap: parsing (iam-authenticator.md §6, eks-access.md §7.1) and serialising.
//
// Follows aws-iam-authenticator's EKSConfigMap backend (`ParseMap`) except where marked DIVERGENCE.
// Pure: no I/O; never throws on any input (everything unexpected becomes `{ok:false}`).
import { LineCounter, Scalar, isAlias, isCollection, isMap, isScalar, isSeq, parseAllDocuments, parseDocument, stringify, visit } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap, YAMLSeq } from 'yaml';
import { parseArn, stripPath, canonicalize } from '../arn/index.js';
import type { AwsAuthMapping } from '../model/types.js';

export const AWS_AUTH_SECTIONS = ['mapRoles', 'mapUsers', 'mapAccounts'] as const;
export type AwsAuthSection = (typeof AWS_AUTH_SECTIONS)[number];

/** A ConfigMap cannot exceed 1 MiB; anything larger is not an aws-auth Kubernetes would store. */
export const AWS_AUTH_MAX_BYTES = 1024 * 1024;
/** Flow collections nested deeper than this are refused before YAML parsing (the parser's cost grows badly with depth). */
export const AWS_AUTH_MAX_FLOW_DEPTH = 64;

/** The three aws-auth lists; `AwsAuthRecord` is structurally one. */
export interface AwsAuthLists {
  readonly mapRoles: readonly AwsAuthMapping[];
  readonly mapUsers: readonly AwsAuthMapping[];
  readonly mapAccounts: readonly string[];
}

export type AwsAuthErrorCode =
  | 'too_large'
  | 'too_deep'
  | 'empty'
  | 'invalid_yaml'
  | 'multiple_documents'
  | 'not_a_mapping'
  | 'not_a_configmap'
  | 'wrong_name'
  | 'wrong_namespace'
  | 'data_not_a_mapping'
  | 'section_not_a_string'
  | 'unquoted_template'
  | 'invalid_section'
  | 'internal';

export interface AwsAuthError {
  code: AwsAuthErrorCode;
  /** Complete, user-facing explanation including the position when known. */
  message: string;
  section?: AwsAuthSection;
  /** 1-based position in the whole input, when it can be computed. */
  line?: number;
  column?: number;
  /** 1-based position inside the section's own YAML text. */
  sectionLine?: number;
  sectionColumn?: number;
}

export type AwsAuthParseResult =
  | { ok: true; mapRoles: AwsAuthMapping[]; mapUsers: AwsAuthMapping[]; mapAccounts: string[]; warnings: string[] }
  | { ok: false; error: AwsAuthError; warnings: string[] };

/** Thrown internally to unwind; never escapes parseAwsAuth. */
class Reject extends Error {
  constructor(readonly error: AwsAuthError) {
    super(error.message);
  }
}

const PARSE_OPTIONS = {
  // Go's parsers (yaml.v2 behind sigs.k8s.io/yaml and kubectl) speak YAML 1.1: `yes`/`on`/`y` are booleans.
  version: '1.1',
  // Duplicate keys are legal for yaml.v2 (last one wins); we keep that and warn instead of failing.
  uniqueKeys: false,
  logLevel: 'error',
  prettyErrors: false,
} as const;

/**
 * Parses an aws-auth ConfigMap — a whole `kind: ConfigMap` document, or just its `data` mapping.
 *
 * As upstream: top-level data keys are case-sensitive (`maproles` is ignored); `mapRoles`/`mapUsers`
 * are YAML strings holding lists; row field keys are case-insensitive (`roleARN` works); rows
 * without `rolearn`/`userarn` are skipped individually; sections that are empty, whitespace, `''`,
 * `""` or two backticks are skipped; `mapAccounts` items keep their source text (`- 012…` stays a
 * string).
 *
 * DIVERGENCE: upstream drops a section whose YAML does not parse and loads the rest, so one typo in
 * mapRoles logs every node and admin out. Here any such error rejects the whole document with a
 * precise message and position, so the caller keeps the last good mapping. Also rejected:
 * documents that are not the aws-auth ConfigMap, sections written as YAML lists instead of strings
 * (the missing `|`), unquoted `{{…}}` templates, objects in mapAccounts, oversized input.
 *
 * UNCONFIRMED (upstream keeps partially decoded rows on JSON type mismatches): a row whose field has
 * the wrong type (`groups: system:masters`, `username: 1234`) is skipped with a warning rather than
 * loaded with that field empty.
 */
export function parseAwsAuth(input: string): AwsAuthParseResult {
  const warnings: string[] = [];
  try {
    return { ok: true, ...parseDocumentChecked(input, warnings), warnings };
  } catch (e) {
    if (e instanceof Reject) return { ok: false, error: e.error, warnings };
    // Defensive: a parser bug or exhausted stack must not take the webhook down.
    const message = `aws-auth could not be parsed: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, error: { code: 'internal', message }, warnings };
  }
}

interface Parsed {
  mapRoles: AwsAuthMapping[];
  mapUsers: AwsAuthMapping[];
  mapAccounts: string[];
}

function parseDocumentChecked(input: string, warnings: string[]): Parsed {
  if (typeof input !== 'string') throw new Reject({ code: 'invalid_yaml', message: 'aws-auth must be given as text.' });
  const bytes = Buffer.byteLength(input, 'utf8');
  if (bytes > AWS_AUTH_MAX_BYTES) {
    throw new Reject({ code: 'too_large', message: `aws-auth is ${bytes} bytes; a ConfigMap is limited to ${AWS_AUTH_MAX_BYTES} bytes.` });
  }
  checkFlowDepth(input, undefined);

  const lc = new LineCounter();
  const all = parseAllDocuments(input, { ...PARSE_OPTIONS, lineCounter: lc });
  const docs = (Array.isArray(all) ? all : []).filter((d) => d.contents !== null || d.errors.length > 0);
  if (docs.length === 0) throw new Reject({ code: 'empty', message: 'aws-auth is empty.' });
  if (docs.length > 1) {
    throw new Reject({ code: 'multiple_documents', message: 'aws-auth must be a single YAML document; this input contains several (separated by ---).' });
  }
  const doc = docs[0] as Document.Parsed;
  const err = doc.errors[0];
  if (err) {
    const { line, col } = lc.linePos(err.pos[0]);
    throw new Reject({ code: 'invalid_yaml', message: `aws-auth is not valid YAML: ${firstLine(err.message)} (line ${line}, column ${col}).`, line, column: col });
  }
  const root = doc.contents;
  if (!isMap(root)) throw new Reject({ code: 'not_a_mapping', message: 'aws-auth must be a YAML mapping: a ConfigMap, or its data with mapRoles/mapUsers/mapAccounts keys.' });

  const top = entries(root, doc);
  const isConfigMap = ['apiVersion', 'kind', 'metadata', 'data'].some((k) => top.has(k));
  let data: YAMLMap | undefined = root;
  if (isConfigMap) {
    checkConfigMapHeader(top, warnings);
    const d = top.get('data');
    if (d === undefined || isNullish(d)) data = undefined;
    else if (isMap(d)) data = d;
    else throw new Reject({ code: 'data_not_a_mapping', message: 'data of the aws-auth ConfigMap must be a mapping of mapRoles/mapUsers/mapAccounts to strings.' });
  }

  const out: Parsed = { mapRoles: [], mapUsers: [], mapAccounts: [] };
  if (!data) return out;
  const seen = new Set<string>();
  for (const pair of data.items) {
    const key = scalarKey(pair.key);
    if (key === undefined) continue;
    if (!(AWS_AUTH_SECTIONS as readonly string[]).includes(key)) {
      const meant = AWS_AUTH_SECTIONS.find((s) => s.toLowerCase() === key.toLowerCase());
      warnings.push(
        meant
          ? `data key '${key}' ignored: data keys are case-sensitive, did you mean '${meant}'?`
          : `data key '${key}' ignored: aws-auth reads only mapRoles, mapUsers and mapAccounts.`,
      );
      continue;
    }
    const section = key as AwsAuthSection;
    if (seen.has(section)) warnings.push(`data key '${section}' appears more than once; the last one applies.`);
    seen.add(section);
    const value = resolveNode(pair.value as YamlNode | null, doc);
    const text = sectionText(section, value, lc);
    if (text === undefined || isSkippable(text)) {
      out[section] = [];
      continue;
    }
    const origin = sectionOrigin(value as Scalar, input, lc);
    if (section === 'mapAccounts') out.mapAccounts = parseAccounts(text, origin, warnings);
    else out[section] = parseRows(section, text, origin, warnings);
  }
  return out;
}

function checkConfigMapHeader(top: Map<string, YamlNode | null>, warnings: string[]): void {
  const str = (n: YamlNode | null | undefined): string | undefined => (isScalar(n) && typeof n.value === 'string' ? n.value : undefined);
  const kind = top.get('kind');
  if (kind !== undefined && str(kind) !== 'ConfigMap') {
    throw new Reject({ code: 'not_a_configmap', message: `aws-auth must be a ConfigMap; this document is kind ${describe(kind)}.` });
  }
  const apiVersion = top.get('apiVersion');
  if (apiVersion !== undefined && str(apiVersion) !== 'v1') {
    throw new Reject({ code: 'not_a_configmap', message: `aws-auth must be a v1 ConfigMap; this document has apiVersion ${describe(apiVersion)}.` });
  }
  const metadata = top.get('metadata');
  if (metadata === undefined || isNullish(metadata)) return;
  if (!isMap(metadata)) throw new Reject({ code: 'not_a_configmap', message: 'metadata of the aws-auth ConfigMap must be a mapping.' });
  const meta = entries(metadata);
  const name = str(meta.get('name'));
  if (name !== 'aws-auth') {
    throw new Reject({
      code: 'wrong_name',
      message: `the ConfigMap must be named aws-auth; this one is ${name === undefined ? 'unnamed' : `named '${name}'`}.`,
    });
  }
  const ns = meta.get('namespace');
  if (ns === undefined) warnings.push('metadata.namespace is not set; aws-auth is read from kube-system.');
  else if (str(ns) !== 'kube-system') {
    throw new Reject({ code: 'wrong_namespace', message: `the aws-auth ConfigMap must be in namespace kube-system; this one is in ${describe(ns)}.` });
  }
}

/** The string a data value holds, or undefined for null. Lists, maps and non-string scalars are what Kubernetes refuses. */
function sectionText(section: AwsAuthSection, value: YamlNode | null | undefined, lc: LineCounter): string | undefined {
  if (value === undefined || value === null || isNullish(value)) return undefined;
  const pos = value.range ? lc.linePos(value.range[0]) : undefined;
  const where = pos ? ` (line ${pos.line}, column ${pos.col})` : '';
  const loc = pos ? { line: pos.line, column: pos.col } : {};
  if (isSeq(value) || isMap(value)) {
    throw new Reject({
      code: 'section_not_a_string',
      section,
      ...loc,
      message:
        `${section} is written as a YAML ${isSeq(value) ? 'list' : 'mapping'}${where}, but ConfigMap data values must be strings ` +
        `(Kubernetes refuses to create this ConfigMap). Add a block-scalar indicator after the key — \`${section}: |\` — ` +
        `and indent the ${section === 'mapAccounts' ? 'list of account IDs' : 'list of mappings'} beneath it.`,
    });
  }
  if (isScalar(value) && typeof value.value === 'string') return value.value;
  throw new Reject({
    code: 'section_not_a_string',
    section,
    ...loc,
    message: `${section} must be a string${where}; quote the value or use a block scalar (\`${section}: |\`).`,
  });
}

/** Upstream `isSkippable`, plus `''` as the reference records (PR 623). */
function isSkippable(text: string): boolean {
  const t = text.trim();
  return t === '' || t === '``' || t === '""' || t === "''";
}

interface SectionOrigin {
  section: AwsAuthSection;
  /** Document line of the section's first content line minus one (block scalars only). */
  lineOffset?: number;
  /** Indentation removed from each content line (block scalars only). */
  columnOffset?: number;
}

function sectionOrigin(node: Scalar, input: string, lc: LineCounter): Omit<SectionOrigin, 'section'> {
  // Only a literal block keeps a 1:1 line mapping; folded and quoted forms get section-relative positions.
  if (node.type !== Scalar.BLOCK_LITERAL || !node.range) return {};
  // Content starts on the line after the `|` header; its indentation is that of the first non-blank line.
  const header = lc.linePos(node.range[0]).line;
  const lines = input.slice(node.range[0], node.range[1]).split('\n').slice(1);
  const first = lines.find((l) => l.trim() !== '') ?? '';
  return { lineOffset: header, columnOffset: first.length - first.trimStart().length };
}

function position(origin: SectionOrigin, line: number, col: number): Pick<AwsAuthError, 'line' | 'column' | 'sectionLine' | 'sectionColumn'> & { text: string } {
  const rel = `line ${line}, column ${col} of ${origin.section}`;
  if (origin.lineOffset === undefined) return { sectionLine: line, sectionColumn: col, text: rel };
  const abs = { line: origin.lineOffset + line, column: (origin.columnOffset ?? 0) + col };
  return { ...abs, sectionLine: line, sectionColumn: col, text: `line ${abs.line}, column ${abs.column}; ${rel}` };
}

function rowWhere(origin: SectionOrigin, index: number, line: number | undefined): string {
  if (line === undefined) return `${origin.section}[${index}]`;
  return `${origin.section}[${index}] (line ${origin.lineOffset === undefined ? `${line} of ${origin.section}` : origin.lineOffset + line})`;
}

/** Parses one section's YAML, rejecting syntax errors and the unquoted-template gotcha. */
function parseSection(text: string, origin: SectionOrigin): { doc: Document.Parsed; lc: LineCounter } {
  checkFlowDepth(text, origin.section);
  const lc = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter: lc });
  const err = doc.errors[0];
  let complexKeyAt: number | undefined;
  if (!err) {
    visit(doc, {
      Pair(_, pair) {
        if (isCollection(pair.key)) {
          complexKeyAt = (pair.key as YamlNode).range?.[0] ?? 0;
          return visit.BREAK;
        }
        return undefined;
      },
    });
  }
  if (err || complexKeyAt !== undefined) {
    const gotcha = findUnquotedTemplate(text);
    if (gotcha) {
      const pos = position(origin, gotcha.line, gotcha.column);
      throw new Reject({
        code: 'unquoted_template',
        section: origin.section,
        line: pos.line,
        column: pos.column,
        sectionLine: pos.sectionLine,
        sectionColumn: pos.sectionColumn,
        message:
          `${origin.section}: the unquoted template ${gotcha.template} (${pos.text}) is a YAML flow mapping, not a string, ` +
          `so the whole section is invalid. Quote it: "${gotcha.template}". (system:node:{{EC2PrivateDNSName}} needs no quotes ` +
          `because it does not start with a brace.)`,
      });
    }
  }
  if (err) {
    const { line, col } = lc.linePos(err.pos[0]);
    const pos = position(origin, line, col);
    throw new Reject({
      code: 'invalid_section',
      section: origin.section,
      line: pos.line,
      column: pos.column,
      sectionLine: pos.sectionLine,
      sectionColumn: pos.sectionColumn,
      message: `${origin.section} is not valid YAML: ${firstLine(err.message)} (${pos.text}). Nothing was loaded from this document.`,
    });
  }
  if (complexKeyAt !== undefined) {
    const { line, col } = lc.linePos(complexKeyAt);
    const pos = position(origin, line, col);
    throw new Reject({
      code: 'invalid_section',
      section: origin.section,
      line: pos.line,
      column: pos.column,
      sectionLine: pos.sectionLine,
      sectionColumn: pos.sectionColumn,
      message: `${origin.section} has a mapping key that is not a string (${pos.text}); keys must be plain names like rolearn.`,
    });
  }
  return { doc, lc };
}

/** A value that starts with `{{` without quotes: `key: {{X}}…` or `- {{X}}…`. */
function findUnquotedTemplate(text: string): { line: number; column: number; template: string } | undefined {
  const lines = text.split('\n');
  const re = /^(\s*(?:-\s+)?(?:[^\s'"#{][^'"#:]*:\s+)?)(\{\{[^}\n]*\}\}[^\s,\]{}]*)/;
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i] as string);
    if (m) return { line: i + 1, column: (m[1] as string).length + 1, template: m[2] as string };
  }
  return undefined;
}

type RowField = 'rolearn' | 'userarn' | 'username' | 'groups' | 'userid' | 'sso';
const ROLE_FIELDS: readonly RowField[] = ['rolearn', 'username', 'groups', 'userid', 'sso'];
const USER_FIELDS: readonly RowField[] = ['userarn', 'username', 'groups', 'userid'];

function parseRows(section: 'mapRoles' | 'mapUsers', text: string, base: Omit<SectionOrigin, 'section'>, warnings: string[]): AwsAuthMapping[] {
  const origin: SectionOrigin = { section, ...base };
  const { doc, lc } = parseSection(text, origin);
  const root = doc.contents;
  if (root === null || isNullish(root)) return [];
  if (!isSeq(root)) {
    const pos = position(origin, ...linePosOf(root, lc));
    throw new Reject({
      code: 'invalid_section',
      section,
      line: pos.line,
      column: pos.column,
      sectionLine: pos.sectionLine,
      sectionColumn: pos.sectionColumn,
      message: `${section} must be a YAML list of mappings (each item starting with "- "); found ${describe(root)} (${pos.text}).`,
    });
  }
  const kind = section === 'mapRoles' ? 'role' : 'user';
  const arnField: RowField = kind === 'role' ? 'rolearn' : 'userarn';
  const allowed = kind === 'role' ? ROLE_FIELDS : USER_FIELDS;
  const rows: AwsAuthMapping[] = [];
  const firstRowOf = new Map<string, number>();
  (root as YAMLSeq).items.forEach((item, index) => {
    const node = resolveNode(item as YamlNode | null, doc);
    const where = rowWhere(origin, index, node?.range ? lc.linePos(node.range[0]).line : undefined);
    if (!isMap(node)) {
      warnings.push(`${where}: not a mapping; skipped.`);
      return;
    }
    const fields = new Map<RowField, YamlNode | null>();
    for (const pair of node.items) {
      const key = scalarKey(pair.key);
      if (key === undefined) continue;
      const field = key.toLowerCase() as RowField;
      if (!allowed.includes(field)) {
        if (field === 'userarn' || field === 'rolearn') {
          warnings.push(`${where}: key '${key}' is ignored in ${section}; ${field === 'userarn' ? 'IAM users belong in mapUsers' : 'IAM roles belong in mapRoles'}.`);
        } else {
          warnings.push(`${where}: unknown key '${key}' ignored.`);
        }
        continue;
      }
      if (fields.has(field)) warnings.push(`${where}: '${field}' is given more than once (keys are case-insensitive); the last one applies.`);
      fields.set(field, resolveNode(pair.value as YamlNode | null, doc) ?? null);
    }
    if (fields.has('sso')) {
      // The alpha SSO matcher (feature-gated upstream, unknown on EKS) has no representation here.
      warnings.push(`${where}: the sso matcher is not supported; use rolearn with the role's ARN (without its path). Row skipped.`);
      return;
    }
    const arn = stringField(fields.get(arnField));
    const username = stringField(fields.get('username'));
    const userid = stringField(fields.get('userid'));
    const groups = groupsField(fields.get('groups'));
    if (arn === null || username === null || userid === null || groups === null) {
      const bad = [arn === null && arnField, username === null && 'username', userid === null && 'userid', groups === null && 'groups'].filter(Boolean);
      warnings.push(`${where}: ${bad.join(', ')} ${bad.length > 1 ? 'have' : 'has'} the wrong type (${bad.includes('groups') ? 'groups must be a list of strings; ' : ''}other fields must be strings); row skipped.`);
      return;
    }
    if (arn === undefined || arn === '') {
      warnings.push(`${where}: ${arnField} is required; row skipped.`);
      return;
    }
    const lower = arn.toLowerCase();
    const earlier = firstRowOf.get(lower);
    if (earlier !== undefined) warnings.push(`${where}: duplicate ${arnField} ${arn} (also ${section}[${earlier}]); the last row applies, as in aws-iam-authenticator.`);
    else firstRowOf.set(lower, index);
    const hint = arnHint(kind, arn);
    if (hint) warnings.push(`${where}: ${hint}`);
    rows.push({ kind, arn, username: username ?? '', groups: groups ?? [] });
  });
  return rows;
}

/** Why an ARN in aws-auth will never (or surprisingly) match a caller, or undefined. */
function arnHint(kind: 'role' | 'user', arn: string): string | undefined {
  let a;
  try {
    a = parseArn(arn);
  } catch {
    return `'${arn}' is not a valid ARN; it can never match a caller.`;
  }
  const type = a.resource.split('/')[0];
  if (a.service === 'sts' && type === 'assumed-role') {
    let fix = '';
    try {
      fix = ` Use the role's ARN: ${canonicalize(arn).canonicalArn}.`;
    } catch {
      /* no suggestion */
    }
    return `${arn} is an STS session ARN; aws-auth compares against the role ARN, so this row never matches.${fix}`;
  }
  if (a.service === 'iam' && type === 'role') {
    const stripped = stripPath(arn);
    if (stripped !== arn) {
      return (
        `role ARN ${arn} has a path; sessions present the role without its path, so this row never matches. ` +
        `Use ${stripped} here (an access entry, by contrast, takes the full ARN with the path).`
      );
    }
    if (kind === 'user') return `${arn} is a role ARN in mapUsers; it still matches (rows are compared by ARN) but belongs in mapRoles.`;
  }
  if (a.service === 'iam' && type === 'user' && kind === 'role') {
    return `${arn} is a user ARN in mapRoles; it still matches (rows are compared by ARN) but belongs in mapUsers.`;
  }
  return undefined;
}

function parseAccounts(text: string, base: Omit<SectionOrigin, 'section'>, warnings: string[]): string[] {
  const origin: SectionOrigin = { section: 'mapAccounts', ...base };
  const { doc, lc } = parseSection(text, origin);
  const root = doc.contents;
  if (root === null || isNullish(root)) return [];
  const reject = (node: YamlNode, what: string): never => {
    const pos = position(origin, ...linePosOf(node, lc));
    throw new Reject({
      code: 'invalid_section',
      section: 'mapAccounts',
      line: pos.line,
      column: pos.column,
      sectionLine: pos.sectionLine,
      sectionColumn: pos.sectionColumn,
      message: `mapAccounts must be a list of account IDs such as - "111122223333"; found ${what} (${pos.text}).`,
    });
  };
  if (!isSeq(root)) return reject(root, describe(root));
  const out: string[] = [];
  for (const [i, item] of (root as YAMLSeq).items.entries()) {
    const node = resolveNode(item as YamlNode | null, doc);
    if (node === null || node === undefined || isNullish(node)) {
      warnings.push(`mapAccounts[${i}]: empty item skipped.`);
      continue;
    }
    if (!isScalar(node)) return reject(node, `${describe(node)} (objects are not account IDs)`);
    // yaml.v2 decodes any scalar into a string as its source text, so 012345678901 keeps its zero.
    const text = node.type === Scalar.PLAIN && node.source !== undefined ? node.source : String(node.value);
    if (!/^\d{12}$/.test(text)) warnings.push(`mapAccounts[${i}]: '${text}' is not a 12-digit account ID; it can never match a caller.`);
    if (out.includes(text)) warnings.push(`mapAccounts[${i}]: account ${text} is listed more than once.`);
    out.push(text);
  }
  return out;
}

// ---------------------------------------------------------------- small YAML helpers

function entries(map: YAMLMap, doc?: Document.Parsed): Map<string, YamlNode | null> {
  const out = new Map<string, YamlNode | null>();
  for (const pair of map.items) {
    const key = scalarKey(pair.key);
    if (key !== undefined) out.set(key, (doc ? resolveNode(pair.value as YamlNode | null, doc) : (pair.value as YamlNode | null)) ?? null);
  }
  return out;
}

function scalarKey(key: unknown): string | undefined {
  return isScalar(key) && key.value !== null && key.value !== undefined ? String(key.value) : undefined;
}

function resolveNode(node: YamlNode | null | undefined, doc: Document.Parsed): YamlNode | null | undefined {
  // One level is enough: nothing here recurses into aliased collections beyond reading their items.
  if (isAlias(node)) return node.resolve(doc) ?? null;
  return node;
}

function isNullish(node: YamlNode | null | undefined): boolean {
  return node === null || node === undefined || (isScalar(node) && (node.value === null || node.value === undefined));
}

/** undefined = absent or null, null = wrong type. */
function stringField(node: YamlNode | null | undefined): string | undefined | null {
  if (node === undefined || isNullish(node)) return undefined;
  return isScalar(node) && typeof node.value === 'string' ? node.value : null;
}

function groupsField(node: YamlNode | null | undefined): string[] | undefined | null {
  if (node === undefined || isNullish(node)) return undefined;
  if (!isSeq(node)) return null;
  const out: string[] = [];
  for (const item of node.items) {
    if (!isScalar(item) || typeof item.value !== 'string') return null;
    out.push(item.value);
  }
  return out;
}

function linePosOf(node: YamlNode, lc: LineCounter): [number, number] {
  const { line, col } = lc.linePos(node.range?.[0] ?? 0);
  return [line, col];
}

function describe(node: YamlNode | null | undefined): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) return typeof node.value === 'string' ? `'${node.value}'` : `${String(node.value)} (a ${typeof node.value})`;
  return 'nothing';
}

const firstLine = (s: string): string => s.split('\n')[0] as string;

/** Rejects absurd flow nesting cheaply, before the YAML parser spends seconds or gigabytes on it. */
function checkFlowDepth(text: string, section: AwsAuthSection | undefined): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > AWS_AUTH_MAX_FLOW_DEPTH) {
        throw new Reject({
          code: 'too_deep',
          ...(section ? { section } : {}),
          message: `${section ?? 'aws-auth'} nests brackets more than ${AWS_AUTH_MAX_FLOW_DEPTH} levels deep; refused.`,
        });
      }
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
}

// ---------------------------------------------------------------- serialising

const STRINGIFY_OPTIONS = { version: '1.1', lineWidth: 0, minContentWidth: 0, indentSeq: true } as const;

/**
 * Writes the aws-auth ConfigMap (kube-system/aws-auth) for the given lists: rows as
 * `rolearn|userarn`, `username`, `groups` (empty ones omitted, like upstream `EncodeMap` and
 * eksctl); account IDs quoted; templates quoted wherever YAML needs it. `parseAwsAuth` reads the
 * result back to the same lists.
 */
export function serializeAwsAuth(lists: AwsAuthLists): string {
  const rows = (rs: readonly AwsAuthMapping[], arnKey: 'rolearn' | 'userarn') =>
    rs.map((r) => ({
      [arnKey]: r.arn,
      ...(r.username !== '' ? { username: r.username } : {}),
      ...(r.groups.length > 0 ? { groups: [...r.groups] } : {}),
    }));
  const data: Record<string, string> = {};
  if (lists.mapRoles.length > 0) data.mapRoles = stringify(rows(lists.mapRoles, 'rolearn'), STRINGIFY_OPTIONS);
  if (lists.mapUsers.length > 0) data.mapUsers = stringify(rows(lists.mapUsers, 'userarn'), STRINGIFY_OPTIONS);
  if (lists.mapAccounts.length > 0) {
    // Force quoting: an unquoted 012345678901 reads back fine here but is an octal-looking number to other tools.
    const seq = lists.mapAccounts.map((a) => Object.assign(new Scalar(a), { type: Scalar.QUOTE_DOUBLE }));
    data.mapAccounts = stringify(seq, STRINGIFY_OPTIONS);
  }
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'aws-auth', namespace: 'kube-system' },
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
  return stringify(cm, { ...STRINGIFY_OPTIONS, blockQuote: 'literal' });
}
