/**
 * generateSource(): the code `athanor pull` writes reads like hand-written
 * declarations, compiles under `tsc --strict`, and its models work.
 */

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import {
  check,
  createEngine,
  customType,
  enumeration,
  foreignKey,
  generateSource,
  identity,
  index,
  integer,
  introspect,
  json,
  primaryKey,
  sql,
  table,
  text,
  timestamptz,
  uniqueIndex,
  varchar,
  type AnyColumn,
} from '../../src/index.js';
import { database } from '../../src/orm/index.js';
import { CHINOOK_PATH } from '../fixtures/chinook.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const workDir = join(root, '.tmp', `pull-source-${process.pid}`);

/** Every feature the generator writes: enums, custom types, checks, expression and partial indexes, comments, a schema, composite and cyclic keys, awkward names. */
function featureTables() {
  const team = table(
    'team',
    {
      id: identity(),
      name: varchar(60).notNull().unique().comment("the team's name"),
      captainId: integer('captain_id').references((): AnyColumn => player.c.id, { name: 'team_captain_fk', onDelete: 'SET NULL' }),
    },
    (_c) => [index('team_name_lower_idx', sql`lower(name)`), check('team_name_check', sql<boolean>`length(name) > 1`)],
    { schema: 'league', comment: 'clubs' },
  );
  const player = table('player', {
    id: identity(),
    teamId: integer('team_id').notNull().references(() => team.c.id, { onDelete: 'CASCADE' }),
    position: enumeration(['keeper', 'field'], 'position', 'player_position').notNull().serverDefault('field'),
    stats: json(),
    tags: customType<string[]>('text[]'),
    'first name': text('first name'),
    class: text(),
    mentorId: integer('mentor_id').references((self) => self.id),
    joined: timestamptz().serverDefault(sql`now()`),
  }, (c) => [uniqueIndex('player_team_class_idx', c.teamId, c.class).where(sql<boolean>`class IS NOT NULL`).using('btree')]);
  const match = table(
    'match',
    { homeId: integer('home_id').notNull(), awayId: integer('away_id').notNull(), round: integer().notNull(), note: text() },
    (c) => [primaryKey(c.homeId, c.awayId, c.round), foreignKey('match_home_fk', [c.homeId], () => [team.c.id]), foreignKey('match_away_fk', [c.awayId], () => [team.c.id])],
  );
  return [team, player, match];
}

let chinookSource = '';
let featureSource = '';

before(async () => {
  mkdirSync(workDir, { recursive: true });
  copyFileSync(CHINOOK_PATH, join(workDir, 'chinook.sqlite'));
  const engine = createEngine(`sqlite:${join(workDir, 'chinook.sqlite')}`);
  try {
    chinookSource = generateSource((await introspect(engine)).tables, { importFrom: '../../src/index.js', source: 'Chinook_Sqlite.sqlite' });
  } finally {
    await engine.close();
  }
  featureSource = generateSource(featureTables(), { importFrom: '../../src/index.js' });
  writeFileSync(join(workDir, 'chinook.ts'), chinookSource);
  writeFileSync(join(workDir, 'features.ts'), featureSource);
});
after(() => rmSync(workDir, { recursive: true, force: true }));

describe('generateSource', () => {
  it('writes tables as a person would: a factory per column, SQL names only where they differ from the key', () => {
    assert.match(chinookSource, /^export const artistTable = table\('Artist', \{\n {2}artistId: identity\('ArtistId'\),\n {2}name: varchar\(120, 'Name'\),\n\}\);$/m);
    assert.match(chinookSource, /artistId: integer\('ArtistId'\)\.notNull\(\)\.references\(\(\) => artistTable\.c\.artistId\),/);
    assert.match(chinookSource, /reportsTo: integer\('ReportsTo'\)\.references\(\(self\) => self\.employeeId\),/);
    assert.match(chinookSource, /unitPrice: numeric\(10, 2, 'UnitPrice'\)\.notNull\(\),/);
    assert.match(chinookSource, / {2}primaryKey\(c\.playlistId, c\.trackId\),/);
    assert.match(featureSource, /name: varchar\(60\)\.notNull\(\)\.unique\(\)\.comment\('the team\\'s name'\),/);
    // team and player refer to each other: the first declared annotates its reference to the later one.
    assert.match(featureSource, /teamId: integer\('team_id'\)\.notNull\(\)\.references\(\(\): AnyColumn => teamTable\.c\.id, \{ onDelete: 'CASCADE' \}\),/);
    assert.match(featureSource, /captainId: integer\('captain_id'\)\.references\(\(\) => playerTable\.c\.id, \{ name: 'team_captain_fk', onDelete: 'SET NULL' \}\),/);
    assert.match(featureSource, / {2}class: text\(\),/);
    assert.match(featureSource, /'first name': text\(\),/);
    assert.match(featureSource, /index\('team_name_lower_idx', sql`lower\(name\)`\)/);
    assert.match(featureSource, /uniqueIndex\('player_team_class_idx', c\.teamId, c\.class\)\.where\(sql<boolean>`class IS NOT NULL`\)\.using\('btree'\)/);
    assert.match(featureSource, /position: enumeration\(\['keeper', 'field'\], undefined, 'player_position'\)\.notNull\(\)\.serverDefault\('field'\),/);
    assert.match(featureSource, /tags: customType<string\[\]>\('text\[\]'\),/);
    assert.match(featureSource, /^\], \{ schema: 'league', comment: 'clubs' \}\);$/m);
  });

  it('writes models with one/many pairs, and many-to-many through a table that only links two others', () => {
    assert.match(chinookSource, /@mapped\nexport class Album extends Model\(albumTable\) \{\n {2}static readonly artist = one\(\(\) => Artist, \{ backPopulates: 'albums' \}\);\n {2}static readonly tracks = many\(\(\) => Track, \{ backPopulates: 'album' \}\);\n\}\nexport interface Album extends Related<typeof Album> \{\}/);
    assert.match(chinookSource, /static readonly playlists = many\(\(\) => Playlist, \{ secondary: playlistTrackTable, backPopulates: 'tracks' \}\);/);
    assert.doesNotMatch(chinookSource, /class PlaylistTrack\b/);
    // Two keys from match to team: each relationship says which.
    assert.match(featureSource, /static readonly home = one\(\(\) => Team, \{ backPopulates: 'matchesByHome', foreignKey: matchTable\.c\.homeId \}\);/);
  });

  it('compiles under tsc --strict', () => {
    const program = ts.createProgram([join(workDir, 'chinook.ts'), join(workDir, 'features.ts')], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: ['node'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(diagnostics, []);
  });

  it('its models load related rows, many-to-many included', async () => {
    const models = (await import(pathToFileURL(join(workDir, 'chinook.ts')).href)) as Record<string, new (...args: never[]) => object>;
    const engine = createEngine(`sqlite:${join(workDir, 'chinook.sqlite')}`);
    try {
      const db = database(engine);
      await db.session(async (s) => {
        const playlist = (await s.get(models['Playlist']!, 18)) as unknown as { name: string; tracks: { load(): Promise<readonly { name: string }[]> } };
        assert.equal(playlist.name, 'On-The-Go 1');
        const tracks = await playlist.tracks.load();
        assert.equal(tracks.length, 1);
      });
    } finally {
      await engine.close();
    }
  });
});
