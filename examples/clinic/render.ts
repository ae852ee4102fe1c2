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

// Naive forms in warm colours, Athanor's in cool ones (colour-blind-safe, after Okabe-Ito); each
// series also has its own dash pattern and marker, so series stay apart in grey print and where lines coincide.
const WARM = ['#c0392b', '#d55e00', '#8c2d04'];
const COOL = ['#0072b2', '#009e73', '#b0568e', '#56b4e9', '#7a6a00', '#444444'];
const DASHES = ['', '7 4', '2 3', '10 3 2 3', '4 2', '12 4 2 4 2 4'];
type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'plus';
const MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'cross', 'plus'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One chart series: a variant's values at the report's scales. */
export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

/** What a chart measures: statements (counts) or wall time (milliseconds). */
export type ChartMetric = 'statements' | 'ms';

/** A tick label on a log axis: 1, 10, 100, 1k, 10k, 1M; for time 0.01 ms ... 100 ms, 1 s, 10 s. */
export function tickLabel(metric: ChartMetric, value: number): string {
  if (metric === 'ms') {
    if (value >= 1000) return `${trimNumber(value / 1000)} s`;
    return `${trimNumber(value)} ms`;
  }
  if (value >= 1e6) return `${trimNumber(value / 1e6)}M`;
  if (value >= 1e3) return `${trimNumber(value / 1e3)}k`;
  return trimNumber(value);
}

function trimNumber(v: number): string {
  // Powers of ten: no floating-point tails (0.30000000000000004), no trailing zeros.
  return String(Number(v.toPrecision(6)));
}

/** A value at a line's end: exact for counts, three significant digits for time. */
function valueLabel(metric: ChartMetric, v: number): string {
  if (metric === 'statements') return v.toLocaleString('en');
  return v >= 1000 ? `${(v / 1000).toPrecision(3)} s` : `${Number(v.toPrecision(3))} ms`;
}

/**
 * Decades covering the values: [10^lo, 10^hi] with lo < hi. Values at or
 * below zero (a variant that sent nothing) sit on the axis floor.
 */
export function logDomain(values: readonly number[], metric: ChartMetric): { lo: number; hi: number } {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const floor = metric === 'statements' ? 1 : 0.01;
  const min = positive.length > 0 ? Math.min(...positive) : floor;
  const max = positive.length > 0 ? Math.max(...positive) : floor;
  let lo = Math.floor(Math.log10(Math.max(min, floor)) + 1e-9);
  let hi = Math.ceil(Math.log10(Math.max(max, floor)) - 1e-9);
  if (metric === 'statements') lo = Math.max(0, lo);
  if (hi <= lo) hi = lo + 1;
  return { lo, hi };
}

function marker(shape: MarkerShape, cx: number, cy: number, color: string, tip: string): string {
  const r = 4;
  const p = (n: number) => n.toFixed(1);
  const title = `<title>${esc(tip)}</title>`;
  switch (shape) {
    case 'circle':
      return `<circle cx="${p(cx)}" cy="${p(cy)}" r="${r}" fill="${color}">${title}</circle>`;
    case 'square':
      return `<rect x="${p(cx - r)}" y="${p(cy - r)}" width="${2 * r}" height="${2 * r}" fill="#fff" stroke="${color}" stroke-width="2">${title}</rect>`;
    case 'triangle':
      return `<polygon points="${p(cx)},${p(cy - r - 1)} ${p(cx + r + 1)},${p(cy + r)} ${p(cx - r - 1)},${p(cy + r)}" fill="${color}">${title}</polygon>`;
    case 'diamond':
      return `<polygon points="${p(cx)},${p(cy - r - 1)} ${p(cx + r + 1)},${p(cy)} ${p(cx)},${p(cy + r + 1)} ${p(cx - r - 1)},${p(cy)}" fill="#fff" stroke="${color}" stroke-width="2">${title}</polygon>`;
    case 'cross':
      return `<path d="M${p(cx - r)} ${p(cy - r)}L${p(cx + r)} ${p(cy + r)}M${p(cx + r)} ${p(cy - r)}L${p(cx - r)} ${p(cy + r)}" stroke="${color}" stroke-width="2.5">${title}</path>`;
    case 'plus':
      return `<path d="M${p(cx - r - 1)} ${p(cy)}H${p(cx + r + 1)}M${p(cx)} ${p(cy - r - 1)}V${p(cy + r + 1)}" stroke="${color}" stroke-width="2.5">${title}</path>`;
    default: {
      const never: never = shape;
      return never;
    }
  }
}

/** Spread labels apart (keeping their order) so that no two are closer than `gap`, inside [top, bottom]. */
function spread(ys: readonly number[], gap: number, top: number, bottom: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y);
  const out = new Array<number>(ys.length);
  let prev = -Infinity;
  for (const o of order) {
    const y = Math.max(o.y, prev + gap, top);
    out[o.i] = y;
    prev = y;
  }
  // Pushed past the bottom: shift the run back up.
  let next = Infinity;
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!.i;
    out[i] = Math.min(out[i]!, next - gap, bottom);
    next = out[i]!;
  }
  return out;
}

/** "A B C D" as "A–D": keys of lines that end on one value, kept short. */
function keyRun(keys: readonly string[]): string {
  const codes = keys.map((k) => k.charCodeAt(0));
  const consecutive = codes.every((c, i) => i === 0 || c === codes[i - 1]! + 1);
  return consecutive && keys.length > 2 ? `${keys[0]}–${keys[keys.length - 1]}` : keys.join(' ');
}

/**
 * A line chart: one line per variant, x = data size, y = the metric on a log
 * scale (counts from 1 to 25,001 and times from 0.1 ms to seconds both stay
 * readable), gridlines at powers of ten. Lines that coincide are drawn a few
 * pixels apart, each with its own colour, dash pattern and marker, and every
 * line's end is labelled with its key and value. Hand-written SVG, no library.
 */
export function chart(title: string, metric: ChartMetric, scales: readonly number[], series: readonly Series[]): string {
  const w = 480;
  const legendRow = 18;
  const legendHeight = series.length * legendRow + 8;
  const plotH = 230;
  const m = { l: 70, r: 100, t: 34, b: 52 };
  const h = m.t + plotH + m.b + legendHeight;
  const bottom = m.t + plotH;
  // The lowest decade sits a little above the x axis, so a line at the floor is not drawn over it.
  const floorGap = 10;
  const span = plotH - floorGap;
  const { lo, hi } = logDomain(series.flatMap((s) => s.values), metric);
  const sLo = Math.log10(Math.min(...scales));
  const sHi = Math.log10(Math.max(...scales));
  const x = (scale: number) => (sHi === sLo ? (m.l + w - m.r) / 2 : m.l + ((Math.log10(scale) - sLo) / (sHi - sLo)) * (w - m.l - m.r));
  const y = (v: number) => {
    const e = v > 0 ? Math.min(hi, Math.max(lo, Math.log10(v))) : lo;
    return bottom - floorGap - ((e - lo) / (hi - lo)) * span;
  };
  const parts: string[] = [];
  const axisTitle = metric === 'statements' ? 'SQL statements (log scale)' : 'wall time, ms (log scale)';
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}, ${esc(axisTitle)}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" data-y-scale="log">`);
  parts.push(`<rect width="${w}" height="${h}" fill="#fff"/>`);
  parts.push(`<text x="${m.l}" y="20" font-size="15" font-weight="600" fill="#111">${esc(title)}</text>`);
  // Gridlines: a solid line at each power of ten, faint ones at 2..9 times it.
  for (let e = lo; e <= hi; e++) {
    const v = 10 ** e;
    const gy = y(v).toFixed(1);
    parts.push(`<line x1="${m.l}" y1="${gy}" x2="${w - m.r}" y2="${gy}" stroke="#c8c8c8"/>`);
    parts.push(`<text class="tick-y" x="${m.l - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="12" fill="#333" data-value="${v}">${esc(tickLabel(metric, v))}</text>`);
    if (e < hi) {
      for (let k = 2; k <= 9; k++) {
        const my = y(k * v).toFixed(1);
        parts.push(`<line x1="${m.l}" y1="${my}" x2="${w - m.r}" y2="${my}" stroke="#eeeeee"/>`);
      }
    }
  }
  parts.push(`<line x1="${m.l}" y1="${bottom}" x2="${w - m.r}" y2="${bottom}" stroke="#555"/>`);
  parts.push(`<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${bottom}" stroke="#555"/>`);
  for (const s of scales) {
    parts.push(`<line x1="${x(s).toFixed(1)}" y1="${bottom}" x2="${x(s).toFixed(1)}" y2="${bottom + 5}" stroke="#555"/>`);
    parts.push(`<text class="tick-x" x="${x(s).toFixed(1)}" y="${bottom + 19}" text-anchor="middle" font-size="12" fill="#333">${s.toLocaleString('en')}</text>`);
  }
  parts.push(`<text x="${(m.l + w - m.r) / 2}" y="${bottom + 38}" text-anchor="middle" font-size="12" fill="#333">data size, songs (log scale)</text>`);
  parts.push(`<text transform="translate(16 ${m.t + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333">${esc(axisTitle)}</text>`);

  // Lines on the same pixels (the same values, or nearly) are moved apart: 3 px per line, centred on the true value.
  const keys = series.map((_, k) => String.fromCharCode(65 + k));
  let warm = 0;
  let cool = 0;
  const colors = series.map((s, k) => (k === 0 || s.name.startsWith('naive') ? WARM[warm++ % WARM.length]! : COOL[cool++ % COOL.length]!));
  const pixelKey = (s: Series) => s.values.map((v) => Math.round(y(v) / 2)).join(',');
  const groups = new Map<string, number[]>();
  series.forEach((s, k) => {
    const g = groups.get(pixelKey(s));
    if (g) g.push(k);
    else groups.set(pixelKey(s), [k]);
  });
  const offset = new Array<number>(series.length).fill(0);
  for (const g of groups.values()) g.forEach((k, j) => (offset[k] = (j - (g.length - 1) / 2) * 3));
  series.forEach((s, k) => {
    const color = colors[k]!;
    const dash = DASHES[k % DASHES.length]!;
    const shape = MARKERS[k % MARKERS.length]!;
    const pts = s.values.map((v, i) => `${x(scales[i]!).toFixed(1)},${(y(v) + offset[k]!).toFixed(1)}`).join(' ');
    parts.push(`<polyline class="series" data-key="${keys[k]}" fill="none" stroke="${color}" stroke-width="2.2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts}"/>`);
    s.values.forEach((v, i) => parts.push(marker(shape, x(scales[i]!), y(v) + offset[k]!, color, `${keys[k]} ${s.name}: ${valueLabel(metric, v)} at ${scales[i]!.toLocaleString('en')} songs`)));
  });
  // Line ends: key and last value; lines ending on the same value share one label.
  const ends = new Map<string, { keys: string[]; y: number; color: string; value: number }>();
  series.forEach((s, k) => {
    const v = s.values[s.values.length - 1] ?? 0;
    const label = valueLabel(metric, v);
    const e = ends.get(label);
    if (e) e.keys.push(keys[k]!);
    else ends.set(label, { keys: [keys[k]!], y: y(v), color: colors[k]!, value: v });
  });
  const endList = [...ends.entries()];
  const placed = spread(endList.map(([, e]) => e.y + 4), 14, m.t + 4, bottom + 4);
  endList.forEach(([label, e], i) => {
    parts.push(`<text class="end-label" x="${w - m.r + 8}" y="${placed[i]!.toFixed(1)}" font-size="12" font-weight="600" fill="${e.keys.length === 1 ? e.color : '#333'}">${esc(keyRun(e.keys))} ${esc(label)}</text>`);
  });
  // Legend: key, a sample of the line with its marker, and the variant's full name.
  series.forEach((s, k) => {
    const color = colors[k]!;
    const dash = DASHES[k % DASHES.length]!;
    const ly = bottom + m.b + k * legendRow + 6;
    parts.push(`<text x="${m.l - 52}" y="${ly + 4}" font-size="12" font-weight="600" fill="#111">${keys[k]}</text>`);
    parts.push(`<line x1="${m.l - 38}" y1="${ly}" x2="${m.l - 6}" y2="${ly}" stroke="${color}" stroke-width="2.2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    parts.push(marker(MARKERS[k % MARKERS.length]!, m.l - 22, ly, color, s.name));
    parts.push(`<text class="legend" x="${m.l + 2}" y="${ly + 4}" font-size="12.5" fill="#222">${esc(s.name)}</text>`);
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
<div class="charts">${chart('SQL statements', 'statements', scales, valuesOf('statements'))}${chart('Wall time', 'ms', scales, valuesOf('ms'))}</div>
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
<p class="sub">${esc(dialect)} · data sizes ${scales.map((s) => s.toLocaleString('en')).join(', ')} songs · naive forms grow with the data, Athanor's stay flat.<br>
Both axes of every chart are logarithmic: each gridline is ten times the one below it, so 1 and 25,001 statements fit on one chart. Lines that coincide are drawn a few pixels apart; the letters at the line ends match the legend.</p>
${sections}
</body></html>
`;
}
