/**
 * The index advisor: from measured statements to verified indexes.
 *
 * ```ts
 * const rec = await recordStatements(() => handler(req));
 * const advice = await advise(engine, { statements: rec });
 * console.log(advice.toString());                        // findings: statement, call site, plan before/after, the fix
 * await writeAdviceMigration(advice, { dir: 'migrations', name: 'advised_indexes', dialect: engine.dialect });
 * ```
 * For each statement (the recorder's, with their values and call sites;
 * `pg_stat_statements`' top by total time; or those of a block run under
 * {@link recordStatements}) the advisor reads the plan, takes the tables
 * read in full that are large enough for an index to matter (`minRows`),
 * and builds one candidate index per table from what the statement asks of
 * it (see `candidates.ts`), unless an index already serves it. Each
 * candidate is then tried on the database: PostgreSQL plans the statement
 * again with a hypothetical index (hypopg) and the estimated cost must fall
 * by `minGain`; SQLite builds the index inside a transaction, plans and
 * times the statement and rolls back, and the measured time must fall by
 * `minGain`; MySQL/MariaDB proposals come from the plan alone, marked not
 * verified. Beside the statements, the schema's foreign keys without an
 * index, its duplicate indexes and (PostgreSQL) its unused ones are reported.
 */

import type { Engine } from '../../core/engine/engine.js';
import type { CatalogTable } from '../../core/introspect/catalog.js';
import { rawText } from '../../core/introspect/introspect.js';
import { op, type CreateIndexOp } from '../../core/schema/operations.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { recordStatements, type RecordedStatement, type StatementRecording } from '../recorder.js';
import { topStatements } from '../pg-stat-statements.js';
import { candidateFor, covers, existingIndexes, type Candidate, type ExistingIndex } from './candidates.js';
import { statementShape } from './predicates.js';
import type { JudgedStatement, PlanFacts, Planner, Trial } from './planner.js';
import { hypopgStatus, postgresPlanner, unusedPgIndexes } from './postgres.js';
import { sqlitePlanner } from './sqlite.js';
import { mysqlPlanner } from './mysql.js';
import { duplicateIndexes, unindexedForeignKeys, type RelationshipColumns } from './schema-checks.js';
import { mapperOf } from '../../orm/mapper.js';
import type { ModelCtor } from '../../orm/relationship.js';
import { adviceReport, type AdviceReport, type IndexProposal, type ProposalStatement, type RejectedCandidate } from './report.js';

export interface AdviseOptions {
  /** Statements to judge: a recording, or recorded statements (their SQL, values and call sites). */
  readonly statements?: StatementRecording | readonly RecordedStatement[];
  /** A block to run under {@link recordStatements}; its statements are judged. */
  readonly run?: () => Promise<unknown>;
  /**
   * PostgreSQL: judge the top statements of `pg_stat_statements` by total time (default: when no
   * `statements` or `run` is given). A number is how many (default 20); `contains` keeps the statements whose
   * text contains it.
   */
  readonly pgStatStatements?: boolean | number | { readonly limit?: number; readonly contains?: string };
  /** Smallest relative gain (0..1) a verified index must bring: estimated cost (PostgreSQL), measured time (SQLite). Default 0.2. */
  readonly minGain?: number;
  /** Tables with fewer rows are left alone: reading them whole is right. Default 1000. */
  readonly minRows?: number;
  /** PostgreSQL schema (default: the connection's current one). */
  readonly schema?: string;
  /** Run `CREATE EXTENSION IF NOT EXISTS hypopg` when the server has the extension and the database does not (default false). */
  readonly createExtension?: boolean;
  /** Report foreign keys without an index, duplicate indexes and (PostgreSQL) unused indexes (default true). */
  readonly schemaChecks?: boolean;
  /**
   * Models whose relationships the report names beside each unindexed foreign key (`Artist.songs` loads by
   * `song.artist_id`).
   */
  readonly models?: readonly ModelCtor[];
  /** Only these tables: statements on others are not judged, and the schema checks look at these alone. */
  readonly include?: readonly string[];
  /** Tables to leave out of everything (the migration history is always left out). */
  readonly exclude?: readonly string[];
}

const HISTORY = 'athanor_migrations';

interface Group {
  statement: JudgedStatement;
  calls: number;
  totalMs: number;
  callSites: Set<string>;
}

/** The statements worth judging: data statements, grouped by text, not the catalog's or the advisor's own. */
function groupStatements(list: readonly { sql: string; parameters: readonly unknown[] | undefined; durationMs: number; calls: number; callSite: string | undefined }[]): Group[] {
  const groups = new Map<string, Group>();
  for (const s of list) {
    if (!/^\s*(SELECT|UPDATE|DELETE)\b/i.test(s.sql)) continue;
    if (/\b(pg_catalog|information_schema|pg_stat_|pg_class|hypopg|sqlite_master|sqlite_schema)\b/i.test(s.sql)) continue;
    let g = groups.get(s.sql);
    if (!g) {
      g = { statement: { sql: s.sql, parameters: s.parameters }, calls: 0, totalMs: 0, callSites: new Set() };
      groups.set(s.sql, g);
    }
    g.calls += s.calls;
    g.totalMs += s.durationMs;
    if (s.callSite) g.callSites.add(s.callSite);
  }
  return [...groups.values()].sort((a, b) => b.totalMs - a.totalMs);
}

async function gather(engine: Engine, options: AdviseOptions): Promise<Group[]> {
  const recorded: RecordedStatement[] = [];
  if (options.statements) recorded.push(...('statements' in options.statements ? options.statements.statements : options.statements));
  if (options.run) recorded.push(...(await recordStatements(options.run)).statements);
  const fromRecorder = recorded
    // The recorder follows every engine: only this engine's database can plan its statements.
    .filter((s) => s.dialect === engine.dialect.name && !s.error && (s.kind === 'select' || s.kind === 'update' || s.kind === 'delete' || s.kind === 'rawStatement' || s.kind === 'compound'))
    .map((s) => ({ sql: s.sql, parameters: s.parameters, durationMs: s.durationMs, calls: 1, callSite: s.callerLocation }));
  const wantPss = options.pgStatStatements ?? (!options.statements && !options.run && engine.dialect.name === 'postgres');
  const pss = typeof wantPss === 'object' ? wantPss : { limit: typeof wantPss === 'number' ? wantPss : 20 };
  const fromServer =
    wantPss === false
      ? []
      : (await topStatements(engine, { orderBy: 'totalTime', limit: pss.limit ?? 20, ...(pss.contains ? { contains: pss.contains } : {}) })).map((s) => ({
          sql: s.query,
          parameters: undefined,
          durationMs: s.totalMs,
          calls: s.calls,
          callSite: undefined,
        }));
  return groupStatements([...fromRecorder, ...fromServer]);
}

function plannerFor(engine: Engine, hypopg: { available: true } | { available: false; reason: string } | undefined): Planner {
  switch (engine.dialect.name) {
    case 'postgres':
      return postgresPlanner(engine, hypopg!);
    case 'sqlite':
      return sqlitePlanner(engine);
    case 'mysql':
      return mysqlPlanner(engine);
  }
}

/** The SQL a candidate is built with: `concurrently` for the migration on PostgreSQL, plain for the trial. */
function createIndexOp(c: Candidate, concurrently: boolean): CreateIndexOp {
  return op.createIndex(c.table, c.name, c.columns, { ...(c.where ? { where: rawText(c.where) } : {}), ...(concurrently ? { concurrently: true } : {}) });
}

const key = (c: Candidate) => `${c.table}(${c.columns.join(',')})${c.where ? ` WHERE ${c.where}` : ''}`;

interface Judged {
  candidate: Candidate;
  statements: ProposalStatement[];
  trials: (Trial | undefined)[];
}

/**
 * Judge statements and the schema, and propose the indexes that help (see the module comment).
 *
 * ```ts
 * const advice = await advise(engine, { run: () => renderArtistPage(db, 7), minGain: 0.3 });
 * for (const p of advice.proposals) console.log(p.createIndex, p.estimatedGain);
 * ```
 */
export async function advise(engine: Engine, options: AdviseOptions = {}): Promise<AdviceReport> {
  await engine.ready();
  const minGain = options.minGain ?? 0.2;
  const minRows = options.minRows ?? 1000;
  if (!(minGain >= 0 && minGain < 1)) throw new InvalidArgumentError(`advise(): minGain is a fraction from 0 to 1 (0.2 is 20%), got ${minGain}`, 'minGain', minGain);
  const dialect = engine.dialect;
  const exclude = [HISTORY, ...(options.exclude ?? [])];
  const catalog = await dialect.readCatalog((q) => engine.all(q), { schema: options.schema, exclude, ...(options.include ? { include: options.include } : {}) });
  const tables = new Map<string, CatalogTable>(catalog.tables.map((t) => [t.name, t]));
  const groups = await gather(engine, options);
  const hypopg = dialect.name === 'postgres' ? await hypopgStatus(engine, options.createExtension ?? false) : undefined;
  const planner = plannerFor(engine, hypopg);
  const sizes = await planner.tableRows([...tables.keys()]);

  const judged = new Map<string, Judged>();
  const skipped: { sql: string; reason: string }[] = [];
  for (const g of groups) {
    const st = g.statement;
    const shape = statementShape(st.sql, (t) => tables.get(t)?.columns.map((c) => c.name));
    if (shape.tables.length === 0) continue;
    let before: PlanFacts;
    try {
      before = await planner.plan(st);
    } catch (error) {
      skipped.push({ sql: st.sql, reason: `could not be planned: ${(error as Error).message.split('\n')[0]}` });
      continue;
    }
    for (const scan of before.scans) {
      const use = shape.tables.find((u) => u.alias === scan.name) ?? shape.tables.find((u) => u.table === scan.name);
      const table = use && tables.get(use.table);
      if (!use || !table) continue;
      const rows = sizes.get(table.name) ?? scan.rows ?? 0;
      if (rows < minRows) continue;
      const candidate = candidateFor(use, existingIndexes(table), dialect.capabilities.partialIndexes);
      if (!candidate) continue;
      const k = key(candidate);
      let j = judged.get(k);
      if (!j) {
        j = { candidate, statements: [], trials: [] };
        judged.set(k, j);
      }
      if (j.statements.some((s) => s.sql === st.sql)) continue;
      j.statements.push({ sql: st.sql, parameters: st.parameters, callSites: [...g.callSites], calls: g.calls, totalMs: g.totalMs, tableRows: rows, planBefore: before.text, planAfter: undefined });
    }
  }

  const proposals: IndexProposal[] = [];
  const rejected: RejectedCandidate[] = [];
  for (const j of judged.values()) {
    const c = j.candidate;
    const trialSql = dialect.migration.compile(createIndexOp(c, false)).join(';\n');
    const migrationOp = createIndexOp(c, dialect.migration.features.concurrentIndexes);
    const createIndex = dialect.migration.compile(migrationOp).join(';\n');
    if (!planner.verification.available) {
      proposals.push({ ...c, createIndex, operation: migrationOp, verified: false, notVerifiedReason: planner.verification.reason, statements: j.statements, ...figures([]) });
      continue;
    }
    const trials: Trial[] = [];
    const statements: ProposalStatement[] = [];
    for (const s of j.statements) {
      try {
        const t = await planner.trial({ sql: s.sql, parameters: s.parameters }, trialSql, c.name);
        trials.push(t);
        statements.push({ ...s, planBefore: t.before.text, planAfter: t.after.text });
      } catch (error) {
        skipped.push({ sql: s.sql, reason: `trial of ${c.name} failed: ${(error as Error).message.split('\n')[0]}` });
      }
    }
    const f = figures(trials);
    const used = trials.some((t) => t.usesIndex);
    const gain = f.estimatedGain ?? f.measuredGain ?? 0;
    if (trials.length === 0 || !used || gain < minGain) {
      rejected.push({
        table: c.table,
        name: c.name,
        columns: c.columns,
        where: c.where,
        gain,
        reason: trials.length === 0 ? 'could not be tried' : !used ? 'the planner does not use it' : `gain ${(gain * 100).toFixed(0)}% is below minGain ${(minGain * 100).toFixed(0)}%`,
      });
      continue;
    }
    proposals.push({ ...c, createIndex, operation: migrationOp, verified: true, notVerifiedReason: undefined, statements, ...f });
  }
  const kept = mergePrefixes(proposals);

  const schemaChecks = options.schemaChecks ?? true;
  // InnoDB gives every foreign key an index of its own (and the catalog reading leaves it out, as the database makes it again).
  const foreignKeys = schemaChecks && dialect.name !== 'mysql' ? unindexedForeignKeys(catalog.tables, relationshipColumns(options.models ?? [])) : [];
  const unused = schemaChecks && dialect.name === 'postgres' ? (await unusedPgIndexes(engine)).filter((u) => tables.has(u.table)) : [];
  const duplicates = schemaChecks ? duplicateIndexes(catalog.tables) : [];
  return adviceReport({
    dialect,
    statementsJudged: groups.length,
    minGain,
    minRows,
    proposals: kept,
    rejected,
    skipped,
    foreignKeys,
    unusedIndexes: unused,
    duplicateIndexes: duplicates,
    verification: planner.verification,
  });
}

/** The child-side columns of each relationship of `models`: what a load or a cascade looks rows up by. */
function relationshipColumns(models: readonly ModelCtor[]): RelationshipColumns[] {
  const out: RelationshipColumns[] = [];
  for (const model of models) {
    for (const rel of mapperOf(model).relationships) {
      const { direction, pairs, target } = rel.r;
      const names = (cs: readonly { name: string }[] | undefined) => (cs ?? []).map((c) => c.name);
      if (direction === 'oneToMany') out.push({ name: rel.name, table: target.table.name, columns: names(pairs.remote) });
      else if (direction === 'manyToOne') out.push({ name: rel.name, table: rel.parent!.table.name, columns: names(pairs.local) });
      else {
        // Many-to-many: the association table is looked up by the columns pointing at the parent.
        const table = pairs.secondaryLocal?.[0]?.table.name;
        if (table) out.push({ name: rel.name, table, columns: names(pairs.secondaryLocal) });
      }
    }
  }
  return out;
}

function asIndex(p: { name: string; columns: readonly string[]; where: string | undefined }): ExistingIndex {
  return { name: p.name, columns: p.columns, unique: false, primaryKey: false, where: p.where };
}

/** A proposal whose columns lead another proposal's is served by it: one index, both statements. */
function mergePrefixes(proposals: IndexProposal[]): IndexProposal[] {
  const out: IndexProposal[] = [];
  const sorted = [...proposals].sort((a, b) => b.columns.length - a.columns.length);
  for (const p of sorted) {
    const wider = out.find((o) => o.table === p.table && covers(asIndex(o), p.columns, p.equalityColumns, p.where) && (o.where ?? '') === (p.where ?? ''));
    if (wider) {
      const merged = { ...wider, statements: [...wider.statements, ...p.statements.filter((s) => !wider.statements.some((w) => w.sql === s.sql))] };
      out[out.indexOf(wider)] = merged;
    } else out.push(p);
  }
  return out;
}

/** The figures over a candidate's trials: the statements' costs and times summed, before and after. */
function figures(trials: readonly Trial[]): Pick<IndexProposal, 'costBefore' | 'costAfter' | 'estimatedGain' | 'msBefore' | 'msAfter' | 'measuredGain'> {
  const sum = (xs: (number | undefined)[]) => (xs.length > 0 && xs.every((x) => x !== undefined) ? (xs as number[]).reduce((a, b) => a + b, 0) : undefined);
  const costBefore = sum(trials.map((t) => t.before.cost));
  const costAfter = sum(trials.map((t) => t.after.cost));
  const msBefore = sum(trials.map((t) => t.before.ms));
  const msAfter = sum(trials.map((t) => t.after.ms));
  const gain = (b: number | undefined, a: number | undefined) => (b !== undefined && a !== undefined && b > 0 ? (b - a) / b : undefined);
  return { costBefore, costAfter, estimatedGain: gain(costBefore, costAfter), msBefore, msAfter, measuredGain: gain(msBefore, msAfter) };
}
