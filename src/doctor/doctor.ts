/**
 * `entryway doctor`: what is wrong with a cluster's access before it bites — found from the same
 * in-memory index the webhooks use. Pure: it reads an index snapshot and returns findings.
 */
import type { ClusterSlice } from '../index/access-index.js';
import type { LastUseKind } from '../model/last-use.js';
import type { CredentialIndex } from '../index/credentials.js';
import { getAccessPolicy } from '../policy/catalogue.js';
import { principalArnKey } from '../mapping/index.js';
import type { AccessEntryRecord, AuthenticationMode } from '../model/types.js';
import type { PrincipalStatus } from '../rules/admin.js';
import { CLUSTER_ADMIN_POLICY_NAME as CLUSTER_ADMIN, isClusterAdminGrant, liveAdminEntries } from '../rules/admin.js';
import { describeTemplateProblem, templateProblems } from '../rules/templates.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  code:
    | 'stale_entry'
    | 'deleted_principal'
    | 'grants_nothing'
    | 'shadowed_aws_auth'
    | 'undocumented_policy'
    | 'mode_move_drops_access'
    | 'aws_auth_rejected'
    | 'aws_auth_role_path'
    | 'no_admin_path'
    | 'creator_deleted'
    | 'lockout_protection_off'
    | 'unverifiable_principal'
    | 'aws_auth_map_accounts'
    | 'aws_auth_missing_principal'
    | 'template_never_renders'
    | 'unused_entry'
    | 'unused_aws_auth_row';
  /** The principal, mapping or setting the finding is about. */
  subject: string;
  message: string;
}

export interface DoctorOptions {
  /** Tokens of principals in accounts Entryway does not hold can be verified (serve --connected-sts). */
  connectedSts?: boolean;
  /** Last uses (authn/last-use.ts) and the threshold: mappings not used for longer are reported. */
  unused?: { lastUsedAt: (kind: LastUseKind, key: string) => number | undefined; afterMs: number };
}

/** A duration for messages: days once it is a day or more (thresholds are normally days). */
function span(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} days`;
}

/**
 * Access entries nobody authenticated with for longer than `afterMs` (counted from the entry's
 * creation when it was never used). Entries that do not apply in the cluster's mode are left out:
 * they cannot be used at all, and doctor reports that separately.
 */
export function unusedEntries(slice: ClusterSlice, lastUsedAt: (arn: string) => number | undefined, now: number, afterMs: number): Array<{ entry: AccessEntryRecord; lastUsedAt: number | undefined; since: number }> {
  if (slice.mode(now) === 'CONFIG_MAP') return [];
  const out: Array<{ entry: AccessEntryRecord; lastUsedAt: number | undefined; since: number }> = [];
  for (const e of slice.entryList) {
    const used = lastUsedAt(e.principalArn);
    const since = used ?? e.createdAt;
    if (now - since > afterMs) out.push({ entry: e, lastUsedAt: used, since });
  }
  return out;
}

const accountOf = (arn: string) => arn.split(':')[4] ?? '';

/** What IAM (the index) says about a principal, for the admin-path rule. */
export function principalStatusOf(credentials: CredentialIndex, arn: string, connectedSts: boolean): PrincipalStatus {
  return credentials.holdsAccount(accountOf(arn)) ? { held: true, principalId: credentials.principalIdOf(arn) } : { held: false, verifiable: connectedSts };
}

/** Live cluster-admin paths of a slice (rules/admin.ts): what lock-out protection counts. */
export function liveAdminPaths(slice: ClusterSlice, credentials: CredentialIndex, connectedSts: boolean): AccessEntryRecord[] {
  return liveAdminEntries(slice.entryList, (arn) => slice.associationsOf(arn), (e) => principalStatusOf(credentials, e.principalArn, connectedSts));
}

const isNodeType = (t: AccessEntryRecord['type']) => t === 'EC2_LINUX' || t === 'EC2_WINDOWS';

/** Entries whose IAM principal (in an account Entryway holds) is gone or has a new unique ID. */
export function staleEntries(slice: ClusterSlice, credentials: CredentialIndex): { entry: AccessEntryRecord; currentId: string | undefined }[] {
  const out: { entry: AccessEntryRecord; currentId: string | undefined }[] = [];
  for (const e of slice.entryList) {
    if (!e.principalId) continue;
    const account = e.principalArn.split(':')[4] ?? '';
    if (!credentials.holdsAccount(account)) continue;
    const current = credentials.principalIdOf(e.principalArn);
    if (current !== e.principalId) out.push({ entry: e, currentId: current });
  }
  return out;
}

export function diagnose(slice: ClusterSlice, credentials: CredentialIndex, now: number, opts: DoctorOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const connectedSts = opts.connectedSts ?? false;
  const unverifiable = (arn: string) => !connectedSts && !credentials.holdsAccount(accountOf(arn));
  const mode: AuthenticationMode = slice.mode(now);
  const entriesApply = mode !== 'CONFIG_MAP';
  const awsAuthApplies = mode !== 'API';

  for (const { entry, currentId } of staleEntries(slice, credentials)) {
    findings.push(
      currentId === undefined
        ? { severity: 'warning', code: 'deleted_principal', subject: entry.principalArn, message: `the IAM principal of this access entry was deleted (it was ${entry.principalId}); the entry matches nobody. Delete it.` }
        : {
            severity: 'error',
            code: 'stale_entry',
            subject: entry.principalArn,
            message: `the IAM principal was deleted and re-created (entry made for ${entry.principalId}, the principal is now ${currentId}): the entry does not apply to it, so it cannot authenticate. Delete the access entry and create it again.`,
          },
    );
  }

  for (const e of slice.entryList) {
    if (unverifiable(e.principalArn)) {
      findings.push({
        severity: 'warning',
        code: 'unverifiable_principal',
        subject: e.principalArn,
        message: `account ${accountOf(e.principalArn)} is not held by Entryway's IAM and Entryway runs without --connected-sts: no token of this principal can be verified, so the entry matches nobody. Check the account ID, or start Entryway with --connected-sts.`,
      });
    }
    for (const p of templateProblems(e.username, isNodeType(e.type))) {
      findings.push({ severity: 'error', code: 'template_never_renders', subject: e.principalArn, message: `username ${e.username}: ${describeTemplateProblem(p)}` });
    }
    const assoc = slice.associationsOf(e.principalArn);
    if (e.type === 'STANDARD' && e.kubernetesGroups.length === 0 && assoc.length === 0) {
      findings.push({
        severity: 'warning',
        code: 'grants_nothing',
        subject: e.principalArn,
        message: `no access policies and no Kubernetes groups: the principal can authenticate as ${e.username} but is granted nothing unless an RBAC binding in the cluster names that username.`,
      });
    }
    for (const a of assoc) {
      const p = getAccessPolicy(a.policyArn);
      if (p && !p.rulesDocumented) {
        findings.push({
          severity: 'warning',
          code: 'undocumented_policy',
          subject: `${e.principalArn} ${a.policyArn}`,
          message: `${p.name} has no published rules, so Entryway grants nothing for it (EKS applies rules AWS has not published).`,
        });
      }
    }
  }

  const aws = slice.awsAuth;
  if (aws) {
    if (aws.lastError) {
      findings.push({ severity: 'error', code: 'aws_auth_rejected', subject: 'aws-auth', message: `the last aws-auth document was rejected at ${new Date(aws.lastError.at).toISOString()} and the previous mapping is still in force: ${aws.lastError.message}` });
    }
    for (const a of aws.mapAccounts) {
      findings.push({
        severity: 'warning',
        code: 'aws_auth_map_accounts',
        subject: `account ${a}`,
        message: `mapAccounts authenticates every IAM user and role of account ${a} (as its ARN, with no groups) — anyone in that account can reach the cluster's RBAC. Map the principals that need access instead.`,
      });
    }
    for (const m of [...aws.mapRoles, ...aws.mapUsers]) {
      if (credentials.holdsAccount(accountOf(m.arn)) && /^arn:[^:]+:iam::\d{12}:(user|role)\//.test(m.arn) && credentials.principalIdOf(m.arn) === undefined && !/:role\/.+\/.+/.test(m.arn)) {
        findings.push({ severity: 'warning', code: 'aws_auth_missing_principal', subject: m.arn, message: `no such ${m.kind} in Entryway's IAM: this aws-auth row matches nobody. Fix the ARN or remove the row.` });
      } else if (unverifiable(m.arn)) {
        findings.push({ severity: 'warning', code: 'unverifiable_principal', subject: m.arn, message: `account ${accountOf(m.arn)} is not held by Entryway's IAM and Entryway runs without --connected-sts: this aws-auth row can never match a token.` });
      }
      for (const t of [m.username, ...m.groups]) {
        for (const p of templateProblems(t, m.kind === 'role')) findings.push({ severity: 'error', code: 'template_never_renders', subject: m.arn, message: `aws-auth ${t === m.username ? 'username' : 'group'} ${t}: ${describeTemplateProblem(p)}` });
      }
      if (m.kind === 'role' && /:role\/.+\/.+/.test(m.arn)) {
        findings.push({
          severity: 'warning',
          code: 'aws_auth_role_path',
          subject: m.arn,
          message: `aws-auth role ARNs must not include a path (assumed-role ARNs carry none), so this row never matches; write ${m.arn.replace(/:role\/(?:.*\/)?([^/]+)$/, ':role/$1')}.`,
        });
      }
      if (entriesApply && awsAuthApplies) {
        const key = principalArnKey(m.arn);
        const shadow = key ? slice.entryList.find((e) => principalArnKey(e.principalArn) === key) : undefined;
        if (shadow) {
          findings.push({
            severity: 'info',
            code: 'shadowed_aws_auth',
            subject: m.arn,
            message: `the access entry for ${shadow.principalArn} takes precedence, so this aws-auth row (username ${m.username || '(none)'}, groups ${m.groups.join(', ') || '(none)'}) is ignored. Remove it from aws-auth.`,
          });
        }
      }
    }
    if (mode === 'API_AND_CONFIG_MAP') {
      const onlyAwsAuth = [...aws.mapRoles, ...aws.mapUsers].filter((m) => {
        const key = principalArnKey(m.arn);
        return !slice.entryList.some((e) => principalArnKey(e.principalArn) === key);
      });
      for (const m of onlyAwsAuth) {
        findings.push({ severity: 'warning', code: 'mode_move_drops_access', subject: m.arn, message: `moving to API would drop this principal's access: it is mapped only by aws-auth (as ${m.username || '(no username)'}). Create an access entry first (entryway migrate aws-auth).` });
      }
      for (const a of aws.mapAccounts) {
        findings.push({ severity: 'warning', code: 'mode_move_drops_access', subject: `account ${a}`, message: `moving to API would drop every principal of account ${a} (mapAccounts has no access-entry equivalent).` });
      }
    }
  }

  if (mode === 'CONFIG_MAP' && slice.record.hiddenCreatorAdmin) {
    const c = slice.record.creator;
    const account = c.principalArn.split(':')[4] ?? '';
    if (credentials.holdsAccount(account) && credentials.principalIdOf(c.principalArn) !== c.principalId) {
      findings.push({ severity: 'warning', code: 'creator_deleted', subject: c.principalArn, message: 'the cluster creator (the hidden CONFIG_MAP administrator) no longer exists; only aws-auth grants access to this cluster.' });
    }
  }

  if (mode === 'API') {
    const admins = slice.entryList.filter((e) => slice.associationsOf(e.principalArn).some(isClusterAdminGrant));
    const working = liveAdminPaths(slice, credentials, connectedSts);
    if (working.length === 0) {
      findings.push({
        severity: 'error',
        code: 'no_admin_path',
        subject: slice.name,
        message: admins.length
          ? `every access entry with ${CLUSTER_ADMIN} at cluster scope is stale or unverifiable (${admins.map((e) => e.principalArn).join(', ')}): nobody can administer the cluster through Entryway. Lock-out protection does not count them, so they can be deleted; give a live principal ${CLUSTER_ADMIN} first.`
          : `no access entry has ${CLUSTER_ADMIN} at cluster scope: nobody can administer the cluster through Entryway (only RBAC bindings inside the cluster remain).`,
      });
    }
  }
  if (opts.unused) {
    const u = opts.unused;
    for (const { entry, lastUsedAt } of unusedEntries(slice, (arn) => u.lastUsedAt('entry', arn), now, u.afterMs)) {
      findings.push({
        severity: 'info',
        code: 'unused_entry',
        subject: entry.principalArn,
        message:
          lastUsedAt === undefined
            ? `unused for ${span(now - entry.createdAt)}: nobody has authenticated with this access entry since it was created (${new Date(entry.createdAt).toISOString()}). Delete it if it is no longer needed.`
            : `unused for ${span(now - lastUsedAt)}: last used ${new Date(lastUsedAt).toISOString()}. Delete it if it is no longer needed.`,
      });
    }
    // aws-auth rows have no creation time of their own: counted from when the document was applied.
    if (awsAuthApplies && slice.awsAuth) {
      for (const section of ['mapRoles', 'mapUsers'] as const) {
        for (const row of slice.awsAuth[section]) {
          const used = u.lastUsedAt('aws-auth', `${section}:${row.arn}`);
          const since = used ?? slice.awsAuth.appliedAt;
          if (now - since <= u.afterMs) continue;
          findings.push({
            severity: 'info',
            code: 'unused_aws_auth_row',
            subject: row.arn,
            message:
              used === undefined
                ? `unused for at least ${span(now - since)}: no one has authenticated through this ${section} row since the aws-auth document was applied (${new Date(since).toISOString()}).`
                : `unused for ${span(now - used)}: this ${section} row was last used ${new Date(used).toISOString()}.`,
          });
        }
      }
    }
  }
  if (!slice.record.settings.lockoutProtection) {
    findings.push({ severity: 'info', code: 'lockout_protection_off', subject: slice.name, message: 'lock-out protection is off: a change may remove the last cluster-admin path (entryway cluster settings --lockout-protection true).' });
  }
  return findings;
}
