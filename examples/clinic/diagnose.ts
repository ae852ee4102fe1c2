/**
 * The diagnostics' finding for a naive variant: the block runs once more,
 * small, inside `diagnose()`, and the first finding is shown under the
 * variant (the pitfall, the call site, the numbers and the fix).
 */
import { diagnose, type PitfallCode } from '../../src/diagnostics/index.js';
import type { Database, Session, SessionOptions } from '../../src/orm/index.js';

export type Diagnose = (fn: (s: Session) => Promise<unknown>, options?: SessionOptions, expect?: readonly PitfallCode[]) => Promise<string | undefined>;

export function diagnoseWith(db: Database): Diagnose {
  return async (fn, options, expect) => {
    const s = db.openSession(options);
    try {
      const { report } = await diagnose(() => fn(s), { onFinding: () => {} });
      // The finding about this pitfall first; others (say, unread columns in a loop) after.
      const f = report.findings.find((x) => expect?.includes(x.pitfall)) ?? report.findings[0];
      if (!f) return undefined;
      const where = (f.callSite ?? '?').replace(`${process.cwd()}/`, '');
      return `${f.title}\nat ${where}\nfix: ${f.fix}`;
    } finally {
      await s.rollback().catch(() => undefined);
      await s.close();
    }
  };
}
