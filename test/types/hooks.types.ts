/**
 * Type tests for lifecycle hooks, onUpdate and validators: `tsc --noEmit` checks the `@ts-expect-error` lines.
 */
import { integer, identity, sql, table, text, timestamp } from '../../src/index.js';
import { Model, type LifecycleEvent } from '../../src/orm/index.js';

const noteTable = table('note', {
  id: identity(),
  body: text().notNull().validate((v) => v.length < 1000 || 'is too long'),
  stars: integer().validate((v) => v >= 0),
  updatedAt: timestamp('updated_at').onUpdate(() => new Date()),
  touchedAt: timestamp('touched_at').onUpdate(sql`CURRENT_TIMESTAMP`),
});

// @ts-expect-error a check takes the column's value type
text().validate((v: number) => v > 0);
// @ts-expect-error an onUpdate value has the column's type
timestamp().onUpdate(() => 'yesterday');
// @ts-expect-error a check returns a verdict or a message
integer().validate((v) => [v]);

export class Note extends Model(noteTable, { validateOnSet: true }) {
  // `this` is the typed object; hooks may be async.
  override beforeInsert(): void {
    this.body = this.body.trim();
  }
  override async afterUpdate({ session, changed }: LifecycleEvent): Promise<void> {
    if (changed.includes('body')) await session.flush();
  }
  override validate() {
    if (this.stars !== null && this.stars > 5) return { stars: 'at most 5' };
    return undefined;
  }
}

export class Typo extends Model(noteTable) {
  // @ts-expect-error override checks the hook's name
  override beforInsert(): void {}
}

export class WrongAttribute extends Model(noteTable) {
  // @ts-expect-error validate() names failures by the model's columns
  override validate() {
    return { nope: 'x' };
  }
}

export class WrongHookType extends Model(noteTable) {
  // @ts-expect-error a hook returns nothing or a promise
  override afterLoad(): number {
    return 1;
  }
}

// @ts-expect-error unknown model option
export class BadOption extends Model(noteTable, { validateOnSave: true }) {}
