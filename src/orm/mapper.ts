/**
 * The mapper: everything the ORM knows about one model class — its table,
 * columns by index, primary key, relationships — and the two ways objects come
 * to life: `new Model(...)` (transient) and hydration from rows (persistent).
 *
 * Attribute access goes through accessors installed once on the prototype and
 * reading a values array by index, so hydrating a row allocates two objects.
 */

import type { Column } from '../core/schema/column.js';
import type { Table } from '../core/schema/table.js';
import { InvalidRequestError } from './errors.js';
import { registerModelFilters } from './filters/define.js';
import { keyAt, keyOf } from './identity-key.js';
import { mapperLookup, RelationshipAttribute, type ModelCtor } from './relationship.js';
import { InstanceState, STATE, type LoadGroup, type SessionHooks, type Status } from './state.js';
import { findHooks, type MapperHooks } from './lifecycle.js';

const MAPPER: unique symbol = Symbol('athanor.mapper');
/** Static slot on a model base class holding its table. @internal */
export const TABLE: unique symbol = Symbol('athanor.table');
/** Static slot on a model base class holding the options given to `Model(table, options)`. @internal */
export const MODEL_OPTIONS: unique symbol = Symbol('athanor.modelOptions');

/**
 * Options of a model, the second argument of `Model(table, options)`.
 *
 * ```ts
 * class User extends Model(userTable, { validateOnSet: true }) {}
 * new User({ email: 'nobody' }); // ValidationError: 1 validation failure: User(pending).email must contain @, got "nobody"
 * ```
 */
export interface ModelOptions {
  /**
   * Run the columns' own checks (`validate()`) when an attribute is set, too, so a bad value fails where it is
   * assigned (and is not set). The flush checks them anyway; the model's `validate()` runs at flush only.
   */
  readonly validateOnSet?: boolean;
}

type ModelWithStatics = ModelCtor & { [MAPPER]?: Mapper; [TABLE]?: Table; [MODEL_OPTIONS]?: ModelOptions };

export class Mapper {
  readonly name: string;
  readonly table: Table;
  readonly columns: readonly Column<unknown>[];
  readonly primaryKeyIndexes: readonly number[];
  readonly versionIndex: number;
  readonly relationships: readonly RelationshipAttribute[];
  readonly prototype: object;
  /** Allocates instances for hydration: a plain constructor over the model's prototype (cheaper than Object.create). */
  private readonly shell: new () => { [STATE]: InstanceState };
  private readonly columnIndexByKey: ReadonlyMap<string, number>;
  private readonly relationshipByKey: ReadonlyMap<string, RelationshipAttribute>;
  /** Columns whose values come from the database when omitted (autoincrement, server default). */
  readonly serverGeneratedIndexes: readonly number[];
  /** The lifecycle hooks the model declares (instance methods). */
  readonly hooks: MapperHooks;
  /** Columns declared with `onUpdate()`: every UPDATE of a row sets them unless its change does. */
  readonly onUpdateIndexes: readonly number[];
  /** Columns with checks of their own (`validate()`). */
  readonly validatedIndexes: readonly number[];
  /** Run the columns' checks at set time too (`Model(table, { validateOnSet: true })`). */
  readonly validateOnSet: boolean;

  constructor(readonly model: ModelCtor, table: Table) {
    this.name = model.name;
    this.table = table;
    this.columns = table.columns;
    this.columnIndexByKey = new Map(this.columns.map((c, i) => [c.key, i]));
    this.primaryKeyIndexes = table.primaryKey.map((pk) => this.columns.indexOf(pk));
    if (this.primaryKeyIndexes.length === 0) {
      throw new InvalidRequestError(`${this.name}: table "${table.name}" has no primary key; the ORM needs one to identify rows`);
    }
    this.versionIndex = this.columns.findIndex((c) => c.declaration.version);
    this.serverGeneratedIndexes = this.columns
      .map((c, i) => (c.autoIncrement || c.declaration.serverDefault !== undefined ? i : -1))
      .filter((i) => i >= 0);
    this.onUpdateIndexes = this.columns.map((c, i) => (c.declaration.onUpdate !== undefined ? i : -1)).filter((i) => i >= 0);
    this.validatedIndexes = this.columns.map((c, i) => (c.declaration.validators !== undefined ? i : -1)).filter((i) => i >= 0);
    this.validateOnSet = (model as ModelWithStatics)[MODEL_OPTIONS]?.validateOnSet === true && this.validatedIndexes.length > 0;
    this.prototype = model.prototype as object;
    this.hooks = findHooks(this.prototype);
    const shell = function (this: { [STATE]: InstanceState | undefined }) {
      this[STATE] = undefined;
    } as unknown as new () => { [STATE]: InstanceState };
    shell.prototype = this.prototype;
    this.shell = shell;

    const rels: RelationshipAttribute[] = [];
    for (const key of Object.getOwnPropertyNames(model)) {
      const found = (model as unknown as Record<string, unknown>)[key];
      if (found instanceof RelationshipAttribute) {
        const value = found as RelationshipAttribute;
        if (value.parent && value.parent !== this) {
          throw new InvalidRequestError(`relationship ${value.name} is declared on two models`);
        }
        if (this.columnIndexByKey.has(key)) {
          throw new InvalidRequestError(`${this.name}.${key} is both a column and a relationship`);
        }
        value.parent = this;
        value.key = key;
        value.ordinal = rels.length;
        rels.push(value);
      }
    }
    this.relationships = rels;
    this.relationshipByKey = new Map(rels.map((r) => [r.key, r]));
    this.installRelationshipAccessors();
  }

  private installRelationshipAccessors(): void {
    for (const attr of this.relationships) {
      Object.defineProperty(this.prototype, attr.key, {
        configurable: true,
        enumerable: false,
        get(this: { [STATE]: InstanceState }) {
          return this[STATE].getRelated(attr);
        },
        set(this: { [STATE]: InstanceState }, value: unknown) {
          this[STATE].setRelated(attr, value);
        },
      });
    }
  }

  columnIndex(key: string): number {
    const i = this.columnIndexByKey.get(key);
    if (i === undefined) {
      throw new InvalidRequestError(`${this.name} has no attribute "${key}" (columns: ${[...this.columnIndexByKey.keys()].join(', ')})`);
    }
    return i;
  }

  hasColumn(key: string): boolean {
    return this.columnIndexByKey.has(key);
  }

  relationship(key: string): RelationshipAttribute {
    const r = this.relationshipByKey.get(key);
    if (!r) {
      throw new InvalidRequestError(
        `${this.name} has no relationship "${key}"${this.relationships.length > 0 ? ` (relationships: ${[...this.relationshipByKey.keys()].join(', ')})` : ''}`,
      );
    }
    return r;
  }

  hasRelationship(key: string): boolean {
    return this.relationshipByKey.has(key);
  }

  relationshipIndex(attr: RelationshipAttribute): number {
    // A relationship belongs to one mapper (the constructor refuses a second), which numbers it.
    if (attr.parent !== this) throw new InvalidRequestError(`${attr.name} is not a relationship of ${this.name}`);
    return attr.ordinal;
  }

  isInstance(value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [STATE]?: InstanceState })[STATE]?.mapper === this;
  }

  /** The identity-map key of a row: the primary key value, or a string joining a composite key. */
  identityKey(values: readonly unknown[]): unknown {
    return keyAt(values, this.primaryKeyIndexes);
  }

  /** The identity key of a user-supplied primary key (a value, or an array / object for composite keys). */
  identityKeyOf(pk: unknown): unknown {
    const idx = this.primaryKeyIndexes;
    if (idx.length === 1) {
      if (Array.isArray(pk)) return pk[0];
      if (typeof pk === 'object' && pk !== null && !(pk instanceof Date)) return (pk as Record<string, unknown>)[this.columns[idx[0]!]!.key];
      return pk;
    }
    const parts = Array.isArray(pk)
      ? pk
      : idx.map((i) => (pk as Record<string, unknown>)[this.columns[i]!.key]);
    if (parts.length !== idx.length) {
      throw new InvalidRequestError(`${this.name} has a composite primary key (${idx.map((i) => this.columns[i]!.key).join(', ')}): pass every part`);
    }
    return keyOf(parts);
  }

  /** A new persistent object from column values (in column order). @internal */
  hydrate(values: unknown[], status: Status = 'persistent'): { [STATE]: InstanceState } {
    const obj = new this.shell();
    obj[STATE] = new InstanceState(this, obj, values, status);
    return obj;
  }

  /** A persistent object just loaded into a session (hydration's hot path). @internal */
  hydrateLoaded(values: unknown[], key: unknown, session: SessionHooks, group: LoadGroup | undefined): object {
    const obj = this.hydrate(values);
    const st = obj[STATE];
    st.key = key;
    st.session = session;
    if (group !== undefined) {
      st.group = group;
      group.states.push(st);
    }
    if (this.hooks.afterLoad !== undefined) session.queueAfterLoad(st);
    return obj;
  }

  toString(): string {
    return this.name;
  }
}

/** The mapper of a model class, created the first time the class is used. */
export function mapperOf(model: ModelCtor): Mapper {
  const m = model as ModelWithStatics;
  if (Object.prototype.hasOwnProperty.call(m, MAPPER)) return m[MAPPER]!;
  const table = m[TABLE];
  if (!table) throw new InvalidRequestError(`${model.name} is not a mapped model: declare it as \`class ${model.name} extends Model(table)\``);
  const mapper = new Mapper(model, table);
  registerModelFilters(mapper);
  Object.defineProperty(m, MAPPER, { value: mapper, enumerable: false });
  // A class's own `name` and `length` shadow columns of those names inherited from Model(table): put them back.
  for (const key of ['name', 'length'] as const) {
    if (table.hasColumn(key)) {
      Object.defineProperty(m, key, { value: table.column(key), configurable: true, enumerable: false, writable: false });
    }
  }
  return mapper;
}

mapperLookup.of = mapperOf;

/** True for a model class (declared with `extends Model(table)`). */
export function isModel(value: unknown): value is ModelCtor {
  return typeof value === 'function' && (value as ModelWithStatics)[TABLE] !== undefined;
}
