import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/**
 * Stops and starts the local PostgreSQL cluster (Debian's pg_ctlcluster), for the outage suites.
 * Those suites run alone, after every other suite, and always start PostgreSQL again.
 */
export function postgresControlAvailable(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/pg_ctlcluster') && existsSync('/etc/postgresql');
}

function cluster(action: 'start' | 'stop'): void {
  const version = readdirSync('/etc/postgresql').sort().pop();
  if (!version) throw new Error('No PostgreSQL cluster under /etc/postgresql');
  const args = ['--skip-systemctl-redirect', version, 'main', action];
  if (action === 'stop') args.push('--', '-m', 'fast');
  execFileSync('pg_ctlcluster', args, { stdio: 'pipe' });
}

export function stopPostgres(): void {
  cluster('stop');
}

/** Starts the cluster unless it already runs (pg_ctlcluster waits until it accepts connections). */
export function startPostgres(): void {
  if (!postgresRunning()) cluster('start');
}

/** `pg_ctlcluster status` exits 0 when the cluster runs, 3 when it is stopped. */
function postgresRunning(): boolean {
  const version = readdirSync('/etc/postgresql').sort().pop();
  try {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', String(version), 'main', 'status'], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}
