/**
 * The workloads: issue 7's twelve, and the web-request ones (`web-*`, see
 * web.ts), their data sizes, and the order they run in. Reads come first so
 * that the writes of later workloads (PostgreSQL's dead tuples, SQLite's free
 * pages) never tax a read another system does later.
 */

import { REQUESTS } from './web.js';

export const WORKLOADS = [
  'count',
  'projection',
  'load',
  'one-to-many',
  'nested',
  'self-ref',
  'related-filter',
  'per-query',
  'web-find',
  'web-find-related',
  'update',
  'delete',
  'import',
  'unit-of-work',
  'web-create',
  'web-create-nested',
  'web-update',
  'web-update-nested',
  'web-upsert',
  'web-upsert-nested',
  'web-delete',
] as const;

export type WorkloadId = (typeof WORKLOADS)[number];

export const DESCRIPTIONS: Record<WorkloadId, string> = {
  count: 'count of filtered rows',
  projection: 'two-column projection of every user',
  load: 'load every user as an entity',
  'one-to-many': 'parents with their children, and children with their parent',
  nested: 'parents -> children -> grandchildren',
  'self-ref': 'the last people by id with their managers (none of whom is among them)',
  'related-filter': 'people living in one city (filter on a related attribute)',
  'per-query': 'by-primary-key gets and 10-row pages, repeated',
  update: 'bulk update of selected rows',
  delete: 'delete parents, children by cascade',
  import: 'bulk import',
  'unit-of-work': 'parent+child pairs created in one unit of work',
  'web-find': 'one user by primary key, per request',
  'web-find-related': 'one artist by primary key with its albums, per request',
  'web-create': 'one new row, per request',
  'web-create-nested': 'one new parent with three children, per request',
  'web-update': 'one row updated by primary key, per request',
  'web-update-nested': 'a parent and one of its children updated by key, per request',
  'web-upsert': 'one row inserted or updated by a unique key, per request',
  'web-upsert-nested': 'a parent and one child inserted or updated by unique keys, per request',
  'web-delete': 'one row deleted by primary key, per request',
};

/** The web-request workloads: each run is `requests` requests, one after another. */
export const WEB_WORKLOADS = WORKLOADS.filter((w): w is Extract<WorkloadId, `web-${string}`> => w.startsWith('web-'));
export type WebWorkloadId = (typeof WEB_WORKLOADS)[number];
export const isWebWorkload = (w: WorkloadId): w is WebWorkloadId => w.startsWith('web-');

/** Row counts at one scale; scale 1 is the sizes, 10 is its "10x". */
export interface Sizes {
  readonly scale: number;
  /** users: counted, projected, loaded, updated. */
  readonly users: number;
  readonly updated: number;
  /** artist -> album (10 each) -> track (10 each). */
  readonly artists: number;
  /** Artists loaded by the nested workload (and so 100x as many tracks). */
  readonly nestedArtists: number;
  /** people, each living at one of `addresses`, in one of CITIES cities. */
  readonly people: number;
  readonly addresses: number;
  readonly managed: number;
  readonly deletedParents: number;
  readonly imported: number;
  readonly pairs: number;
  /** Gets and pages of the per-query workload (each). */
  readonly lookups: number;
  /** Requests of each web-request workload. */
  readonly requests: number;
}

export const CHILDREN_PER_PARENT = 10;
export const CITIES = 100;
export const CITY = 'city-7';
export const PAGE = 10;

export function sizesAt(scale: number): Sizes {
  const n = (base: number): number => Math.max(10, Math.round(base * scale));
  return {
    scale,
    users: n(100_000),
    updated: n(10_000),
    artists: n(1_000),
    nestedArtists: n(100),
    people: n(100_000),
    addresses: n(1_000),
    managed: n(10_000),
    deletedParents: n(1_000),
    imported: n(100_000),
    pairs: n(1_000),
    // Per-query overhead does not grow with the data: the same count at every scale.
    lookups: 500,
    requests: REQUESTS,
  };
}

/** The row count a workload reports as `n`. */
export function rowsOf(w: WorkloadId, s: Sizes): number {
  switch (w) {
    case 'count':
    case 'projection':
    case 'load':
      return s.users;
    case 'one-to-many':
      return s.artists * CHILDREN_PER_PARENT;
    case 'nested':
      return s.nestedArtists * CHILDREN_PER_PARENT * CHILDREN_PER_PARENT;
    case 'self-ref':
      return s.managed;
    case 'related-filter':
      return s.people;
    case 'per-query':
      return s.lookups * 2;
    case 'update':
      return s.updated;
    case 'delete':
      return s.deletedParents;
    case 'import':
      return s.imported;
    case 'unit-of-work':
      return s.pairs;
    case 'web-find':
    case 'web-find-related':
    case 'web-create':
    case 'web-create-nested':
    case 'web-update':
    case 'web-update-nested':
    case 'web-upsert':
    case 'web-upsert-nested':
    case 'web-delete':
      return s.requests;
  }
}
