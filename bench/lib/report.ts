import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import * as prettier from 'prettier';
import BetterSqlite3 from 'better-sqlite3';
import { Engine, postgresVersion } from './database';

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  database: string;
  date: string;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return cpus()[0]?.model ?? 'unknown';
}

export async function describeMachine(engine: Engine): Promise<Machine> {
  let database: string;
  if (engine === 'postgres') {
    database = `PostgreSQL ${await postgresVersion()}`;
  } else {
    const db = new BetterSqlite3(':memory:');
    try {
      database = `SQLite ${(db.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version}`;
    } finally {
      db.close();
    }
  }
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    database,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

export interface Row {
  scenario: string;
  median: string;
  range: string;
  p99: string;
  target: string;
  met: string;
}

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(rows: readonly Row[]): string {
  const lines = ['| scenario | median | min–max | p99 | target | met? |', '| --- | --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    const cells = [row.scenario, row.median, row.range, row.p99, row.target, row.met].map(escapeCell);
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** In the repository's Prettier style, so that `prettier --check .` accepts the committed report. */
export async function formatMarkdown(text: string, filepath: string): Promise<string> {
  const config = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(text, { ...config, filepath, parser: 'markdown' });
}
