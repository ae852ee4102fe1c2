/**
 * Why Athanor binds arrays on PostgreSQL: raw pg, median of 60 runs each, of
 * 1,000 keys as `IN ($1, ..., $1000)` against `= ANY($1::int4[])`, and of a
 * 1,000-row INSERT as multi-row VALUES against `SELECT * FROM unnest(...)`.
 *
 *   node scripts/measure/pg-arrays.mjs [postgres://postgres@127.0.0.1:5432/athanor_test]
 */
import pg from 'pg';

const client = new pg.Client(process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/athanor_test');
await client.connect();
await client.query('DROP TABLE IF EXISTS measure_arrays');
await client.query('CREATE TABLE measure_arrays (id serial PRIMARY KEY, name text NOT NULL, pid int)');
await client.query("INSERT INTO measure_arrays (name, pid) SELECT md5(g::text), g % 1000 FROM generate_series(1, 10000) g");
await client.query('CREATE INDEX ON measure_arrays (pid)');
await client.query('ANALYZE measure_arrays');

async function median(label, run) {
  const times = [];
  for (let r = 0; r < 60; r++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(34)} ${times[30].toFixed(2)} ms`);
}

const keys = Array.from({ length: 1000 }, (_, i) => i);
const inList = `SELECT id, name, pid FROM measure_arrays WHERE pid IN (${keys.map((_, i) => `$${i + 1}`).join(', ')})`;
await median('select, IN of 1,000 placeholders', () => client.query({ text: inList, values: keys, rowMode: 'array' }));
await median('select, = ANY($1::int4[])', () =>
  client.query({ text: 'SELECT id, name, pid FROM measure_arrays WHERE pid = ANY($1::int4[])', values: [keys], rowMode: 'array' }),
);

const names = keys.map((k) => `row ${k}`);
const values = `INSERT INTO measure_arrays (name, pid) VALUES ${keys.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')} RETURNING id`;
await median('insert 1,000 rows, VALUES', () => client.query({ text: values, values: keys.flatMap((k) => [names[k], k]), rowMode: 'array' }));
await median('insert 1,000 rows, unnest(arrays)', () =>
  client.query({ text: 'INSERT INTO measure_arrays (name, pid) SELECT * FROM unnest($1::text[], $2::int4[]) RETURNING id', values: [names, keys], rowMode: 'array' }),
);
await client.query('DROP TABLE measure_arrays');
await client.end();
