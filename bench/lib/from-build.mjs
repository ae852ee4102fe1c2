// Athanor runs in the benchmark from its build (dist/, the JavaScript the package ships), as every peer runs from
// its published JavaScript: the TypeScript sources run through tsx carry esbuild's keep-names helpers, a call per
// closure created, which cost Athanor a quarter more per small request than its build does. The bench's files
// import ../../../src/... (so they type-check against the sources); this hook sends those imports to dist/.
// ATHANOR_BENCH_FROM=src keeps the sources.
import { register } from 'node:module';

if (process.env.ATHANOR_BENCH_FROM !== 'src') register('./from-build-hooks.mjs', import.meta.url);
