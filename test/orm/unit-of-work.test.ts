/**
 * The unit of work on every database: the exact statements a flush emits,
 * the same statement count at N=10 and N=10,000, cascades with and without
 * passive deletes, self-referential ordering, many-to-many link rows,
 * optimistic concurrency and recovery from a failed flush.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, deleteFrom, select, update, IntegrityError } from '../../src/index.js';
import { database, InvalidRequestError, StaleDataError, type Database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import {
  Address,
  Artist,
  Document,
  Person,
  Song,
  Tag,
  artistTable,
  documentTable,
  personTable,
  songTable,
  songTagTable,
  createOrmTables,
  emptyOrmTables,
} from '../fixtures/orm-models.js';

forEachDialect('unit of work', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await createOrmTables(ctx.engine);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  beforeEach(() => emptyOrmTables(ctx.engine));

  const q = (name: string) => ctx.dialect.quoteIdentifier(name);
  const rowCount = async (table: typeof artistTable | typeof songTable) =>
    Number(await ctx.engine.scalar(select({ n: count() }).from(table)));

  it('links an artist and a song through the relationship and writes both in one commit, ids copied for you', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        const artist = new Artist({ name: 'Bob Dylan' });
        const song = new Song({ title: 'Mr. Tambourine Man' });
        artist.songs.push(song);
        s.add(artist);
        assert.equal(song.artist, artist, 'back-reference set in memory');
      }),
    );
    assert.equal(statements.length, 2);
    assert.match(statements[0]!.sql, new RegExp(`^INSERT INTO ${escape(q('orm_artist'))}`));
    assert.match(statements[1]!.sql, new RegExp(`^INSERT INTO ${escape(q('orm_song'))}`));
    const rows = await ctx.engine.all(
      select(songTable.c.title, artistTable.c.name).from(songTable).join(artistTable, songTable.c.artistId.eq(artistTable.c.id)),
    );
    assert.deepEqual(rows, [{ title: 'Mr. Tambourine Man', name: 'Bob Dylan' }]);
  });

  it('also works from the song side: song.artist = artist', async () => {
    await db.session(async (s) => {
      const artist = new Artist({ name: 'Queen' });
      const song = new Song({ title: 'Bohemian Rhapsody' });
      song.artist = artist;
      s.add(song);
    });
    const rows = await ctx.engine.all(select(songTable.c.title, artistTable.c.name).from(songTable).join(artistTable, songTable.c.artistId.eq(artistTable.c.id)));
    assert.deepEqual(rows, [{ title: 'Bohemian Rhapsody', name: 'Queen' }]);
  });

  async function insertArtists(n: number): Promise<number> {
    const statements = await log.during(() =>
      db.session(async (s) => {
        for (let i = 0; i < n; i++) {
          const a = new Artist({ name: `artist ${i}` });
          a.songs.push(new Song({ title: `song ${i}` }));
          s.add(a);
        }
      }),
    );
    return statements.length;
  }

  it('inserts 10 and 10,000 parent/child pairs with the same number of statements', async () => {
    const small = await insertArtists(10);
    const large = await insertArtists(10_000);
    assert.equal(small, 2);
    assert.equal(large, small);
    assert.equal(await rowCount(songTable), 10_010);
    // Every song points at the artist it was pushed onto ("song i" belongs to "artist i").
    const pairs = await ctx.engine.all(
      select(songTable.c.title, artistTable.c.name).from(songTable).join(artistTable, songTable.c.artistId.eq(artistTable.c.id)),
    );
    assert.equal(pairs.length, 10_010);
    for (const p of pairs) assert.equal(p.title.replace('song', ''), p.name.replace('artist', ''));
  });

  it('flushes a loop of identical attribute sets as ONE UPDATE ... WHERE id IN (...) (= ANY on PostgreSQL), at 10 and at 5,000 objects', async () => {
    for (const n of [10, 5000]) {
      await ctx.engine.execute(deleteFrom(songTable));
      await ctx.engine.execute(deleteFrom(artistTable));
      await insertArtists(n);
      const statements = await log.during(() =>
        db.session(async (s) => {
          const artists = await loadAll(s);
          for (const a of artists) a.active = true;
        }),
      );
      const updates = statements.filter((x) => x.sql.startsWith('UPDATE'));
      assert.equal(updates.length, 1, `n=${n}`);
      // PostgreSQL binds the keys as one array.
      assert.match(updates[0]!.sql, ctx.name === 'postgres' ? /WHERE "orm_artist"\."id" = ANY\(\$2::INTEGER\[\]\)$/ : /WHERE .*"?`?id`?"? IN \(/);
      const active = await ctx.engine.scalar(select({ n: count() }).from(artistTable).where(artistTable.c.active.eq(true)));
      assert.equal(Number(active), n);
    }
  });

  it('flushes different values per object as one statement (VALUES rows; a JSON_TABLE document on MariaDB)', async () => {
    await insertArtists(100);
    const statements = await log.during(() =>
      db.session(async (s) => {
        const artists = await loadAll(s);
        for (const a of artists) a.name = `renamed ${a.id}`;
      }),
    );
    const updates = statements.filter((x) => /^(WITH .* )?UPDATE /.test(x.sql));
    assert.equal(updates.length, 1);
    if (ctx.name === 'postgres') assert.match(updates[0]!.sql, /FROM \(VALUES/);
    else if (ctx.name === 'sqlite') assert.match(updates[0]!.sql, /^WITH "v" .* AS \(VALUES/);
    else assert.match(updates[0]!.sql, /JOIN JSON_TABLE\(\?/);
    const wrong = await ctx.engine.all(select(artistTable.c.id, artistTable.c.name).from(artistTable));
    for (const row of wrong) assert.equal(row.name, `renamed ${row.id}`);
  });

  it('deletes 1,000 artists with 10 songs each in a constant number of statements (ORM cascade, no passive deletes)', async () => {
    for (const n of [10, 1000]) {
      await db.session(async (s) => {
        for (let i = 0; i < n; i++) {
          const a = new Artist({ name: `a${i}` });
          for (let j = 0; j < 10; j++) a.songs.push(new Song({ title: `s${i}.${j}` }));
          s.add(a);
        }
      });
      const statements = await log.during(() =>
        db.session(async (s) => {
          for (const a of await loadAll(s)) s.delete(a);
        }),
      );
      // SELECT artists, SELECT their songs (one IN query), DELETE the songs' tag links, DELETE songs, DELETE artists
      assert.deepEqual(
        statements.map((x) => x.sql.split(' ')[0]),
        ['SELECT', 'SELECT', 'DELETE', 'DELETE', 'DELETE'],
        `n=${n}: ${statements.map((x) => x.sql.slice(0, 60)).join(' | ')}`,
      );
      assert.equal(await rowCount(songTable), 0);
      assert.equal(await rowCount(artistTable), 0);
    }
  });

  it('keeps one object per row (identity map): get() twice emits one SELECT and keeps pending changes', async () => {
    let id = 0;
    await db.session(async (s) => {
      const a = new Artist({ name: 'Accept' });
      s.add(a);
      await s.flush();
      id = a.id;
    });
    const statements = await log.during(() =>
      db.session(async (s) => {
        const a1 = (await s.get(Artist, id))!;
        a1.name = 'changed';
        const a2 = await s.get(Artist, id);
        assert.equal(a1, a2);
        assert.equal(a2!.name, 'changed');
        await s.rollback();
      }),
    );
    assert.equal(statements.filter((x) => x.sql.startsWith('SELECT')).length, 1);
  });

  it('orders self-referential inserts parent-first (manager before reports)', async () => {
    await db.session(async (s) => {
      const boss = new Person({ firstname: 'Pierre' });
      const mid = new Person({ firstname: 'Pauline' });
      const dev = new Person({ firstname: 'Paul' });
      dev.manager = mid;
      mid.manager = boss;
      s.addAll([dev, mid, boss]);
    });
    const rows = await ctx.engine.all(select(personTable.c.id, personTable.c.firstname, personTable.c.managerId).from(personTable));
    const byName = new Map(rows.map((r) => [r.firstname, r]));
    assert.equal(byName.get('Pauline')!.managerId, byName.get('Pierre')!.id);
    assert.equal(byName.get('Paul')!.managerId, byName.get('Pauline')!.id);
    assert.equal(byName.get('Pierre')!.managerId, null);
  });

  it('writes many-to-many link rows once for both back-populated sides, and removes them', async () => {
    let songId = 0;
    const statements = await log.during(() =>
      db.session(async (s) => {
        const song = new Song({ title: 'x' });
        const rock = new Tag({ label: 'rock' });
        const live = new Tag({ label: 'live' });
        song.tags.push(rock, live);
        s.add(song);
        await s.flush();
        songId = song.id;
      }),
    );
    assert.equal(statements.filter((x) => x.sql.startsWith('INSERT')).length, 3, statements.map((x) => x.sql).join('\n'));
    assert.equal(Number(await ctx.engine.scalar(select({ n: count() }).from(songTagTable))), 2);
    await db.session(async (s) => {
      const song = (await s.get(Song, songId))!;
      const tags = await song.tags.load();
      tags.remove(tags.find((t) => t.label === 'live')!);
    });
    assert.equal(Number(await ctx.engine.scalar(select({ n: count() }).from(songTagTable))), 1);
  });

  it('raises StaleDataError when a versioned row changed underneath, and rolls back', async () => {
    let id = 0;
    await db.session(async (s) => {
      const d = new Document({ body: 'v1' });
      s.add(d);
      await s.flush();
      id = d.id;
      assert.equal(d.version, 1);
    });
    const s1 = db.openSession();
    const doc = (await s1.get(Document, id))!;
    await s1.commit(); // the object stays in the session; the connection goes back (SQLite has only one)
    // Another writer changes the row and bumps its version.
    await ctx.engine.execute(update(documentTable).set({ body: 'other', version: 2 }).where(documentTable.c.id.eq(id)));
    doc.body = 'mine';
    await assert.rejects(s1.flush(), (e: unknown) => e instanceof StaleDataError && /Document/.test(e.message));
    assert.equal(doc.body, 'mine', 'the change is still pending');
    await s1.close();
    const row = await ctx.engine.one(select(documentTable.c.body, documentTable.c.version).from(documentTable));
    assert.deepEqual(row, { body: 'other', version: 2 });
  });

  it('raises StaleDataError when a versioned row to delete changed underneath', async () => {
    let id = 0;
    await db.session(async (s) => {
      const d = new Document({ body: 'v1' });
      s.add(d);
      await s.flush();
      id = d.id;
    });
    const s1 = db.openSession();
    try {
      const doc = (await s1.get(Document, id))!;
      await s1.commit(); // gives the connection back (SQLite has only one)
      await ctx.engine.execute(update(documentTable).set({ version: 5 }).where(documentTable.c.id.eq(id)));
      s1.delete(doc);
      await assert.rejects(s1.flush(), (e: unknown) => e instanceof StaleDataError && e.expected === 1 && e.matched === 0);
      assert.equal(Number(await ctx.engine.scalar(select({ n: count() }).from(documentTable))), 1, 'the row is still there');
    } finally {
      await s1.close();
    }
  });

  it('recovers from a failed flush: typed error, nothing half-written, fix and flush again', async () => {
    const s = db.openSession();
    try {
      s.add(new Tag({ label: 'dup' }));
      await s.commit();
      const a = new Artist({ name: 'ok' });
      a.songs.push(new Song({ title: 'kept' }));
      const bad = new Tag({ label: 'dup' });
      s.addAll([a, bad]);
      await assert.rejects(s.flush(), (e: unknown) => e instanceof IntegrityError && e.kind === 'unique');
      // Everything is still pending; nothing reached the database.
      assert.equal(s.pending.size, 3);
      assert.equal(await rowCount(artistTable), 0);
      bad.label = 'unique now';
      await s.commit();
      assert.equal(await rowCount(artistTable), 1);
      assert.equal(await rowCount(songTable), 1);
      assert.ok(a.id > 0);
    } finally {
      await s.close();
    }
  });

  it('merge cascades to loaded related objects; refresh cascades too, one SELECT per model', async () => {
    let detached: Artist | undefined;
    await db.session(async (s) => {
      const a = new Artist({ name: 'Genesis' });
      a.songs.push(new Song({ title: 'Mama' }));
      s.add(a);
      await s.flush();
      await a.songs.load();
      detached = a;
    });
    // Edit the detached graph: rename the artist, retitle a song, add a song.
    detached!.name = 'Genesis (UK)';
    const songs = detached!.songs as unknown as Song[];
    songs[0]!.title = 'Mama (live)';
    detached!.songs.push(new Song({ title: 'Abacab' }));
    await db.session(async (s) => {
      const merged = await s.merge(detached!);
      assert.notEqual(merged, detached);
      assert.equal(merged.name, 'Genesis (UK)');
    });
    const rows = await ctx.engine.all(select(songTable.c.title).from(songTable).orderBy(songTable.c.title));
    assert.deepEqual(rows.map((r) => r.title), ['Abacab', 'Mama (live)']);

    const s = db.openSession();
    try {
      const [a] = await s.query(Artist).all();
      const loaded = await a!.songs.load();
      await s.commit(); // objects stay; the connection goes back
      await ctx.engine.execute(update(songTable).set({ plays: 99 }));
      await ctx.engine.execute(update(artistTable).set({ name: 'renamed elsewhere' }));
      const statements = await log.during(() => s.refresh(a!));
      assert.equal(a!.name, 'renamed elsewhere');
      assert.deepEqual(loaded.map((x) => x.plays), [99, 99]);
      assert.equal(statements.length, 2, 'the artist, then its loaded songs');
    } finally {
      await s.close();
    }
  });

  it('rejects wrong types and wrong models at assignment time', async () => {
    const a = new Artist({ name: 'x' });
    assert.throws(() => ((a as unknown as { name: unknown }).name = 42), /orm_artist\.name \(text\) expects a string, got 42/);
    const song = new Song({ title: 't' });
    assert.throws(() => ((song as unknown as { artist: unknown }).artist = new Tag({ label: 'l' })), InvalidRequestError);
    assert.throws(() => new Artist({ name: 'x', nope: 1 } as never), /Artist has no attribute "nope"/);
    const addr = new Address({ city: 'Paris' });
    assert.equal(addr.city, 'Paris');
  });
});

async function loadAll(s: import('../../src/orm/index.js').Session): Promise<Artist[]> {
  return (await s.query(Artist).orderBy(Artist.id).all()) as Artist[];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
