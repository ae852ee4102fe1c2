/**
 * The Session: a unit of work and an identity map over one transaction.
 *
 * ```ts
 * await db.session(async (s) => {
 *   const artist = new Artist({ name: 'Bob Dylan' });
 *   artist.songs.push(new Song({ title: 'Mr. Tambourine Man' }));
 *   s.add(artist);
 * }); // one commit: INSERT artist ... RETURNING id; INSERT song (... artist_id ...) — ids copied for you
 * ```
 * Objects are tracked as they change; `flush()` writes all changes in a
 * number of statements that does not grow with the number of objects;
 * queries autoflush first so they see pending changes. A session holds one
 * connection from first use until commit, rollback or close; it reads without
 * a transaction (no BEGIN/COMMIT round trips for a session that only reads)
 * and opens one at its first write, or at once when given transaction
 * options (an isolation level, read only).
 */

import type { CompiledStatement } from '../core/compiler/compiled.js';
import type { Dialect, TransactionOptions } from '../core/dialects/dialect.js';
import type { ExprNode, SelectNode } from '../core/sql/nodes.js';
import { keysIn } from '../core/sql/functions.js';
import { Collection } from './collection.js';
import { DetachedInstanceError, InvalidRequestError } from './errors.js';
import { IdentityMap } from './identity-map.js';
import { mapperOf, type Mapper } from './mapper.js';
import { entitySelectItems, entityShape, hydrateRow, RowHydrator, type EntityShape } from './loading/hydrate.js';
import { checkColumnValue } from '../core/schema/validate.js';
import { loadRelated, type LoaderContext } from './loading/related.js';
import { strategyFor } from './loading/strategies/index.js';
import type { ConnectionSource, RawResult, SessionConnection } from './port.js';
import type { ModelCtor, RelationshipAttribute } from './relationship.js';
import { InstanceState, LoadGroup, NOT_LOADED, STATE, maybeState, stateOf, type SessionHooks } from './state.js';
import { buildFlushPlan, UnitOfWork, type FlushContext } from './unit-of-work/flush.js';
import type { FlushPlan } from './unit-of-work/plan.js';
import { TransactionRecord, type RestoreMode } from './unit-of-work/transaction-record.js';
import { Query } from './query/query.js';
import type { MappedInstance, PrimaryKeyOf } from './model.js';
import { ProjectionQuery } from './query/projection.js';
import { Column } from '../core/schema/column.js';
import type { Table } from '../core/schema/table.js';
import { selectNode, select, SelectStatement, type RowOfItems, type SelectItem } from '../core/sql/select.js';
import { flushEvent, lazyCaller, ormHooks, ormTrace, transactionKeyOf } from './instrumentation.js';
import { compileExecutable } from '../core/engine/runner.js';
import type { Executable, RowOfStatement } from '../core/engine/result.js';

export interface SessionOptions {
  /** Flush pending changes before each query so it sees them (default true). */
  autoflush?: boolean;
  /** Sibling batching of lazy loads (default true). */
  batchLazyLoads?: boolean;
  /** Transaction options for the session's transaction. */
  transaction?: TransactionOptions;
}

type Instance<M> = M extends abstract new (...args: never[]) => infer I ? I : never;

const noop = (): void => undefined;

export class Session implements SessionHooks {
  /** @internal */
  readonly identityMap = new IdentityMap();
  /** @internal Objects to insert. */
  readonly pending = new Set<InstanceState>();
  /** @internal Persistent objects with changes. */
  readonly dirty = new Set<InstanceState>();
  /** @internal Objects to delete. */
  readonly deleted = new Set<InstanceState>();

  readonly autoflush: boolean;
  readonly batchLazyLoads: boolean;
  private conn: SessionConnection | undefined;
  private connecting: Promise<SessionConnection> | undefined;
  /** The flush, commit, rollback or close under way: the next one waits for it (a forgotten `await` loses nothing). */
  private inFlight: Promise<unknown> | undefined;
  private flushCount = 0;
  private savepointCounter = 0;
  private closed = false;
  /** Objects written in this transaction, as they were before it. */
  private readonly txLog = new TransactionRecord();

  constructor(
    private readonly source: ConnectionSource,
    private readonly options: SessionOptions = {},
  ) {
    this.autoflush = options.autoflush ?? true;
    this.batchLazyLoads = options.batchLazyLoads ?? true;
  }

  get dialect(): Dialect {
    return this.source.dialect;
  }

  /** Objects the session knows: pending, persistent, and marked for deletion. */
  get size(): number {
    return this.identityMap.size + this.pending.size;
  }

  // ---------------------------------------------------------------------------
  // Adding and removing objects

  /** Put a new object (and, through save-update cascades, its related objects) in the session. */
  add(obj: MappedInstance): void {
    this.checkOpen();
    const st = stateOf(obj);
    if (st.session && st.session !== this) {
      throw new InvalidRequestError(`${st.mapper.name} object is already in another session; expunge it there, or merge() it here`);
    }
    switch (st.status) {
      case 'transient':
        st.status = 'pending';
        st.session = this;
        this.pending.add(st);
        break;
      case 'detached': {
        const existing = this.identityMap.get(st.mapper, st.key);
        if (existing && existing !== obj) {
          throw new InvalidRequestError(`another ${st.mapper.name} object with the same key is already in this session; use merge()`);
        }
        st.status = 'persistent';
        st.session = this;
        this.identityMap.add(st.mapper, st.key, obj);
        if (st.changedColumns().length > 0 || st.changedRelationships) this.markDirty(st);
        break;
      }
      case 'deleted':
        this.deleted.delete(st);
        st.status = 'persistent';
        break;
      case 'pending':
      case 'persistent':
        return;
    }
    this.cascade(st, this.addCascaded, 'saveUpdate');
  }

  private readonly addCascaded = (child: object): void => this.add(child as MappedInstance);

  addAll(objects: Iterable<MappedInstance>): void {
    for (const o of objects) this.add(o);
  }

  /** Mark an object for deletion at the next flush (a pending one is simply dropped). */
  delete(obj: MappedInstance): void {
    this.checkOpen();
    const st = stateOf(obj);
    if (st.status === 'pending') {
      this.pending.delete(st);
      st.status = 'transient';
      st.session = undefined;
      return;
    }
    if (st.status !== 'persistent' || st.session !== this) {
      throw new InvalidRequestError(`delete(): the ${st.mapper.name} object is ${st.status}, not persistent in this session`);
    }
    this.deleted.add(st);
    this.dirty.delete(st);
  }

  /** Remove an object from the session without deleting it (cascades `expunge`). */
  expunge(obj: object): void {
    const st = stateOf(obj);
    if (st.session !== this) return;
    this.pending.delete(st);
    this.dirty.delete(st);
    this.deleted.delete(st);
    if (st.status === 'persistent') this.identityMap.remove(st.mapper, st.key);
    st.status = st.status === 'pending' ? 'transient' : 'detached';
    st.session = undefined;
    st.dirty = false;
    this.cascade(st, (child) => this.expunge(child), 'expunge');
  }

  /**
   * @internal Drop an unchanged object from the identity map (streaming with
   * `clearIdentityMap`); objects with unflushed changes stay.
   */
  release(obj: object): void {
    const st = stateOf(obj);
    if (st.session !== this || st.status !== 'persistent' || this.dirty.has(st) || this.deleted.has(st)) return;
    this.identityMap.remove(st.mapper, st.key);
    st.status = 'detached';
    st.session = undefined;
  }

  /** @internal A bulk DELETE removed this object's row: it leaves the session. */
  forgetDeleted(st: InstanceState): void {
    if (st.session !== this) return;
    this.identityMap.remove(st.mapper, st.key);
    this.dirty.delete(st);
    this.deleted.delete(st);
    st.status = 'detached';
    st.session = undefined;
    st.dirty = false;
  }

  /** @internal SessionHooks */
  markDirty(state: InstanceState): void {
    if (state.session !== this) return;
    if (state.status === 'persistent' && !this.deleted.has(state)) {
      this.dirty.add(state);
      state.dirty = true;
    }
  }

  /** @internal SessionHooks */
  identityLookup(mapper: Mapper, key: unknown): object | undefined {
    const hit = this.identityMap.get(mapper, key);
    return hit && !this.deleted.has(stateOf(hit)) ? hit : undefined;
  }

  /** @internal SessionHooks */
  cascadeAdd(obj: object): void {
    const st = maybeState(obj);
    if (!st || st.session === this) return;
    if (st.status === 'transient' || st.status === 'detached') this.add(obj as MappedInstance);
  }

  private cascade(st: InstanceState, fn: (child: object) => void, which: 'saveUpdate' | 'expunge' | 'merge' | 'refresh'): void {
    const slots = st.slots;
    if (!slots) return;
    const relationships = st.mapper.relationships;
    // Plain loops, no copies: this runs for every object added, and `fn` leaves the collections as they are
    // (merge, which may replace them, gets a copy).
    for (let i = 0; i < relationships.length; i++) {
      if (!relationships[i]!.cascade[which]) continue;
      const slot = slots[i];
      if (!slot) continue;
      const value = slot.value;
      if (value instanceof Collection) {
        const items = which === 'merge' ? [...(value as Collection<object>)] : (value as Collection<object>);
        for (let k = 0; k < items.length; k++) fn(items[k]!);
      } else if (value) {
        fn(value);
      }
      const added = slot.added;
      if (added !== undefined && !(value instanceof Collection)) for (let k = 0; k < added.length; k++) fn(added[k]!);
    }
  }

  // ---------------------------------------------------------------------------
  // Reading

  /**
   * Run a Core statement in the session's transaction (after an autoflush),
   * rows decoded as Core returns them.
   *
   * ```ts
   * await s.execute(update(userTable).set({ active: true }).where(userTable.c.id.in(ids)));
   * ```
   */
  async execute<S extends Executable>(statement: S): Promise<{ rows: RowOfStatement<S>[]; rowCount: number }> {
    this.checkOpen();
    if (this.autoflush) await this.flush();
    let conn = await this.connection();
    const compiled = compileExecutable(conn.dialect, statement);
    // Writes (and locking reads) belong in the session's transaction.
    const writes = compiled.some((c) => c.kind !== 'select' && c.kind !== 'compound') || /\bFOR (UPDATE|SHARE)\b|LOCK IN SHARE MODE/.test(compiled[0]?.sql ?? '');
    if (writes) conn = await this.transactional();
    // Core shapes the rows (a row builder per result shape), on the session's connection.
    let rowCount = 0;
    let rows: RowOfStatement<S>[] = [];
    for (const c of compiled) {
      const result = await conn.execute(c);
      const got = result.rows as RowOfStatement<S>[];
      rowCount += result.rowCount;
      rows = rows.length === 0 ? got : rows.concat(got);
    }
    return { rows, rowCount };
  }

  /** An entity query: `s.query(Artist).where(Artist.name.eq('Queen')).all()`. */
  query<M extends ModelCtor>(model: M): Query<M> {
    this.checkOpen();
    return new Query<M>(this, mapperOf(model));
  }

  /**
   * A projection without an entity query: plain typed rows, FROM taken from
   * the first column's table. Add joins with `s.query(Model).join(...).select(...)`.
   * ```ts
   * await s.select(User.username, User.email).where(User.acctActive.eq(true)).all();
   * // SELECT "user"."username", "user"."email" FROM "user" WHERE "user"."acct_active" = ?
   * ```
   */
  select<I extends SelectItem[]>(...items: I): ProjectionQuery<RowOfItems<I>> {
    this.checkOpen();
    const first = items.find((i): i is Column<unknown> & SelectItem => i instanceof Column);
    if (!first) throw new InvalidRequestError('session.select() needs a column among its items to find FROM; use s.query(Model).select(...) otherwise');
    const table = first.table as Table;
    const node: SelectNode = { ...select(...items).queryNode, from: [table.fromNode] };
    return new ProjectionQuery<RowOfItems<I>>(this, new SelectStatement<RowOfItems<I>>(node));
  }

  /**
   * The object with this primary key, or undefined. An identity-map hit emits no SQL.
   * Composite keys: an array in key order, or an object by attribute name (typed by {@link PrimaryKeyOf}).
   */
  async get<M extends ModelCtor>(model: M, pk: PrimaryKeyOf<M>): Promise<Instance<M> | undefined> {
    this.checkOpen();
    const mapper = mapperOf(model);
    const key = mapper.identityKeyOf(pk);
    const hit = this.identityMap.get(mapper, key);
    if (hit) {
      const st = stateOf(hit);
      return (this.deleted.has(st) ? undefined : hit) as Instance<M> | undefined;
    }
    if (this.autoflush) await this.flush();
    const parts = mapper.primaryKeyIndexes.length === 1 ? [key] : Array.isArray(pk) ? pk : mapper.primaryKeyIndexes.map((i) => (pk as Record<string, unknown>)[mapper.columns[i]!.key]);
    return (await this.fetchByKey(mapper, parts)) as Instance<M> | undefined;
  }

  /** SELECT one row by primary key (always SQL); an object already in the identity map gets its unloaded columns filled. */
  private async fetchByKey(mapper: Mapper, parts: readonly unknown[]): Promise<object | undefined> {
    const conn = await this.connection();
    const dialect = conn.dialect;
    // The statement is the same for every key of a mapper: compile it once per dialect, bind the key each time.
    let byDialect = getByKeyStatements.get(mapper);
    if (!byDialect) {
      byDialect = new WeakMap();
      getByKeyStatements.set(mapper, byDialect);
    }
    let template = byDialect.get(dialect);
    if (!template) {
      const cols = mapper.columns.map((_, i) => i);
      // Placeholders only: the values are bound per call below.
      const terms: ExprNode[] = mapper.primaryKeyIndexes.map((i) => ({
        kind: 'binary',
        op: '=',
        left: mapper.columns[i]!.node,
        right: { kind: 'param', value: null, type: mapper.columns[i]!.type },
      }));
      const where: ExprNode = terms.length === 1 ? terms[0]! : { kind: 'logical', op: 'AND', operands: terms };
      const node = selectNode({
        items: entitySelectItems(mapper, cols, mapper.table.name),
        from: [mapper.table.fromNode],
        where,
      });
      template = { compiled: dialect.compiler.compileUncached(node), shape: entityShape(mapper, cols, 0) };
      byDialect.set(dialect, template);
    }
    const parameters = mapper.primaryKeyIndexes.map((i, j) => {
      checkColumnValue(mapper.columns[i]!, parts[j]);
      return dialect.bindValue(mapper.columns[i]!.type, parts[j]);
    });
    const result = await conn.runRaw({ ...template.compiled, parameters });
    if (result.rows.length === 0) return undefined;
    return hydrateRow(this.loaderContext(), template.shape, result.rows[0]!, new LoadGroup());
  }

  /**
   * Load a relationship of an object (and of its siblings from the same query
   * result, in one statement): `await s.load(artist, 'songs')`.
   */
  async load<T extends object, K extends string & keyof T>(obj: T, key: K): Promise<T[K] extends { load(): Promise<infer C> } ? C : T[K]> {
    const st = stateOf(obj);
    const attr = st.mapper.relationship(key);
    return (await this.loadRelationship(st, attr)) as never;
  }

  /** @internal SessionHooks: a lazy load, batched over the object's siblings. */
  async loadRelationship(state: InstanceState, attr: RelationshipAttribute): Promise<unknown> {
    this.checkOpen();
    const slotIndex = state.mapper.relationshipIndex(attr);
    const existing = state.slots?.[slotIndex];
    if (existing?.loaded) return existing.value;
    // The session is the strategy's access context: autoflush, sibling batching, the loader context.
    await strategyFor(state.loadStrategy(attr)).onLoad(this, state, attr);
    return state.slots![slotIndex]!.value;
  }

  // ---------------------------------------------------------------------------
  // Flush and transactions

  /**
   * Write all pending changes. The statement count does not grow with the number of objects.
   *
   * A flush waits for one already under way (a forgotten `await` neither loses nor reorders writes). A flush that
   * fails leaves every change pending; its promise never goes unhandled, so a forgotten `await` on a failing flush
   * cannot crash the process: the next flush or `commit()` tries the same changes again and raises.
   *
   * ```ts
   * s.add(new Artist({ name: 'Queen' }));
   * await s.flush(); // INSERT ... RETURNING id; the transaction stays open until commit()
   * ```
   */
  flush(): Promise<void> {
    if (this.inFlight === undefined && this.pending.size === 0 && this.dirty.size === 0 && this.deleted.size === 0) {
      this.checkOpen();
      return Promise.resolve();
    }
    // Diagnostics: the stack must be taken here, while the caller's frame is on it.
    const trace = ormHooks.active ? ormTrace() : undefined;
    const done = this.serialized(() => this.flushNow(trace));
    done.catch(noop);
    return done;
  }

  /**
   * The plan the next flush would run, without running it: its steps in order (`insert`, `update`, `nullOut`,
   * `linkInsert`, `linkDelete`, `delete`, `postUpdate`), each with its mapper, its objects and the ordering rule
   * that placed it. Nothing is written and no object changes; the only statements are the SELECTs a delete cascade
   * needs for children not loaded yet (the ones the flush itself would run). Waits for a flush under way.
   *
   * ```ts
   * const artist = new Artist({ name: 'Queen' });
   * artist.songs.push(new Song({ title: 'Bohemian Rhapsody' }));
   * s.add(artist);
   * console.log((await s.plan()).toString());
   * // 1. insert Artist ×1 (parents-first)
   * // 2. insert Song ×1 (parents-first)
   * await s.flush(); // INSERT INTO artist ... RETURNING id; INSERT INTO song (..., artist_id) ...
   * ```
   */
  async plan(): Promise<FlushPlan> {
    this.checkOpen();
    return await this.serialized(() => buildFlushPlan(this, (attr, parents) => loadRelated(this.loaderContext(), attr, parents)));
  }

  /** Run one session-level operation after the one under way (flushes, commits, rollbacks and close never overlap). */
  private async serialized<T>(fn: () => Promise<T>): Promise<T> {
    while (this.inFlight !== undefined) await this.inFlight.then(noop, noop);
    const run = fn();
    this.inFlight = run;
    try {
      return await run;
    } finally {
      if (this.inFlight === run) this.inFlight = undefined;
    }
  }

  private async flushNow(trace: Error | undefined): Promise<void> {
    this.checkOpen();
    if (this.pending.size === 0 && this.dirty.size === 0 && this.deleted.size === 0) return;
    // Nothing has changed in memory yet: a failure to connect or to BEGIN leaves the session as it was.
    const conn = await this.transactional();
    const startedAt = trace ? performance.now() : 0;
    if (trace) ormHooks.emit('flush', flushEvent(trace, this, transactionKeyOf(this.source, conn), this.pending.size, this.dirty.size, this.deleted));
    // A failure rolls back to before this flush: the transaction itself when it is the first, else a savepoint.
    const savepoint = this.flushCount > 0 ? `athanor_flush_${++this.savepointCounter}` : undefined;
    // Arrays, not Sets: only read back if the flush fails.
    const pendingBefore = Array.from(this.pending);
    const dirtyBefore = Array.from(this.dirty);
    const deletedBefore = Array.from(this.deleted);
    const uow = new UnitOfWork(this.flushContext(conn));
    try {
      if (savepoint) await conn.savepoint(savepoint);
      await uow.flush();
      if (savepoint) await conn.releaseSavepoint(savepoint);
    } catch (error) {
      uow.undo();
      restoreSet(this.pending, pendingBefore);
      restoreSet(this.dirty, dirtyBefore);
      restoreSet(this.deleted, deletedBefore);
      if (trace) ormHooks.emit('flushed', { session: this, transactionKey: transactionKeyOf(this.source, conn), ok: false, durationMs: performance.now() - startedAt });
      let rolledBack = false;
      try {
        if (savepoint) await conn.rollbackToSavepoint(savepoint);
        else rolledBack = true;
      } catch {
        // The connection is gone, and the transaction with it: its earlier flushes are pending again below.
        rolledBack = true;
      }
      if (rolledBack) await this.endTransaction('rollback', 'retry').catch(noop);
      throw error;
    }
    // Before the objects forget what this flush wrote: a rollback of the transaction needs it.
    this.txLog.absorb(uow.record);
    uow.commitMemory();
    this.flushCount++;
    if (trace) ormHooks.emit('flushed', { session: this, transactionKey: transactionKeyOf(this.source, conn), ok: true, durationMs: performance.now() - startedAt });
  }

  /**
   * Flush, then commit the transaction. When COMMIT fails, the transaction is over and everything it wrote is
   * pending again: `commit()` again writes it all, `rollback()` discards it.
   */
  async commit(): Promise<void> {
    this.checkOpen();
    // One stack for both: the flush's trigger and the commit's caller.
    const trace = ormHooks.active ? ormTrace() : undefined;
    const caller = trace ? lazyCaller(trace) : undefined;
    await this.serialized(async () => {
      await this.flushNow(trace);
      if (caller && this.conn) ormHooks.emit('commit', { session: this, transactionKey: transactionKeyOf(this.source, this.conn), callerLocation: caller.callerLocation });
      if (this.conn || this.connecting) await this.endTransaction('commit', 'retry');
    });
  }

  /**
   * Roll back the transaction. Objects inserted in it are pending again (database-generated keys cleared), objects
   * deleted in it are persistent again, edited objects get their database values back; the next flush inserts the
   * pending ones again.
   */
  async rollback(): Promise<void> {
    this.checkOpen();
    await this.serialized(() => this.endTransaction('rollback', 'discard'));
  }

  /** Roll back what is open and release the connection; objects become detached (pending ones transient). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.serialized(async () => {
      if (this.closed) return;
      try {
        await this.endTransaction('rollback', 'discard');
      } finally {
        this.identityMap.forEachObject((obj) => {
          const st = stateOf(obj);
          st.session = undefined;
          st.status = 'detached';
        });
        for (const st of this.pending) {
          st.session = undefined;
          st.status = 'transient';
        }
        this.identityMap.clear();
        this.pending.clear();
        this.dirty.clear();
        this.deleted.clear();
        this.closed = true;
      }
    });
  }

  private async endTransaction(how: 'commit' | 'rollback', mode: RestoreMode): Promise<void> {
    const conn = this.conn ?? (this.connecting ? await this.connecting.catch(() => undefined) : undefined);
    const wasInTransaction = this.inTransaction;
    this.conn = undefined;
    this.connecting = undefined;
    this.inTransaction = false;
    this.flushCount = 0;
    let failed = false;
    try {
      if (conn && wasInTransaction) {
        if (how === 'commit') await conn.commit();
        // A lost connection took its transaction with it (the server rolled it back): there is nothing to send.
        else if (!conn.broken) await conn.rollback();
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      if (conn) await this.releaseConnection(conn);
      // A COMMIT that failed ended the transaction without its writes: they are pending again.
      if (how === 'rollback' || failed) this.txLog.restore(how === 'rollback' ? mode : 'retry', this);
      this.txLog.clear();
    }
  }

  /** Reload an object's columns from the database, discarding its unflushed changes. */
  async refresh(obj: object): Promise<void> {
    const st = stateOf(obj);
    if (st.session !== this || st.status !== 'persistent') {
      throw new DetachedInstanceError(`refresh(): the ${st.mapper.name} object is not persistent in this session`);
    }
    // The object and, through `refresh` cascades, the related objects already loaded: one SELECT per model.
    const byMapper = new Map<Mapper, InstanceState[]>();
    const visit = (s: InstanceState) => {
      const list = byMapper.get(s.mapper) ?? [];
      if (list.includes(s)) return;
      list.push(s);
      byMapper.set(s.mapper, list);
      this.cascade(s, (child) => {
        const cs = stateOf(child);
        if (cs.status === 'persistent' && cs.session === this) visit(cs);
      }, 'refresh');
    };
    visit(st);
    for (const [mapper, states] of byMapper) {
      for (const s of states) {
        s.values = s.values.map((v, i) => (mapper.primaryKeyIndexes.includes(i) ? v : NOT_LOADED));
        s.original = undefined;
        this.dirty.delete(s);
        s.dirty = false;
      }
      const keys = states.map((s) => mapper.primaryKeyIndexes.map((i) => s.values[i]));
      const cols = mapper.columns.map((_, i) => i);
      const pk = mapper.primaryKeyIndexes.map((i) => mapper.columns[i]!);
      const where = keysIn(pk, keys);
      const result = await this.run(selectNode({ items: entitySelectItems(mapper, cols, mapper.table.name), from: [mapper.table.fromNode], where: where.node }));
      const shape = entityShape(mapper, cols, 0);
      const hydrator = new RowHydrator(this.loaderContext(), shape, undefined);
      for (const row of result.rows) hydrator.row(row);
    }
    if (st.values.some((v) => v === NOT_LOADED)) {
      throw new InvalidRequestError(`refresh(): ${st.mapper.name}(${String(st.key)}) no longer exists`);
    }
  }

  /** Mark an object's columns as not loaded: the next query returning it reloads them. */
  expire(obj: object): void {
    const st = stateOf(obj);
    st.values = st.values.map((v, i) => (st.mapper.primaryKeyIndexes.includes(i) ? v : NOT_LOADED));
    st.original = undefined;
    this.dirty.delete(st);
    st.dirty = false;
    st.slots = undefined;
  }

  /**
   * Copy a detached (or transient) object's state onto this session's object
   * with the same key, loading it if needed, and return that object.
   */
  async merge<T extends object>(obj: T): Promise<T> {
    return (await this.mergeState(stateOf(obj), new Map())) as T;
  }

  /** Merge one object, then (cascade `merge`) the related objects it has loaded, each once. */
  private async mergeState(src: InstanceState, done: Map<InstanceState, object>): Promise<object> {
    const seen = done.get(src);
    if (seen) return seen;
    const mapper = src.mapper;
    const pkValues = mapper.primaryKeyIndexes.map((i) => src.values[i]);
    let target: object | undefined;
    if (src.session === this && (src.status === 'persistent' || src.status === 'pending')) {
      target = src.obj;
    } else if (pkValues.every((v) => v !== undefined && v !== null && v !== NOT_LOADED)) {
      target = await this.get(mapper.model, pkValues.length === 1 ? pkValues[0] : pkValues);
    }
    if (!target) {
      target = mapper.hydrate(src.values.slice(), 'transient');
      this.add(target as MappedInstance);
    } else if (target !== src.obj) {
      const tst = stateOf(target);
      src.values.forEach((v, i) => {
        if (v !== NOT_LOADED && v !== undefined && !mapper.primaryKeyIndexes.includes(i)) tst.set(i, v);
      });
    }
    done.set(src, target);
    if (target === src.obj) return target;
    const tst = stateOf(target);
    for (const attr of mapper.relationships) {
      if (!attr.cascade.merge) continue;
      const slot = src.slots?.[mapper.relationshipIndex(attr)];
      if (!slot?.loaded) continue;
      if (slot.value instanceof Collection) {
        const merged: object[] = [];
        for (const child of slot.value as Collection<object>) merged.push(await this.mergeState(stateOf(child), done));
        const tslot = tst.slot(attr);
        if (!tslot.loaded) await this.loadRelationship(tst, attr);
        tst.setRelated(attr, merged);
      } else {
        const value = slot.value as object | null;
        tst.setRelated(attr, value ? await this.mergeState(stateOf(value), done) : null);
      }
    }
    return target;
  }

  // ---------------------------------------------------------------------------
  // Plumbing

  private checkOpen(): void {
    if (this.closed) throw new InvalidRequestError('this session is closed');
  }

  /** The session's connection, taken on first use (the transaction opens at the first write). @internal */
  async connection(): Promise<SessionConnection> {
    if (this.conn) {
      if (!this.conn.broken || this.inTransaction) return this.conn;
      // A read outside a transaction lost the connection: nothing was held on it, so the session carries on with a
      // new one. (Inside a transaction the loss must surface at COMMIT, which puts the flushed writes back to pending.)
      await this.dropBrokenConnection(this.conn);
    }
    // Concurrent first uses share one checkout. The first caller awaits it directly (no side `.catch` on the
    // promise either): V8's async stack traces follow a promise only while it has a single awaiter, and the
    // leak warning names the line that took the connection from that trace.
    if (this.connecting) return await this.connecting;
    // A new transaction of this session: what the earlier ones loaded or wrote is held weakly from now on.
    this.identityMap.weaken();
    this.connecting = this.acquire();
    return await this.connecting;
  }

  private async dropBrokenConnection(conn: SessionConnection): Promise<void> {
    this.conn = undefined;
    this.connecting = undefined;
    await this.releaseConnection(conn);
  }

  /** Give the connection back (a broken one is discarded by the engine); the session no longer holds it. */
  private async releaseConnection(conn: SessionConnection): Promise<void> {
    if (ormHooks.active) ormHooks.emit('sessionRelease', { session: this, transactionKey: transactionKeyOf(this.source, conn) });
    await conn.release().catch(noop);
  }

  private async acquire(): Promise<SessionConnection> {
    try {
      await this.source.ready();
      const conn = await this.source.connectForSession();
      this.conn = conn;
      if (ormHooks.active) ormHooks.emit('sessionAcquire', { session: this, transactionKey: transactionKeyOf(this.source, conn) });
      // With explicit transaction options (isolation, read only) the transaction spans every read.
      if (this.options.transaction) await this.beginOn(conn);
      return conn;
    } catch (error) {
      this.connecting = undefined;
      throw error;
    }
  }

  /**
   * The session's connection inside its transaction. Reads run on the held
   * connection without one (no BEGIN/COMMIT round trips for a session that
   * only reads); the first write — a flush, a Core DML statement — opens it.
   * @internal
   */
  async transactional(): Promise<SessionConnection> {
    const conn = await this.connection();
    if (!this.inTransaction) await this.beginOn(conn);
    return conn;
  }

  private async beginOn(conn: SessionConnection): Promise<void> {
    try {
      await conn.begin(this.options.transaction ?? {});
    } catch (e) {
      this.conn = undefined;
      this.connecting = undefined;
      await conn.release();
      throw e;
    }
    this.inTransaction = true;
  }

  /** True between the session's BEGIN and its COMMIT or ROLLBACK. */
  inTransaction = false;

  /** Run a SELECT node on the session's connection. @internal */
  async run(node: SelectNode): Promise<RawResult> {
    const conn = await this.connection();
    // `return await`: V8's async stack traces stop at a returned promise, and callerLocation needs the caller's frames.
    return await conn.runRaw(conn.dialect.compile(node));
  }

  /** @internal */
  async exec(compiled: CompiledStatement): Promise<RawResult> {
    const conn = await this.connection();
    return await conn.runRaw(compiled);
  }

  /** @internal */
  loaderContext(): LoaderContext {
    return {
      dialect: this.source.dialect,
      identityMap: this.identityMap,
      hooks: this,
      run: (node) => this.run(node),
    };
  }

  private flushContext(conn: SessionConnection): FlushContext {
    const ctx: FlushContext = {
      dialect: conn.dialect,
      identityMap: this.identityMap,
      hooks: this,
      pending: this.pending,
      dirty: this.dirty,
      deleted: this.deleted,
      run: (node) => conn.runRaw(conn.dialect.compile(node)),
      exec: (compiled) => conn.runRaw(compiled),
      track: () => undefined,
    };
    return ctx;
  }

  /** @internal The key diagnostics group this session's statements under (engine and connection ids). */
  get transactionKey(): string | undefined {
    return transactionKeyOf(this.source, this.conn);
  }

  /** @internal */
  mapper(model: ModelCtor): Mapper {
    return mapperOf(model);
  }

  /** @internal */
  stateOf(obj: object): InstanceState {
    return (obj as { [STATE]: InstanceState })[STATE];
  }
}

const getByKeyStatements = new WeakMap<Mapper, WeakMap<Dialect, { compiled: CompiledStatement; shape: EntityShape }>>();

function restoreSet<T>(target: Set<T>, from: readonly T[]): void {
  target.clear();
  for (const x of from) target.add(x);
}
