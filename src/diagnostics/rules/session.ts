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
import type { Thresholds, Unit } from '../unit.js';
import { flushStatementsOn } from './statements.js';

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

/** 7. More flushes than needed (an explicit `flush()` before commit), and several commits in one scope. */
export function prematureFlushes(unit: Unit, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const writing = unit.flushes.filter((f) => f.wrote > 0 && f.trigger !== 'autoflush');
  const explicit = writing.filter((f) => f.trigger === 'explicit');
  if (writing.length > t.flushes && explicit.length > 0) {
    const sites = [...new Set(explicit.map((f) => f.callSite ?? '?'))];
    out.push(
      finding({
        pitfall: 'premature-flush',
        title: `${writing.length} flushes in one unit of work, ${explicit.length} of them explicit session.flush() calls: each is a round trip per table, and the transaction's writes are split`,
        callSite: explicit[0]!.callSite,
        numbers: { flushes: writing.length, explicitFlushes: explicit.length, threshold: t.flushes },
        fix:
          `remove session.flush() at ${sites.join(', ')}: link objects through relationships (\`song.artist = artist\` or ` +
          '`artist.songs.push(song)`) and the single flush at commit orders the INSERTs and copies the generated keys for you.',
      }),
    );
  }
  if (unit.kind === 'scope' && unit.commits.length > t.commits) {
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
