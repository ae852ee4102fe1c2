/**
 * User mistakes fail while the statement is built, before any SQL reaches a
 * database, with a message that names the table, the column and the value.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidValueError,
  SchemaError,
  count,
  createEngine,
  deleteFrom,
  identifier,
  insert,
  select,
  sql,
  update,
  type Engine,
} from '../../../src/core.js';
import { album, artist, everything, song } from '../../fixtures/music.js';
import { StatementLog } from '../../support/statements.js';

/** The error a builder throws; `build` must throw. */
function mistake(build: () => unknown): Error {
  try {
    build();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected the builder to throw');
}

describe('mistakes fail before any SQL, naming the mistake', () => {
  let engine: Engine;
  let log: StatementLog;
  before(async () => {
    engine = createEngine('sqlite::memory:');
    await engine.createAll([artist, album, song]);
    log = new StatementLog(engine).start();
  });
  after(async () => {
    log.end();
    assert.equal(log.count, 0, `no statement ran: ${log.sql.join('; ')}`);
    await engine.close();
  });

  it('an unknown column in INSERT values or UPDATE SET', () => {
    const e = mistake(() => insert(artist).values({ name: 'x', nmae: 'typo' } as never));
    assert.ok(e instanceof SchemaError);
    assert.match(e.message, /table "artist" has no column "nmae" \(columns: id, name, active\)/);
    const u = mistake(() => update(artist).set({ colour: 'red' } as never));
    assert.match(u.message, /table "artist" has no column "colour"/);
  });

  it('a value of the wrong type for its column', () => {
    const e = mistake(() => insert(song).values({ title: 'x', milliseconds: '300' as never }));
    assert.ok(e instanceof InvalidValueError);
    assert.equal(e.table, 'song');
    assert.equal(e.column, 'milliseconds');
    assert.match(e.message, /song\.milliseconds \(integer\) expects an integer, got "300"/);
    assert.match(mistake(() => insert(everything).values({ n: 'twelve' })).message, /everything\.n \(numeric\(20, 4\)\) expects a decimal string/);
    assert.match(mistake(() => insert(everything).values({ vc: 'x'.repeat(21) })).message, /everything\.vc \(varchar\(20\)\) expects at most 20 characters/);
    assert.match(mistake(() => insert(everything).values({ e: 'purple' as never })).message, /everything\.e \(enum\(red, green, blue\)\) expects one of "red", "green", "blue"/);
    assert.match(mistake(() => insert(everything).values({ u: 'not-a-uuid' })).message, /everything\.u \(uuid\) expects a UUID string/);
    assert.match(mistake(() => update(everything).set({ ts: new Date('nope') })).message, /everything\.ts \(timestamp\) expects a valid Date/);
  });

  it('a value of the wrong type in a comparison with a column', () => {
    const e = mistake(() => select(artist.c.id).from(artist).where(artist.c.id.eq('1' as never)));
    assert.ok(e instanceof InvalidValueError);
    assert.match(e.message, /artist\.id \(integer\) is compared with "1", but expects an integer/);
    assert.match(mistake(() => artist.c.id.in([1, 2, 'three' as never])).message, /artist\.id .* "three"/);
    assert.match(mistake(() => artist.c.id.between(1, 2.5)).message, /artist\.id .* 2\.5/);
  });

  it('null in a NOT NULL column, and a missing required column', () => {
    const e = mistake(() => insert(artist).values({ name: null as never }));
    assert.match(e.message, /artist\.name is NOT NULL: null is not allowed/);
    const missing = mistake(() => insert(song).values({ milliseconds: 1 } as never));
    assert.match(missing.message, /insert into "song": song\.title is NOT NULL and has no default: give "title" a value/);
  });

  it('undefined where a value belongs', () => {
    const name: string | undefined = undefined;
    assert.match(mistake(() => artist.c.name.eq(name as never)).message, /undefined is not an SQL value: use null/);
    assert.match(mistake(() => artist.c.id.in([1, undefined as never])).message, /undefined is not an SQL value/);
    assert.match(mistake(() => sql`SELECT ${undefined}`).message, /interpolated value is undefined/);
    // In INSERT and UPDATE an undefined key means "not given", like a missing key.
    assert.doesNotThrow(() => update(artist).set({ name: 'x', active: undefined }));
  });

  it('empty IN lists are handled: IN () is false, NOT IN () is true', async () => {
    await engine.execute(insert(artist).values({ name: 'a' }));
    log.start();
    assert.equal(await engine.scalar(select({ n: count() }).from(artist).where(artist.c.id.in([]))), 0);
    assert.equal(await engine.scalar(select({ n: count() }).from(artist).where(artist.c.id.notIn([]))), 1);
    await engine.execute(deleteFrom(artist));
    log.start();
  });

  it('an empty VALUES list, a bad LIMIT, an unnamed expression and a duplicate name', () => {
    assert.match(mistake(() => insert(artist).values([])).message, /insert into "artist": values\(\) got an empty array/);
    assert.match(mistake(() => select(artist.c.id).limit(-1)).message, /limit\(\) takes a non-negative integer .*, got -1 \(a number\)/);
    assert.match(mistake(() => select(artist.c.id).offset(1.5)).message, /offset\(\) takes a non-negative integer/);
    assert.match(mistake(() => select(artist.c.id.add(1) as never)).message, /needs a name: use expr\.as\("name"\)/);
    assert.match(mistake(() => select(artist.c.id, album.c.id)).message, /two select items are named "id"/);
    assert.match(mistake(() => identifier('')).message, /non-empty strings/);
  });
});
