/**
 * Bulk loading with copyFrom: COPY on PostgreSQL, batched INSERTs elsewhere,
 * and in both cases every hostile value arrives intact.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyField, escapeCopyText } from '../../../src/core/engine/copy.js';
import type { ExecutionEvent } from '../../../src/core/engine/index.js';
import { InvalidValueError } from '../../../src/core/schema/validate.js';
import { count, deleteFrom, select } from '../../../src/core/sql/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { schema } from './fixtures.js';

const s = schema('eng_copy');
const { cargo } = s;

/** Strings that break naive COPY or CSV encoders. */
const HOSTILE = [
  'tab\there',
  'new\nline',
  'carriage\r\nreturn',
  'back\\slash',
  '\\N',
  '\\.',
  '\\',
  'trailing backslash\\',
  `quotes ' and " and \``,
  'unicode: é ß 漢字 🎸 \u200b zero-width, \u202e RTL',
  '',
  '   spaces   ',
  'comma, semicolon; pipe |',
  '\\x41 not bytes',
];

type CargoRow = {
  id: number;
  label: string;
  note: string | null;
  data: Uint8Array | null;
  flag: boolean | null;
  at: Date | null;
  doc: unknown;
  amount: string | null;
};

function hostileRows(): CargoRow[] {
  return HOSTILE.map((text, i) => ({
    id: i + 1,
    label: text,
    note: i % 3 === 0 ? null : `${text}|${i}`,
    data: i % 4 === 0 ? null : Buffer.from([0, 9, 10, 13, 92, 78, 255, i]),
    flag: i % 5 === 0 ? null : i % 2 === 0,
    at: new Date(Date.UTC(2024, 0, 1 + i, 12, 30, 15, 250)),
    doc: i % 6 === 0 ? null : { text, list: [text, i, true, null], nested: { '\t': '\n' } },
    amount: i % 7 === 0 ? null : `${i * 11}.25`,
  }));
}

describe('COPY text encoding', () => {
  it('escapes backslash, tab, newline and carriage return only', () => {
    assert.equal(escapeCopyText('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
    assert.equal(escapeCopyText('plain "quoted" \'text\' 🎸'), 'plain "quoted" \'text\' 🎸');
  });
  it('writes NULL as \\N, and a string "\\N" so it stays a string', () => {
    assert.equal(copyField(null), '\\N');
    assert.equal(copyField('\\N'), '\\\\N');
  });
  it('writes booleans, numbers, dates, bytes and JSON', () => {
    assert.equal(copyField(true), 't');
    assert.equal(copyField(false), 'f');
    assert.equal(copyField(12n), '12');
    assert.equal(copyField(1.5), '1.5');
    assert.equal(copyField(new Date(Date.UTC(2024, 1, 3, 4, 5, 6, 7))), '2024-02-03T04:05:06.007Z');
    assert.equal(copyField(Buffer.from([0, 255, 10])), '\\\\x00ff0a');
    assert.equal(copyField({ a: 'x\ty' }), '{"a":"x\\\\ty"}');
  });
});

forEachDialect('copyFrom', (ctx) => {
  before(async () => s.reset(ctx.engine));
  after(async () => s.drop(ctx.engine));
  beforeEach(async () => {
    await ctx.engine.execute(deleteFrom(cargo));
  });

  const readBack = async () => ctx.engine.all(select(cargo).from(cargo).orderBy(cargo.c.id));

  function assertRoundTrip(actual: Record<string, unknown>[], expected: CargoRow[]): void {
    assert.equal(actual.length, expected.length);
    for (let i = 0; i < expected.length; i++) {
      const got = actual[i]!;
      const want = expected[i]!;
      const where = `row ${want.id} (${JSON.stringify(want.label)})`;
      assert.equal(got['id'], want.id, where);
      assert.equal(got['label'], want.label, `${where} label`);
      assert.equal(got['note'], want.note, `${where} note`);
      if (want.data === null) assert.equal(got['data'], null, `${where} data`);
      else assert.deepEqual(Buffer.from(got['data'] as Uint8Array), Buffer.from(want.data), `${where} data`);
      assert.equal(got['flag'], want.flag, `${where} flag`);
      assert.equal((got['at'] as Date).toISOString(), want.at!.toISOString(), `${where} at`);
      assert.deepEqual(got['doc'], want.doc, `${where} doc`);
      assert.equal(got['amount'] === null ? null : Number(got['amount']), want.amount === null ? null : Number(want.amount), `${where} amount`);
    }
  }

  it('loads hostile values intact', async () => {
    const rows = hostileRows();
    const seen: ExecutionEvent[] = [];
    const stop = ctx.engine.events.on('beforeExecute', (e) => seen.push(e));
    const loaded = await ctx.engine.copyFrom(cargo, rows);
    stop();
    assert.equal(loaded, rows.length);
    assertRoundTrip(await readBack(), rows);
    if (ctx.name === 'postgres') {
      assert.deepEqual(
        seen.map((e) => [e.statementKind, e.sql]),
        [['copy', `COPY "${s.names.cargo}" ("id", "label", "note", "data", "flag", "at", "doc", "amount") FROM STDIN`]],
      );
    } else {
      // Fallback: multi-row INSERTs inside one transaction.
      const kinds = seen.map((e) => e.statementKind);
      assert.deepEqual([kinds[0], kinds.at(-1)], ['transaction', 'transaction']);
      assert.ok(kinds.includes('insert'));
    }
  });

  it('reads an async source in batches and loads only the named columns', async () => {
    const total = 2500;
    async function* generate() {
      for (let i = 1; i <= total; i++) {
        if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
        yield { id: i, label: `row\t${i}\n`, note: 'ignored: not in columns' };
      }
    }
    const loaded = await ctx.engine.copyFrom(cargo, generate(), { columns: ['id', 'label'], batchSize: 300 });
    assert.equal(loaded, total);
    assert.equal(await ctx.engine.scalar(select({ n: count() }).from(cargo)), total);
    const last = await ctx.engine.one(select(cargo.c.label, cargo.c.note).from(cargo).where(cargo.c.id.eq(total)));
    assert.deepEqual(last, { label: `row\t${total}\n`, note: null });
  });

  it('loads nothing from an empty source', async () => {
    assert.equal(await ctx.engine.copyFrom(cargo, []), 0);
  });

  it('checks values against their columns before sending anything', async () => {
    const bad = [{ id: 1, label: 'ok' }, { id: 2, label: null as unknown as string }];
    await assert.rejects(ctx.engine.copyFrom(cargo, bad), (error: unknown) => {
      assert.ok(error instanceof InvalidValueError);
      assert.match(error.message, /label/);
      return true;
    });
    assert.equal(await ctx.engine.scalar(select({ n: count() }).from(cargo)), 0, 'nothing half-loaded');
  });

  it('joins the surrounding transaction and rolls back with it', async () => {
    await assert.rejects(
      ctx.engine.transaction(async (tx) => {
        assert.equal(await tx.copyFrom(cargo, hostileRows()), HOSTILE.length);
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.equal(await ctx.engine.scalar(select({ n: count() }).from(cargo)), 0);
  });
});
