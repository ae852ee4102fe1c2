/** The systems in the suite, the dialects each runs on, and how to load each one (lazily: in its own process). */

import type { SystemFactory } from './system.js';
import type { DialectId } from './targets.js';

export interface SystemInfo {
  readonly name: string;
  readonly dialects: readonly DialectId[];
  /** Why a system is left out of a dialect or of the whole suite; printed in the results. */
  readonly note?: string;
  readonly load: () => Promise<{ open: SystemFactory }>;
}

export const SYSTEMS: readonly SystemInfo[] = [
  { name: 'raw', dialects: ['sqlite', 'postgres', 'mysql'], load: () => import('../systems/raw/index.js') },
  { name: 'athanor', dialects: ['sqlite', 'postgres', 'mysql'], load: () => import('../systems/athanor/index.js') },
  { name: 'drizzle', dialects: ['sqlite', 'postgres', 'mysql'], load: () => import('../systems/drizzle/index.js') },
  { name: 'kysely', dialects: ['sqlite', 'postgres', 'mysql'], load: () => import('../systems/kysely/index.js') },
  { name: 'prisma', dialects: ['sqlite', 'postgres', 'mysql'], load: () => import('../systems/prisma/index.js') },
  { name: 'typeorm', dialects: ['sqlite', 'postgres', 'mysql'], load: () => import('../systems/typeorm/index.js') },
  { name: 'mikroorm', dialects: ['sqlite', 'postgres', 'mysql'], load: () => import('../systems/mikroorm/index.js') },
  { name: 'objection', dialects: ['sqlite', 'postgres', 'mysql'], load: () => import('../systems/objection/index.js') },
  { name: 'sequelize', dialects: ['sqlite', 'postgres', 'mysql'], load: () => import('../systems/sequelize/index.js') },
];

export function systemNamed(name: string): SystemInfo {
  const found = SYSTEMS.find((s) => s.name === name);
  if (!found) throw new Error(`unknown system "${name}": expected one of ${SYSTEMS.map((s) => s.name).join(', ')}`);
  return found;
}
