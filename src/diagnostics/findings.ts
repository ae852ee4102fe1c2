/**
 * Findings: one pitfall found in one unit of work, with where, how much, and
 * the fix in Athanor's API; and the error `raise` mode throws.
 */
import { AthanorError } from '../core/errors.js';

/** The pitfalls the detector knows (stable codes, for `ignore` lists and log filters). */
export type PitfallCode =
  | 'n-plus-one'
  | 'per-row-writes'
  | 'orm-cascade-delete'
  | 'passive-deletes-without-on-delete'
  | 'unused-eager-load'
  | 'unread-columns'
  | 'count-in-js'
  | 'premature-flush'
  | 'several-commits'
  | 'joined-row-multiplication'
  | 'missing-index'
  | 'unindexed-foreign-key'
  | 'unused-index'
  | 'duplicate-index'
  | 'replica-lag';

/** One pitfall found. */
export interface Finding {
  readonly pitfall: PitfallCode;
  /** One line: what happened and how often. */
  readonly title: string;
  /** `file:line:column` in the application (undefined when no frame outside Athanor was found). */
  readonly callSite: string | undefined;
  /** The figures behind the finding (statements, rows, objects, columns, ...). */
  readonly numbers: Readonly<Record<string, number>>;
  /** What to change, in Athanor's API. */
  readonly fix: string;
  /** An example statement, when the finding is about statements. */
  readonly sql?: string;
  /** The statement's plan as it is, and with the fix (the index advisor's findings). */
  readonly plan?: { readonly before: string; readonly after?: string | undefined };
  /** The full readable message: title, call site, SQL, fix. */
  readonly message: string;
}

/** @internal */
export function finding(f: Omit<Finding, 'message'>): Finding {
  const lines = [`[${f.pitfall}] ${f.title}`];
  if (f.callSite) lines.push(`  at ${f.callSite}`);
  if (f.sql) lines.push(`  SQL: ${f.sql.length > 300 ? `${f.sql.slice(0, 300)}...` : f.sql}`);
  if (f.plan) {
    const indent = (text: string) => text.split('\n').map((l) => `      ${l}`).join('\n');
    lines.push(`  plan now:\n${indent(f.plan.before)}`);
    if (f.plan.after !== undefined) lines.push(`  plan with the fix:\n${indent(f.plan.after)}`);
  }
  lines.push(`  fix: ${f.fix}`);
  return { ...f, message: lines.join('\n') };
}

/** Thrown in `raise` mode at the end of a unit of work that has findings. */
export class PitfallError extends AthanorError {
  override readonly name = 'PitfallError';
  override readonly code = 'ATH_PITFALL';
  constructor(readonly findings: readonly Finding[]) {
    super(`${findings.length} performance pitfall${findings.length === 1 ? '' : 's'} found:\n${findings.map((f) => f.message).join('\n')}`);
  }
}

/** The findings of a session or a diagnostics scope. */
export interface DiagnosticsReport {
  readonly findings: readonly Finding[];
  /** Data statements seen (BEGIN/COMMIT not counted). */
  readonly statements: number;
  readonly flushes: number;
  readonly commits: number;
  /** Findings of one pitfall. */
  of(pitfall: PitfallCode): readonly Finding[];
  /** Readable summary: one block per finding. */
  toString(): string;
}

/** @internal */
export function report(findings: readonly Finding[], statements: number, flushes: number, commits: number): DiagnosticsReport {
  return {
    findings,
    statements,
    flushes,
    commits,
    of: (pitfall) => findings.filter((f) => f.pitfall === pitfall),
    toString: () =>
      findings.length === 0
        ? `no pitfalls (${statements} statements, ${flushes} flushes, ${commits} commits)`
        : `${findings.length} pitfall(s) in ${statements} statements:\n${findings.map((f) => f.message).join('\n')}`,
  };
}
