/**
 * Pitfalls of the session itself: ORM-side cascade deletes the database
 * could do (and `passiveDeletes` with nothing in the database to do it), and
 * flushes or commits that one would replace.
 *
 * @internal
 */

import type { DialectName } from '../../core/dialects/dialect.js';
import type { ForeignKeyDef } from '../../core/schema/table.js';
import type { RelationshipAttribute } from '../../orm/relationship.js';
import type { Mapper } from '../../orm/mapper.js';
import { finding, type Finding } from '../findings.js';
import type { FlushRecord, FlushWrite, Thresholds, Unit } from '../unit.js';
import { flushStatementsOn, round } from './statements.js';

/** ON DELETE actions under which the database removes or detaches the children itself. */
const DATABASE_HANDLES = new Set(['CASCADE', 'SET NULL', 'SET DEFAULT']);

function fkLabel(fk: ForeignKeyDef): string {
  const table = fk.columns[0]?.table.name ?? '?';
  return `${table}(${fk.columns.map((c) => c.name).join(', ')})`;
}

/** 3. Cascade deletes: ORM-side where ON DELETE CASCADE would do, and passiveDeletes with no ON DELETE. */
export function cascadeDeletes(unit: Unit, dialect: DialectName | undefined): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<RelationshipAttribute>();
  for (const flush of unit.flushes) {
    for (const [mapper, parents] of flush.deleted) {
      for (const attr of mapper.relationships) {
        if (seen.has(attr) || attr.options.viewOnly) continue;
        const f = checkRelationship(unit, mapper, attr, parents, flush.callSite, dialect);
        if (f) {
          seen.add(attr);
          out.push(f);
        }
      }
    }
  }
  return out;
}

function checkRelationship(
  unit: Unit,
  mapper: Mapper,
  attr: RelationshipAttribute,
  parents: number,
  callSite: string | undefined,
  dialect: DialectName | undefined,
): Finding | undefined {
  const r = attr.r;
  const passive = attr.options.passiveDeletes;
  const fks: ForeignKeyDef[] =
    r.direction === 'oneToMany' && r.pairs.foreignKey
      ? [r.pairs.foreignKey]
      : r.direction === 'manyToMany' && r.pairs.secondaryForeignKeys
        ? [r.pairs.secondaryForeignKeys[0]]
        : [];
  const fk = fks[0];
  if (!fk) return undefined;
  const action = fk.onDelete?.toUpperCase();
  const child = fk.columns[0]?.table.name ?? r.target.table.name;
  if (!passive && action === 'CASCADE' && (attr.cascade.delete || r.direction === 'manyToMany')) {
    const stmts = flushStatementsOn(unit, child);
    const selects = stmts.filter((g) => g.kind === 'select');
    const deletes = stmts.filter((g) => g.kind === 'delete');
    const loaded = selects.reduce((n, g) => n + g.rows, 0);
    const deletedRows = deletes.reduce((n, g) => n + g.rows, 0);
    const what =
      r.direction === 'manyToMany'
        ? `the flush deleted the link rows in "${child}" itself`
        : `the flush loaded ${loaded} "${child}" rows and deleted ${deletedRows} itself`;
    return finding({
      pitfall: 'orm-cascade-delete',
      title: `${attr.name}: deleting ${parents} ${mapper.name} object(s), ${what}, though the foreign key ${fkLabel(fk)} has ON DELETE CASCADE`,
      callSite,
      numbers: {
        parents,
        childRowsLoaded: loaded,
        childRowsDeleted: deletedRows,
        statements: stmts.reduce((n, g) => n + g.count, 0),
      },
      fix:
        `let the database cascade: \`many(() => ${r.target.name}, { ..., passiveDeletes: true })\` on ${attr.name}; ` +
        'the ORM then neither loads nor deletes the children (those already in memory are marked deleted).' +
        (dialect === 'sqlite' ? ' SQLite applies ON DELETE only with PRAGMA foreign_keys = ON (Athanor turns it on unless `foreignKeys: false`).' : ''),
    });
  }
  if (passive && (action === undefined || !DATABASE_HANDLES.has(action))) {
    const consequence =
      action === undefined || action === 'NO ACTION' || action === 'RESTRICT'
        ? `the database will refuse the parent DELETE while "${child}" rows point at it (or, where foreign keys are not enforced, leave them orphaned)`
        : 'the children are left in place';
    return finding({
      pitfall: 'passive-deletes-without-on-delete',
      title: `${attr.name} has passiveDeletes, but the foreign key ${fkLabel(fk)} has ${action ? `ON DELETE ${action}` : 'no ON DELETE action'}: ${consequence}`,
      callSite,
      numbers: { parents },
      fix:
        `declare the foreign key with \`.references(() => ..., { onDelete: 'CASCADE' })\` (or 'SET NULL') and migrate the table, ` +
        `or remove \`passiveDeletes\` from ${attr.name} so the ORM deletes or detaches the children.` +
        (dialect === 'sqlite' ? ' On SQLite, ON DELETE needs PRAGMA foreign_keys = ON: keep `foreignKeys` on in createEngine().' : ''),
    });
  }
  return undefined;
}

type WriteKind = 'insert' | 'update' | 'delete';

/** One call site that flushed (or committed) once per object, in a loop. */
interface FlushLoop {
  readonly site: string | undefined;
  readonly trigger: 'explicit' | 'commit';
  readonly flushes: readonly FlushRecord[];
  /** The loop's main write (most statements): its kind, table, SQL and figures. */
  readonly writes: FlushWrite;
}

const LOOP_FIX: Record<WriteKind, string> = {
  update:
    'set the attributes on every object and let the one flush at commit write them (one UPDATE per table and column set), ' +
    'or run one set-based statement: `s.query(Model).where(...).update({ ... })` in the ORM, ' +
    '`update(table).set({ ... }).where(table.c.id.in(ids))` in Core.',
  insert:
    'add every object (`session.addAll(objects)`) and let the one flush at commit insert them (multi-row INSERTs, split at the ' +
    'bind-parameter limit for you); for a bulk load that needs no objects, `insert(table).values(rows)` or `engine.copyFrom(table, rows)`.',
  delete:
    '`session.delete()` every object and let the one flush at commit delete them, or run one set-based statement: ' +
    '`s.query(Model).where(...).delete()` in the ORM, `deleteFrom(table).where(table.c.id.in(ids))` in Core.',
};

/** What some flushes wrote, summed by kind and table. */
function writesOf(flushes: readonly FlushRecord[]): FlushWrite[] {
  const out: FlushWrite[] = [];
  for (const f of flushes) {
    for (const w of f.writes) {
      const sum = out.find((x) => x.kind === w.kind && x.table === w.table);
      if (sum) {
        sum.count += w.count;
        sum.rows += w.rows;
        sum.durationMs += w.durationMs;
      } else out.push({ ...w });
    }
  }
  return out;
}

/**
 * Flushes (or commits) from one call site, one after another, each writing an
 * object or two of one table: a write loop that goes through the session. It
 * is a per-row write, not a flush for a generated key, and wants the fix of
 * its statement kind. (Flushes from two lines taking turns, or writing two
 * tables, are the loop body of "flush to get the id".)
 */
function flushLoops(writing: readonly FlushRecord[], t: Thresholds): FlushLoop[] {
  const bySite = new Map<string | undefined, number[]>();
  writing.forEach((f, i) => {
    const at = bySite.get(f.callSite);
    if (at) at.push(i);
    else bySite.set(f.callSite, [i]);
  });
  const loops: FlushLoop[] = [];
  for (const [site, at] of bySite) {
    if (at.length <= t.perRowWrites) continue;
    if (at[at.length - 1]! - at[0]! + 1 !== at.length) continue; // another line's flushes in between
    const flushes = at.map((i) => writing[i]!);
    if (flushes.reduce((n, f) => n + f.wrote, 0) > 2 * flushes.length) continue; // chunks of a large job, not rows
    const writes = writesOf(flushes);
    if (writes.length === 0 || new Set(writes.map((g) => g.table)).size !== 1) continue;
    const main = writes.reduce((a, b) => (b.count > a.count ? b : a));
    loops.push({ site, trigger: flushes[0]!.trigger === 'commit' ? 'commit' : 'explicit', flushes, writes: main });
  }
  return loops;
}

function flushLoopFinding(loop: FlushLoop, t: Thresholds): Finding {
  const g = loop.writes;
  const kind = g.kind as WriteKind;
  const call = loop.trigger === 'commit' ? 'session.commit()' : 'session.flush()';
  const objects = loop.flushes.reduce((n, f) => n + f.wrote, 0);
  const each = loop.trigger === 'commit' ? 'one round trip and one durable commit each' : 'one round trip each';
  return finding({
    pitfall: 'per-row-writes',
    title:
      `${loop.flushes.length} ${call} calls from one line, each writing ${objects === loop.flushes.length ? 'one object' : 'an object or two'}: ${g.count} ${kind.toUpperCase()} statements` +
      `${g.table ? ` on "${g.table}"` : ''}, ${each} (${g.rows} rows, ${g.durationMs.toFixed(1)} ms)`,
    callSite: loop.site,
    numbers: { flushes: loop.flushes.length, statements: g.count, rows: g.rows, durationMs: round(g.durationMs), threshold: t.perRowWrites },
    sql: g.sql,
    fix: `move ${call} at ${loop.site ?? '?'} out of the loop: ${LOOP_FIX[kind]}`,
  });
}

/**
 * 7. More flushes than needed (an explicit `flush()` before commit), and several commits in one scope.
 * A flush or commit per object in a loop is reported as `per-row-writes`, with the fix of what it wrote.
 */
export function prematureFlushes(unit: Unit, t: Thresholds): Finding[] {
  const writing = unit.flushes.filter((f) => f.wrote > 0 && f.trigger !== 'autoflush');
  const loops = flushLoops(writing, t);
  const out: Finding[] = loops.map((l) => flushLoopFinding(l, t));
  const inLoop = new Set(loops.flatMap((l) => l.flushes));
  const rest = writing.filter((f) => !inLoop.has(f));
  const explicit = rest.filter((f) => f.trigger === 'explicit');
  if (rest.length > t.flushes && explicit.length > 0) {
    const sites = [...new Set(explicit.map((f) => f.callSite ?? '?'))];
    const inserted = writesOf(explicit).some((w) => w.kind === 'insert');
    out.push(
      finding({
        pitfall: 'premature-flush',
        title: `${rest.length} flushes in one unit of work, ${explicit.length} of them explicit session.flush() calls: each is a round trip per table, and the transaction's writes are split`,
        callSite: explicit[0]!.callSite,
        numbers: { flushes: rest.length, explicitFlushes: explicit.length, threshold: t.flushes },
        fix: inserted
          ? `remove session.flush() at ${sites.join(', ')}: link objects through relationships (\`song.artist = artist\` or ` +
            '`artist.songs.push(song)`) and the single flush at commit orders the INSERTs and copies the generated keys for you.'
          : `remove session.flush() at ${sites.join(', ')}: the single flush at commit writes every change (one statement per table and ` +
            'column set), and a query that needs the changes flushes them first by itself (autoflush).',
      }),
    );
  }
  const loopCommits = loops.filter((l) => l.trigger === 'commit').reduce((n, l) => n + l.flushes.length, 0);
  if (unit.kind === 'scope' && unit.commits.length > t.commits && unit.commits.length - loopCommits > t.commits) {
    out.push(
      finding({
        pitfall: 'several-commits',
        title: `${unit.commits.length} commits in one unit of work: each forces a durable write on the server and the client waits for it`,
        callSite: unit.commits[1],
        numbers: { commits: unit.commits.length, threshold: t.commits },
        fix: 'commit once per request: do the work in one `db.session(async (s) => ...)` (it commits when the callback returns), and let relationships carry the keys between objects.',
      }),
    );
  }
  return out;
}
