/**
 * Reading the clinic report's SVG charts back, for the tests: tick labels and
 * their positions, lines, end labels.
 */
import assert from 'node:assert/strict';

export interface Tick {
  readonly label: string;
  readonly value: number;
  readonly y: number;
}

/** A y tick label as a number: `1`, `10`, `1k`, `10k`, `1M`; `0.1 ms`, `10 ms`, `1 s`. */
export function parseTick(label: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|M)?(?: (ms|s))?$/.exec(label);
  assert.ok(m, `not a round tick label: ${JSON.stringify(label)}`);
  const n = Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1);
  return m[3] === 's' ? n * 1000 : n;
}

export function svgsOf(html: string): string[] {
  return html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
}

export function yTicks(svg: string): Tick[] {
  return [...svg.matchAll(/<text class="tick-y" x="[\d.]+" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ label: m[2]!, value: parseTick(m[2]!), y: Number(m[1]) }));
}

/** Asserts a log-scale y axis: round ticks at successive powers of ten, equally spaced. */
export function assertLogAxis(svg: string, what: string): Tick[] {
  assert.match(svg, /data-y-scale="log"/, what);
  const ticks = yTicks(svg);
  assert.ok(ticks.length >= 2, `${what}: ${ticks.length} y ticks`);
  for (const t of ticks) {
    const e = Math.log10(t.value);
    assert.ok(Math.abs(e - Math.round(e)) < 1e-9, `${what}: tick ${t.label} is not a power of ten`);
  }
  for (let i = 1; i < ticks.length; i++) {
    assert.ok(Math.abs(ticks[i]!.value / ticks[i - 1]!.value - 10) < 1e-9, `${what}: ${ticks[i - 1]!.label} then ${ticks[i]!.label}`);
    const step = ticks[1]!.y - ticks[0]!.y;
    assert.ok(Math.abs(ticks[i]!.y - ticks[i - 1]!.y - step) < 0.2, `${what}: ticks not equally spaced (${ticks.map((t) => t.y).join(', ')})`);
  }
  assert.ok(ticks[1]!.y < ticks[0]!.y, `${what}: larger values go up`);
  return ticks;
}

/** The lines: key, points and dash pattern of each. */
export function lines(svg: string): { key: string; points: string; dash: string }[] {
  return [...svg.matchAll(/<polyline class="series" data-key="(\w)"[^>]*?(?: stroke-dasharray="([^"]*)")? points="([^"]*)"\/>/g)].map((m) => ({ key: m[1]!, dash: m[2] ?? '', points: m[3]! }));
}

export function endLabels(svg: string): string[] {
  return [...svg.matchAll(/<text class="end-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}
