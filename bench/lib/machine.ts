/** The machine and database versions a run was taken on, printed with its results. */

import os from 'node:os';
import { openRawDb } from './raw-db.js';
import type { DialectId } from './targets.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly databases: Record<string, string>;
  readonly loadAverage: number[];
  readonly date: string;
}

const VERSION_SQL: Record<DialectId, string> = {
  sqlite: 'SELECT sqlite_version() AS v',
  postgres: 'SHOW server_version',
  mysql: 'SELECT VERSION() AS v',
};

/** `scale` names the database asked for its version (any scale the run has set up). */
export async function describeMachine(dialects: readonly DialectId[], scale: number): Promise<Machine> {
  const databases: Record<string, string> = {};
  for (const d of dialects) {
    const db = await openRawDb(d, scale);
    try {
      const row = (await db.query(VERSION_SQL[d]))[0]!;
      databases[d] = String(Object.values(row)[0]);
    } finally {
      await db.close();
    }
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    databases,
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    date: new Date().toISOString(),
  };
}
