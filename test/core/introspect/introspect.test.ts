/**
 * introspect(): tables declared with table() and created with createAll()
 * come back from the catalog as the same declarations, on every database.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  bigint,
  blob,
  boolean,
  check,
  compareSchemas,
  date,
  enumeration,
  foreignKey,
  identity,
  index,
  integer,
  introspect,
  json,
  numeric,
  primaryKey,
  sql,
  table,
  text,
  timestamptz,
  unique,
  uuid,
  varchar,
  type Table,
} from '../../../src/index.js';
import { forEachDialect } from '../../support/dialects.js';

function schema(dialect: string) {
  const author = table(
    'ix_author',
    {
      id: identity(),
      name: varchar(80).notNull().comment('display name'),
      email: varchar(120, 'email_address').unique(),
      rating: numeric(5, 2).serverDefault('0.00'),
      active: boolean().notNull().serverDefault(true),
      born: date(),
      createdAt: timestamptz('created_at'),
      kind: enumeration(['poet', 'novelist'], 'kind', 'ix_author_kind'),
      data: json(),
      uid: uuid(),
      photo: blob(),
      views: bigint().notNull().serverDefault(0),
    },
    (c) => [check('ix_author_rating_check', sql<boolean>`rating >= 0`), index('ix_author_name_idx', c.name)],
    { comment: 'people who write' },
  );
  const book = table(
    'ix_book',
    {
      id: identity(),
      authorId: integer('author_id').notNull().references(() => author.c.id, { onDelete: 'CASCADE', name: 'ix_book_author_fk' }),
      title: varchar(200).notNull(),
      notes: text(),
    },
    (c) => [
      unique('ix_book_author_title_key', c.authorId, c.title),
      ...(dialect === 'mysql' ? [] : [index('ix_book_notes_lower_idx', sql`lower(notes)`), index('ix_book_noted_idx', c.title).where(sql<boolean>`notes IS NOT NULL`)]),
    ],
  );
  const edition = table(
    'ix_edition',
    {
      bookId: integer('book_id').notNull(),
      number: integer().notNull(),
      reviewerId: integer('reviewer_id').references(() => author.c.id, { onDelete: 'SET NULL', onUpdate: 'CASCADE' }),
    },
    (c) => [primaryKey(c.bookId, c.number), foreignKey('ix_edition_book_fk', [c.bookId], () => [book.c.id])],
  );
  return [author, book, edition];
}

const NAMES = ['ix_author', 'ix_book', 'ix_edition'];

forEachDialect('introspect', (ctx) => {
  let declared: Table[];
  before(async () => {
    declared = schema(ctx.name);
    await ctx.engine.dropAll(declared, { ifExists: true });
    await ctx.engine.createAll(declared);
  });
  after(async () => {
    await ctx.engine.dropAll(declared, { ifExists: true });
  });

  it('reads back what createAll made, column by column and constraint by constraint', async () => {
    const read = await introspect(ctx.engine, { include: NAMES });
    assert.deepEqual(read.tables.map((t) => t.name).sort(), NAMES);
    // Comments exist on PostgreSQL and MySQL only; checks and defaults are compared below as each database writes them.
    const differences = compareSchemas(declared, read.tables, { dialect: ctx.dialect, ignore: ctx.name === 'sqlite' ? ['comment', 'check', 'default'] : ['check', 'default'] });
    assert.deepEqual(differences.map((d) => d.message), []);
  });

  it('reads types, keys, defaults, identity, foreign-key actions and comments', async () => {
    const read = await introspect(ctx.engine, { include: NAMES });
    const author = read.tables.find((t) => t.name === 'ix_author')!;
    const book = read.tables.find((t) => t.name === 'ix_book')!;
    const edition = read.tables.find((t) => t.name === 'ix_edition')!;
    assert.equal(author.column('id').autoIncrement, true);
    assert.deepEqual(author.primaryKey.map((c) => c.name), ['id']);
    assert.equal(author.column('emailAddress').name, 'email_address');
    assert.equal(author.column('emailAddress').declaration.unique, true);
    assert.deepEqual(author.column('name').type, { kind: 'varchar', length: 80 });
    assert.deepEqual(author.column('rating').type, { kind: 'numeric', precision: 5, scale: 2 });
    assert.equal(author.column('name').notNull, true);
    assert.equal(author.column('born').notNull, false);
    assert.deepEqual(author.column('kind').type.values, ['poet', 'novelist']);
    assert.equal(author.column('kind').type.kind, 'enum');
    assert.ok(author.column('active').declaration.serverDefault, 'active has a default');
    assert.deepEqual(edition.primaryKey.map((c) => c.name), ['book_id', 'number']);
    const toAuthor = book.foreignKeys.find((fk) => fk.name === 'ix_book_author_fk')!;
    assert.equal(toAuthor.onDelete, 'CASCADE');
    assert.equal(toAuthor.targetColumns()[0]!.table, author, 'the foreign key points at the read author table');
    const reviewer = edition.foreignKeys.find((fk) => fk.columns[0]!.name === 'reviewer_id')!;
    assert.equal(reviewer.onDelete, 'SET NULL');
    assert.equal(reviewer.onUpdate, 'CASCADE');
    assert.deepEqual(book.uniques.map((u) => [u.name, u.columns.map((c) => c.name)]), [['ix_book_author_title_key', ['author_id', 'title']]]);
    assert.deepEqual(author.checks.map((c) => c.name), ['ix_author_rating_check']);
    if (ctx.name !== 'sqlite') {
      assert.equal(author.comment, 'people who write');
      assert.equal(author.column('name').comment, 'display name');
    }
    if (ctx.name === 'postgres') assert.equal(author.column('kind').type.enumName, 'ix_author_kind');
    if (ctx.name !== 'mysql') {
      const lower = book.indexes.find((ix) => ix.name === 'ix_book_notes_lower_idx')!;
      assert.equal(lower.columns.length, 0);
      assert.equal(lower.parts.length, 1);
      assert.ok(book.indexes.find((ix) => ix.name === 'ix_book_noted_idx')!.condition, 'the partial index keeps its WHERE');
    }
  });

  it('leaves out tables by name and reports foreign keys to tables it did not read', async () => {
    const read = await introspect(ctx.engine, { include: NAMES, exclude: ['ix_author'] });
    assert.deepEqual(read.tables.map((t) => t.name).sort(), ['ix_book', 'ix_edition']);
    const skippedKeys = read.skipped.filter((s) => s.kind === 'foreignKey').map((s) => s.name);
    assert.ok(skippedKeys.some((n) => n.endsWith('ix_book_author_fk')), `skipped: ${skippedKeys.join(', ')}`);
  });

  it('compareSchemas names what differs', async () => {
    const read = await introspect(ctx.engine, { include: NAMES });
    const changed = table('ix_book', { id: identity(), title: varchar(100).notNull(), pages: integer() });
    const differences = compareSchemas([changed], read.tables.filter((t) => t.name === 'ix_book'), { dialect: ctx.dialect, ignore: ['index'] });
    const summary = differences.map((d) => `${d.change} ${d.object} ${d.name ?? ''} ${d.property ?? ''}`.trim());
    assert.ok(summary.includes('changed column title type'), summary.join('; '));
    assert.ok(summary.includes('missing column pages'), summary.join('; '));
    assert.ok(summary.includes('extra column author_id'), summary.join('; '));
    assert.ok(summary.includes('extra foreignKey ix_book_author_fk'), summary.join('; '));
  });
});

describe('introspect on SQLite files', () => {
  it('reports views and triggers instead of failing on them', async () => {
    const { createEngine } = await import('../../../src/index.js');
    const engine = createEngine('sqlite::memory:');
    try {
      await engine.execute(sql`CREATE TABLE ix_t (id INTEGER PRIMARY KEY, v TEXT CHECK (length(v) < 10))`);
      await engine.execute(sql`CREATE VIEW ix_v AS SELECT id FROM ix_t`);
      await engine.execute(sql`CREATE TRIGGER ix_tr AFTER INSERT ON ix_t BEGIN SELECT 1; END`);
      const read = await introspect(engine);
      assert.deepEqual(read.tables.map((t) => t.name), ['ix_t']);
      assert.deepEqual(read.skipped.map((s) => `${s.kind} ${s.name}`).sort(), ['trigger ix_tr', 'view ix_v']);
      assert.deepEqual(read.tables[0]!.checks.map((c) => c.name), ['ix_t_v_check']);
    } finally {
      await engine.close();
    }
  });
});
