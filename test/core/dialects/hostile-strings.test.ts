/**
 * Quotes, backslashes, semicolons, newlines, unicode, `$1` and `?` in values,
 * table names, column names, alias names and DDL literals: all round-trip
 * intact, because values are always bound and identifiers always quoted.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  count,
  enumeration,
  identifier,
  identity,
  index,
  insert,
  select,
  sql,
  table,
  text,
  update,
  varchar,
} from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';

/** Every character that has broken an SQL builder somewhere. */
const NASTY = `'"\`\\;\n$1?ü✓`;
const VALUES = [
  NASTY,
  "'; DROP TABLE students; --",
  'back\\slash\\',
  '\\',
  "''",
  '$1 $2 ?? ? :name @p1',
  'line\nbreak\r\ntab\t',
  '🎸 ünïcödé Ωµ 中文',
  '',
  // Not ' ': MySQL's PAD SPACE collations compare '' and ' ' as equal (the values still round-trip).
  ' leading space',
];

const hostile = table(
  `bhs_${NASTY}`,
  {
    id: identity(),
    value: text(`v${NASTY}`),
    label: varchar(60, `l${NASTY}`).notNull().serverDefault(`d${NASTY}`),
    kind: enumeration([`k${NASTY}`, 'plain'] as const, `k${NASTY}`),
  },
  (c) => [index(`bhs_ix_${NASTY}`, c.value, c.label)],
);

forEachDialect('hostile strings', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll([hostile], { ifExists: true });
    await ctx.engine.createAll([hostile]);
  });
  after(async () => ctx.engine.dropAll([hostile], { ifExists: true }));

  it('creates a table whose names contain quotes, backslashes, newlines and placeholders', async () => {
    await ctx.engine.createAll([hostile], { ifNotExists: true });
    assert.equal(await ctx.engine.scalar(select({ n: count() }).from(hostile)), 0);
  });

  it('round-trips hostile values, and selects them under hostile aliases', async () => {
    await ctx.engine.execute(insert(hostile).values(VALUES.map((value) => ({ value, kind: `k${NASTY}` as const }))));
    const alias = `a${NASTY}`;
    const rows = await ctx.engine.all(
      select(hostile.c.value.as(alias), hostile.c.label, hostile.c.kind).from(hostile).orderBy(hostile.c.id),
    );
    assert.deepEqual(
      rows.map((r) => r[alias]),
      VALUES,
    );
    for (const r of rows) {
      assert.equal(r.label, `d${NASTY}`, 'the server default, a literal in DDL, kept every character');
      assert.equal(r.kind, `k${NASTY}`);
    }
  });

  it('filters, updates and aliases a hostile table by hostile values', async () => {
    for (const value of VALUES) {
      const found = await ctx.engine.all(select(hostile.c.value).from(hostile).where(hostile.c.value.eq(value)));
      assert.deepEqual(found, [{ value }], JSON.stringify(value));
    }
    const t = hostile.as(`t${NASTY}`);
    const n = await ctx.engine.scalar(select({ [`n${NASTY}`]: count() }).from(t).where(t.c.value.in(VALUES.slice(0, 3))));
    assert.equal(n, 3);
    await ctx.engine.execute(update(hostile).set({ label: NASTY.repeat(3) }).where(hostile.c.value.eq(NASTY)));
    const row = await ctx.engine.one(select(hostile.c.label).from(hostile).where(hostile.c.value.eq(NASTY)));
    assert.equal(row.label, NASTY.repeat(3));
  });

  it('binds hostile values and quotes hostile identifiers in the sql template', async () => {
    const rows = await ctx.engine.all(
      sql`SELECT ${identifier(`v${NASTY}`)} AS ${identifier(`x${NASTY}`)} FROM ${identifier(hostile.name)} WHERE ${identifier(`v${NASTY}`)} = ${NASTY}`,
    );
    assert.deepEqual(rows, [{ [`x${NASTY}`]: NASTY }]);
  });

  it('writes DDL literals that read the same whether or not the server treats backslash as an escape', { skip: ctx.name !== 'mysql' && 'only MySQL/MariaDB has NO_BACKSLASH_ESCAPES' }, async () => {
    const strict = table(`bhs_nbe_${NASTY}`, {
      id: identity(),
      label: varchar(60).notNull().serverDefault(`d${NASTY}`),
      note: text(),
    });
    const conn = await ctx.engine.connect();
    try {
      const { rows } = await conn.execute(sql<{ mode: string }>`SELECT @@SESSION.sql_mode AS mode`);
      const mode = String((rows[0] as { mode: string }).mode);
      await conn.execute(sql`SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')`);
      try {
        await conn.dropAll([strict], { ifExists: true });
        await conn.createAll([strict]);
        await conn.execute(insert(strict).values({ note: NASTY }));
        const row = await conn.one(select(strict.c.label, strict.c.note).from(strict));
        assert.deepEqual(row, { label: `d${NASTY}`, note: NASTY });
      } finally {
        await conn.execute(sql`SET SESSION sql_mode = ${mode}`);
        await conn.dropAll([strict], { ifExists: true });
      }
    } finally {
      await conn.release();
    }
  });
});
