/**
 * The operations that turn one schema into another.
 *
 * Both sides are lists of `Table`s, compared through their public shape only
 * (names, columns' types, nullability and server defaults, primary keys,
 * indexes, unique constraints, checks, foreign keys, native enum types), so
 * `current` can come from `table()` declarations or from a live database's
 * introspection alike. Expressions (defaults, checks, partial-index
 * predicates) are compared by their SQL text in one dialect.
 *
 * Renames are never guessed: a rename looks exactly like a drop and an add,
 * and guessing wrong loses a column's data. A `renames` hint turns the pair
 * into a rename; without one, each drop is reported with the hint to pass
 * when a likely partner (one added table, or one added column of the same
 * type in the same table) exists. The diff cannot see data (a backfill),
 * nor what a raw `sql` default means beyond its text.
 *
 * Operations come in an order that works: enum values and table renames
 * first, foreign keys that go away before what they point at, then columns,
 * new tables in foreign-key order, new constraints and keys, and drops last.
 */

import { ColumnBuilder, type Column } from '../core/schema/column.js';
import { planCreation, uniqueConstraintName } from '../core/compiler/ddl.js';
import { MigrationCompiler } from '../core/compiler/migration.js';
import type { ForeignKeyDef, IndexDef, Table } from '../core/schema/table.js';
import type { SqlType } from '../core/schema/types.js';
import { assertNeverOperation, op, type AddForeignKeyOp, type AnyColumnBuilder, type CreateIndexOp, type Operation, type TableRebuild } from '../core/schema/operations.js';
import type { ExprNode } from '../core/sql/nodes.js';
import type { Dialect } from '../core/dialects/dialect.js';
import { PostgresDialect } from '../core/dialects/postgres/dialect.js';
import { MigrationError, type DropReport } from './errors.js';

/**
 * Rename hints: `tables: { old: 'new' }`, `columns: { 'table.old': 'new' }`
 * (the table by its old or new name). The CLI's `--rename user.name=full_name`
 * and `--rename account=user` parse into this with {@link parseRenames}.
 */
export interface Renames {
  readonly tables?: Readonly<Record<string, string>>;
  readonly columns?: Readonly<Record<string, string>>;
}

export interface DiffOptions {
  readonly renames?: Renames;
  /** The dialect whose SQL text expressions are compared in (default PostgreSQL's). */
  readonly dialect?: Dialect;
}

/** The operations, and every table or column they drop (with a rename hint where a partner was added). */
export interface SchemaDiff {
  readonly operations: readonly Operation[];
  readonly drops: readonly DropReport[];
}

/**
 * `['user.name=full_name', 'account=user']` → `{ columns: { 'user.name': 'full_name' }, tables: { account: 'user' } }`.
 *
 * ```ts
 * parseRenames(['user.name=full_name']); // { tables: {}, columns: { 'user.name': 'full_name' } }
 * ```
 */
export function parseRenames(hints: readonly string[]): Renames {
  const tables: Record<string, string> = {};
  const columns: Record<string, string> = {};
  for (const hint of hints) {
    const m = /^([^=.\s]+)(?:\.([^=\s]+))?=([^=.\s]+)$/.exec(hint.trim());
    if (!m) throw new MigrationError(`rename hint "${hint}": write table.old_column=new_column or old_table=new_table`);
    if (m[2] !== undefined) columns[`${m[1]}.${m[2]}`] = m[3]!;
    else tables[m[1]!] = m[3]!;
  }
  return { tables, columns };
}

let canonical: Dialect | undefined;

/**
 * The operations that change `current` into `target`, in an order that runs.
 *
 * ```ts
 * const { operations, drops } = diffSchemas([userV1], [userV2], { renames: { columns: { 'user.name': 'full_name' } } });
 * // [op.renameColumn('user', 'name', 'full_name'), op.addColumn('user', 'email', text())]
 * ```
 */
export function diffSchemas(current: readonly Table[], target: readonly Table[], options: DiffOptions = {}): SchemaDiff {
  const dialect = options.dialect ?? (canonical ??= new PostgresDialect());
  const text = (node: ExprNode | undefined | null): string | undefined => (node ? dialect.compiler.inlineExpression(node) : undefined);
  const renames = checkRenames(current, target, options.renames ?? {});

  const currentByName = new Map(current.map((t) => [t.name, t]));
  const oldNameOf = new Map(Object.entries(renames.tables).map(([o, n]) => [n, o]));
  /** Each target table's current counterpart (by rename hint, else by name unless that name is renamed away). */
  const pairs: { from: Table; to: Table }[] = [];
  const matched = new Set<Table>();
  for (const to of target) {
    const oldName = oldNameOf.get(to.name) ?? (renames.tables[to.name] === undefined ? to.name : undefined);
    const from = oldName === undefined ? undefined : currentByName.get(oldName);
    if (from) {
      pairs.push({ from, to });
      matched.add(from);
    }
  }
  const pairedTargets = new Set(pairs.map((p) => p.to));
  const createdTables = target.filter((t) => !pairedTargets.has(t));
  const droppedTables = current.filter((t) => !matched.has(t));

  const drops: DropReport[] = [];
  for (const t of droppedTables) {
    drops.push({ table: t.name, ...(createdTables.length === 1 ? { renameHint: `${t.name}=${createdTables[0]!.name}` } : {}) });
  }

  const enumsOps: Operation[] = [];
  const tableRenames: Operation[] = [];
  const fkDrops: Operation[] = [];
  const constraintDrops: Operation[] = [];
  const columnChanges: Operation[] = [];
  const creates: Operation[] = [];
  const constraintAdds: Operation[] = [];
  const fkAdds: Operation[] = [];
  const columnDrops: Operation[] = [];
  const tableDrops: Operation[] = [];
  const enumDrops: Operation[] = [];

  // Native enum types, by name, across all tables.
  const enumsOf = (tables: readonly Table[]) => {
    const out = new Map<string, readonly string[]>();
    for (const t of tables) for (const c of t.columns) if (c.type.kind === 'enum' && c.type.enumName) out.set(c.type.enumName, c.type.values ?? []);
    return out;
  };
  const currentEnums = enumsOf(current);
  const targetEnums = enumsOf(target);
  for (const [name, values] of targetEnums) {
    const had = currentEnums.get(name);
    if (!had) enumsOps.push(op.createEnum(name, values));
    else {
      const appended = values.slice(0, had.length).every((v, i) => v === had[i]) && values.length >= had.length;
      if (!appended) {
        throw new MigrationError(
          `enum type "${name}": values ${JSON.stringify(had)} → ${JSON.stringify(values)}; only appending values can be done in place ` +
            `(PostgreSQL cannot remove or reorder enum values): write this migration by hand (a new type, a column change, a drop)`,
        );
      }
      for (const v of values.slice(had.length)) enumsOps.push(op.addEnumValue(name, v));
    }
  }
  for (const [name, values] of currentEnums) if (!targetEnums.has(name)) enumDrops.push(op.dropEnum(name, values));

  const plan = planCreation(target);
  const order = new Map(plan.tables.map((t, i) => [t, i]));
  pairs.sort((a, b) => (order.get(a.to) ?? 0) - (order.get(b.to) ?? 0));

  for (const { from, to } of pairs) {
    const rebuild: TableRebuild = { before: from, after: to };
    if (from.name !== to.name) tableRenames.push(op.renameTable(from.name, to.name));
    const t = to.name;

    // Columns: by rename hint, else by name.
    const columnRenames = new Map<string, string>(); // new name -> old name
    for (const [key, newName] of Object.entries(renames.columns)) {
      const [tableName, oldName] = splitKey(key);
      if (tableName === from.name || tableName === to.name) columnRenames.set(newName, oldName);
    }
    const fromCols = new Map(from.columns.map((c) => [c.name, c]));
    const renamedAway = new Set([...columnRenames.entries()].filter(([n, o]) => n !== o).map(([, o]) => o));
    const pairedOld = new Set<string>();
    const added: Column<unknown>[] = [];
    for (const c of to.columns) {
      const oldName = columnRenames.get(c.name) ?? (renamedAway.has(c.name) ? undefined : c.name);
      const old = oldName === undefined ? undefined : fromCols.get(oldName);
      if (!old || oldName === undefined) {
        added.push(c);
        continue;
      }
      pairedOld.add(oldName);
      if (oldName !== c.name) columnChanges.push(op.renameColumn(t, oldName, c.name));
      const change = compareColumn(old, c, text);
      if (change) columnChanges.push(op.alterColumn(t, c.name, { ...change, definition: { before: plainBuilder(old), after: plainBuilder(c) }, rebuild }));
    }
    const removed = from.columns.filter((c) => !pairedOld.has(c.name));
    for (const c of added) columnChanges.push(op.addColumn(t, c.name, plainBuilder(c)));
    for (const c of removed) {
      // A likely partner: the one added column of the same type, or the only column added where only one went.
      const sameTyped = added.filter((a) => sameType(a.type, c.type));
      const partners = sameTyped.length > 0 ? sameTyped : added.length === 1 && removed.length === 1 ? added : [];
      drops.push({ table: t, column: c.name, ...(partners.length === 1 ? { renameHint: `${t}.${c.name}=${partners[0]!.name}` } : {}) });
      columnDrops.push(op.dropColumn(t, c.name, { definition: plainBuilder(c), rebuild }));
    }
    const renamedTo = (name: string) => [...columnRenames.entries()].find(([, o]) => o === name)?.[0] ?? name;
    const sameColumns = (a: readonly Column<unknown>[], b: readonly Column<unknown>[]) =>
      a.length === b.length && a.every((c, i) => renamedTo(c.name) === b[i]!.name);

    // Primary keys cannot change in place here: say so rather than emit something half right.
    if (!sameColumns(from.primaryKey, to.primaryKey)) {
      throw new MigrationError(
        `table "${t}": the primary key changes (${from.primaryKey.map((c) => c.name).join(', ')} → ${to.primaryKey.map((c) => c.name).join(', ')}); write this migration by hand`,
      );
    }

    // Indexes.
    const fromIx = new Map(from.indexes.map((ix) => [ix.name, ix]));
    const toIx = new Map(to.indexes.map((ix) => [ix.name, ix]));
    for (const [name, ix] of fromIx) {
      const next = toIx.get(name);
      if (!next || !sameColumns(ix.columns, next.columns) || ix.unique !== next.unique || text(ix.condition) !== text(next.condition)) {
        constraintDrops.push(op.dropIndex(t, name, { definition: indexOp(t, ix) }));
      }
    }
    for (const [name, ix] of toIx) {
      const was = fromIx.get(name);
      if (!was || !sameColumns(was.columns, ix.columns) || was.unique !== ix.unique || text(was.condition) !== text(ix.condition)) {
        constraintAdds.push(indexOp(t, ix));
      }
    }

    // Unique constraints, the column-level `.unique()` ones included.
    const uniquesOf = (table: Table) =>
      new Map<string, readonly Column<unknown>[]>([
        ...table.columns.filter((c) => c.declaration.unique).map((c): [string, readonly Column<unknown>[]] => [uniqueConstraintName(table, c), [c]]),
        ...table.uniques.map((u): [string, readonly Column<unknown>[]] => [u.name, u.columns]),
      ]);
    const fromU = uniquesOf(from);
    const toU = uniquesOf(to);
    for (const [name, cols] of fromU) {
      const next = toU.get(name);
      if (!next || !sameColumns(cols, next)) constraintDrops.push(op.dropUnique(t, name, { columns: cols.map((c) => renamedTo(c.name)), rebuild }));
    }
    for (const [name, cols] of toU) {
      const was = fromU.get(name);
      if (!was || !sameColumns(was, cols)) constraintAdds.push(op.addUnique(t, name, cols.map((c) => c.name), { rebuild }));
    }

    // Checks.
    const fromC = new Map(from.checks.map((c) => [c.name, c]));
    const toC = new Map(to.checks.map((c) => [c.name, c]));
    for (const [name, ch] of fromC) {
      const next = toC.get(name);
      if (!next || text(next.condition) !== text(ch.condition)) constraintDrops.push(op.dropCheck(t, name, { condition: { node: ch.condition }, rebuild }));
    }
    for (const [name, ch] of toC) {
      const was = fromC.get(name);
      if (!was || text(was.condition) !== text(ch.condition)) constraintAdds.push(op.addCheck(t, name, { node: ch.condition }, { rebuild }));
    }

    // Foreign keys.
    const fromF = new Map(from.foreignKeys.map((fk) => [fk.name, fk]));
    const toF = new Map(to.foreignKeys.map((fk) => [fk.name, fk]));
    const fkShape = (fk: ForeignKeyDef, viaRenames: boolean) => {
      const o = MigrationCompiler.foreignKeyOp(fk);
      const target = o.target.table;
      const targetName = viaRenames ? renames.tables[target] ?? target : target;
      return JSON.stringify([viaRenames ? o.columns.map(renamedTo) : o.columns, targetName, o.target.columns, o.onDelete ?? '', o.onUpdate ?? '']);
    };
    for (const [name, fk] of fromF) {
      const next = toF.get(name);
      if (!next || fkShape(fk, true) !== fkShape(next, false)) {
        fkDrops.push(op.dropForeignKey(from.name, name, { definition: MigrationCompiler.foreignKeyOp(fk), rebuild }));
      }
    }
    for (const [name, fk] of toF) {
      const was = fromF.get(name);
      if (!was || fkShape(was, true) !== fkShape(fk, false)) fkAdds.push(withRebuild(MigrationCompiler.foreignKeyOp(fk), rebuild));
    }
  }

  for (const t of plan.tables) if (createdTables.includes(t)) creates.push(op.createTable(t));
  for (const t of [...planCreation(droppedTables).tables].reverse()) tableDrops.push(op.dropTable(t.name, t));
  // Foreign keys of dropped tables go with them; those of kept tables into dropped ones were dropped above.

  const operations = [
    ...enumsOps,
    ...fkDrops,
    ...tableRenames,
    ...constraintDrops,
    ...columnChanges,
    ...creates,
    ...constraintAdds,
    ...fkAdds,
    ...columnDrops,
    ...tableDrops,
    ...enumDrops,
  ];
  return { operations, drops };
}

function splitKey(key: string): [string, string] {
  const dot = key.indexOf('.');
  return [key.slice(0, dot), key.slice(dot + 1)];
}

/** Rename hints naming tables or columns that do not exist fail here, naming them. */
function checkRenames(current: readonly Table[], target: readonly Table[], renames: Renames): { tables: Record<string, string>; columns: Record<string, string> } {
  const tables = { ...(renames.tables ?? {}) };
  const columns = { ...(renames.columns ?? {}) };
  const cur = new Map(current.map((t) => [t.name, t]));
  const tgt = new Map(target.map((t) => [t.name, t]));
  for (const [from, to] of Object.entries(tables)) {
    if (!cur.has(from)) throw new MigrationError(`rename ${from}=${to}: the current schema has no table "${from}"`);
    if (!tgt.has(to)) throw new MigrationError(`rename ${from}=${to}: the target schema has no table "${to}"`);
  }
  for (const [key, to] of Object.entries(columns)) {
    if (!key.includes('.')) throw new MigrationError(`rename ${key}=${to}: a column rename names its table (table.column=new_name)`);
    const [tableName, from] = splitKey(key);
    const oldTable = cur.get(tableName) ?? cur.get(Object.entries(tables).find(([, n]) => n === tableName)?.[0] ?? '');
    const newTable = tgt.get(tables[tableName] ?? tableName);
    if (!oldTable || !oldTable.columns.some((c) => c.name === from)) throw new MigrationError(`rename ${key}=${to}: the current schema has no column "${tableName}"."${from}"`);
    if (!newTable || !newTable.columns.some((c) => c.name === to)) throw new MigrationError(`rename ${key}=${to}: the target schema has no column "${newTable?.name ?? tableName}"."${to}"`);
  }
  return { tables, columns };
}

function sameType(a: SqlType, b: SqlType): boolean {
  return (
    a.kind === b.kind &&
    a.length === b.length &&
    a.precision === b.precision &&
    a.scale === b.scale &&
    a.enumName === b.enumName &&
    JSON.stringify(a.values ?? null) === JSON.stringify(b.values ?? null)
  );
}

/** What differs between two versions of a column: type, nullability, server default. */
function compareColumn(
  from: Column<unknown>,
  to: Column<unknown>,
  text: (node: ExprNode | undefined | null) => string | undefined,
): { type?: { from: SqlType; to: SqlType }; notNull?: { from: boolean; to: boolean }; default?: { from: { node: ExprNode } | null; to: { node: ExprNode } | null } } | undefined {
  const out: ReturnType<typeof compareColumn> & object = {};
  if (!sameType(from.type, to.type)) out.type = { from: from.type, to: to.type };
  if (from.notNull !== to.notNull) out.notNull = { from: from.notNull, to: to.notNull };
  const a = from.declaration.serverDefault;
  const b = to.declaration.serverDefault;
  if (text(a) !== text(b)) out.default = { from: a ? { node: a } : null, to: b ? { node: b } : null };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A column's builder without the parts that become their own operations (unique, references) or are client-side. */
function plainBuilder(c: Column<unknown>): AnyColumnBuilder {
  return new ColumnBuilder<unknown, boolean, boolean>({
    ...c.declaration,
    name: c.name,
    unique: false,
    references: undefined,
    referenceOptions: {},
    clientDefault: undefined,
    version: false,
  });
}

function indexOp(table: string, ix: IndexDef): CreateIndexOp {
  const types: Record<string, SqlType> = {};
  for (const c of ix.columns) types[c.name] = c.type;
  return op.createIndex(table, ix.name, ix.columns.map((c) => c.name), {
    unique: ix.unique,
    ...(ix.condition ? { where: { node: ix.condition } } : {}),
    types,
  });
}

function withRebuild(o: AddForeignKeyOp, rebuild: TableRebuild): AddForeignKeyOp {
  return Object.freeze({ ...o, rebuild });
}

/** One difference between the schema the application expects and the one the database has. */
export interface Drift {
  readonly operation: Operation;
  /** A sentence: what the database lacks or has in excess. */
  readonly description: string;
}

/**
 * Drift for CI: the changes that would bring `currentTables` (the database)
 * to `targetTables` (the application's). Empty when they match.
 *
 * ```ts
 * const drift = checkDrift(appTables, (await introspect(engine)).tables);
 * if (drift.length > 0) { for (const d of drift) console.error(d.description); process.exit(1); }
 * ```
 */
export function checkDrift(targetTables: readonly Table[], currentTables: readonly Table[], options: { dialect?: Dialect } = {}): Drift[] {
  const diff = diffSchemas(currentTables, targetTables, options.dialect ? { dialect: options.dialect } : {});
  return diff.operations.map((o) => ({ operation: o, description: describeDrift(o) }));
}

function describeDrift(o: Operation): string {
  const cols = (columns: readonly string[]) => `(${columns.join(', ')})`;
  switch (o.kind) {
    case 'createTable':
      return `table "${o.table.name}" is missing`;
    case 'dropTable':
      return `table "${o.table}" exists but is not declared`;
    case 'renameTable':
      return `table "${o.from}" is declared as "${o.to}"`;
    case 'addColumn':
      return `column "${o.table}"."${o.column}" is missing`;
    case 'dropColumn':
      return `column "${o.table}"."${o.column}" exists but is not declared`;
    case 'renameColumn':
      return `column "${o.table}"."${o.from}" is declared as "${o.to}"`;
    case 'alterColumn':
      return `column "${o.table}"."${o.column}" differs (${[o.type ? 'type' : '', o.notNull ? 'nullability' : '', o.default ? 'default' : ''].filter(Boolean).join(', ')})`;
    case 'createIndex':
      return `${o.unique ? 'unique index' : 'index'} "${o.name}" on "${o.table}" ${cols(o.columns)} is missing`;
    case 'dropIndex':
      return `index "${o.name}" on "${o.table}" exists but is not declared`;
    case 'addUnique':
      return `unique constraint "${o.name}" on "${o.table}" ${cols(o.columns)} is missing`;
    case 'dropUnique':
      return `unique constraint "${o.name}" on "${o.table}" exists but is not declared`;
    case 'addCheck':
      return `check "${o.name}" on "${o.table}" is missing`;
    case 'dropCheck':
      return `check "${o.name}" on "${o.table}" exists but is not declared`;
    case 'validateConstraint':
      return `constraint "${o.name}" on "${o.table}" is not validated`;
    case 'addForeignKey':
      return `foreign key "${o.name}" "${o.table}" ${cols(o.columns)} → "${o.target.table}" ${cols(o.target.columns)} is missing`;
    case 'dropForeignKey':
      return `foreign key "${o.name}" on "${o.table}" exists but is not declared`;
    case 'createEnum':
      return `enum type "${o.name}" is missing`;
    case 'addEnumValue':
      return `enum type "${o.name}" lacks the value '${o.value}'`;
    case 'dropEnum':
      return `enum type "${o.name}" exists but is not declared`;
    case 'backfill':
      return `column "${o.table}"."${o.column}" has rows to fill`;
    case 'sql':
      return 'a statement to run';
    default:
      return assertNeverOperation(o);
  }
}
