/**
 * One line for the failures a user causes and can fix — a port already in use, a database that is
 * not there, a file that cannot be read — instead of a stack trace.
 */
interface SystemishError {
  code?: string;
  message?: string;
  address?: string;
  port?: number;
  syscall?: string;
  path?: string;
}

export function describeStartupError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const x = e as Error & SystemishError;
  const where = x.address !== undefined && x.port !== undefined ? `${x.address.includes(':') ? `[${x.address}]` : x.address}:${x.port}` : '';
  switch (x.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where || 'the address'}: it is already in use (another Entryway or another server?). Choose another with --listen HOST:PORT.`;
    case 'EACCES':
      if (x.syscall === 'listen' || x.syscall === 'bind') return `cannot listen on ${where || 'the address'}: permission denied (ports below 1024 need privileges). Choose another with --listen HOST:PORT.`;
      return `permission denied${x.path ? `: ${x.path}` : ''}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where || 'the address'}: no such address on this machine.`;
    case 'ENOENT':
      return x.path ? `no such file or directory: ${x.path}` : x.message;
    case 'ECONNREFUSED':
      return `cannot connect to ${where || 'the store'}: connection refused (is PostgreSQL running there?)`;
    case '3D000': // PostgreSQL: invalid_catalog_name
      return `the store's database does not exist: ${x.message}. Create it (createdb) or fix --store.`;
    case '28P01':
    case '28000':
      return `the store refused the login: ${x.message}. Check the user and password in --store.`;
    default:
      return x.message || String(e);
  }
}
