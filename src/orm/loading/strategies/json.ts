/**
 * `json` (`jsonLoad(rel)`): the relationship comes in the parent query as one
 * more column, a correlated subquery that aggregates the related rows into a
 * JSON array of arrays on the server (PostgreSQL `json_agg`, SQLite
 * `json_group_array`, MariaDB `JSON_ARRAYAGG`). The target's own
 * relationships loaded the same way nest inside each of its rows, so a whole
 * graph is one statement and one row per parent: no join repeats a parent,
 * no IN list carries keys, and a LIMIT counts parents as written.
 *
 * ```ts
 * s.query(Artist).options(jsonLoad(Artist.albums).jsonLoad(Album.tracks)).all();
 * // SELECT "artist"."id", ..., (SELECT coalesce(json_agg(json_build_array("album_1"."id", ...,
 * //     (SELECT coalesce(json_agg(json_build_array("track_2"."id", ...)), '[]') FROM "track" AS "track_2"
 * //      WHERE "album_1"."id" = "track_2"."album_id")) ORDER BY ...), '[]')
 * //   FROM "album" AS "album_1" WHERE "artist"."id" = "album_1"."artist_id") AS "album_1" FROM "artist"
 * ```
 * Each cell goes into JSON as the dialect encodes its column's type and comes
 * back through the dialect's JSON decoders (`Dialect.jsonDecoder`), which end
 * in the values a plain read gives: exact decimals, 64-bit integers, Dates,
 * Buffers. Objects go through the identity map like any other load. Filters
 * reach the subqueries with the rest of the statement (they are SELECTs of the
 * target's table). Below a level that has no parent query (a selectin load),
 * this strategy loads with IN, as `joined` does.
 *
 * @internal
 */

import type { Column } from '../../../core/schema/column.js';
import type { Decoder } from '../../../core/dialects/dialect.js';
import { toOrderNode } from '../../../core/sql/expression.js';
import { and } from '../../../core/sql/functions.js';
import { jsonRowsNode } from '../../../core/sql/node-factories.js';
import { selectNode } from '../../../core/sql/select.js';
import type { ExprNode, JoinNode, JsonRowsNode, SelectItemNode } from '../../../core/sql/nodes.js';
import { joinCondition } from '../../relationship.js';
import { LoadGroup, STATE, type InstanceState } from '../../state.js';
import type { LoadNode } from '../../query/plan.js';
import { entitySelectItems, entityShape, jsonDecodersFor, RowHydrator, type EntityShape, type HydrationContext } from '../hydrate.js';
import { requalifyOrder } from '../requalify.js';
import type { LoaderStrategy, ParentColumn, RowProcessor } from '../strategy.js';
import type { QuerySetup } from './index.js';
import { loadLazily, readWithoutSql } from './select.js';
import { loadWithIn, recursionDepth } from './selectin.js';

/** One level of the nested rows: its node, its entity's cells, and the levels nested in each of its rows. */
interface Level {
  readonly node: LoadNode;
  readonly shape: EntityShape;
  /** Nested levels, each at its cell's position in a row of this level. */
  readonly nested: readonly { readonly position: number; readonly level: Level }[];
}

/** The JSON rows subquery for `node` below a parent whose columns `parent` renders, and how to read it. */
function buildLevel(setup: QuerySetup, node: LoadNode, parent: ParentColumn): { rows: JsonRowsNode; alias: string; level: Level } {
  const entity = node.entity!;
  const attr = node.attr;
  const { target, pairs, direction } = attr.r;
  const n = setup.nextAliasNumber();
  const alias = `${target.table.name}_${n}`;
  const childCol = (c: Column<unknown>) => c.withQualifier(alias);
  const cols = entity.columnIndexes;
  const items: SelectItemNode[] = entitySelectItems(target, cols, alias);
  const nested: { position: number; level: Level }[] = [];
  for (const rel of entity.relations) {
    if (rel.strategy !== 'json' || !rel.entity) continue;
    const inner = buildLevel(setup, rel, childCol);
    nested.push({ position: items.length, level: inner.level });
    items.push({ expr: inner.rows, alias: `${alias}_${rel.attr.key}`, explicitAlias: true, type: undefined });
    setup.loadedByQuery.add(rel);
  }
  let joins: JoinNode[] = [];
  let where: ExprNode;
  if (direction === 'manyToMany') {
    const secondary = attr.options.secondary!;
    const secAlias = `${secondary.name}_${n}`;
    const toTarget = and(...pairs.secondaryRemote!.map((s, i) => s.withQualifier(secAlias).eq(childCol(pairs.remote[i]!))));
    joins = [{ kind: 'join', type: 'INNER', target: { kind: 'tableRef', table: secondary, alias: secAlias }, on: toTarget.node }];
    where = and(...pairs.local.map((l, i) => parent(l).eq(pairs.secondaryLocal![i]!.withQualifier(secAlias)))).node;
  } else {
    where = joinCondition(attr, parent, childCol).node;
  }
  const query = selectNode({
    items,
    from: [{ kind: 'tableRef', table: target.table, alias }],
    joins,
    where,
    orderBy: (attr.options.orderBy ?? []).map((o) => requalifyOrder(toOrderNode(o), target.table, alias)),
  });
  return { rows: jsonRowsNode({ query }), alias, level: { node, shape: entityShape(target, cols, 0), nested } };
}

/** A {@link Level} for one execution: its hydrator, fed one parent's cell at a time. */
class LevelReader {
  private readonly hydrator: RowHydrator;
  private readonly nested: readonly { readonly position: number; readonly reader: LevelReader }[];

  constructor(
    private readonly ctx: HydrationContext,
    private readonly level: Level,
  ) {
    const decoders: readonly (Decoder | undefined)[] = jsonDecodersFor(level.shape.mapper, ctx.dialect);
    this.hydrator = new RowHydrator(ctx, level.shape, new LoadGroup(), false, decoders);
    this.nested = level.nested.map((n) => ({ position: n.position, reader: new LevelReader(ctx, n.level) }));
  }

  /** Hydrate the rows of `cell` and put them in `parent`'s relationship (unless it is loaded already). */
  read(parent: InstanceState, cell: unknown): void {
    const attr = this.level.node.attr;
    const rows = this.ctx.dialect.parseJsonRows(cell);
    const children: object[] = [];
    const nested = this.nested;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const child = this.hydrator.row(row)!;
      children.push(child);
      if (nested.length > 0) {
        const cst = (child as { [STATE]: InstanceState })[STATE];
        for (const { position, reader } of nested) reader.read(cst, row[position]);
      }
    }
    if (parent.slots?.[parent.mapper.relationshipIndex(attr)]?.loaded) return;
    parent.setLoaded(attr, attr.many ? children : (children[0] ?? null));
  }
}

/** Reads the JSON column of one relationship from each parent row. */
class JsonRowProcessor implements RowProcessor {
  private readonly reader: LevelReader;
  /** Parents read already: a join above this one can repeat a parent over rows. */
  private readonly seen = new Set<InstanceState>();

  constructor(
    ctx: HydrationContext,
    level: Level,
    private readonly parentIndex: number,
    private readonly index: number,
    private readonly position: number,
  ) {
    this.reader = new LevelReader(ctx, level);
  }

  row(row: readonly unknown[], objects: (object | undefined)[]): void {
    // No entity of its own in the row: what it loads is nested in the cell.
    objects[this.index] = undefined;
    const parent = objects[this.parentIndex];
    if (parent === undefined) return;
    const pst = (parent as { [STATE]: InstanceState })[STATE];
    if (this.seen.has(pst)) return;
    this.seen.add(pst);
    this.reader.read(pst, row[this.position]);
  }

  finish(): void {}
}

/** True when everything below `node` loads inside its cell (nothing after the rows). */
function allNested(node: LoadNode): boolean {
  return (node.entity?.relations ?? []).every((r) => r.strategy === 'json' && allNested(r));
}

export const jsonStrategy: LoaderStrategy<'json', true> = {
  key: 'json',
  eager: true,
  defaultDepth: recursionDepth,
  // Each parent's related rows arrive whole in its own row.
  streamable: allNested,

  setupQuery(setup, node, parent) {
    if (!node.entity) return;
    const { rows, alias, level } = buildLevel(setup, node, parent.column);
    const position = setup.nextOffset;
    setup.items.push({ expr: rows, alias, explicitAlias: true, type: undefined });
    setup.perRowSubqueries = true;
    const index = setup.addEntity(node, (ctx) => new JsonRowProcessor(ctx, level, parent.index, index, position));
  },

  async afterRows(ctx, node, parents) {
    if (!ctx.loadedByQuery.has(node)) await loadWithIn(ctx, node, parents);
  },
  onRead: readWithoutSql,
  onLoad: loadLazily,
};
