/**
 * Showing the clinic's results: a terminal table (colour only when the
 * terminal supports it), a self-contained HTML page with SVG charts, and JSON.
 */

export interface VariantResult {
  readonly pitfall: string;
  readonly variant: string;
  /** Scale (songs) the data set was built at. */
  readonly scale: number;
  /** Objects the variant touched. */
  readonly n: number;
  readonly statements: number;
  readonly ms: number;
  readonly rows: number;
  /** The diagnostics' finding for a naive variant. */
  readonly finding?: string | undefined;
  /** The variant its speed-up is measured against (default: the pitfall's first). */
  readonly baseline?: string | undefined;
}

export interface PitfallInfo {
  readonly key: string;
  readonly title: string;
}

const useColor = process.stdout.isTTY === true && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb';
const paint = (code: number) => (s: string) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint(1);
export const dim = paint(2);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);
export const cyan = paint(36);

function pad(s: string, width: number, right = false): string {
  // Pad on visible length (colour codes take no columns).
  // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const fill = ' '.repeat(Math.max(0, width - visible));
  return right ? fill + s : s + fill;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** The terminal table for one scale. */
export function terminalTable(pitfalls: readonly PitfallInfo[], results: readonly VariantResult[]): string {
  const lines: string[] = [];
  const head = ['variant', 'objects', 'statements', 'rows', 'ms', 'speed-up'];
  const widths = [52, 9, 11, 9, 10, 9];
  lines.push(bold(head.map((h, i) => pad(h, widths[i]!, i > 0)).join(' ')));
  for (const p of pitfalls) {
    const rs = results.filter((r) => r.pitfall === p.key);
    if (rs.length === 0) continue;
    lines.push('');
    lines.push(cyan(bold(p.title)));
    const naive = rs[0]!;
    for (const r of rs) {
      const base = (r.baseline !== undefined ? rs.find((x) => x.variant === r.baseline) : undefined) ?? naive;
      const isNaive = r === naive || r.variant.startsWith('naive');
      const speedup = isNaive ? '' : `${(base.ms / Math.max(r.ms, 0.001)).toFixed(1)}x`;
      const stmts = isNaive ? red(String(r.statements)) : green(String(r.statements));
      lines.push(
        [
          pad(`  ${r.variant}`, widths[0]!),
          pad(String(r.n), widths[1]!, true),
          pad(stmts, widths[2]!, true),
          pad(String(r.rows), widths[3]!, true),
          pad(fmtMs(r.ms), widths[4]!, true),
          pad(speedup ? green(speedup) : '', widths[5]!, true),
        ].join(' '),
      );
      if (r.finding) lines.push(yellow(`      ⚠ ${r.finding.split('\n').join('\n        ')}`));
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// HTML report

const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A line chart: one line per variant, x = scale, y = metric. Hand-written SVG, no library. */
function chart(title: string, unit: string, scales: readonly number[], series: readonly { name: string; values: readonly number[] }[]): string {
  const w = 440;
  const legendHeight = series.length * 14 + 6;
  const h = 250 + legendHeight;
  const m = { l: 56, r: 28, t: 28, b: 40 + legendHeight };
  const maxY = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) => m.l + (scales.length === 1 ? 0 : (i / (scales.length - 1)) * (w - m.l - m.r));
  const y = (v: number) => h - m.b - (v / maxY) * (h - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}">`);
  parts.push(`<text x="${w / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<line x1="${m.l}" y1="${h - m.b}" x2="${w - m.r}" y2="${h - m.b}" stroke="#999"/>`);
  parts.push(`<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${h - m.b}" stroke="#999"/>`);
  for (let k = 0; k <= 4; k++) {
    const v = (maxY * k) / 4;
    parts.push(`<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10">${esc(v >= 100 ? v.toFixed(0) : v.toFixed(1))}</text>`);
    parts.push(`<line x1="${m.l}" y1="${y(v)}" x2="${w - m.r}" y2="${y(v)}" stroke="#eee"/>`);
  }
  scales.forEach((s, i) => parts.push(`<text x="${x(i)}" y="${h - m.b + 16}" text-anchor="middle" font-size="10">${s.toLocaleString('en')}</text>`));
  parts.push(`<text x="${w / 2}" y="${h - m.b + 30}" text-anchor="middle" font-size="10">data size (songs) — ${esc(unit)}</text>`);
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`);
    s.values.forEach((v, i) => parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${color}"><title>${esc(s.name)}: ${v}</title></circle>`));
    const ly = h - legendHeight + k * 14;
    parts.push(`<rect x="${m.l}" y="${ly}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${m.l + 14}" y="${ly + 9}" font-size="10">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A self-contained page: the table at the largest scale and two charts per pitfall. */
export function htmlReport(dialect: string, pitfalls: readonly PitfallInfo[], scales: readonly number[], results: readonly VariantResult[]): string {
  const largest = scales[scales.length - 1]!;
  const sections = pitfalls
    .map((p) => {
      const rs = results.filter((r) => r.pitfall === p.key);
      if (rs.length === 0) return '';
      const variants = [...new Set(rs.map((r) => r.variant))];
      const valuesOf = (metric: 'statements' | 'ms') =>
        variants.map((v) => ({ name: v, values: scales.map((s) => rs.find((r) => r.variant === v && r.scale === s)?.[metric] ?? 0) }));
      const rows = rs
        .filter((r) => r.scale === largest)
        .map(
          (r) =>
            `<tr><td>${esc(r.variant)}</td><td>${r.n}</td><td>${r.statements}</td><td>${r.rows}</td><td>${fmtMs(r.ms)}</td></tr>` +
            (r.finding ? `<tr class="finding"><td colspan="5">⚠ ${esc(r.finding)}</td></tr>` : ''),
        )
        .join('');
      return `<section><h2>${esc(p.title)}</h2>
<div class="charts">${chart('SQL statements', 'statements', scales, valuesOf('statements'))}${chart('Wall time', 'milliseconds', scales, valuesOf('ms'))}</div>
<table><thead><tr><th>variant (at ${largest.toLocaleString('en')} songs)</th><th>objects</th><th>statements</th><th>rows</th><th>ms</th></tr></thead><tbody>${rows}</tbody></table></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Athanor pitfall clinic (${esc(dialect)})</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:980px;color:#222}
h1{margin-bottom:.2rem} .sub{color:#666;margin-top:0}
section{border-top:1px solid #ddd;padding:1rem 0}
.charts{display:flex;gap:1rem;flex-wrap:wrap}
table{border-collapse:collapse;margin-top:.5rem;font-size:.9rem}
td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:right} td:first-child,th:first-child{text-align:left}
tr.finding td{color:#8a5a00;background:#fff8e1;text-align:left;font-size:.8rem;white-space:pre-wrap}
</style></head><body>
<h1>Athanor pitfall clinic</h1>
<p class="sub">${esc(dialect)} · data sizes ${scales.map((s) => s.toLocaleString('en')).join(', ')} songs · naive forms grow with the data, Athanor's stay flat.</p>
${sections}
</body></html>
`;
}
