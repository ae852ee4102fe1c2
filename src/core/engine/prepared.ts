/**
 * Prepared statements: compiled once, run many times with named values.
 *
 * ```ts
 * const byId = engine.prepare(select(artist.c.id, artist.c.name).from(artist).where(artist.c.id.eq(placeholder('id'))));
 * const a = await byId.one({ id: 7 });
 * ```
 * The SQL text is built once; each run only binds the values (checked against
 * the column types they were compared with) and sends the statement, which the
 * drivers keep prepared on their connections.
 */

import type { CompiledStatement } from '../compiler/compiled.js';
import { withParameters } from '../compiler/compiled.js';
import type { Dialect } from '../dialects/dialect.js';
import { typeMismatch } from '../schema/validate.js';
import type { SqlType } from '../schema/types.js';
import type { ExprNode, ParamNode, StatementNode } from '../sql/nodes.js';
import { NodeTransformer } from '../sql/transform.js';
import { Placeholder } from '../sql/placeholder.js';
import { AthanorError, InvalidArgumentError } from '../errors.js';
import type { Result, AnyRow } from './result.js';

/** Values for a prepared statement's placeholders, by name. */
export type PlaceholderValues = Readonly<Record<string, unknown>>;

/** How a prepared statement runs: the executor that made it. @internal */
export interface PreparedRunner {
  runPrepared<Row>(prepared: PreparedStatement<Row>, values: PlaceholderValues): Promise<Result<Row>>;
}

type Slot = { readonly fixed: unknown } | { readonly name: string; readonly type: SqlType | undefined };

/** The value given for placeholder `name`, checked against the type of what it is compared with. */
function placeholderValue(name: string, type: SqlType | undefined, values: PlaceholderValues, names: readonly string[]): unknown {
  if (!(name in values)) throw new AthanorError(`prepared statement: no value for placeholder "${name}" (needs: ${names.join(', ')})`);
  const value = values[name];
  if (value === undefined) throw new InvalidArgumentError(`prepared statement: placeholder "${name}" is undefined (use null for NULL)`, name, value);
  if (value !== null && type) {
    const expected = typeMismatch(type, value);
    if (expected) throw new InvalidArgumentError(`prepared statement: placeholder "${name}" expects ${expected}, got ${JSON.stringify(value)}`, name, value);
  }
  return value;
}

/** Replaces each placeholder's parameter with its value (checked as {@link StatementTemplate.bind} checks it). */
class PlaceholderBinding extends NodeTransformer {
  constructor(
    private readonly values: PlaceholderValues,
    private readonly names: readonly string[],
  ) {
    super();
  }

  protected override transformParam(node: ParamNode): ExprNode {
    if (!(node.value instanceof Placeholder)) return node;
    return { kind: 'param', value: placeholderValue(node.value.name, node.type, this.values, this.names), type: node.type };
  }
}

/**
 * `node` with its placeholders replaced by these values, for a statement built around a prepared one (a
 * subquery load embeds its parents' query). `names` are the placeholders the values are for, for errors.
 *
 * ```ts
 * const byId = select(artist.c.name).from(artist).where(artist.c.id.eq(placeholder('id')));
 * const bound = bindPlaceholders(byId.node, { id: 7 }, ['id']); // ... WHERE "artist"."id" = ? with 7 bound
 * ```
 * @internal
 */
export function bindPlaceholders<N extends StatementNode>(node: N, values: PlaceholderValues, names: readonly string[]): N {
  return new PlaceholderBinding(values, names).transformStatement(node) as N;
}

/**
 * A statement compiled for one dialect with its placeholders left open: binding values gives the statement to
 * send, without building or compiling anything again. Prepared Core statements and prepared ORM queries bind
 * through it.
 *
 * ```ts
 * const byId = select(artist.c.id, artist.c.name).from(artist).where(artist.c.id.eq(placeholder('id')));
 * const template = StatementTemplate.compile(dialect, byId.node);
 * const compiled = template.bind({ id: 7 }); // { sql: 'SELECT ... WHERE "artist"."id" = ?', parameters: [7], ... }
 * ```
 * @internal
 */
export class StatementTemplate {
  private constructor(
    readonly dialect: Dialect,
    private readonly template: CompiledStatement,
    /** For each bound parameter: a fixed, already bound value, or a placeholder to fill. */
    private readonly slots: readonly Slot[],
    /** The placeholders' names, each once, for errors. */
    readonly names: readonly string[],
  ) {}

  static compile(dialect: Dialect, node: StatementNode): StatementTemplate {
    const { compiled, params } = dialect.compiler.compileWithParams(node);
    const slots: Slot[] = params.map((p: ParamNode, i) =>
      p.value instanceof Placeholder ? { name: p.value.name, type: p.type } : { fixed: compiled.parameters[i] },
    );
    const names = [...new Set(slots.flatMap((s) => ('name' in s ? [s.name] : [])))];
    return new StatementTemplate(dialect, compiled, slots, names);
  }

  get sql(): string {
    return this.template.sql;
  }

  /** The compiled statement with these values bound (each checked against the type of what it is compared with). */
  bind(values: PlaceholderValues): CompiledStatement {
    const { dialect, slots, names } = this;
    if (names.length === 0) return this.template;
    const parameters = slots.map((slot) => ('fixed' in slot ? slot.fixed : dialect.bindValue(slot.type, placeholderValue(slot.name, slot.type, values, names))));
    return withParameters(this.template, parameters);
  }
}

export class PreparedStatement<Row = AnyRow> {
  private template: StatementTemplate | undefined;

  /** @internal */
  constructor(
    private readonly runner: PreparedRunner,
    private readonly node: StatementNode,
  ) {}

  /** Compiled on first use: the engine may learn its dialect only when it connects (MySQL vs MariaDB). */
  private compile(dialect: Dialect): StatementTemplate {
    if (this.template?.dialect === dialect) return this.template;
    this.template = StatementTemplate.compile(dialect, this.node);
    return this.template;
  }

  /** The SQL text for a dialect (compiled once). */
  sqlFor(dialect: Dialect): string {
    return this.compile(dialect).sql;
  }

  /** @internal The compiled statement with these values bound. */
  bind(values: PlaceholderValues, dialect: Dialect): CompiledStatement {
    return this.compile(dialect).bind(values);
  }

  execute(values: PlaceholderValues = {}): Promise<Result<Row>> {
    return this.runner.runPrepared<Row>(this, values);
  }
  async all(values?: PlaceholderValues): Promise<Row[]> {
    return (await this.execute(values)).rows;
  }
  async first(values?: PlaceholderValues): Promise<Row | undefined> {
    return (await this.execute(values)).first();
  }
  async one(values?: PlaceholderValues): Promise<Row> {
    return (await this.execute(values)).one();
  }
  async scalar(values?: PlaceholderValues): Promise<Row[keyof Row] | undefined> {
    return (await this.execute(values)).scalar();
  }
}
