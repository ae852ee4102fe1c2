/**
 * Diffing schemas: what is compared, renames only by hint, refused drops with
 * the hint to pass, foreign-key order; then the generated file written,
 * loaded back from its folder and applied to each database with rows in it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { identity, index, insert, integer, select, sql, table, text, varchar, PostgresDialect } from '../../src/core/index.js';
import {
  Migrator,
  MigrationError,
  UnconfirmedDropError,
  checkDrift,
  diffSchemas,
  generateMigration,
  parseRenames,
  type Operation,
} from '../../src/migrate/index.js';
import { forEachDialect } from '../support/dialects.js';

// The README quick start's models, under this file's prefix.
const artistV1 = table('mdf_artist', { id: identity(), name: text().notNull() });
const songV1 = table('mdf_song', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => artistV1.c.id, { onDelete: 'CASCADE' }),
});
// Version 2: artists get a country, a song's title becomes its name, and songs are looked up by name.
const artistV2 = table('mdf_artist', { id: identity(), name: text().notNull(), country: varchar(2).serverDefault('GB') });
const songV2 = table(
  'mdf_song',
  {
    id: identity(),
    name: varchar(200, 'name').notNull(),
    artistId: integer('artist_id').references(() => artistV2.c.id, { onDelete: 'CASCADE' }),
  },
  (c) => [index('mdf_song_name_idx', c.name)],
);

const summary = (ops: readonly Operation[]) =>
  ops.map((o) => {
    switch (o.kind) {
      case 'renameColumn':
        return `renameColumn ${o.table}.${o.from}->${o.to}`;
      case 'addColumn':
      case 'dropColumn':
      case 'alterColumn':
        return `${o.kind} ${o.table}.${o.column}`;
      case 'createTable':
        return `createTable ${o.table.name}`;
      case 'dropTable':
        return `dropTable ${o.table}`;
      default:
        return `${o.kind} ${'name' in o ? o.name : ''}`;
    }
  });

describe('diffSchemas', () => {
  const renames = { columns: { 'mdf_song.title': 'name' } };

  it('turns a hinted drop + add into a rename, and orders the changes', () => {
    const { operations, drops } = diffSchemas([artistV1, songV1], [artistV2, songV2], { renames });
    assert.deepEqual(drops, []);
    assert.deepEqual(summary(operations), [
      'addColumn mdf_artist.country',
      'renameColumn mdf_song.title->name',
      'alterColumn mdf_song.name',
      'createIndex mdf_song_name_idx',
    ]);
  });

  it('never guesses a rename: without the hint it reports the drop with the hint to pass, and generation refuses', async () => {
    const { drops } = diffSchemas([songV1], [songV2]);
    assert.deepEqual(drops, [{ table: 'mdf_song', column: 'title', renameHint: 'mdf_song.title=name' }]);
    await assert.rejects(
      generateMigration({ current: [artistV1, songV1], target: [artistV2, songV2], dialect: new PostgresDialect(), name: 'x' }),
      (e: unknown) =>
        e instanceof UnconfirmedDropError &&
        e.code === 'ATH_MIGRATION_DROP' &&
        e.message.includes('--rename mdf_song.title=name') &&
        e.drops.length === 1,
    );
  });

  it('drops with allowDrop', async () => {
    const { migrations } = await generateMigration({
      current: [artistV1, songV1],
      target: [artistV2, songV2],
      dialect: new PostgresDialect(),
      name: 'x',
      allowDrop: true,
      timestamp: 't',
    });
    assert.deepEqual(summary(migrations[0]!.migration.up), [
      'addColumn mdf_artist.country',
      'addColumn mdf_song.name',
      'createIndex mdf_song_name_idx',
      'dropColumn mdf_song.title',
    ]);
    assert.ok(migrations[0]!.findings.some((f) => f.rule === 'drop-column'));
  });

  it('refuses rename hints that name nothing', () => {
    assert.throws(() => diffSchemas([songV1], [songV2], { renames: { columns: { 'mdf_song.titel': 'name' } } }), (e: unknown) => e instanceof MigrationError && /no column "mdf_song"."titel"/.test((e as Error).message));
    assert.throws(() => diffSchemas([songV1], [songV2], { renames: { tables: { nope: 'mdf_song' } } }), MigrationError);
    assert.deepEqual(parseRenames(['user.name=full_name', 'account=user']), { tables: { account: 'user' }, columns: { 'user.name': 'full_name' } });
    assert.throws(() => parseRenames(['user.name']), MigrationError);
  });

  it('renames a table by hint, and creates new tables before the keys that point at them', () => {
    const label = table('mdf_label', { id: identity(), title: text().notNull() });
    const record = table('mdf_record', { id: identity(), labelId: integer('label_id').references(() => label.c.id) });
    const oldRecord = table('mdf_disc', { id: identity() });
    const { operations } = diffSchemas([oldRecord], [record, label], { renames: { tables: { mdf_disc: 'mdf_record' } } });
    assert.deepEqual(summary(operations), ['renameTable ', 'addColumn mdf_record.label_id', 'createTable mdf_label', 'addForeignKey mdf_record_label_id_fkey']);
  });

  it('compares nullability, defaults, uniques, checks and foreign keys', () => {
    const a = table('mdf_x', { id: identity(), code: varchar(5), n: integer().serverDefault(1) });
    const b = table('mdf_x', { id: identity(), code: varchar(5).notNull().unique(), n: integer().serverDefault(2) }, (c) => [
      { kind: 'check', name: 'mdf_x_n_check', condition: c.n.gt(0).node },
    ]);
    assert.deepEqual(summary(diffSchemas([a], [b]).operations), ['alterColumn mdf_x.code', 'alterColumn mdf_x.n', 'addUnique mdf_x_code_key', 'addCheck mdf_x_n_check']);
    assert.deepEqual(diffSchemas([b], [b]).operations, []);
  });

  it('checkDrift: empty when the schemas match, one entry per difference otherwise', () => {
    assert.deepEqual(checkDrift([artistV1, songV1], [artistV1, songV1]), []);
    const drift = checkDrift([artistV2], [artistV1]);
    assert.deepEqual(drift.map((d) => d.description), ['column "mdf_artist"."country" is missing']);
  });
});

const srcIndex = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

forEachDialect('generated migrations', (ctx) => {
  it('writes a file that loads back and applies: add a column, rename one by hint, add an index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'athanor-mdf-'));
    const history = 'mdf_history';
    // An ES module package, as a project's migrations folder is: outside one, a .ts file loads as CommonJS and gets
    // its own copy of the library, whose columns are not this test's.
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
    try {
      await ctx.engine.dropAll([songV1, artistV1, table(history, { id: integer() })], { ifExists: true });
      await ctx.engine.createAll([artistV1, songV1]);
      await ctx.engine.execute(insert(artistV1).values({ name: 'Bob Dylan' }));
      await ctx.engine.execute(insert(songV1).values({ title: 'Mr. Tambourine Man', artistId: 1 }));

      const { migrations } = await generateMigration({
        current: [artistV1, songV1],
        target: [artistV2, songV2],
        dialect: ctx.dialect,
        name: 'song_names',
        renames: { columns: { 'mdf_song.title': 'name' } },
        dir,
        timestamp: '20260102T000000',
        importFrom: srcIndex,
      });
      assert.equal(migrations.length, 1);
      const file = migrations[0]!.file!;
      assert.match(await readFile(file, 'utf8'), /op\.renameColumn\('mdf_song', 'title', 'name'\)/);

      const migrator = new Migrator({ engine: ctx.engine, migrations: { dir }, historyTable: history });
      assert.deepEqual(await migrator.up(), ['20260102T000000_song_names']);
      const songs = await ctx.engine.all(select(songV2.c.name).from(songV2));
      assert.deepEqual(songs, [{ name: 'Mr. Tambourine Man' }]);
      const artists = await ctx.engine.all(select(artistV2.c.country).from(artistV2));
      assert.deepEqual(artists, [{ country: 'GB' }]);
      assert.deepEqual(migrator.check([artistV2, songV2], [artistV2, songV2]), []);

      assert.deepEqual(await migrator.down(), ['20260102T000000_song_names']);
      assert.deepEqual(await ctx.engine.all(select(songV1.c.title).from(songV1)), [{ title: 'Mr. Tambourine Man' }]);
      await assert.rejects(ctx.engine.all(select(artistV2.c.country).from(artistV2)));
    } finally {
      await ctx.engine.dropAll([songV1, artistV1, table(history, { id: integer() })], { ifExists: true });
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('renders the SQL of a migration for review', async () => {
    const { migrations } = await generateMigration({
      current: [artistV1],
      target: [artistV2],
      dialect: ctx.dialect,
      name: 'country',
      timestamp: 't',
    });
    const expected = {
      sqlite: `ALTER TABLE "mdf_artist" ADD COLUMN "country" VARCHAR(2) DEFAULT 'GB';`,
      postgres: `ALTER TABLE "mdf_artist" ADD COLUMN "country" VARCHAR(2) DEFAULT 'GB';`,
      mysql: "ALTER TABLE `mdf_artist` ADD COLUMN `country` VARCHAR(2) DEFAULT 'GB', ALGORITHM=INSTANT;",
    }[ctx.name];
    assert.equal(migrations[0]!.sql, expected);
    void sql;
  });
});
