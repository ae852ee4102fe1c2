/**
 * The context of the TSDoc examples in src/ where it goes past doc-context.ts: the names an example takes from the
 * symbol it documents (`dialect`, `conn`, `plan`), and a few tables of its own.
 */
import type assertModule from 'node:assert/strict';
import {
  boolean,
  customType,
  identity,
  integer,
  table,
  text,
  varchar,
  type Connection,
  type Dialect,
  type ExecutionEvent,
  type FlushPlan,
  type Migrator,
  type Table,
  type Transaction,
} from '../../../src/index.js';
import type { Express } from 'express';
import type { Artist } from '../doc-models.js';

export declare const dialect: Dialect;
export declare const conn: Connection;
export declare const plan: FlushPlan;
export declare const migrator: Migrator;
export declare const assert: typeof assertModule;
export declare const recorder: { add(event: ExecutionEvent): void };
export declare const appTables: readonly Table[];
export declare const myTables: readonly Table[];
export declare const liveTables: readonly Table[];
export declare const file: string;
export declare const prefix: string;
export declare const artistId: number;
export declare const artistWithOneSong: Artist;
export declare function work(tx: Transaction): Promise<void>;
export declare function readSongs(file: string): AsyncIterable<{ title: string; artistId: number }>;
export declare function handler(req: unknown): Promise<void>;
export declare function listArtists(db: unknown): Promise<unknown[]>;
/** An Express application (`athanor/http`'s examples). */
export declare const app: Express;
/** The URL of the server under test (`fetch(`${base}/users`)`). */
export declare const base: string;
/** Short-lived passwords (IAM). */
export declare function iamToken(): Promise<string>;
export declare function fetchToken(): Promise<string>;
/** The tenant of the request being served. */
export declare function currentTenantId(): number;
export declare const metrics: { deadlocks: number };
/** An application's own error, thrown by a hook. */
export declare class Forbidden extends Error {}
/** Page rendering: the items, and a link to the next page. */
export declare function render(items: readonly unknown[]): void;
export declare function nextPageLink(cursor: string | undefined): void;
/** A request's cookies, and setting one on the response (read-replica consistency tokens). */
export declare const cookies: Record<string, string | undefined>;
export declare function setCookie(name: string, value: string, options?: { httpOnly?: boolean; maxAge?: number }): void;

/** `user`, as Core examples name the table. */
export const user = table('user', { id: identity(), name: text().notNull(), active: boolean().notNull().default(true) });
export const userV1 = table('user', { id: identity(), name: text().notNull() });
export const userV2 = table('user', { id: identity(), fullName: text('full_name').notNull(), email: text() });
export const film = table('film', { id: identity(), title: text().notNull(), fulltext: customType<string>('tsvector') });
export const track = table('track', { id: identity(), name: varchar(200).notNull(), milliseconds: integer().notNull() });
/** A link table, for keys of two columns. */
export const link = table('link', { songId: integer('song_id').notNull(), tagId: integer('tag_id').notNull() });
/** `e`, an employee table whose rows say whom they report to. */
export const e = table('employee', { id: identity(), name: text().notNull(), reportsTo: integer('reports_to') });
/** A table with a `name` and a `code`, for LIKE patterns. */
export const t = table('t', { id: identity(), name: text().notNull(), code: text().notNull() });
