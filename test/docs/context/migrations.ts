/** docs/migrations.md's context where it differs from doc-context.ts: `id` is a migration's id. */
export declare const id: string;
