/**
 * The advisor's report: findings in the detector's style (statement, call
 * site, plan before and after, the fix), a JSON form, and the migration that
 * creates the proposed indexes (`CREATE INDEX CONCURRENTLY` outside a
 * transaction on PostgreSQL).
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dialect, DialectName } from '../../core/dialects/dialect.js';
import { op, type CreateIndexOp, type Operation } from '../../core/schema/operations.js';
import { migrationSource } from '../../migrate/source.js';
import { finding, type Finding } from '../findings.js';
import type { Candidate } from './candidates.js';
import type { DuplicateIndex, UnindexedForeignKey } from './schema-checks.js';

export type { DuplicateIndex, UnindexedForeignKey } from './schema-checks.js';

/** One statement a proposal serves. */
export interface ProposalStatement {
  readonly sql: string;
  /** The values it ran with; undefined for normalized text from pg_stat_statements. */
  readonly parameters: readonly unknown[] | undefined;
  /** Where the application ran it (recorded statements). */
  readonly callSites: readonly string[];
  readonly calls: number;
  readonly totalMs: number;
  /** Rows in the table it reads in full. */
  readonly tableRows: number;
  readonly planBefore: string;
  /** The plan with the index (hypothetical on PostgreSQL); undefined when not verified. */
  readonly planAfter: string | undefined;
}

/** A proposed index, with the evidence for it. */
export interface IndexProposal extends Candidate {
  /** The statement that creates it (what the migration runs). */
  readonly createIndex: string;
  readonly operation: CreateIndexOp;
  /** Tried on the database (hypopg on PostgreSQL, a rolled-back build on SQLite). */
  readonly verified: boolean;
  readonly notVerifiedReason: string | undefined;
  readonly statements: readonly ProposalStatement[];
  /** PostgreSQL: the planner's estimated cost of the statements, summed, without and with the index. */
  readonly costBefore: number | undefined;
  readonly costAfter: number | undefined;
  /** `(costBefore - costAfter) / costBefore`. */
  readonly estimatedGain: number | undefined;
  /** SQLite: the measured time of the statements, summed, without and with the index. */
  readonly msBefore: number | undefined;
  readonly msAfter: number | undefined;
  readonly measuredGain: number | undefined;
}

/** A candidate the trial turned down, and why. */
export interface RejectedCandidate {
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly where: string | undefined;
  readonly gain: number;
  readonly reason: string;
}

/** An index no scan used since the server's statistics were last reset (PostgreSQL). */
export interface UnusedIndex {
  readonly table: string;
  readonly index: string;
  readonly scans: number;
  readonly bytes: number;
  /** When the statistics were last reset, as the server says it. */
  readonly since: string | undefined;
}

/** What {@link advise} found. */
export interface AdviceReport {
  readonly dialect: DialectName;
  /** Distinct statements judged. */
  readonly statementsJudged: number;
  readonly minGain: number;
  readonly minRows: number;
  readonly proposals: readonly IndexProposal[];
  readonly rejected: readonly RejectedCandidate[];
  /** Statements that could not be planned or tried, with the reason. */
  readonly skipped: readonly { readonly sql: string; readonly reason: string }[];
  readonly foreignKeys: readonly UnindexedForeignKey[];
  readonly unusedIndexes: readonly UnusedIndex[];
  readonly duplicateIndexes: readonly DuplicateIndex[];
  /** Whether candidates were tried on the database, and why not. */
  readonly verification: { readonly available: true } | { readonly available: false; readonly reason: string };
  readonly findings: readonly Finding[];
  /** The operations of the advised migration: the proposals, then the indexes for unindexed foreign keys. */
  readonly operations: readonly CreateIndexOp[];
  /** The readable report: one block per finding. */
  toString(): string;
  /** The report as plain data (for `--json`). */
  toJSON(): AdviceJson;
}

/** {@link AdviceReport} as JSON. */
export interface AdviceJson {
  readonly dialect: DialectName;
  readonly statementsJudged: number;
  readonly minGain: number;
  readonly minRows: number;
  readonly verification: { readonly available: boolean; readonly reason?: string };
  readonly proposals: readonly Omit<IndexProposal, 'operation'>[];
  readonly rejected: readonly RejectedCandidate[];
  readonly skipped: readonly { readonly sql: string; readonly reason: string }[];
  readonly foreignKeys: readonly (UnindexedForeignKey & { readonly createIndex: string })[];
  readonly unusedIndexes: readonly UnusedIndex[];
  readonly duplicateIndexes: readonly DuplicateIndex[];
  readonly findings: readonly { readonly pitfall: string; readonly title: string; readonly callSite: string | undefined; readonly fix: string }[];
}

/** A bound value as JSON can hold it: bigints as text, bytes by their length, dates as ISO text. */
function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (v instanceof Date) return v.toISOString();
  return v;
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const num = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
const cols = (c: readonly string[]) => c.join(', ');

function proposalFinding(p: IndexProposal): Finding {
  const first = p.statements[0]!;
  const evidence = !p.verified
    ? `proposed from the plan, not verified (${p.notVerifiedReason})`
    : p.estimatedGain !== undefined
      ? `estimated cost ${num(p.costBefore!)} -> ${num(p.costAfter!)} (-${pct(p.estimatedGain)}) with a hypothetical index`
      : `measured ${num(p.msBefore!)} ms -> ${num(p.msAfter!)} ms (-${pct(p.measuredGain ?? 0)}) with the index built and rolled back`;
  const statements = p.statements.length === 1 ? 'a statement' : `${p.statements.length} statements`;
  const args = `'${p.table}', '${p.name}', [${p.columns.map((c) => `'${c}'`).join(', ')}]`;
  const opts = [p.where ? `where: sql\`${p.where}\`` : '', p.operation.concurrently ? 'concurrently: true' : ''].filter(Boolean).join(', ');
  return finding({
    pitfall: 'missing-index',
    title: `full scan of "${p.table}" (${first.tableRows} rows) in ${statements}: index "${p.name}" on (${cols(p.columns)})${p.where ? ` WHERE ${p.where}` : ''}; ${evidence}`,
    callSite: first.callSites[0],
    numbers: {
      statements: p.statements.length,
      tableRows: first.tableRows,
      ...(p.costBefore !== undefined ? { costBefore: p.costBefore, costAfter: p.costAfter!, gainPercent: Math.round(p.estimatedGain! * 100) } : {}),
      ...(p.msBefore !== undefined ? { msBefore: p.msBefore, msAfter: p.msAfter!, gainPercent: Math.round(p.measuredGain! * 100) } : {}),
    },
    sql: first.sql,
    plan: { before: first.planBefore, after: first.planAfter },
    fix:
      `${p.createIndex}${p.operation.concurrently ? ' (outside a transaction)' : ''}; as a migration: op.createIndex(${args}${opts ? `, { ${opts} }` : ''})` +
      `${p.operation.concurrently ? ' with transactional: false' : ''} (athanor advise --write-migration writes it), and the same index(...) in the table declaration`,
  });
}

function foreignKeyFinding(fk: UnindexedForeignKey, create: string, concurrently: boolean): Finding {
  return finding({
    pitfall: 'unindexed-foreign-key',
    title:
      `foreign key "${fk.foreignKey}" on "${fk.table}" (${cols(fk.columns)}) -> "${fk.targetTable}" has no index: ` +
      `${fk.relationships.length > 0 ? `loading ${fk.relationships.join(', ')}` : `loading a "${fk.targetTable}" row's "${fk.table}" rows`}, ` +
      `and deleting or re-keying a "${fk.targetTable}" row (ON DELETE, passiveDeletes), read all of "${fk.table}"`,
    callSite: undefined,
    numbers: { columns: fk.columns.length },
    fix: `${create}; as a migration: op.createIndex('${fk.table}', '${fk.indexName}', [${fk.columns.map((c) => `'${c}'`).join(', ')}]${concurrently ? ', { concurrently: true }) with transactional: false' : ')'} (athanor advise --write-migration writes it)`,
  });
}

function unusedFinding(u: UnusedIndex): Finding {
  return finding({
    pitfall: 'unused-index',
    title: `index "${u.index}" on "${u.table}" (${u.bytes} bytes) has had no scan${u.since ? ` since the statistics were reset (${u.since})` : ' since the statistics were last reset'}: every write keeps it up to date for nothing`,
    callSite: undefined,
    numbers: { scans: u.scans, bytes: u.bytes },
    fix: `if no rare job or replica needs it, drop it: op.dropIndex('${u.table}', '${u.index}', { concurrently: true }) (judge over a full business cycle: the counts start at the last reset)`,
  });
}

function duplicateFinding(d: DuplicateIndex): Finding {
  return finding({
    pitfall: 'duplicate-index',
    title: `index "${d.index}" on "${d.table}" (${cols(d.columns)}) leads "${d.coveredBy}" (${cols(d.coveredByColumns)}): every search it serves, "${d.coveredBy}" serves`,
    callSite: undefined,
    numbers: { columns: d.columns.length },
    fix: `drop it: op.dropIndex('${d.table}', '${d.index}')`,
  });
}

/** @internal */
export function adviceReport(input: Omit<AdviceReport, 'dialect' | 'findings' | 'operations' | 'toString' | 'toJSON'> & { readonly dialect: Dialect }): AdviceReport {
  const { dialect, ...parts } = input;
  const concurrently = dialect.migration.features.concurrentIndexes;
  const fkOps = parts.foreignKeys.map((fk) => op.createIndex(fk.table, fk.indexName, fk.columns, concurrently ? { concurrently: true } : {}));
  const fkSql = fkOps.map((o) => dialect.migration.compile(o).join(';\n'));
  // A proposal that leads with a foreign key's columns is its index already: the migration creates it once.
  const served = (fk: UnindexedForeignKey) =>
    parts.proposals.some((p) => p.table === fk.table && p.where === undefined && fk.columns.every((c) => p.columns.slice(0, fk.columns.length).includes(c)));
  const findings = [
    ...parts.proposals.map(proposalFinding),
    ...parts.foreignKeys.map((fk, i) => foreignKeyFinding(fk, fkSql[i]!, concurrently)),
    ...parts.duplicateIndexes.map(duplicateFinding),
    ...parts.unusedIndexes.map(unusedFinding),
  ];
  const name = dialect.name;
  const base = { ...parts, dialect: name };
  const operations = [...parts.proposals.map((p) => p.operation), ...fkOps.filter((_, i) => !served(parts.foreignKeys[i]!))];
  return {
    ...base,
    findings,
    operations,
    toString() {
      const head =
        `index advice (${name}): ${parts.statementsJudged} statement(s) judged, ${parts.proposals.length} index(es) proposed` +
        `${parts.verification.available ? '' : ` (not verified: ${parts.verification.reason})`}, ${parts.foreignKeys.length} foreign key(s) without an index, ` +
        `${parts.duplicateIndexes.length} duplicate and ${parts.unusedIndexes.length} unused index(es)`;
      const rejected = parts.rejected.map((r) => `  not proposed: "${r.name}" on ${r.table} (${cols(r.columns)}): ${r.reason}`);
      const skipped = parts.skipped.map((s) => `  skipped: ${s.sql.slice(0, 100)}: ${s.reason}`);
      return [head, ...findings.map((f) => f.message), ...rejected, ...skipped].join('\n');
    },
    toJSON() {
      return {
        dialect: name,
        statementsJudged: parts.statementsJudged,
        minGain: parts.minGain,
        minRows: parts.minRows,
        verification: parts.verification.available ? { available: true } : { available: false, reason: parts.verification.reason },
        proposals: parts.proposals.map(({ operation: _op, ...p }) => ({
          ...p,
          statements: p.statements.map((st) => ({ ...st, parameters: st.parameters?.map(jsonValue) })),
        })),
        rejected: parts.rejected,
        skipped: parts.skipped,
        foreignKeys: parts.foreignKeys.map((fk, i) => ({ ...fk, createIndex: fkSql[i]! })),
        unusedIndexes: parts.unusedIndexes,
        duplicateIndexes: parts.duplicateIndexes,
        findings: findings.map((f) => ({ pitfall: f.pitfall, title: f.title, callSite: f.callSite, fix: f.fix })),
      };
    },
  };
}

/** Options of {@link adviceMigration} and {@link writeAdviceMigration}. */
export interface AdviceMigrationOptions {
  /** The migration's name after the timestamp (default `advised_indexes`). */
  readonly name?: string;
  /** `YYYYMMDDTHHMMSS` (default now, UTC). */
  readonly timestamp?: string;
}

/**
 * The migration that creates the advised indexes: `{ id, up, transactional }`, for the {@link Migrator}
 * (`transactional: false` where they are built CONCURRENTLY), or undefined when there is nothing to create.
 *
 * ```ts
 * const advice = await advise(engine, { pgStatStatements: 20 });
 * const m = adviceMigration(advice);
 * if (m) await new Migrator({ engine, migrations: [m] }).up();
 * ```
 */
export function adviceMigration(
  report: AdviceReport,
  options: AdviceMigrationOptions = {},
): { readonly id: string; readonly up: readonly Operation[]; readonly transactional?: false } | undefined {
  if (report.operations.length === 0) return undefined;
  const stamp = options.timestamp ?? new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  const id = `${stamp}_${options.name ?? 'advised_indexes'}`;
  const outside = report.operations.some((o) => o.concurrently);
  return { id, up: report.operations, ...(outside ? { transactional: false as const } : {}) };
}

/**
 * Write {@link adviceMigration} as a migration file in `dir`; returns the file and the migration, or undefined when
 * there is nothing to create.
 *
 * ```ts
 * const advice = await advise(engine, { pgStatStatements: 20 });
 * const written = await writeAdviceMigration(advice, { dir: 'migrations', dialect: engine.dialect });
 * written?.file; // 'migrations/20261203T091500_advised_indexes.ts'
 * ```
 */
export async function writeAdviceMigration(
  report: AdviceReport,
  options: AdviceMigrationOptions & { readonly dir: string; readonly dialect: Dialect; readonly importFrom?: string },
): Promise<{ readonly file: string; readonly migration: NonNullable<ReturnType<typeof adviceMigration>> } | undefined> {
  const migration = adviceMigration(report, options);
  if (!migration) return undefined;
  const header = `// Indexes proposed by the index advisor (${report.dialect}):\n${report.findings
    .filter((f) => f.pitfall === 'missing-index' || f.pitfall === 'unindexed-foreign-key')
    .map((f) => `//   ${f.title}`)
    .join('\n')}`;
  const source = migrationSource(migration, { dialect: options.dialect, header, ...(options.importFrom ? { importFrom: options.importFrom } : {}) });
  await mkdir(options.dir, { recursive: true });
  const file = join(options.dir, `${migration.id}.ts`);
  await writeFile(file, source, { flag: 'wx' });
  return { file, migration };
}
