/**
 * The flush plan: what a flush will write, in order, as data you can read and assert.
 *
 * A flush is "build the plan, run the plan". Building it (collect changes → expand cascades → order) needs no
 * connection unless a delete cascade must load children that are not loaded yet; running it (`execute.ts`) copies
 * keys, emits the statements and keeps the record that undoes the flush.
 *
 * The phases, in the order the unit of work has always run them (read from the single-class flush this replaced):
 *
 * ```
 *  0. snapshot   every pending, dirty and deleted object (and, as they come up, every other object the flush
 *                touches) so a failed flush can put it back exactly
 *  1. cascades   a. orphans of delete-orphan relationships: pending ones dropped, persistent ones deleted
 *                b. deletes, breadth first, one load per relationship and level:
 *                   many-to-many          → link rows of the deleted parents cleared (unless passiveDeletes)
 *                   many-to-one + delete  → the parent is deleted too
 *                   one-to-many passive   → loaded children forgotten / their key cleared in memory, no SQL
 *                   one-to-many + delete  → children deleted
 *                   one-to-many otherwise → children's key set to NULL (one UPDATE by parent keys)
 *  2. relationships  changed slots become key writes (clears before sets) and link rows (adds, removes)
 *  3. order      every mapper with something to write, parents first (foreign keys; cycles broken)
 *  4. per mapper, parents first:
 *                a. DELETE now when no table of this flush points at it and nothing is detached first (early delete)
 *                b. copy parent keys, INSERT pending rows (self-referential ones level by level)
 *                c. copy parent keys into persistent rows, UPDATE changed rows
 *  5. post-updates  keys that closed a cycle, written by a second UPDATE
 *     soft deletes  the soft-delete column of soft-deleted and restored objects (their cascades expanded in 1,
 *                   before the hard ones), one UPDATE per model
 *  6. link rows  DELETE removed links, then INSERT added ones
 *  7. detach     link rows of deleted parents, then children's keys set to NULL
 *  8. deletes    children first (reverse order), mappers deleted early skipped
 *  9. memory     on success: inserted → persistent, deleted → detached, changes forgotten;
 *                on failure: every snapshot restored, inserted objects out of the identity map
 * ```
 *
 * What changed in the split: phases 1–3 now only build data (the cascades' in-memory effects are recorded as
 * {@link MemoryEffect}s and applied when the plan runs, before its first step), and whether a key copy waits for a
 * post-update is decided while ordering, so a NOT NULL key a cycle would defer is refused before any SQL.
 * Phases 0 and 9 are the plan's execution record (`record.ts`), which the session's transaction record absorbs.
 * The one change of behaviour: a cycle among new rows of one table used to lose one key (its post-update found
 * the value already copied into memory and wrote nothing); it is now written.
 *
 * @internal
 */

import type { Table } from '../../core/schema/table.js';
import type { Mapper } from '../mapper.js';
import type { RelationshipAttribute } from '../relationship.js';
import type { InstanceState } from '../state.js';
import { assertNever } from '../../core/sql/nodes.js';

/**
 * The rules that put a step where it is. Each step names the rule that placed it; the code applying a rule
 * (`order.ts`, `changes.ts`) names it, with the reason.
 *
 * ```ts
 * plan.steps.filter((s) => s.rule === OrderingRule.EarlyDelete); // deletes that run before the inserts
 * ```
 */
export const OrderingRule = {
  /** Inserts and updates run parents first (foreign-key order): a child's row needs its parent's key. */
  ParentsFirst: 'parents-first',
  /** Pending rows of a self-referential table go level by level: a new row's parent is inserted before it. */
  SelfReferentialLevels: 'self-referential-levels',
  /** A key that closes a cycle is inserted as NULL and written by a second UPDATE after both rows exist. */
  PostUpdate: 'post-update',
  /** Link rows go after every row insert: a link needs the keys of both its ends. */
  LinksAfterRows: 'links-after-rows',
  /** Removed links are deleted before added ones are inserted: a link removed and re-added must end up present. */
  LinkRemovesBeforeAdds: 'link-removes-before-adds',
  /** Link rows and children's keys that point at a deleted parent go before the parent's DELETE. */
  DetachBeforeDelete: 'detach-before-delete',
  /** Deletes run children first (reverse foreign-key order): a parent's row must outlive the rows pointing at it. */
  ChildrenFirst: 'children-first',
  /**
   * Rows of a table nothing in this flush points at are deleted before the inserts: replacing a one-to-one child
   * (a unique foreign key) must free the key before the new row takes it.
   */
  EarlyDelete: 'early-delete',
  /**
   * A soft delete or a restore is an UPDATE of one column that no foreign key depends on: it runs after the other
   * updates, one step per model, and deletes nothing (a soft-deleted parent's children keep their keys and links).
   */
  SoftDelete: 'soft-delete',
  /**
   * Key clears are applied before key sets: a child moved from one parent to another keeps its new parent. It orders
   * the key writes inside a step, so no step carries it.
   */
  ClearsBeforeSets: 'clears-before-sets',
} as const;
export type OrderingRule = (typeof OrderingRule)[keyof typeof OrderingRule];

/**
 * A foreign-key copy: `child`'s columns take `parent`'s key (or NULL when `parent` is null).
 * `deferred` writes are inserted as NULL and written by the post-update step ({@link OrderingRule.PostUpdate}).
 *
 * @internal
 */
export interface KeyWrite {
  readonly child: InstanceState;
  readonly childColumns: readonly number[];
  readonly parent: InstanceState | null;
  readonly parentColumns: readonly number[];
  /** Only clear the key if it still points at this parent (a child removed from a collection). */
  readonly onlyIfParent?: InstanceState | undefined;
}

/** A many-to-many link between two objects through `relationship`'s secondary table. @internal */
export interface LinkRow {
  readonly relationship: RelationshipAttribute;
  readonly parent: InstanceState;
  readonly child: InstanceState;
}

interface StepBase {
  /** The rule that put this step where it is. */
  readonly rule: OrderingRule;
  /** The mapper whose rows (or whose relationship's rows) the step writes. */
  readonly mapper: Mapper;
  /** The table the step's statements write. */
  readonly table: Table;
  /** The objects the step is about (the rows written; for nullOut / linkDelete by parent: the deleted parents). */
  readonly objects: readonly object[];
  /** @internal */
  readonly states: readonly InstanceState[];
}

/** INSERT pending rows of one mapper, after copying their parents' keys into them. */
export interface InsertStep extends StepBase {
  readonly kind: 'insert';
  /** The self-referential level (0 = no new parent of the same table), or undefined when levels do not apply. */
  readonly level: number | undefined;
  /** @internal */
  readonly keyWrites: readonly KeyWrite[];
}

/** UPDATE persistent rows of one mapper with changed columns (keys copied from new parents included). */
export interface UpdateStep extends StepBase {
  readonly kind: 'update';
  /** @internal */
  readonly keyWrites: readonly KeyWrite[];
}

/** UPDATE ... SET fk = NULL for the children of deleted parents (no delete cascade): `objects` are the parents. */
export interface NullOutStep extends StepBase {
  readonly kind: 'nullOut';
  readonly relationship: RelationshipAttribute;
}

/** INSERT link rows into one secondary table. */
export interface LinkInsertStep extends StepBase {
  readonly kind: 'linkInsert';
  /** @internal */
  readonly links: readonly LinkRow[];
}

/** DELETE link rows: those removed from collections (`by: 'link'`), or all of deleted parents (`by: 'parent'`). */
export interface LinkDeleteStep extends StepBase {
  readonly kind: 'linkDelete';
  readonly by: 'link' | 'parent';
  /** The relationship, for `by: 'parent'`. */
  readonly relationship: RelationshipAttribute | undefined;
  /** @internal */
  readonly links: readonly LinkRow[];
}

/** DELETE rows of one mapper by primary key. */
export interface DeleteStep extends StepBase {
  readonly kind: 'delete';
}

/** The second UPDATE writing keys that closed a dependency cycle. */
export interface PostUpdateStep extends StepBase {
  readonly kind: 'postUpdate';
  /** @internal */
  readonly keyWrites: readonly KeyWrite[];
}

/** UPDATE the soft-delete column of objects of one model that soft-deletes, marking them deleted. */
export interface SoftDeleteStep extends StepBase {
  readonly kind: 'softDelete';
}

/** UPDATE the soft-delete column of objects of one model back to "not deleted". */
export interface RestoreStep extends StepBase {
  readonly kind: 'restore';
}

/** One step of a {@link FlushPlan}: a group of rows written by one kind of statement (one or more, by chunk). */
export type FlushStep = InsertStep | UpdateStep | NullOutStep | LinkInsertStep | LinkDeleteStep | DeleteStep | PostUpdateStep | SoftDeleteStep | RestoreStep;

/**
 * What a cascade changes in memory only (no SQL), in the order the cascades found it; applied when the plan runs,
 * before its first step, and undone if it fails.
 * - `drop`: a pending object removed by a cascade or as an orphan becomes transient (it is not inserted);
 * - `forget`: a child the database deletes itself (ON DELETE CASCADE, passiveDeletes) becomes detached;
 * - `clearKey`: a child whose key the database (or a nullOut step) sets to NULL gets NULL in memory too (and, for a
 *   nullOut step, its `onUpdate()` columns unloaded: the statement set them);
 * - `mark`: a soft-delete column takes its deleted (or restored) value, which a softDelete / restore step writes;
 *   the object stays in the session (its row is still there), no longer marked for deletion.
 *
 * @internal
 */
export type MemoryEffect =
  | { readonly kind: 'mark'; readonly state: InstanceState; readonly index: number; readonly value: unknown }
  | { readonly kind: 'drop'; readonly state: InstanceState }
  | { readonly kind: 'forget'; readonly state: InstanceState }
  | {
      readonly kind: 'clearKey';
      readonly state: InstanceState;
      readonly relationship: RelationshipAttribute;
      /** Cleared by a nullOut step's UPDATE (which also sets the row's `onUpdate()` columns), not by the database. */
      readonly byStatement: boolean;
    };

/**
 * The ordered, immutable list of steps a flush runs. Read it to see what a flush will do; tests assert it.
 *
 * ```ts
 * const plan = await session.plan();
 * console.log(plan.toString());
 * // 1. insert Artist ×1 (parents-first)
 * // 2. insert Song ×2 (parents-first)
 * ```
 */
export class FlushPlan {
  /** @internal Every object deleted (the program's and the cascades'). */
  readonly deleted: ReadonlySet<InstanceState>;
  /** @internal */
  readonly memory: readonly MemoryEffect[];
  /** @internal Every object the flush may change, in the order it first came up (snapshotted before the first step). */
  readonly touched: readonly InstanceState[];
  /** @internal Key writes inserted as NULL and written by a post-update step. */
  readonly deferred: ReadonlySet<KeyWrite>;

  /** @internal */
  constructor(
    readonly steps: readonly FlushStep[],
    parts: {
      readonly deleted: ReadonlySet<InstanceState>;
      readonly memory: readonly MemoryEffect[];
      readonly touched: readonly InstanceState[];
      readonly deferred: ReadonlySet<KeyWrite>;
    },
  ) {
    this.deleted = parts.deleted;
    this.memory = parts.memory;
    this.touched = parts.touched;
    this.deferred = parts.deferred;
  }

  /**
   * The plan frozen, steps included, as `session.plan()` hands it out. The flush's own plan is not frozen: it never
   * leaves the unit of work, and freezing cost a one-row flush half a microsecond.
   * @internal
   */
  freeze(): this {
    Object.freeze(this.steps);
    for (const step of this.steps) Object.freeze(step);
    return Object.freeze(this);
  }

  /** True when the flush writes nothing. */
  get isEmpty(): boolean {
    return this.steps.length === 0;
  }

  /**
   * True when the plan is one statement that either writes everything or nothing: one INSERT, UPDATE or DELETE of
   * one object. Such a statement is atomic by itself, so a commit whose whole flush it is needs no BEGIN/COMMIT
   * around it (three round trips become one). Several objects are not counted as one statement even when they
   * would fit in one: an UPDATE or DELETE of several rows that matches fewer than it expected has already written
   * the others when its row count is checked, and only a transaction can take those back.
   *
   * ```ts
   * s.add(new Artist({ name: 'Queen' }));
   * (await s.plan()).singleStatement; // true: commit() sends the INSERT alone
   * ```
   */
  get singleStatement(): boolean {
    if (this.steps.length !== 1) return false;
    const step = this.steps[0]!;
    switch (step.kind) {
      case 'insert':
      case 'update':
      case 'delete':
      case 'softDelete':
      case 'restore':
        return step.states.length === 1;
      case 'postUpdate':
      case 'nullOut':
      case 'linkInsert':
      case 'linkDelete':
        // Keyed by parents or links, chunked by their number: not always one statement.
        return false;
      default:
        return assertNever(step);
    }
  }

  /**
   * One line per step: number, kind, what it writes, how many objects, the rule that placed it.
   *
   * ```ts
   * plan.describe(); // ['insert Player ×1 (parents-first)', 'insert Team ×1 (parents-first)', 'postUpdate Player ×1 (post-update)']
   * ```
   */
  describe(): string[] {
    return this.steps.map(describeStep);
  }

  /** The plan as numbered lines, for logs and debugging. */
  toString(): string {
    if (this.steps.length === 0) return '(nothing to flush)';
    return this.describe()
      .map((line, i) => `${i + 1}. ${line}`)
      .join('\n');
  }
}

/** One step as a line: `insert Song ×2 (parents-first)`, `nullOut Band.members ×3 (detach-before-delete)`. */
export function describeStep(step: FlushStep): string {
  const n = `×${step.objects.length}`;
  switch (step.kind) {
    case 'insert':
      return `insert ${step.mapper.name} ${n}${step.level === undefined ? '' : ` level ${step.level}`} (${step.rule})`;
    case 'update':
    case 'delete':
    case 'postUpdate':
    case 'softDelete':
    case 'restore':
      return `${step.kind} ${step.mapper.name} ${n} (${step.rule})`;
    case 'nullOut':
      return `nullOut ${step.relationship.name} ${n} (${step.rule})`;
    case 'linkInsert':
      return `linkInsert ${step.table.name} ×${step.links.length} (${step.rule})`;
    case 'linkDelete':
      return step.by === 'parent'
        ? `linkDelete ${step.table.name} by ${step.relationship!.name} ${n} (${step.rule})`
        : `linkDelete ${step.table.name} ×${step.links.length} (${step.rule})`;
    default:
      return assertNever(step);
  }
}
