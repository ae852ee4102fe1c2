/**
 * The tree transformer reaches the columns inside every node kind, rebuilds
 * (frozen) only what changed, and returns untouched subtrees as they were.
 * The tables below are `Record`s over the node kinds, so a new kind does not
 * type-check here until it has a case.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  and,
  caseWhen,
  cast,
  deleteFrom,
  excluded,
  exists,
  identifier,
  insert,
  lower,
  not,
  param,
  rowNumber,
  select,
  sql,
  SqliteDialect,
  tuple,
  types,
  update,
  type Expression,
} from '../../../src/index.js';
import { columnNode, jsonRowsNode, paramNode } from '../../../src/core/sql/node-factories.js';
import { Expression as ExpressionClass } from '../../../src/core/sql/expression.js';
import type {
  ColumnNode,
  ExprNode,
  ExprKind,
  IdentifierNode,
  KeywordNode,
  NamedColumnNode,
  ExcludedNode,
  ParamNode,
  StatementKind,
  StatementNode,
  TableRefNode,
  FromNode,
  SelectNode,
} from '../../../src/core/sql/nodes.js';
import { NodeTransformer } from '../../../src/core/sql/transform.js';
import { album, artist, song } from '../../fixtures/music.js';

/** Moves `"song".*` columns to the qualifier `s2`. */
class MoveSong extends NodeTransformer {
  protected override transformColumn(node: ColumnNode): ExprNode {
    return node.qualifier === 'song' ? columnNode({ ...node, qualifier: 's2' }) : node;
  }
}

/** Every column qualifier in a tree, found with the transformer itself. */
function qualifiers(node: StatementNode | ExprNode): string[] {
  const out: string[] = [];
  class Collect extends NodeTransformer {
    protected override transformColumn(c: ColumnNode): ExprNode {
      out.push(c.qualifier ?? '');
      return c;
    }
  }
  if ('kind' in node && isStatement(node)) new Collect().transformStatement(node);
  else new Collect().transformExpr(node as ExprNode);
  return out;
}

const STATEMENT_KINDS: ReadonlySet<string> = new Set<StatementKind>(['select', 'compound', 'insert', 'update', 'delete', 'rawStatement']);
function isStatement(node: StatementNode | ExprNode): node is StatementNode {
  return STATEMENT_KINDS.has(node.kind);
}

const title = song.c.title;
const sub = select(album.c.id).from(album).where(album.c.title.eq(title));

/** An expression of each kind with a `song` column somewhere inside (leaves: see below). */
const withColumn: Record<Exclude<ExprKind, 'namedColumn' | 'param' | 'keyword' | 'identifier' | 'excluded'>, () => Expression<unknown>> = {
  column: () => title,
  binary: () => title.eq('x'),
  logical: () => and(title.eq('x'), song.c.id.gt(1)),
  unary: () => not(title.isNull()),
  inList: () => title.in(['a', 'b']),
  inSubquery: () => song.c.albumId.in(sub),
  between: () => song.c.id.between(1, song.c.milliseconds),
  function: () => lower(title),
  window: () => rowNumber().over({ partitionBy: [song.c.artistId], orderBy: [title.desc()] }),
  case: () => caseWhen([[title.eq('x'), song.c.id]], 0),
  cast: () => cast(song.c.id, types.text()),
  scalarSubquery: () => sub.scalar(),
  exists: () => exists(sub),
  raw: () => sql`${title} COLLATE NOCASE`,
  tuple: () => tuple(song.c.id, title),
  // A correlated subquery of rows as JSON: the outer `song` column in its WHERE moves too.
  jsonRows: () => new ExpressionClass<unknown>(jsonRowsNode({ query: sub.queryNode as SelectNode }), undefined),
};

describe('NodeTransformer', () => {
  for (const [kind, make] of Object.entries(withColumn)) {
    it(`reaches the columns inside ${kind}`, () => {
      const node = make().node;
      assert.equal(node.kind, kind);
      const before = qualifiers(node);
      assert.ok(before.includes('song'), `${kind}: the case has a song column`);
      const out = new MoveSong().transformExpr(node);
      assert.notEqual(out, node);
      assert.ok(Object.isFrozen(out), `${kind}: the rebuilt node is frozen`);
      assert.equal(out.kind, kind);
      assert.deepEqual(qualifiers(out), before.map((q) => (q === 'song' ? 's2' : q)));
      // The input is left as it was.
      assert.deepEqual(qualifiers(node), before);
      // Nothing to move: the very same node comes back.
      assert.equal(new NodeTransformer().transformExpr(node), node);
    });
  }

  it('keeps untouched siblings by identity', () => {
    const node = and(title.eq('x'), artist.c.name.eq('y')).node;
    const out = new MoveSong().transformExpr(node);
    assert.ok(out.kind === 'logical' && node.kind === 'logical');
    assert.notEqual(out.operands[0], node.operands[0]);
    assert.equal(out.operands[1], node.operands[1]);
  });

  it('calls the hook of every leaf kind', () => {
    const leaves: Record<'namedColumn' | 'param' | 'keyword' | 'identifier' | 'excluded', ExprNode> = {
      namedColumn: sub.as('t').c.id.node,
      param: param(1).node,
      keyword: { kind: 'keyword', keyword: 'NULL' },
      identifier: identifier('a', 'b').node,
      excluded: excluded(title).node,
    };
    const seen: string[] = [];
    const marker = paramNode({ value: 'replaced', type: undefined });
    class Mark extends NodeTransformer {
      protected override transformNamedColumn(n: NamedColumnNode): ExprNode {
        seen.push(n.kind);
        return marker;
      }
      protected override transformParam(n: ParamNode): ExprNode {
        seen.push(n.kind);
        return marker;
      }
      protected override transformKeyword(n: KeywordNode): ExprNode {
        seen.push(n.kind);
        return marker;
      }
      protected override transformIdentifier(n: IdentifierNode): ExprNode {
        seen.push(n.kind);
        return marker;
      }
      protected override transformExcluded(n: ExcludedNode): ExprNode {
        seen.push(n.kind);
        return marker;
      }
    }
    for (const [kind, leaf] of Object.entries(leaves)) {
      assert.equal(leaf.kind, kind);
      // Inside a raw fragment, so the hook is reached through a parent.
      const out = new Mark().transformExpr({ kind: 'raw', parts: ['f(', ')'], values: [leaf] });
      assert.ok(out.kind === 'raw');
      assert.equal(out.values[0], marker, kind);
    }
    assert.deepEqual(seen, Object.keys(leaves));
  });

  /** A statement of each kind with a `song` column in each of its clauses. */
  const statements: Record<StatementKind, () => StatementNode> = {
    select: () =>
      select(title, song.c.id.as('n'))
        .from(sub.as('d'))
        .with(select(title).from(song).cte('c'))
        .join(album, album.c.id.eq(song.c.albumId))
        .where(title.eq('x'))
        .groupBy(title)
        .having(song.c.id.gt(1))
        .orderBy(title)
        .limit(song.c.id).queryNode,
    compound: () => select(title).from(song).union(select(title).from(song).orderBy(title)).queryNode,
    insert: () =>
      insert(song)
        .values({ title: 'a' })
        .onConflictDoUpdate({ target: [song.c.id], set: { title: excluded(title) }, where: title.ne('z') })
        .returning(title).node,
    update: () => update(song).set({ title: lower(title) }).where(song.c.id.eq(1)).returning(song.c.id).node,
    delete: () => deleteFrom(song).where(title.eq('x')).returning(title).node,
    rawStatement: () => sql`DELETE FROM song WHERE ${title} = ${1}`.statementNode,
  };
  for (const [kind, make] of Object.entries(statements)) {
    it(`reaches the columns in every clause of ${kind}`, () => {
      const node = make();
      assert.equal(node.kind, kind);
      const before = qualifiers(node);
      assert.ok(before.filter((q) => q === 'song').length >= 1);
      const out = new MoveSong().transformStatement(node);
      assert.ok(Object.isFrozen(out));
      assert.deepEqual(qualifiers(out), before.map((q) => (q === 'song' ? 's2' : q)));
      assert.equal(new NodeTransformer().transformStatement(node), node);
    });
  }

  it('visits every FROM kind: table references, derived tables, CTE references, raw FROM items', () => {
    const seen: string[] = [];
    class Froms extends MoveSong {
      override transformFrom(node: FromNode): FromNode {
        seen.push(node.kind);
        return super.transformFrom(node);
      }
      protected override transformTableRef(node: TableRefNode): TableRefNode {
        return node.table === song ? { ...node, alias: 'moved' } : node;
      }
    }
    const cte = select(title).from(song).cte('c');
    const q = select(artist.c.id)
      .from(artist, sub.as('d'), cte)
      .with(cte)
      .join({ fromNode: { kind: 'rawFrom', raw: sql`lateral (select ${title}) x`.node } }, artist.c.id.eq(1)).queryNode;
    const out = new Froms().transformQuery(q);
    assert.deepEqual(seen.sort(), ['cteRef', 'derivedTable', 'rawFrom', 'tableRef', 'tableRef', 'tableRef'].sort());
    // The CTE's own FROM and the derived table's columns moved; the compiled SQL shows it.
    const compiled = new SqliteDialect().compile(out).sql;
    assert.match(compiled, /"song" AS "moved"/);
    assert.match(compiled, /lateral \(select "s2"\."title"\) x/);
  });
});
