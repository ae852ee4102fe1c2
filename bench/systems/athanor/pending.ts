/**
 * The parts of Athanor's query API that issue 7 names but that may not have
 * landed yet. Reached through these helpers so the bench type-checks either
 * way; a missing method makes the workload `pending` instead of failing.
 */

import * as orm from '../../../src/orm/index.js';
import type { Expression, Predicate } from '../../../src/index.js';
import { Pending } from '../../lib/system.js';

export interface Runnable<R> {
  all(): Promise<R[]>;
}

/** `s.query(M)` as the issue describes it. */
export interface FullQuery<R> extends Runnable<R> {
  where(...conditions: Predicate[]): FullQuery<R>;
  orderBy(...items: Expression<unknown>[]): FullQuery<R>;
  limit(n: number): FullQuery<R>;
  join(relationship: unknown): FullQuery<R>;
  options(...options: unknown[]): FullQuery<R>;
  count(): Promise<number>;
  update(values: Record<string, unknown>, options?: { synchronize?: string | false }): Promise<number>;
}

/** Call `name` on `target`, or mark the workload pending when Athanor has no such method yet. */
export function needs<T>(target: object, name: string): T {
  const f = (target as Record<string, unknown>)[name];
  if (typeof f !== 'function') throw new Pending(`${name}() is not in Athanor's query API yet`);
  return (f as (...args: unknown[]) => unknown).bind(target) as T;
}

/** A loader option factory (`selectinLoad`, ...) from the ORM's exports, if it has landed. */
export function loaderOption(name: string): ((attr: unknown) => unknown) | undefined {
  const f = (orm as Record<string, unknown>)[name];
  return typeof f === 'function' ? (f as (attr: unknown) => unknown) : undefined;
}
