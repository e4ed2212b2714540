/**
 * `entryway doctor`: what is wrong with a cluster's access before it bites — found from the same
 * in-memory index the webhooks use. Pure: it reads an index snapshot and returns findings.
 */
import type { ClusterSlice } from '../index/access-index.js';
import type { CredentialIndex } from '../index/credentials.js';
import { getAccessPolicy } from '../policy/catalogue.js';
import { principalArnKey } from '../mapping/index.js';
import type { AccessEntryRecord, AuthenticationMode } from '../model/types.js';

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
    | 'lockout_protection_off';
  /** The principal, mapping or setting the finding is about. */
  subject: string;
  message: string;
}

const CLUSTER_ADMIN = 'AmazonEKSClusterAdminPolicy';

function isAdminEntry(slice: ClusterSlice, e: AccessEntryRecord): boolean {
  return slice.associationsOf(e.principalArn).some((a) => a.policyArn.endsWith(`/${CLUSTER_ADMIN}`) && a.scope.type === 'cluster');
}

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

export function diagnose(slice: ClusterSlice, credentials: CredentialIndex, now: number): Finding[] {
  const findings: Finding[] = [];
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
    for (const m of [...aws.mapRoles, ...aws.mapUsers]) {
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
    const admins = slice.entryList.filter((e) => isAdminEntry(slice, e));
    const working = admins.filter((e) => !e.principalId || !credentials.holdsAccount(e.principalArn.split(':')[4] ?? '') || credentials.principalIdOf(e.principalArn) === e.principalId);
    if (working.length === 0) {
      findings.push({
        severity: 'error',
        code: 'no_admin_path',
        subject: slice.name,
        message: admins.length
          ? `every access entry with ${CLUSTER_ADMIN} at cluster scope is stale: nobody can administer the cluster through Entryway.`
          : `no access entry has ${CLUSTER_ADMIN} at cluster scope: nobody can administer the cluster through Entryway (only RBAC bindings inside the cluster remain).`,
      });
    }
  }
  if (!slice.record.settings.lockoutProtection) {
    findings.push({ severity: 'info', code: 'lockout_protection_off', subject: slice.name, message: 'lock-out protection is off: a change may remove the last cluster-admin path (entryway cluster settings --lockout-protection true).' });
  }
  return findings;
}
