#!/usr/bin/env node
// Why the unit of work does not update many rows with `CASE id WHEN ... END` on SQLite and MariaDB:
// times one statement updating N rows to different values, per strategy.
//   node scripts/bulk-update-strategies.mjs            (SQLite; MariaDB too when it answers on 127.0.0.1:3306)
import Database from 'better-sqlite3';

const sizes = [1000, 5000, 10000];

function sqlite() {
  const db = new Database(':memory:');
  db.exec('create table t (id integer primary key, a text, b integer)');
  const ins = db.prepare('insert into t (a, b) values (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 20000; i++) ins.run(`x${i}`, i);
  })();
  for (const rows of sizes) {
    const ids = Array.from({ length: rows }, (_, i) => i + 1);
    let t = performance.now();
    const caseSql = `update t set b = case id ${ids.map(() => 'when ? then ?').join(' ')} end where id in (${ids.map(() => '?').join(', ')})`;
    const st = db.prepare(caseSql);
    st.run(...ids.flatMap((i) => [i, i * 2]), ...ids);
    const caseMs = performance.now() - t;
    t = performance.now();
    const cteSql = `with v(k, c) as (values ${ids.map(() => '(?, ?)').join(', ')}) update t set b = v.c from v where t.id = v.k`;
    db.prepare(cteSql).run(...ids.flatMap((i) => [i, i * 3]));
    const cteMs = performance.now() - t;
    console.log(`SQLite  ${String(rows).padStart(5)} rows: CASE ${caseMs.toFixed(1)} ms, WITH v AS (VALUES ...) ${cteMs.toFixed(1)} ms`);
  }
}

async function mariadb() {
  let mysql;
  try {
    mysql = await import('mysql2/promise');
  } catch {
    return;
  }
  let c;
  try {
    c = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: 'athanor_test', connectTimeout: 2000 });
  } catch {
    console.log('MariaDB not reachable: skipped');
    return;
  }
  await c.query('drop table if exists zz_bulk_update');
  await c.query('create table zz_bulk_update (id int primary key auto_increment, a text, b int)');
  await c.query(`insert into zz_bulk_update (a, b) values ${Array.from({ length: 20000 }, (_, i) => `('x${i}', ${i})`).join(',')}`);
  for (const rows of sizes) {
    const ids = Array.from({ length: rows }, (_, i) => i + 1);
    let t = performance.now();
    await c.execute(`update zz_bulk_update set b = case id ${ids.map(() => 'when ? then ?').join(' ')} end where id in (${ids.map(() => '?').join(', ')})`, [...ids.flatMap((i) => [i, i * 2]), ...ids]);
    const caseMs = performance.now() - t;
    t = performance.now();
    await c.execute(
      "update zz_bulk_update join json_table(?, '$[*]' columns (k int path '$[0]', c int path '$[1]')) as v on zz_bulk_update.id = v.k set zz_bulk_update.b = v.c",
      [JSON.stringify(ids.map((i) => [i, i * 5]))],
    );
    const jsonMs = performance.now() - t;
    console.log(`MariaDB ${String(rows).padStart(5)} rows: CASE ${caseMs.toFixed(1)} ms, JOIN JSON_TABLE(?) ${jsonMs.toFixed(1)} ms`);
  }
  await c.query('drop table zz_bulk_update');
  await c.end();
}

sqlite();
await mariadb();
