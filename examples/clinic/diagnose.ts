/**
 * The diagnostics' finding for a naive variant: the block runs once more,
 * small, inside `diagnose()`, and the first finding is shown under the
 * variant (the pitfall, the call site, the numbers and the fix).
 */
import { diagnose } from '../../src/diagnostics/index.js';
import type { Database, Session, SessionOptions } from '../../src/orm/index.js';

export function diagnoseWith(db: Database): (fn: (s: Session) => Promise<unknown>, options?: SessionOptions) => Promise<string | undefined> {
  return async (fn, options) => {
    const s = db.openSession(options);
    try {
      const { report } = await diagnose(() => fn(s), { onFinding: () => {} });
      const f = report.findings[0];
      return f ? `${f.title} at ${f.callSite ?? '?'}: ${f.fix}` : undefined;
    } finally {
      await s.rollback().catch(() => undefined);
      await s.close();
    }
  };
}
