/**
 * Every column type survives a flush that writes several rows in one INSERT
 * (on PostgreSQL: one bound array per column), nulls and hostile strings
 * included, and reads back equal.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { table } from '../../src/core/index.js';
import { database, Model } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { everyColumnType } from '../fixtures/music.js';

const everything = table('oft_everything', everyColumnType(40));

class Everything extends Model(everything) {}

const hostile = ['with "quotes"', "it's", 'back\\slash', '{braces}', 'a,b', 'NULL', '', 'ünïcödé ✓', '\t\n'];

forEachDialect('flush: every column type in one multi-row INSERT', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll([everything], { ifExists: true });
    await ctx.engine.createAll([everything]);
  });
  after(async () => ctx.engine.dropAll([everything], { ifExists: true }));

  it('writes hostile strings, nulls and every type, and reads them back equal', async () => {
    const db = database(ctx.engine);
    const made = hostile.map(
      (s, k) =>
        new Everything({
          i: k - 4,
          si: k,
          bi: 9007199254740991 - k,
          t: s,
          vc: s,
          b: k % 2 === 0,
          r: k + 0.5,
          d: 0.1 + 0.2 * k,
          n: `${k}.0001`,
          dt: '2024-02-29',
          ts: new Date(Date.UTC(2024, 1, 29, 23, 59, k)),
          tstz: new Date(Date.UTC(1969, 6, 20, 20, 17, k, 1)),
          j: k % 2 === 0 ? { a: k, tags: [s, '"'] } : [k, k + 0.5],
          u: `123e4567-e89b-12d3-a456-42661417400${k}`,
          bl: new Uint8Array([0, k, 92, 123, 255]),
          e: (['red', 'green', 'blue'] as const)[k % 3],
        }),
    );
    const empty = new Everything({});
    const log = new StatementLog(ctx.engine);
    const statements = await log.during(() => db.session(async (s) => s.addAll([...made, empty])));
    assert.equal(statements.filter((st) => st.sql.startsWith('INSERT')).length, 2, 'one INSERT for the full rows, one for the empty one');

    await db.session(async (s) => {
      const back = await s.query(Everything).orderBy(Everything.id).all();
      assert.equal(back.length, made.length + 1);
      made.forEach((m, k) => {
        const b = back[k]!;
        assert.equal(b.id, m.id);
        assert.equal(b.t, hostile[k]);
        assert.equal(b.vc, hostile[k]);
        for (const key of ['i', 'si', 'bi', 'b', 'r', 'd', 'n', 'dt', 'u', 'e'] as const) assert.deepEqual(b[key], m[key], `${key} of row ${k}`);
        assert.equal(b.ts!.getTime(), m.ts!.getTime());
        assert.equal(b.tstz!.getTime(), m.tstz!.getTime());
        assert.deepEqual(b.j, m.j);
        assert.deepEqual([...b.bl!], [...m.bl!]);
      });
      const last = back[made.length]!;
      for (const key of ['i', 't', 'j', 'bl', 'tstz', 'e'] as const) assert.equal(last[key], null, key);
    });
  });
});
