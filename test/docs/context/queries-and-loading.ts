/**
 * docs/queries-and-loading.md's context where it differs from doc-context.ts: there `artist` is an Artist loaded
 * with its albums (`serialize(artist, { name: true, albums: { title: true } })`), not Core's table.
 */
import type { Collection } from '../../../src/orm/index.js';
import type { Album, Artist } from '../doc-models.js';

export declare const artist: Artist & { albums: Collection<Album> };
