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

import { withParameters, type CompiledStatement } from '../core/compiler/compiled.js';
import type { Dialect, TransactionOptions } from '../core/dialects/dialect.js';
import type { ExprNode, SelectNode } from '../core/sql/nodes.js';
import { and, keysIn } from '../core/sql/functions.js';
import { Collection } from './collection.js';
import { DetachedInstanceError, InvalidRequestError } from './errors.js';
import { IdentityMap } from './identity-map.js';
import { mapperOf, type Mapper } from './mapper.js';
import { entitySelectItems, entityShape, hydrateRow, RowHydrator, type EntityShape } from './loading/hydrate.js';
import { checkColumnValue } from '../core/schema/validate.js';
import type { LoaderContext } from './loading/related.js';
import { strategyFor } from './loading/strategies/index.js';
import type { ConnectionSource, RawResult, SessionConnection } from './port.js';
import type { ModelCtor, RelationshipAttribute } from './relationship.js';
import { InstanceState, LoadGroup, NOT_LOADED, STATE, maybeState, stateOf, type SessionHooks } from './state.js';
import { buildFlushPlan, UnitOfWork, type FlushContext } from './unit-of-work/flush.js';
import type { FlushPlan } from './unit-of-work/plan.js';
import { hasAfterHooks, type FlushHooksContext } from './unit-of-work/hooks.js';
import { TransactionRecord, type RestoreMode } from './unit-of-work/transaction-record.js';
import { Query } from './query/query.js';
import { upsertRows, type UpsertOptions } from './upsert.js';
import type { MappedInstance, PrimaryKeyOf } from './model.js';
import { ProjectionQuery } from './query/projection.js';
import { Column } from '../core/schema/column.js';
import { inHookScope, runAfterLoad, runningHooksOf, type BeforeFlushHook } from './lifecycle.js';
import type { Table } from '../core/schema/table.js';
import { selectNode, select, SelectStatement, type RowOfItems, type SelectItem } from '../core/sql/select.js';
import { flushEvent, lazyCaller, ormHooks, ormTrace, transactionKeyOf } from './instrumentation.js';
import { compileExecutable } from '../core/engine/runner.js';
import { ReadConsistency } from '../core/engine/replicas/consistency.js';
import type { Executable, RowOfStatement } from '../core/engine/result.js';
import type { AnyQueryFilter, FilterSwitch } from './filters/define.js';
import { FilterScope, onOps } from './filters/scope.js';
import { cascadeLoader } from './unit-of-work/flush.js';
import { requestHardDelete, restoreObject } from './unit-of-work/soft-delete.js';

export interface SessionOptions {
  /** Flush pending changes before each query so it sees them (default true). */
  autoflush?: boolean;
  /** Sibling batching of lazy loads (default true). */
  batchLazyLoads?: boolean;
  /** Transaction options for the session's transaction. */
  transaction?: TransactionOptions;
  /**
   * A commit whose only write is one atomic statement (one INSERT, UPDATE or DELETE of one object, or the statement of
   * `execute(..., { commit: true })` / `upsert(..., { commit: true })`) sends it without BEGIN/COMMIT (default true):
   * one round trip instead of three. `false` keeps the transaction around it.
   */
  singleStatementCommit?: boolean;
  /**
   * Run at the start of every flush with what it is about to write; changes made here (objects added, deleted,
   * edited) are planned by that flush. See "Lifecycle hooks" in docs/orm.md.
   */
  beforeFlush?: BeforeFlushHook;
  /**
   * Query filters to switch on for every query of the session, with their parameters:
   * `[tenant.with({ id: 7 }), published]` (applied after `withoutFilters`).
   */
  filters?: readonly FilterSwitch[];
  /** Query filters to switch off for every query of the session: those listed, or all of them (`true`). */
  withoutFilters?: true | readonly AnyQueryFilter[];
  /**
   * On an engine with read replicas: every statement of the session on the primary, reads included (for a
   * session whose reads must see the latest data whatever the replicas have replayed). Default false: reads
   * outside the session's transaction go to a replica that has replayed the session's own commits.
   *
   * ```ts
   * await db.session(async (s) => { ... }, { primary: true });
   * ```
   */
  primary?: boolean;
  /**
   * On an engine with read replicas: a token from `session.consistencyToken()` of an earlier request (carried in
   * a cookie or a header), so this session reads nothing older than that request's commits. A malformed token
   * throws a `ConsistencyTokenError`.
   *
   * ```ts
   * const s = db.openSession({ consistencyToken: cookies['athanor-rw'] });
   * ```
   */
  consistencyToken?: string;
}

/**
 * Options of {@link Session.execute}.
 * ```ts
 * await s.execute(update(userTable).set({ active: false }).where(userTable.c.id.eq(7)), { commit: true });
 * // UPDATE "user" SET "active" = ? WHERE "user"."id" = ?   (alone: no BEGIN, no COMMIT)
 * ```
 */
export interface ExecuteOptions {
  /**
   * Commit the session right after the statement, as `await s.execute(stmt); await s.commit()` does. When the
   * statement is the unit of work's only write (nothing pending, nothing written earlier in the transaction, no
   * transaction options, not joined to an outer transaction) and is one INSERT, UPDATE or DELETE, it runs alone,
   * atomic on its own, without BEGIN/COMMIT; otherwise in the transaction, which then commits. Either way the unit of
   * work is over when the call returns: a later write opens a new transaction, and nothing undoes this one.
   */
  readonly commit?: boolean;
}

/**
 * Options of {@link Session.delete}.
 * ```ts
 * s.delete(post, { hard: true }); // DELETE FROM "post" ... even though Post soft-deletes
 * ```
 */
export interface DeleteOptions {
  /** Delete the row even when the model soft-deletes (`softDelete(...)`): a DELETE, cascading as hard deletes do. */
  hard?: boolean;
}

type Instance<M> = M extends abstract new (...args: never[]) => infer I ? I : never;
/** What a model's constructor takes: its column values. */
type InitArg<M> = M extends abstract new (init: infer I, ...rest: never[]) => object ? NonNullable<I> : never;

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
  /** @internal The filters this session's queries apply (a query's own switches come on top). */
  readonly filters: FilterScope;
  private conn: SessionConnection | undefined;
  private connecting: Promise<SessionConnection> | undefined;
  /** The flush, commit, rollback or close under way: the next one waits for it (a forgotten `await` loses nothing). */
  private inFlight: Promise<unknown> | undefined;
  private flushCount = 0;
  private savepointCounter = 0;
  /** True once the session has taken a connection (its later ones start new units of work). */
  private connected = false;
  private closed = false;
  /** Objects written in this transaction, as they were before it. */
  private readonly txLog = new TransactionRecord();
  /** Objects just created from rows whose model has an `afterLoad` hook, until the load that created them ends. */
  private afterLoadQueue: InstanceState[] | undefined;
  /** The replication position this session's reads must see (engines with read replicas). */
  private readonly consistency: ReadConsistency;

  constructor(
    private readonly source: ConnectionSource,
    private readonly options: SessionOptions = {},
  ) {
    this.consistency = new ReadConsistency(options.consistencyToken);
    this.autoflush = options.autoflush ?? true;
    this.batchLazyLoads = options.batchLazyLoads ?? true;
    const off = options.withoutFilters;
    this.filters = FilterScope.defaults.with([
      ...(off === undefined ? [] : [{ kind: 'off' as const, filters: off === true ? ('all' as const) : off }]),
      ...onOps(options.filters ?? []),
    ]);
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

  /**
   * Mark an object for deletion at the next flush (a pending one is simply dropped). For a model that soft-deletes
   * (`softDelete(...)`), the flush writes its soft-delete column instead of deleting the row, unless `{ hard: true }`.
   */
  delete(obj: MappedInstance, options: DeleteOptions = {}): void {
    this.checkOpen();
    const st = stateOf(obj);
    requestHardDelete(st, options.hard === true);
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

  /**
   * Undo a soft delete: the object's soft-delete column gets its "not deleted" value, and the next flush writes it
   * and restores the children the delete cascade soft-deleted with it (same deletion time). An object marked with
   * `delete()` and not flushed yet is simply unmarked.
   * ```ts
   * const post = await s.query(Post).withoutFilters(softDeleteFilter).where(Post.id.eq(7)).one();
   * s.restore(post);
   * await s.flush(); // UPDATE "post" SET "deleted_at" = ? WHERE "post"."id" IN (?); and its comments likewise
   * ```
   */
  restore(obj: object): void {
    this.checkOpen();
    const st = stateOf(obj);
    if (st.session !== this || st.status !== 'persistent') {
      throw new InvalidRequestError(`restore(): the ${st.mapper.name} object is ${st.status}, not persistent in this session`);
    }
    this.deleted.delete(st);
    restoreObject(st);
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

  /**
   * @internal SessionHooks: an object the session's filters hide reads as null (as a load would find it); one they
   * cannot tell in memory is not known without SQL.
   */
  identityLookup(mapper: Mapper, key: unknown): object | null | undefined {
    const hit = this.identityMap.get(mapper, key);
    if (!hit || this.deleted.has(stateOf(hit))) return undefined;
    const verdict = this.filters.check(mapper, stateOf(hit).values, this.dialect.capabilities.textComparison);
    return verdict === 'match' ? hit : verdict === 'filtered' ? null : undefined;
  }

  /** @internal SessionHooks */
  queueAfterLoad(state: InstanceState): void {
    (this.afterLoadQueue ??= []).push(state);
  }

  /** @internal Run `afterLoad` of the objects loaded since the last call (at the end of each load); false if none. */
  async runAfterLoad(): Promise<boolean> {
    const queue = this.afterLoadQueue;
    if (queue === undefined) return false;
    this.afterLoadQueue = undefined;
    await runAfterLoad(this, queue);
    return true;
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
   * rows decoded as Core returns them. A write (or a locking read) opens the
   * transaction; with `{ commit: true }` the session commits right after it,
   * and a lone write goes without BEGIN/COMMIT ({@link ExecuteOptions}).
   *
   * ```ts
   * await s.execute(update(userTable).set({ active: true }).where(userTable.c.id.in(ids)));
   * await s.execute(insert(userTable).values({ username: 'ada', email: 'ada@example.org' }), { commit: true }); // INSERT alone
   * ```
   */
  async execute<S extends Executable>(statement: S, options: ExecuteOptions = {}): Promise<{ rows: RowOfStatement<S>[]; rowCount: number }> {
    this.checkOpen();
    if (options.commit === true) return await this.thenCommit(() => this.executeNow(statement, true));
    if (this.autoflush) await this.flush();
    return await this.executeNow(statement, false);
  }

  /** `mayGoAlone`: a commit follows at once, so a lone atomic write may run without the transaction. */
  private async executeNow<S extends Executable>(statement: S, mayGoAlone: boolean): Promise<{ rows: RowOfStatement<S>[]; rowCount: number }> {
    let conn = await this.connection();
    const compiled = compileExecutable(conn.dialect, statement);
    // Writes (and locking reads) belong in the session's transaction; the compiled statement says which, from its node.
    const writes = compiled.some((c) => (c.kind !== 'select' && c.kind !== 'compound') || c.locksRows === true);
    if (writes && !(mayGoAlone && compiled.length === 1 && isAtomicWrite(compiled[0]!) && this.mayWriteAlone(conn))) conn = await this.transactional();
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
    const node: SelectNode = this.filters.rewrite({ ...select(...items).queryNode, from: [table.fromNode] });
    return new ProjectionQuery<RowOfItems<I>>(this, new SelectStatement<RowOfItems<I>>(node));
  }

  /**
   * The object with this primary key, or undefined. An identity-map hit emits no SQL.
   * Composite keys: an array in key order, or an object by attribute name (typed by {@link PrimaryKeyOf}).
   *
   * Filters apply as they do to queries: an object they filter out is not returned. An identity-map hit is
   * checked in memory against the filters' conditions; one they cannot evaluate in JavaScript (a subquery, a
   * function, a column not loaded) is checked by the SELECT by key, with the filters in its WHERE.
   */
  async get<M extends ModelCtor>(model: M, pk: PrimaryKeyOf<M>): Promise<Instance<M> | undefined> {
    this.checkOpen();
    return (await this.byKey(mapperOf(model), pk, this.filters)) as Instance<M> | undefined;
  }

  /** `get()` under `filters` (merge() looks rows up with none: a row a filter hides still exists). */
  private async byKey(mapper: Mapper, pk: unknown, filters: FilterScope): Promise<object | undefined> {
    const key = mapper.identityKeyOf(pk);
    const hit = this.identityMap.get(mapper, key);
    if (hit) {
      const st = stateOf(hit);
      if (this.deleted.has(st)) return undefined;
      // A reference (or an expired object) knows nothing but its key: load it as if it were not there.
      if (!onlyKeyLoaded(st)) {
        const verdict = filters.check(mapper, st.values, this.dialect.capabilities.textComparison);
        if (verdict === 'match') return hit;
        if (verdict === 'filtered') return undefined;
      }
    }
    // Awaited only when there is something to wait for: a lookup by key is a request's whole work, and every
    // await of a settled promise is a turn of the microtask queue.
    if (this.autoflush && !this.idle()) await this.flush();
    const found = await this.fetchByKey(mapper, keyParts(mapper, key, pk), filters);
    // A reference just loaded is loaded for the first time: its afterLoad runs now.
    if (hit !== undefined && found === hit && mapper.hooks.afterLoad !== undefined) this.queueAfterLoad(stateOf(hit));
    if (this.afterLoadQueue !== undefined) await this.runAfterLoad();
    return found;
  }

  /**
   * Insert rows, or update the existing row where one with the same key is there already, in one statement (one
   * per chunk of rows; on MySQL a SELECT reads them back), and return the resulting rows as the session's objects
   * in the order of `rows` — objects already in the session get the written values (unflushed changes of theirs
   * are kept). It runs at once, in the session's transaction, after an autoflush. The conflict is found on `on`
   * (default: the primary key; MySQL and MariaDB use every unique key of the table); an existing row takes
   * `update`'s attributes (default: every attribute the rows give but the key's).
   *
   * ```ts
   * const [rock] = await s.upsert(Tag, [{ label: 'rock' }], { on: [Tag.label] });
   * // INSERT INTO tag (label) VALUES (?) ON CONFLICT (label) DO UPDATE SET label = excluded.label RETURNING tag.id, tag.label
   * ```
   */
  async upsert<M extends ModelCtor>(model: M, rows: readonly InitArg<M>[], options: UpsertOptions<string & keyof InitArg<M>> = {}): Promise<Instance<M>[]> {
    this.checkOpen();
    const mapper = mapperOf(model);
    const upsert = async (mayGoAlone: boolean): Promise<Instance<M>[]> => {
      const connection = await this.connection();
      // Alone only when nothing runs between the write and the commit: an afterLoad hook of the objects read back
      // may change them, and what it changes belongs in the same commit.
      // And only where the database writes the row asked for or fails: where an upsert takes any unique key
      // (MySQL, MariaDB), the check that each row came back can fail after the write, which must roll it back.
      const alone = mayGoAlone && mapper.hooks.afterLoad === undefined && connection.dialect.capabilities.upsertConflictTarget && this.mayWriteAlone(connection);
      const writeOn = async (writes: number): Promise<void> => {
        if (!(alone && writes === 1)) await this.transactional();
      };
      const objects = await upsertRows({ ...this.loaderContext(), connection, writeOn }, mapper, rows as readonly Record<string, unknown>[], options);
      await this.runAfterLoad();
      return objects as Instance<M>[];
    };
    if (options.commit === true) return await this.thenCommit(() => upsert(true));
    if (this.autoflush) await this.flush();
    return await upsert(false);
  }

  /**
   * `write`, then commit, as one session-level operation: what is pending is flushed first (in the transaction, so
   * the write is not alone then), and the commit follows the write at once. A failing write is raised and nothing is
   * committed; the caller rolls back, as after any failed write.
   */
  private async thenCommit<T>(write: () => Promise<T>): Promise<T> {
    const trace = ormHooks.active ? ormTrace() : undefined;
    const caller = trace ? lazyCaller(trace) : undefined;
    return await this.serialized(async () => {
      await this.flushNow(trace, false);
      const result = await write();
      await this.commitNow(trace, caller);
      return result;
    });
  }

  /**
   * Whether a write whose commit follows at once may run without BEGIN/COMMIT: nothing pending, nothing written
   * earlier in this transaction (none is open), no transaction options, not opted out, and a connection of its own
   * (not inside an outer transaction, where even one statement needs the session's savepoint).
   */
  private mayWriteAlone(conn: SessionConnection): boolean {
    return (
      this.mayCommitAlone() &&
      this.pending.size === 0 &&
      this.dirty.size === 0 &&
      this.deleted.size === 0 &&
      !conn.inTransaction &&
      conn.joinedToOuter !== true
    );
  }

  /** The session's side of a single-statement commit: no transaction open, none asked for, not opted out. */
  private mayCommitAlone(): boolean {
    return !this.inTransaction && this.options.transaction === undefined && this.options.singleStatementCommit !== false;
  }

  /**
   * The object with this primary key, without a SELECT: the one in the identity map, or a stand-in that knows only
   * its key. Assign it to a relationship and the flush writes the foreign key (or the link row) from the key alone;
   * set a column on it and the flush UPDATEs that column by key; delete it and the flush DELETEs by key. Its other
   * columns are not loaded (reading one raises `NotLoadedError`); `get()` or `refresh()` loads them. A key that
   * matches no row is found by the database: the flush fails with a `FlushIntegrityError` naming the object that
   * pointed at it (foreign key), or a `StaleDataError` (an UPDATE or DELETE that matched nothing).
   *
   * ```ts
   * const song = new Song({ title: 'Under Pressure' });
   * song.artist = s.reference(Artist, 7);
   * s.add(song);
   * await s.commit(); // INSERT INTO song (title, artist_id) VALUES (?, ?) — [ 'Under Pressure', 7 ]; no SELECT of artist 7
   * ```
   */
  reference<M extends ModelCtor>(model: M, pk: unknown): Instance<M> {
    this.checkOpen();
    const mapper = mapperOf(model);
    const key = mapper.identityKeyOf(pk);
    const hit = this.identityMap.get(mapper, key);
    if (hit) return hit as Instance<M>;
    const parts = keyParts(mapper, key, pk);
    const values = new Array<unknown>(mapper.columns.length).fill(NOT_LOADED);
    mapper.primaryKeyIndexes.forEach((i, j) => {
      const v = parts[j];
      if (v === undefined || v === null) throw new InvalidRequestError(`reference(): ${mapper.name}.${mapper.columns[i]!.key} (primary key) has no value`);
      checkColumnValue(mapper.columns[i]!, v);
      values[i] = v;
    });
    // Not hydrateLoaded(): nothing is loaded yet, so no afterLoad (it runs when get() loads the rest).
    const obj = mapper.hydrate(values);
    const st = obj[STATE];
    st.key = key;
    st.session = this;
    this.identityMap.add(mapper, key, obj);
    return obj as Instance<M>;
  }

  /** SELECT one row by primary key (always SQL); an object already in the identity map gets its unloaded columns filled. */
  private async fetchByKey(mapper: Mapper, parts: readonly unknown[], filters: FilterScope): Promise<object | undefined> {
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
    if (filters.conditionFor(mapper) !== undefined) {
      // Filtered: the template cannot carry the filters' conditions; the same SELECT with them, compiled for this call.
      const where = and(...mapper.primaryKeyIndexes.map((i, j) => (mapper.columns[i] as Column<unknown>).eq(parts[j])));
      const node = selectNode({ items: entitySelectItems(mapper, mapper.columns.map((_, i) => i), mapper.table.name), from: [mapper.table.fromNode], where: where.node });
      const filtered = await conn.runRaw(dialect.compile(filters.rewrite(node)));
      return filtered.rows.length === 0 ? undefined : hydrateRow(this.loaderContext(), template.shape, filtered.rows[0]!, new LoadGroup());
    }
    const result = await conn.runRaw(withParameters(template.compiled, parameters));
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
    await this.runAfterLoad();
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
    // From a hook of the flush under way (an autoflush of its query): that flush writes what the hook changed.
    if (this.inFlight !== undefined && runningHooksOf(this)) return Promise.resolve();
    if (this.idle()) {
      this.checkOpen();
      return Promise.resolve();
    }
    // Diagnostics: the stack must be taken here, while the caller's frame is on it.
    const trace = ormHooks.active ? ormTrace() : undefined;
    const done = this.serialized(() => this.flushNow(trace, false));
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
    // Cascades see every row, as the flush's own do.
    return await this.serialized(async () => {
      const plan = await buildFlushPlan(this, cascadeLoader(this.loaderContext(FilterScope.none)));
      await this.runAfterLoad();
      return plan.freeze();
    });
  }

  /** @internal Nothing to flush and no session-level operation under way: a flush now would do nothing. */
  idle(): boolean {
    return this.inFlight === undefined && this.pending.size === 0 && this.dirty.size === 0 && this.deleted.size === 0;
  }

  /** Run one session-level operation after the one under way (flushes, commits, rollbacks and close never overlap). */
  private async serialized<T>(fn: () => Promise<T>): Promise<T> {
    if (runningHooksOf(this)) {
      // It would wait for the flush running the hook, which waits for the hook.
      throw new InvalidRequestError('a lifecycle hook cannot commit, roll back, close or plan its own session: the flush running it ends the unit of work');
    }
    while (this.inFlight !== undefined) await this.inFlight.then(noop, noop);
    const run = fn();
    this.inFlight = run;
    try {
      return await run;
    } finally {
      if (this.inFlight === run) this.inFlight = undefined;
    }
  }

  /** Flush until nothing is left: changes made by after-hooks go out in a flush of their own. */
  /**
   * `ending`: a commit follows at once. When nothing else has been written in this transaction and the plan is one
   * atomic statement ({@link FlushPlan.singleStatement}) with no after-hooks, it goes alone, without BEGIN/COMMIT.
   */
  private async flushNow(trace: Error | undefined, ending: boolean): Promise<void> {
    this.checkOpen();
    for (let flushes = 0; this.pending.size > 0 || this.dirty.size > 0 || this.deleted.size > 0; flushes++) {
      if (flushes === MAX_FLUSHES) {
        throw new InvalidRequestError(`${MAX_FLUSHES} flushes in a row left changes behind: an after-hook (afterInsert, afterUpdate, afterDelete) changes objects every time it runs`);
      }
      await this.flushOnce(trace, ending && flushes === 0);
    }
  }

  private async flushOnce(trace: Error | undefined, ending: boolean): Promise<void> {
    // Nothing has changed in memory yet: a failure to connect or to BEGIN leaves the session as it was (building
    // the plan changes no object).
    const alone = ending && this.mayCommitAlone();
    const conn = alone ? await this.connection() : await this.transactional();
    const startedAt = trace ? performance.now() : 0;
    if (trace) ormHooks.emit('flush', flushEvent(trace, this, transactionKeyOf(this.source, conn), this.pending.size, this.dirty.size, this.deleted));
    // A failure rolls back to before this flush: the transaction itself when it is the first, else a savepoint.
    const savepoint = this.flushCount > 0 ? `athanor_flush_${++this.savepointCounter}` : undefined;
    const uow = new UnitOfWork(this.flushContext(conn));
    let plan: FlushPlan;
    // Arrays, not Sets: only read back if the flush fails. Taken once the before-hooks ran: what they changed is
    // kept like the program's own changes (they run again on retry).
    let before: { pending: InstanceState[]; dirty: InstanceState[]; deleted: InstanceState[] } | undefined;
    try {
      if (savepoint) await conn.savepoint(savepoint);
      plan = await uow.prepare(this.flushHooksContext());
      // One statement alone is atomic; after-hooks, or a connection inside an outer transaction, need the transaction.
      if (alone && (!plan.singleStatement || hasAfterHooks(plan) || conn.inTransaction || conn.joinedToOuter === true)) await this.beginOn(conn);
      before = { pending: Array.from(this.pending), dirty: Array.from(this.dirty), deleted: Array.from(this.deleted) };
      await uow.execute(plan);
      if (savepoint) await conn.releaseSavepoint(savepoint);
    } catch (error) {
      if (before !== undefined) {
        uow.undo();
        restoreSet(this.pending, before.pending);
        restoreSet(this.dirty, before.dirty);
        restoreSet(this.deleted, before.deleted);
      }
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
    try {
      await uow.afterHooks(plan, this);
    } catch (error) {
      // The flush's memory is committed and cannot be taken back alone: the transaction goes, and everything it
      // wrote is pending again, as after a failed COMMIT.
      await this.endTransaction('rollback', 'retry').catch(noop);
      throw error;
    }
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
    if (trace === undefined && this.idle() && !runningHooksOf(this)) {
      // Nothing to flush (a request that only read): the commit only ends what the session holds.
      if (this.conn === undefined && this.connecting === undefined) return;
      await this.serialized(() => this.endTransaction('commit', 'retry'));
      return;
    }
    await this.serialized(() => this.commitNow(trace, caller));
  }

  private async commitNow(trace: Error | undefined, caller: { readonly callerLocation: string | undefined } | undefined): Promise<void> {
    await this.flushNow(trace, true);
    if (caller && this.conn) ormHooks.emit('commit', { session: this, transactionKey: transactionKeyOf(this.source, this.conn), callerLocation: caller.callerLocation });
    if (this.conn || this.connecting) await this.endTransaction('commit', 'retry');
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
    if (this.inFlight === undefined && this.conn === undefined && this.connecting === undefined && this.txLog.empty && !runningHooksOf(this)) {
      // Nothing held and nothing under way (the session of a request that committed): no transaction to end.
      this.forgetAll();
      return;
    }
    await this.serialized(async () => {
      if (this.closed) return;
      try {
        await this.endTransaction('rollback', 'discard');
      } finally {
        this.forgetAll();
      }
    });
  }

  /** The end of a close: objects detached (pending ones transient), unflushed changes discarded, the session closed. */
  private forgetAll(): void {
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
    this.checkOpen();
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
      target = await this.byKey(mapper, pkValues.length === 1 ? pkValues[0] : pkValues, FilterScope.none);
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

  /** @internal Raises when the session is closed. */
  checkOpen(): void {
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
    // A new transaction of this session: what the earlier ones loaded or wrote is held weakly from now on. Not at
    // the first: what is in the map then came from this unit of work (references, `add`s), and a WeakRef per object
    // costs its creation and the garbage collector's work on it (a one-row update by reference spent a fifth of its
    // time on these).
    if (this.connected) this.identityMap.weaken();
    this.connected = true;
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
      const conn = await this.source.connectForSession({ primary: this.options.primary === true, consistency: this.consistency });
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

  /**
   * On an engine with read replicas: an opaque, cookie-safe token saying how far the database had got at this
   * session's last commit, for the next request to pass as `consistencyToken` so it reads its own writes on
   * whichever process serves it. Undefined until the session has committed a write through such an engine (or was
   * given a token).
   *
   * ```ts
   * await s.commit();
   * const token = s.consistencyToken();
   * if (token) setCookie('athanor-rw', token, { httpOnly: true, maxAge: 60 });
   * ```
   */
  consistencyToken(): string | undefined {
    return this.consistency.token();
  }

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

  /** @internal A context for loads: their statements get `filters` (the session's unless a query has its own). */
  loaderContext(filters: FilterScope = this.filters): LoaderContext {
    return {
      dialect: this.source.dialect,
      identityMap: this.identityMap,
      hooks: this,
      filters,
      run: (node) => this.run(filters.rewrite(node)),
    };
  }

  private flushHooksContext(): FlushHooksContext {
    return {
      session: this,
      beforeFlush: this.options.beforeFlush,
      pending: this.pending,
      dirty: this.dirty,
      deleted: this.deleted,
      // In the flush's hook scope, entered only when there are afterLoad hooks to run.
      afterLoad: () => (this.afterLoadQueue === undefined ? Promise.resolve(false) : inHookScope(this, () => this.runAfterLoad())),
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
      // The unit of work reads every row: no filter hides a child from a cascade.
      filters: FilterScope.none,
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

/**
 * One INSERT, UPDATE or DELETE made from a node: atomic on its own on every database. Raw SQL is not known to be one
 * statement (nor what it does), and keeps the transaction.
 */
function isAtomicWrite(c: CompiledStatement): boolean {
  return c.kind === 'insert' || c.kind === 'update' || c.kind === 'delete';
}

/** Flushes one `flush()` or `commit()` runs at most while after-hooks keep leaving changes. */
const MAX_FLUSHES = 100;

const getByKeyStatements = new WeakMap<Mapper, WeakMap<Dialect, { compiled: CompiledStatement; shape: EntityShape }>>();

function restoreSet<T>(target: Set<T>, from: readonly T[]): void {
  target.clear();
  for (const x of from) target.add(x);
}

/** The primary key's parts, in key column order, from what `get()` / `reference()` were given. */
function keyParts(mapper: Mapper, key: unknown, pk: unknown): readonly unknown[] {
  if (mapper.primaryKeyIndexes.length === 1) return [key];
  return Array.isArray(pk) ? pk : mapper.primaryKeyIndexes.map((i) => (pk as Record<string, unknown>)[mapper.columns[i]!.key]);
}

/** Nothing but the primary key is loaded (a reference, or an expired object). */
function onlyKeyLoaded(st: InstanceState): boolean {
  const pk = st.mapper.primaryKeyIndexes;
  let others = 0;
  for (let i = 0; i < st.values.length; i++) {
    if (pk.includes(i)) continue;
    if (st.values[i] !== NOT_LOADED) return false;
    others++;
  }
  return others > 0;
}
