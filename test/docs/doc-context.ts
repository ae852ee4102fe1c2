/**
 * What the text around a documentation fragment has set up: the engine, the database, the open session, the
 * program's logger and handlers. Declared, not built: a block that uses one of these is type-checked and not run
 * (see test/docs/code-blocks.test.ts).
 */
import type { Database, Engine, Session, SkippedObject } from '../../src/index.js';
import type { GenerateMigrationOptions } from '../../src/migrate/index.js';
import type { Album, Post } from './doc-models.js';

export declare const engine: Engine;
export declare const db: Database;
/** A session: `await db.session(async (s) => { ... })`. */
export declare const s: Session;
export declare const session: Session;
export declare const skipped: readonly SkippedObject[];

// The program around a fragment: its logger, request handler, page renderers.
/** A console-like logger: `log.warn(message, ...more)`. */
export declare const log: { [L in 'debug' | 'info' | 'warn' | 'error']: (message: unknown, ...more: unknown[]) => void };
/** A pino-like logger: `logger.warn({ fields }, 'message')`. */
export declare const logger: { [L in 'debug' | 'info' | 'warn' | 'error']: (object: object, message?: string) => void };
export declare const req: unknown;
export declare function handle(req: unknown): Promise<void>;
export declare function write(item: unknown): void;
export declare function use(album: Album): void;
export declare function renderArtistPage(db: Database, id: number): Promise<string>;
export declare function createArtistWithSong(db: Database): Promise<void>;
export declare function registerUser(db: Database, email: string): Promise<void>;
export declare function slugify(title: string): string;
/** Posts and a post the session loaded, and a cursor a client sent back (`page.endCursor`). */
export declare const posts: readonly Post[];
export declare const post: Post;
export declare const cursor: string;
/** What a custom pool needs (docs/core.md): the CA certificate, and a signer of short-lived passwords (IAM). */
export declare const ca: string;
export declare const signer: { getAuthToken(): Promise<string> };
/** A winston logger: `log(level, message, meta)`. */
export declare const winstonLogger: { log(level: string, message: string, meta: object): void };

/** The options of the generateMigration() call before it, for `{ ...same, safe: true }`. */
export declare const same: GenerateMigrationOptions;
