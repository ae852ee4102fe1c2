/**
 * docs/schema.md's context where it differs from doc-context.ts: what `athanor pull` writes for Chinook, whose
 * artist table keys its rows by `artistId`.
 */
import { identity, table, varchar } from '../../../src/index.js';

export const artistTable = table('artist', { artistId: identity('artist_id'), name: varchar(120) });
