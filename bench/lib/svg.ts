/**
 * One chart per workload, written by hand: a block of horizontal bars per
 * dialect and scale, each block scaled to its own slowest system so SQLite's
 * milliseconds and PostgreSQL's do not flatten each other.
 */

import type { BenchResult } from './suite.js';

const COLORS: Record<string, string> = {
  raw: '#7f7f7f',
  athanor: '#d62728',
  drizzle: '#2ca02c',
  kysely: '#1f77b4',
  prisma: '#9467bd',
  typeorm: '#ff7f0e',
  mikroorm: '#8c564b',
  sequelize: '#17becf',
  objection: '#bcbd22',
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function workloadSvg(title: string, results: readonly BenchResult[]): string {
  const width = 780;
  const labelW = 110;
  // Room right of the longest bar for its label ("130.34 ms (129.72–131.72) · 5 stmts").
  const barMax = width - labelW - 230;
  const barH = 16;
  const out: string[] = [];
  let y = 34;
  const blocks = new Map<string, BenchResult[]>();
  for (const r of results) {
    const key = `${r.dialect} · scale ${r.scale} · n=${r.n}`;
    blocks.set(key, [...(blocks.get(key) ?? []), r]);
  }
  for (const [key, rows] of blocks) {
    out.push(`<text x="8" y="${y}" font-weight="bold">${esc(key)}</text>`);
    y += 8;
    const max = Math.max(...rows.map((r) => r.medianMs ?? 0), 1e-9);
    for (const r of rows) {
      const color = COLORS[r.system] ?? '#333';
      out.push(`<text x="${labelW - 6}" y="${y + barH - 4}" text-anchor="end">${esc(r.system)}</text>`);
      if (r.medianMs === null) {
        out.push(`<text x="${labelW}" y="${y + barH - 4}" fill="#999">${esc(r.status)}</text>`);
      } else {
        const w = Math.max(1, (r.medianMs / max) * barMax);
        const spread = r.minMs !== null && r.maxMs !== null ? ` (${r.minMs}–${r.maxMs})` : '';
        out.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 3}" fill="${color}"/>`);
        out.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${y + barH - 4}">${r.medianMs} ms${esc(spread)} · ${r.statements ?? '?'} stmts</text>`);
      }
      y += barH;
    }
    y += 18;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * The summary chart: per dialect (and scale), each system's geometric mean of
 * its median time over raw's, on the workloads it ran. 1.0 is the raw driver.
 */
export function summarySvg(results: readonly BenchResult[]): string {
  const groups = new Map<string, BenchResult[]>();
  for (const r of results) {
    const key = `${r.dialect} · scale ${r.scale}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const width = 780;
  const labelW = 110;
  const barMax = width - labelW - 90;
  const barH = 16;
  const out: string[] = [];
  let y = 34;
  for (const [key, rows] of groups) {
    const raw = new Map(rows.filter((r) => r.system === 'raw' && r.medianMs).map((r) => [r.workload, r.medianMs!]));
    const bySystem = new Map<string, number[]>();
    for (const r of rows) {
      const base = raw.get(r.workload);
      if (r.system === 'raw' || r.status !== 'ok' || !r.medianMs || !base) continue;
      bySystem.set(r.system, [...(bySystem.get(r.system) ?? []), r.medianMs / base]);
    }
    const geo = [...bySystem].map(([system, ratios]) => [system, Math.exp(ratios.reduce((a, x) => a + Math.log(x), 0) / ratios.length)] as const);
    geo.sort((a, b) => a[1] - b[1]);
    out.push(`<text x="8" y="${y}" font-weight="bold">${esc(key)} — geometric mean of time / raw (lower is better)</text>`);
    y += 8;
    const max = Math.max(...geo.map(([, g]) => g), 1);
    const x1 = labelW + barMax / max;
    for (const [system, g] of geo) {
      const w = Math.max(1, (g / max) * barMax);
      out.push(`<text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${esc(system)}</text>`);
      out.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[system] ?? '#444'}"/>`);
      out.push(`<text x="${labelW + w + 6}" y="${y + 12}">${g.toFixed(2)}x</text>`);
      y += barH + 4;
    }
    out.push(`<line x1="${x1.toFixed(1)}" y1="${y - (barH + 4) * geo.length - 2}" x2="${x1.toFixed(1)}" y2="${y}" stroke="#7f7f7f" stroke-dasharray="3,3"/>`);
    y += 22;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif" font-size="12">` +
    `<rect width="100%" height="100%" fill="white"/><text x="8" y="18" font-size="14" font-weight="bold">Athanor and the peers against the raw driver</text>` +
    out.join('') +
    '</svg>\n';
}
