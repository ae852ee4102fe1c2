/**
 * The compiled-statement cache.
 *
 * A statement's *shape* is its tree with parameter values left out. Walking
 * the tree once yields both the shape key and the parameter nodes in walk
 * order; on a hit, the cached SQL is reused and the parameters are read from
 * the new tree through the recorded slots, so the same query with other values
 * compiles once. Schema objects (tables, columns) enter the key by identity.
 */

import type { ParamNode, StatementNode } from '../sql/nodes.js';
import type { CompiledStatement } from './compiled.js';

interface CacheEntry {
  /** The compiled statement (its `parameters` are those of the first compilation). */
  readonly template: CompiledStatement;
  /** For each placeholder, the index of its parameter in walk order. */
  readonly slots: readonly number[];
}

export interface CacheLookup {
  readonly key: string;
  readonly params: readonly ParamNode[];
  readonly hit: CacheEntry | undefined;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

function idOf(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(o, id);
  }
  return id;
}

/** @internal Append the shape of `value` to `out`, collecting parameter nodes. */
function shape(value: unknown, out: string[], params: ParamNode[]): void {
  if (value === undefined) return;
  if (value === null) {
    out.push('~');
    return;
  }
  switch (typeof value) {
    case 'string':
      // Length-prefixed so no string can imitate structure.
      out.push(`${value.length}'${value}`);
      return;
    case 'number':
    case 'boolean':
    case 'bigint':
      out.push(String(value));
      return;
    case 'object':
      break;
    default:
      out.push(typeof value);
      return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (const item of value) shape(item, out, params);
    out.push(']');
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    // Tables and columns: by identity.
    out.push(`#${idOf(value as object)}`);
    return;
  }
  const node = value as Record<string, unknown>;
  if (node['kind'] === 'param') {
    params.push(node as unknown as ParamNode);
    out.push('?');
    return;
  }
  out.push('{');
  for (const key in node) {
    const v = node[key];
    if (v === undefined) continue;
    out.push(key);
    shape(v, out, params);
  }
  out.push('}');
}

export class StatementCache {
  enabled = true;
  /** Entries kept; the oldest are dropped first. */
  maxEntries = 2000;
  private readonly entries = new Map<string, CacheEntry>();
  hits = 0;
  misses = 0;

  lookup(node: StatementNode): CacheLookup {
    const out: string[] = [];
    const params: ParamNode[] = [];
    shape(node, out, params);
    const key = out.join('\u0001');
    const hit = this.entries.get(key);
    if (hit) this.hits++;
    else this.misses++;
    return { key, params, hit };
  }

  store(key: string, walkParams: readonly ParamNode[], emitted: readonly ParamNode[], compiled: CompiledStatement): void {
    const index = new Map<ParamNode, number>();
    walkParams.forEach((p, i) => index.set(p, i));
    const slots: number[] = [];
    for (const p of emitted) {
      const i = index.get(p);
      if (i === undefined) return; // a parameter the walk did not see: do not cache this shape
      slots.push(i);
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { template: compiled, slots });
  }

  clear(): void {
    this.entries.clear();
    this.hits = 0;
    this.misses = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
