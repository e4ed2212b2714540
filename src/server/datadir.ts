/**
 * The data directory: the embedded database, TLS material, the bootstrap administrator's AWS
 * shared-credentials file and server.json (how CLI commands and `entryway env` find the server).
 * Everything secret is owner-only (0600 files in a 0700 directory).
 */
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const ADMIN_PROFILE = 'entryway-admin';

export interface ServerInfo {
  url: string;
  region: string;
  caPath?: string;
  pid: number;
  startedAt: string;
  store: string;
}

export const paths = (dir: string) => ({
  db: join(dir, 'entryway.db'),
  credentials: join(dir, 'credentials'),
  serverInfo: join(dir, 'server.json'),
  tls: join(dir, 'tls'),
  caCert: join(dir, 'tls', 'ca.crt'),
  /** Entryway's CA plus the roots trusted before, for AWS_CA_BUNDLE (written by `entryway env`). */
  caBundle: join(dir, 'tls', 'aws-ca-bundle.pem'),
});

/**
 * Writes a file whole or not at all (a temporary file in the same directory, then rename), so a
 * reader — `entryway env`, a CLI command, a probe — never sees it truncated or half written.
 */
export function writeFileAtomic(file: string, data: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes (or adds to) the data dir's AWS shared-credentials file with one profile, owner-only. */
export function writeCredentialsProfile(dir: string, profile: string, accessKeyId: string, secretAccessKey: string): string {
  return writeCredentialsFileProfile(paths(dir).credentials, profile, accessKeyId, secretAccessKey);
}

/**
 * Why a profile could not be written to `file`, checked before anything is created: the directory
 * must exist (or be creatable) and be writable, and an existing file writable. Undefined when fine.
 */
export function credentialsFileProblem(file: string): string | undefined {
  const dir = dirname(file);
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) return `${dir} is not a directory`;
    if (existsSync(file)) accessSync(file, constants.W_OK | constants.R_OK);
    else if (existsSync(dir)) accessSync(dir, constants.W_OK);
    else if (!existsSync(dirname(dir))) return `neither ${dir} nor its parent directory exists`;
    else accessSync(dirname(dir), constants.W_OK);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Writes (or adds to) an AWS shared-credentials file with one profile, owner-only. */
export function writeCredentialsFileProfile(file: string, profile: string, accessKeyId: string, secretAccessKey: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const kept = removeProfile(existing, profile).trimEnd();
  const block = `[${profile}]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`;
  writeFileAtomic(file, (kept ? `${kept}\n\n` : '') + block, 0o600);
  return file;
}

function removeProfile(ini: string, profile: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const line of ini.split('\n')) {
    const m = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (m) skipping = m[1]?.trim() === profile;
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

/** Reads one profile's keys from a shared-credentials file. */
export function readCredentialsProfile(file: string, profile: string): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  if (!existsSync(file)) return undefined;
  let current = '';
  const found: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const sec = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (sec) {
      current = sec[1]!.trim();
      continue;
    }
    const kv = /^\s*([A-Za-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv && current === profile) found[kv[1]!.toLowerCase()] = kv[2]!;
  }
  if (!found.aws_access_key_id || !found.aws_secret_access_key) return undefined;
  return {
    accessKeyId: found.aws_access_key_id,
    secretAccessKey: found.aws_secret_access_key,
    ...(found.aws_session_token ? { sessionToken: found.aws_session_token } : {}),
  };
}

export function writeServerInfo(dir: string, info: ServerInfo): void {
  writeFileAtomic(paths(dir).serverInfo, JSON.stringify(info, null, 2) + '\n', 0o600);
}

export function readServerInfo(dir: string): ServerInfo | undefined {
  const f = paths(dir).serverInfo;
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as ServerInfo;
  } catch {
    return undefined;
  }
}
