/**
 * The advisor on MySQL and MariaDB: the plan (`EXPLAIN FORMAT=JSON`, through
 * {@link explain}) names the tables read in full (`access_type: ALL`); there
 * is no hypothetical index, and building a real one on a live table is not a
 * trial, so proposals stay unverified.
 *
 * @internal
 */

import type { Engine } from '../../core/engine/engine.js';
import { explain } from '../explain.js';
import { raw, type Planner } from './planner.js';

export function mysqlPlanner(engine: Engine): Planner {
  return {
    verification: { available: false, reason: 'MySQL/MariaDB have no hypothetical indexes: proposed from the plan, not verified' },
    async plan(st) {
      const plan = await explain(engine, raw(st.sql, st.parameters ?? []));
      return { text: plan.text, cost: undefined, ms: undefined, scans: plan.nodes.filter((n) => n.fullScan && n.table).map((n) => ({ name: n.table!, rows: n.tableRows ?? n.estimatedRows })) };
    },
    trial() {
      return Promise.reject(new Error('no trial on MySQL/MariaDB'));
    },
    async tableRows(tables) {
      const out = new Map<string, number>();
      if (tables.length === 0) return out;
      const rows = (await engine.all(
        raw(`SELECT TABLE_NAME AS name, TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${tables.map(() => '?').join(', ')})`, tables),
      )) as { name: string; n: number | null }[];
      for (const r of rows) if (r.n !== null) out.set(r.name, Number(r.n));
      return out;
    },
  };
}
