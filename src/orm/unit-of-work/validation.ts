/**
 * Validation in a flush: every object the plan inserts or updates is checked before its first statement — the
 * columns' own checks (`validate()` on the column; for an update, of the columns that changed) and the model's
 * `validate()` — and every failure is reported together, in one {@link ValidationError}.
 *
 * @internal
 */

import { columnCheckFailures } from '../../core/schema/validate.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { callFlushHook, changedKeys } from '../lifecycle.js';
import type { Session } from '../session.js';
import { NOT_LOADED, primaryKeyOf, type InstanceState } from '../state.js';
import type { FlushPlan } from './plan.js';

/** Check what `plan` writes; throws a {@link ValidationError} listing every failure. */
export async function validatePlan(session: Session, plan: FlushPlan): Promise<void> {
  let issues: ValidationIssue[] | undefined;
  for (const step of plan.steps) {
    if (step.kind !== 'insert' && step.kind !== 'update') continue;
    const mapper = step.mapper;
    const validate = mapper.hooks.validate;
    if (mapper.validatedIndexes.length === 0 && validate === undefined) continue;
    const isNew = step.kind === 'insert';
    for (const st of step.states) {
      const checked = isNew ? mapper.validatedIndexes : st.changedColumns().filter((i) => mapper.validatedIndexes.includes(i));
      for (const i of checked) {
        const value = st.values[i];
        if (value === NOT_LOADED) continue;
        for (const message of columnCheckFailures(mapper.columns[i]!, value)) {
          (issues ??= []).push(issue(st, mapper.columns[i]!.key, value, message));
        }
      }
      if (validate === undefined) continue;
      const result = await callFlushHook(session, 'validate', validate, st, changedKeys(st, isNew ? 'beforeInsert' : 'validate'));
      const found = modelIssues(st, result);
      if (found.length > 0) (issues ??= []).push(...found);
    }
  }
  if (issues !== undefined) throw new ValidationError(issues);
}

function issue(st: InstanceState, attribute: string | undefined, value: unknown, message: string): ValidationIssue {
  return { model: st.mapper.name, object: st.obj, key: primaryKeyOf(st), attribute, value, message };
}

/** What a model's `validate()` returned, as issues: a message for the object, or messages by attribute. */
function modelIssues(st: InstanceState, result: unknown): ValidationIssue[] {
  if (result === undefined || result === null) return [];
  if (typeof result === 'string') return [issue(st, undefined, undefined, result)];
  if (typeof result !== 'object') return [issue(st, undefined, undefined, `validate() returned ${typeof result}; return a message, or messages by attribute`)];
  const out: ValidationIssue[] = [];
  for (const [attribute, message] of Object.entries(result as Record<string, unknown>)) {
    if (message === undefined || message === null) continue;
    out.push(issue(st, attribute, attributeValue(st, attribute), String(message)));
  }
  return out;
}

/** The attribute's value for the report, read without loading anything (an unloaded column shows as undefined). */
function attributeValue(st: InstanceState, attribute: string): unknown {
  if (!st.mapper.hasColumn(attribute)) return undefined;
  const value = st.values[st.mapper.columnIndex(attribute)];
  return value === NOT_LOADED ? undefined : value;
}
