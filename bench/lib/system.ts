/** What a benchmarked system implements: one function per workload it supports. */

import type { DialectId } from './targets.js';
import type { Sizes, WorkloadId } from './workloads.js';

export interface RunContext {
  readonly sizes: Sizes;
  /** 0-based index of this run (warm-ups included): lets an update write a new value every time. */
  readonly iteration: number;
}

/** Runs the workload once and returns a check value that must equal raw's (rows seen, rows written...). */
export type WorkloadFn = (ctx: RunContext) => Promise<number>;

export interface SystemEnv {
  readonly dialect: DialectId;
  readonly url: string;
  readonly sizes: Sizes;
}

export interface SystemInstance {
  readonly workloads: Partial<Record<WorkloadId, WorkloadFn>>;
  /** Why a workload is missing from `workloads` on this dialect; reported with it. */
  readonly unsupported?: Partial<Record<WorkloadId, string>>;
  close(): Promise<void>;
}

export type SystemFactory = (env: SystemEnv) => Promise<SystemInstance>;

/** Thrown by a workload whose API the system does not have yet (Athanor while it is being built). */
export class Pending extends Error {
  override readonly name = 'Pending';
}

/** A value check: throw when a system saw a different number of rows than it should. */
export function expectEqual(what: string, actual: number, expected: number): number {
  if (actual !== expected) throw new Error(`${what}: got ${actual}, expected ${expected}`);
  return actual;
}
