/**
 * eksctl-style edits of an aws-auth document (`eksctl create|delete iamidentitymapping`): add or
 * remove one mapRoles/mapUsers row or one mapAccounts entry, returning the new document text.
 * Pure: the caller applies the result through the same path as `aws-auth apply` (validation, the
 * last-good rule, audit), inside the transaction that read the document, so concurrent edits
 * serialize on the cluster and never lose one another.
 *
 * As eksctl does, the edited section is written back as a YAML block (rows in eksctl's key order:
 * rolearn|userarn, username, groups) and every other part of the document is kept as it was — other
 * sections, comments, the ConfigMap header. Rows Entryway skipped with a warning stay in the text.
 * A section whose text is not a YAML list is not rewritten: the edit is refused with the reason.
 */
import { Scalar, isMap, isScalar, parse, parseDocument, stringify } from 'yaml';
import type { Document, YAMLMap } from 'yaml';
import { parseArn } from '../arn/index.js';

/** One mapping as eksctl prints it (`get iamidentitymapping -o json`). */
export type IdentityMapping = { rolearn: string; username?: string; groups?: string[] } | { userarn: string; username?: string; groups?: string[] } | { account: string };

/** `removed`/`remaining`: what a delete took, and rows of the same ARN it left (0 for adds). */
export type EditResult = { ok: true; yaml: string; removed: IdentityMapping[]; remaining: number } | { ok: false; code: EditErrorCode; message: string };
export type EditErrorCode = 'bad_arn' | 'bad_account' | 'duplicate_arn' | 'not_found' | 'unreadable_section' | 'bad_document';

const YAML_OPTIONS = { version: '1.1' as const };
const EMPTY_CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata: {}\n';

type Section = 'mapRoles' | 'mapUsers' | 'mapAccounts';

interface Loaded {
  doc: Document.Parsed;
  data: YAMLMap;
}

function load(source: string | undefined): Loaded | { error: string } {
  // The stored document parsed once already (it is the last good one); a fresh cluster has none.
  const doc = parseDocument(source ?? EMPTY_CONFIGMAP, YAML_OPTIONS);
  if (doc.errors.length) return { error: `the stored aws-auth document does not parse: ${doc.errors[0]?.message.split('\n')[0]}` };
  if (!isMap(doc.contents)) return { error: 'the stored aws-auth document is not a mapping' };
  const root = doc.contents as YAMLMap;
  const isConfigMap = ['apiVersion', 'kind', 'metadata', 'data'].some((k) => root.has(k));
  if (!isConfigMap) return { doc, data: root };
  let data = root.get('data', true);
  if (data === undefined || (isScalar(data) && (data.value === null || data.value === ''))) {
    root.set('data', doc.createNode({}));
    data = root.get('data', true);
  }
  if (!isMap(data)) return { error: 'data of the stored aws-auth ConfigMap is not a mapping' };
  // A block scalar cannot sit in a flow mapping (`data: {}`): write the mapping as a block.
  data.flow = false;
  return { doc, data };
}

/** The section's rows, parsed from its text (an absent or empty section is an empty list). */
function rowsOf(data: YAMLMap, section: Section): unknown[] | { error: string } {
  const node = data.get(section, true);
  if (node === undefined) return [];
  const text = isScalar(node) ? node.value : undefined;
  if (text === null || text === undefined || text === '') return [];
  if (typeof text !== 'string') return { error: `${section} is not a string` };
  let rows: unknown;
  try {
    rows = parse(text, YAML_OPTIONS);
  } catch (e) {
    return { error: `${section} is not valid YAML (${(e as Error).message.split('\n')[0]})` };
  }
  if (rows === null || rows === undefined) return [];
  if (!Array.isArray(rows)) return { error: `${section} is not a YAML list` };
  return rows;
}

function writeRows(data: YAMLMap, section: Section, rows: unknown[]): void {
  if (rows.length === 0) {
    data.delete(section);
    return;
  }
  const text = new Scalar(stringify(rows, { ...YAML_OPTIONS, lineWidth: 0 }));
  text.type = Scalar.BLOCK_LITERAL;
  data.set(section, text);
}

const arnOfRow = (row: unknown): string | undefined => {
  if (!row || typeof row !== 'object') return undefined;
  const r = row as Record<string, unknown>;
  const v = r.rolearn ?? r.userarn;
  return typeof v === 'string' ? v : undefined;
};

function asMapping(section: Section, row: unknown): IdentityMapping | undefined {
  if (section === 'mapAccounts') return typeof row === 'string' || typeof row === 'number' ? { account: String(row) } : undefined;
  if (!row || typeof row !== 'object') return undefined;
  const r = row as Record<string, unknown>;
  const arn = arnOfRow(r);
  if (!arn) return undefined;
  const extra = {
    ...(typeof r.username === 'string' ? { username: r.username } : {}),
    ...(Array.isArray(r.groups) ? { groups: r.groups.map(String) } : {}),
  };
  return section === 'mapRoles' ? { rolearn: arn, ...extra } : { userarn: arn, ...extra };
}

/** Every mapping of the document, in eksctl's order: roles, users, accounts. */
export function listMappings(source: string | undefined): IdentityMapping[] | { error: string } {
  const l = load(source);
  if ('error' in l) return l;
  const out: IdentityMapping[] = [];
  for (const section of ['mapRoles', 'mapUsers', 'mapAccounts'] as const) {
    const rows = rowsOf(l.data, section);
    if (!Array.isArray(rows)) return rows;
    for (const row of rows) {
      const m = asMapping(section, row);
      if (m) out.push(m);
    }
  }
  return out;
}

/** Which section an ARN's rows live in: roles (and assumed-role sessions' roles) or users. */
function sectionOfArn(arn: string): Section | { error: string } {
  let resource: string;
  try {
    const p = parseArn(arn);
    if (p.service !== 'iam') throw new Error('not IAM');
    resource = p.resource;
  } catch {
    return { error: `${JSON.stringify(arn)} is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name> or :user/<name>)` };
  }
  if (resource.startsWith('role/')) return 'mapRoles';
  if (resource.startsWith('user/')) return 'mapUsers';
  return { error: `${JSON.stringify(arn)} is neither a role nor a user; aws-auth maps only those` };
}

export interface AddMapping {
  arn?: string;
  username?: string;
  groups?: string[];
  account?: string;
  /** eksctl --no-duplicate-arns: refuse when a row of the same ARN exists. */
  noDuplicateArns?: boolean;
}

export function addMapping(source: string | undefined, m: AddMapping): EditResult {
  const l = load(source);
  if ('error' in l) return { ok: false, code: 'bad_document', message: l.error };
  if (m.account !== undefined) {
    if (!/^\d{12}$/.test(m.account)) return { ok: false, code: 'bad_account', message: `account ${JSON.stringify(m.account)} is not a 12-digit AWS account ID` };
    const rows = rowsOf(l.data, 'mapAccounts');
    if (!Array.isArray(rows)) return { ok: false, code: 'unreadable_section', message: `${rows.error}; fix it with aws-auth apply first` };
    if (!rows.map(String).includes(m.account)) writeRows(l.data, 'mapAccounts', [...rows, m.account]);
    return { ok: true, yaml: String(l.doc), removed: [], remaining: 0 };
  }
  const arn = m.arn ?? '';
  const section = sectionOfArn(arn);
  if (typeof section !== 'string') return { ok: false, code: 'bad_arn', message: section.error };
  const rows = rowsOf(l.data, section);
  if (!Array.isArray(rows)) return { ok: false, code: 'unreadable_section', message: `${rows.error}; fix it with aws-auth apply first` };
  if (m.noDuplicateArns && rows.some((r) => arnOfRow(r) === arn)) return { ok: false, code: 'duplicate_arn', message: `found existing mapping that matches ARN ${JSON.stringify(arn)}; not adding another (--no-duplicate-arns)` };
  const row = { [section === 'mapRoles' ? 'rolearn' : 'userarn']: arn, ...(m.username ? { username: m.username } : {}), ...(m.groups?.length ? { groups: m.groups } : {}) };
  writeRows(l.data, section, [...rows, row]);
  return { ok: true, yaml: String(l.doc), removed: [], remaining: 0 };
}

export interface RemoveMapping {
  arn?: string;
  account?: string;
  /** eksctl --all: every row of the ARN, not only the first. */
  all?: boolean;
}

export function removeMapping(source: string | undefined, m: RemoveMapping): EditResult {
  const l = load(source);
  if ('error' in l) return { ok: false, code: 'bad_document', message: l.error };
  if (m.account !== undefined) {
    const rows = rowsOf(l.data, 'mapAccounts');
    if (!Array.isArray(rows)) return { ok: false, code: 'unreadable_section', message: `${rows.error}; fix it with aws-auth apply first` };
    const left = rows.filter((r) => String(r) !== m.account);
    if (left.length === rows.length) return { ok: false, code: 'not_found', message: `account ${JSON.stringify(m.account)} not found in auth ConfigMap` };
    writeRows(l.data, 'mapAccounts', left);
    return { ok: true, yaml: String(l.doc), removed: [{ account: m.account }], remaining: 0 };
  }
  const arn = m.arn ?? '';
  const section = sectionOfArn(arn);
  if (typeof section !== 'string') return { ok: false, code: 'bad_arn', message: section.error };
  const rows = rowsOf(l.data, section);
  if (!Array.isArray(rows)) return { ok: false, code: 'unreadable_section', message: `${rows.error}; fix it with aws-auth apply first` };
  const removed: IdentityMapping[] = [];
  const left: unknown[] = [];
  for (const row of rows) {
    if (arnOfRow(row) === arn && (m.all || removed.length === 0)) {
      const shown = asMapping(section, row);
      if (shown) removed.push(shown);
    } else left.push(row);
  }
  if (!removed.length) return { ok: false, code: 'not_found', message: `instance identity ARN ${JSON.stringify(arn)} not found in auth ConfigMap` };
  writeRows(l.data, section, left);
  return { ok: true, yaml: String(l.doc), removed, remaining: left.filter((r) => arnOfRow(r) === arn).length };
}
