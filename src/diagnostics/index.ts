/**
 * Diagnostics: measure statements, catch N+1 and the other ORM pitfalls, and
 * read query plans and server statistics.
 *
 * ```ts
 * import { recordStatements, expectStatements, diagnose, explain, topStatements } from 'athanor/diagnostics';
 * ```
 */

export { recordStatements, formatStatements, type RecordedStatement, type StatementRecording } from './recorder.js';
export { expectStatements, expectMaxStatements, StatementCountError, type ExpectStatementsOptions } from './expect.js';
export { logStatements, type LogStatementsOptions, type StatementLogEntry, type StatementLogLevel } from './log.js';
export {
  configureDiagnostics,
  diagnose,
  diagnostics,
  diagnosticsSettings,
  resetDiagnostics,
  watchSession,
  type DiagnosticsMode,
  type DiagnosticsOptions,
} from './detector.js';
export { PitfallError, type DiagnosticsReport, type Finding, type PitfallCode } from './findings.js';
export { DEFAULT_THRESHOLDS, type Thresholds } from './unit.js';
export { statementShape } from './shape.js';
export { explain, sequentialScans, type ExplainOptions, type ExplainResult, type Explainable, type PlanNode, type SequentialScan } from './explain.js';
export {
  topStatements,
  resetStatementStats,
  formatStatementStats,
  PgStatStatementsUnavailableError,
  type StatementOrder,
  type StatementStats,
  type TopStatementsOptions,
} from './pg-stat-statements.js';
export { advise, type AdviseOptions } from './advisor/advise.js';
export {
  adviceMigration,
  writeAdviceMigration,
  type AdviceJson,
  type AdviceMigrationOptions,
  type AdviceReport,
  type DuplicateIndex,
  type IndexProposal,
  type ProposalStatement,
  type RejectedCandidate,
  type UnindexedForeignKey,
  type UnusedIndex,
} from './advisor/report.js';
