/**
 * The diagnostics' finding for a naive variant: the block runs once more,
 * small, inside `diagnose()`, and the finding about its pitfall is shown under
 * the variant (the pitfall's code, what happened, the call site and the fix).
 */
import { fileURLToPath } from 'node:url';
import { diagnose, type Finding, type PitfallCode } from '../../src/diagnostics/index.js';
import type { Database, Session, SessionOptions } from '../../src/orm/index.js';

export type Diagnose = (fn: (s: Session) => Promise<unknown>, options?: SessionOptions, expect?: readonly PitfallCode[]) => Promise<string | undefined>;

/** The project's root directory, with a trailing slash: call sites are printed relative to it. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Paths under the project, relative to it (call sites appear in the title and the fix too). */
export function relativePaths(text: string): string {
  return text.split(ROOT).join('');
}

/** A finding as the clinic prints it: `[code] title`, `at file:line:col`, `fix: ...`. */
export function formatFinding(f: Finding): string {
  return relativePaths(`[${f.pitfall}] ${f.title}\nat ${f.callSite ?? '?'}\nfix: ${f.fix}`);
}

export function diagnoseWith(db: Database): Diagnose {
  return async (fn, options, expect) => {
    const s = db.openSession(options);
    try {
      const { report } = await diagnose(() => fn(s), { onFinding: () => {} });
      // The finding about this pitfall first; others (say, unread columns in a loop) after.
      const f = report.findings.find((x) => expect?.includes(x.pitfall)) ?? report.findings[0];
      return f ? formatFinding(f) : undefined;
    } finally {
      await s.rollback().catch(() => undefined);
      await s.close();
    }
  };
}
