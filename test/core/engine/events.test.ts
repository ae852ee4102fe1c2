/**
 * Statement events, per engine and for all engines: what they carry, where
 * they say the statement came from, and that they cost nothing when unused.
 */
import { after, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { StatementError } from '../../../src/core/errors.js';
import {
  executionHooks,
  type AfterExecuteEvent,
  type ExecuteErrorEvent,
  type ExecutionEvent,
} from '../../../src/core/engine/index.js';
import { deleteFrom, identifier, insert, select, sql } from '../../../src/core/sql/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { schema } from './fixtures.js';

const s = schema('eng_events');
const { artist } = s;
const THIS_FILE = fileURLToPath(import.meta.url);

forEachDialect('events', (ctx) => {
  before(async () => s.reset(ctx.engine));
  after(async () => s.drop(ctx.engine));
  beforeEach(async () => {
    await ctx.engine.execute(deleteFrom(artist));
  });

  it('before and after events carry the SQL, parameters, timing, rows and connection', async () => {
    const before: ExecutionEvent[] = [];
    const afterEvents: AfterExecuteEvent[] = [];
    const stops = [ctx.engine.events.on('beforeExecute', (e) => before.push(e)), ctx.engine.events.on('afterExecute', (e) => afterEvents.push(e))];
    try {
      await ctx.engine.execute(insert(artist).values([{ name: 'a' }, { name: 'b' }]));
      await ctx.engine.all(select(artist.c.name).from(artist).where(artist.c.name.ne('zzz')));
    } finally {
      stops.forEach((stop) => stop());
    }
    assert.equal(before.length, 2);
    assert.equal(afterEvents.length, 2);
    const [ins, sel] = afterEvents as [AfterExecuteEvent, AfterExecuteEvent];
    assert.equal(ins.statementKind, 'insert');
    // the names, and the client default of `active` as each dialect binds it
    assert.deepEqual(ins.parameters.filter((p) => typeof p === 'string'), ['a', 'b']);
    assert.equal(ins.parameters.length, 4);
    assert.equal(ins.rowCount, 2);
    assert.equal(sel.statementKind, 'select');
    assert.match(sel.sql, /^SELECT /);
    assert.deepEqual(sel.parameters, ['zzz']);
    assert.equal(sel.rowCount, 2);
    assert.equal(sel.dialect, ctx.name);
    assert.equal(sel.engineId, ctx.engine.id);
    assert.equal(sel.inTransaction, false);
    assert.ok(sel.durationMs >= 0 && sel.durationMs < 60_000, `durationMs ${sel.durationMs}`);
    assert.ok(Number.isInteger(sel.connectionId) && sel.connectionId > 0);
  });

  it('callerLocation points at the line in this file that ran the statement', async () => {
    let location: string | undefined;
    const stop = ctx.engine.events.on('afterExecute', (e) => (location = e.callerLocation));
    const line = Number(new Error().stack!.split('\n')[1]!.match(/:(\d+):\d+\)?$/)![1]) + 1;
    await ctx.engine.all(select(artist.c.id).from(artist));
    stop();
    assert.ok(location?.startsWith(`${THIS_FILE}:${line}:`), `expected ${THIS_FILE}:${line}:*, got ${location}`);
  });

  it('events inside a transaction say so, and share its connection', async () => {
    const seen: ExecutionEvent[] = [];
    const stop = ctx.engine.events.on('beforeExecute', (e) => seen.push(e));
    await ctx.engine.transaction(async (tx) => {
      await tx.execute(insert(artist).values({ name: 'in tx' }));
    });
    stop();
    const [begin, ins, commit] = [seen[0]!, seen.at(-2)!, seen.at(-1)!];
    assert.equal(begin.statementKind, 'transaction');
    assert.equal(begin.inTransaction, false);
    assert.equal(ins.inTransaction, true);
    assert.equal(commit.sql, 'COMMIT');
    assert.equal(new Set(seen.map((e) => e.connectionId)).size, 1);
  });

  it('the error event carries the typed error', async () => {
    const errors: ExecuteErrorEvent[] = [];
    const stop = ctx.engine.events.on('error', (e) => errors.push(e));
    await assert.rejects(ctx.engine.execute(sql`SELECT * FROM ${identifier('eng_events_missing')}`), StatementError);
    stop();
    assert.equal(errors.length, 1);
    assert.ok(errors[0]!.error instanceof StatementError);
    assert.equal(errors[0]!.callerLocation?.startsWith(THIS_FILE), true);
  });

  it('executionHooks see every engine, inside the caller’s async context', async () => {
    const store = new AsyncLocalStorage<string>();
    const seen: { sql: string; scope: string | undefined }[] = [];
    const stop = executionHooks.on('afterExecute', (e) => {
      if (e.engineId === ctx.engine.id) seen.push({ sql: e.sql, scope: store.getStore() });
    });
    try {
      await store.run('request-42', () => ctx.engine.all(select(artist.c.id).from(artist)));
    } finally {
      stop();
    }
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.scope, 'request-42');
  });

  it('with no listener left, events are inactive', async () => {
    const stop = ctx.engine.events.on('afterExecute', () => undefined);
    assert.equal(ctx.engine.events.active, true);
    stop();
    assert.equal(ctx.engine.events.active, false);
    assert.equal(executionHooks.active, false);
  });
});
