/**
 * The execution layer: engines, connections, transactions, results, events
 * and the driver contract.
 */

export { ConsistentExecutor, Engine, PrimaryExecutor, type EngineOptions } from './engine.js';
export { ReadConsistency } from './replicas/consistency.js';
export type { ReplicaStats, ReplicaStatus, ReplicationOptions } from './replicas/replica-set.js';
export { Connection, Executor, OpenTransaction, Transaction, type EngineTransactionOptions, type StreamOptions } from './executor.js';
export type { RetryEvent, RetryOptions, RetrySetting } from './retry.js';
export { Result, type AnyRow, type Executable, type RowOfStatement } from './result.js';
export type { CopyOptions, CopyRows } from './copy.js';
export {
  executionHooks,
  ExecutionEvents,
  type AfterExecuteEvent,
  type ExecuteErrorEvent,
  type ExecutionEvent,
  type ExecutionEventName,
  type ExecutionKind,
  type ExecutionListeners,
  type ReplicaFallbackEvent,
} from './events.js';
export type { CopySource, Driver, DriverBatch, DriverConnection, DriverModule, DriverResult, DriverUrlOptions } from './driver.js';
export { rowBuilding } from './rows.js';
export { PreparedStatement, type PlaceholderValues } from './prepared.js';
