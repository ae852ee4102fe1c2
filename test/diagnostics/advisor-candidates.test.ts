/**
 * The advisor's reading of a statement (equality, range, order columns and
 * constant predicates per table, in each dialect's quoting) and the
 * candidate index it builds from them, against the indexes a table has.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statementShape } from '../../src/diagnostics/advisor/predicates.js';
import { candidateFor, covers, type ExistingIndex } from '../../src/diagnostics/advisor/candidates.js';
import { duplicateIndexes, unindexedForeignKeys } from '../../src/diagnostics/advisor/schema-checks.js';
import type { CatalogTable } from '../../src/core/introspect/catalog.js';

const pk = (columns: string[]): ExistingIndex => ({ name: 'pkey', columns, unique: true, primaryKey: true, where: undefined });
const ix = (name: string, columns: string[], where?: string): ExistingIndex => ({ name, columns, unique: false, primaryKey: false, where });

describe('advisor: reading a statement', () => {
  it('a filter, an IN list and = ANY are equality; <, >, BETWEEN are ranges; in every quoting', () => {
    assert.deepEqual(statementShape('SELECT "t"."a" FROM "t" WHERE "t"."b" = $1 AND "t"."c" IN ($2, $3) AND "t"."d" > $4').tables, [
      { table: 't', alias: 't', equality: ['b', 'c'], range: ['d'], order: [], constants: [] },
    ]);
    assert.deepEqual(statementShape('SELECT * FROM song s WHERE s.artist_id = ANY($1::integer[]) AND s.plays BETWEEN $2 AND $3').tables[0], {
      table: 'song',
      alias: 's',
      equality: ['artist_id'],
      range: ['plays'],
      order: [],
      constants: [],
    });
    assert.deepEqual(statementShape('SELECT `t`.`a` FROM `t` WHERE ? < `t`.`b`').tables[0]!.range, ['b'], 'a reversed comparison');
  });

  it('a join condition is an equality on both sides; ORDER BY columns while they stay on one table', () => {
    const shape = statementShape(
      'SELECT "a"."id" FROM "artist" AS "a" LEFT JOIN "song" AS "s" ON "a"."id" = "s"."artist_id" WHERE "a"."country" = $1 ORDER BY "s"."title" DESC, "a"."name"',
    );
    assert.deepEqual(
      shape.tables.map((t) => [t.table, t.equality, t.order]),
      [
        ['artist', ['id', 'country'], []],
        ['song', ['artist_id'], [{ column: 'title', desc: true }]],
      ],
    );
  });

  it('IS NULL and comparisons to a literal are constant predicates; OR, NOT IN, <> and functions are left out', () => {
    const t = statementShape(`SELECT * FROM "t" WHERE "t"."deleted_at" IS NULL AND "t"."status" = 'open' AND ("t"."x" = $1 OR "t"."y" = $2) AND "t"."z" NOT IN ($3) AND "t"."w" <> $4 AND lower("t"."v") = $5`).tables[0]!;
    assert.deepEqual(t.constants, [
      { column: 'deleted_at', sql: '"deleted_at" IS NULL' },
      { column: 'status', sql: `"status" = 'open'` },
    ]);
    assert.deepEqual([t.equality, t.range], [[], []]);
  });

  it('UPDATE and DELETE are read too; anything else yields no tables', () => {
    assert.deepEqual(statementShape('UPDATE "t" SET "a" = $1 WHERE "t"."b" = $2').tables[0]!.equality, ['b']);
    assert.deepEqual(statementShape('DELETE FROM "t" WHERE "t"."b" < $1').tables[0]!.range, ['b']);
    assert.deepEqual(statementShape('INSERT INTO "t" ("a") VALUES ($1)').tables, []);
    assert.deepEqual(statementShape("SELECT 'unterminated").tables, []);
  });
});

describe('advisor: candidates', () => {
  const use = (over: Partial<Parameters<typeof candidateFor>[0]>) => ({ table: 't', alias: 't', equality: [], range: [], order: [], constants: [], ...over });

  it('equality columns, then one range column, then ORDER BY only where no range comes before it', () => {
    assert.deepEqual(candidateFor(use({ equality: ['a', 'b'], range: ['c', 'd'], order: [{ column: 'e', desc: false }] }), [], true)?.columns, ['a', 'b', 'c']);
    assert.deepEqual(candidateFor(use({ equality: ['a'], order: [{ column: 'e', desc: true }] }), [], true)?.columns, ['a', 'e']);
    assert.deepEqual(candidateFor(use({ range: ['e'], order: [{ column: 'e', desc: false }, { column: 'f', desc: false }] }), [], true)?.columns, ['e', 'f']);
    assert.equal(candidateFor(use({}), [], true), undefined);
  });

  it('constant predicates make a partial index where the database has them, a leading column where it does not', () => {
    const partial = candidateFor(use({ range: ['w'], constants: [{ column: 'deleted_at', sql: '"deleted_at" IS NULL' }] }), [], true)!;
    assert.deepEqual([partial.name, partial.columns, partial.where], ['t_w_partial_idx', ['w'], '"deleted_at" IS NULL']);
    const plain = candidateFor(use({ range: ['w'], constants: [{ column: 'deleted_at', sql: '"deleted_at" IS NULL' }] }), [], false)!;
    assert.deepEqual([plain.columns, plain.where], [['deleted_at', 'w'], undefined]);
  });

  it('an index that leads with the columns (equality ones in any order) serves them: nothing is proposed', () => {
    const existing = [pk(['id']), ix('t_b_a_c_idx', ['b', 'a', 'c'])];
    assert.equal(candidateFor(use({ equality: ['a', 'b'] }), existing, true), undefined, 'a prefix of an existing index');
    assert.equal(candidateFor(use({ equality: ['id'] }), existing, true), undefined, 'the primary key');
    assert.deepEqual(candidateFor(use({ equality: ['a'] }), existing, true)?.columns, ['a'], 'not a prefix: b comes first');
    assert.ok(!covers(ix('p', ['a'], '"x" IS NULL'), ['a'], 1, undefined), 'a partial index serves only its own predicate');
  });
});

describe('advisor: schema checks', () => {
  const table = (name: string, over: Partial<CatalogTable>): CatalogTable => ({
    schema: undefined,
    name,
    comment: undefined,
    columns: [],
    primaryKey: ['id'],
    uniques: [],
    checks: [],
    indexes: [],
    foreignKeys: [],
    ...over,
  });
  const fk = (name: string, columns: string[]) => ({ name, columns, targetSchema: undefined, targetTable: 'p', targetColumns: ['id'], onDelete: undefined, onUpdate: undefined });
  const index = (name: string, columns: string[]) => ({ name, unique: false, elements: columns.map((column) => ({ column })), where: undefined, method: undefined });

  it('a foreign key no index leads with is reported with the index to create; a composite one served in any order is not', () => {
    const tables = [
      table('c', { foreignKeys: [fk('c_p_fkey', ['p_id']), fk('c_pq_fkey', ['q_id', 'r_id'])], indexes: [index('c_r_q_idx', ['r_id', 'q_id', 'x'])] }),
    ];
    assert.deepEqual(
      unindexedForeignKeys(tables).map((f) => [f.foreignKey, f.indexName]),
      [['c_p_fkey', 'c_p_id_idx']],
    );
  });

  it('an index whose columns lead another is a duplicate; a unique one is not', () => {
    const tables = [table('t', { indexes: [index('t_a_idx', ['a']), index('t_a_b_idx', ['a', 'b']), index('t_b_idx', ['b'])], uniques: [{ name: 't_b_key', columns: ['b'] }] })];
    assert.deepEqual(
      duplicateIndexes(tables).map((d) => `${d.index} < ${d.coveredBy}`),
      ['t_a_idx < t_a_b_idx', 't_b_idx < t_b_key'],
    );
  });
});
