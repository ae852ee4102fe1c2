/** Athanor ORM: mapped models, sessions, relationships, loading strategies. */
export { Model, mapped, tableOf, type ColumnValues, type InitOf, type ModelClass, type ModelInstance, type Related, type RelatedValue, type EntityMethods, type MappedInstance, type PrimaryKeyOf, type LoadedToOneNull } from './model.js';
export type { ModelOptions } from './mapper.js';
export type { BeforeFlushEvent, BeforeFlushHook, HookResult, LifecycleEvent, ModelHooks, ValidationResult } from './lifecycle.js';
export { many, one, RelationshipAttribute, type RelationshipOptions, type LoadStrategy, type EagerStrategy, type Cascade } from './relationship.js';
export { Collection, type Relation, type RelationOps } from './collection.js';
export { Session, type SessionOptions, type DeleteOptions, type ExecuteOptions } from './session.js';
export type { UpsertOptions } from './upsert.js';
export {
  defineFilter,
  softDelete,
  softDeleteFilter,
  QueryFilter,
  ModelFilter,
  SoftDelete,
  FilterArguments,
  type FilterOptions,
  type FilterSwitch,
  type AnyQueryFilter,
  type FilterConditionOf,
  type SoftDeleteOptions,
} from './filters/define.js';
export {
  FlushPlan,
  OrderingRule,
  type FlushStep,
  type InsertStep,
  type UpdateStep,
  type NullOutStep,
  type LinkInsertStep,
  type LinkDeleteStep,
  type DeleteStep,
  type PostUpdateStep,
  type SoftDeleteStep,
  type RestoreStep,
} from './unit-of-work/plan.js';
export { Database, database } from './database.js';
export type { SessionRunOptions } from './retry.js';
export { currentSession, withSession, SessionScope, type ScopeOutcome } from './scope.js';
export { mapperOf, isModel, Mapper } from './mapper.js';
export * from './errors.js';
export { Query, type JoinTarget, type EntityStreamOptions } from './query/query.js';
export { ProjectionQuery } from './query/projection.js';
export { PreparedQuery } from './query/prepared.js';
export { EntityColumnsQuery, type ComputedColumns, type ComputedValues } from './query/with-columns.js';
export type { Page, PageCursor, PaginateOptions } from './query/keyset.js';
export { aliased, type AliasedModel, type ModelColumns } from './query/aliased.js';
export type { BulkOptions, BulkValues } from './query/bulk.js';
export {
  joinedLoad,
  selectinLoad,
  jsonLoad,
  subqueryLoad,
  immediateLoad,
  lazyLoad,
  noLoad,
  raiseLoad,
  defer,
  undefer,
  loadOnly,
  noBatch,
  loadWith,
  LoadOption,
  ColumnsOption,
  BatchOption,
  type Loaded,
  type OptionsOverlay,
  type PathOverlay,
  type QueryOption,
} from './query/options.js';
export { serialize, type SerializeShape } from './loading/serialize.js';
