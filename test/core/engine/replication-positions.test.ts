/**
 * Replication positions and consistency tokens, without servers: how each dialect compares positions (PostgreSQL
 * WAL LSNs, MariaDB GTID lists), which statements a replica may run, and the token's round trip and refusals.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyTokenError, MysqlDialect, PostgresDialect, ReadConsistency, SqliteDialect, count, select } from '../../../src/index.js';
import { artistTable } from '../../fixtures/orm-models.js';

describe('replication positions', () => {
  it('PostgreSQL compares LSNs as 64-bit offsets, not as text', () => {
    const pg = new PostgresDialect().replication!;
    assert.equal(pg.covers('0/3000148', '0/3000148'), true);
    assert.equal(pg.covers('0/3000200', '0/3000148'), true);
    assert.equal(pg.covers('0/FFFFFFFF', '1/0'), false, 'the high half counts first');
    assert.equal(pg.covers('A/0', '9/FFFFFFFF'), true, 'hexadecimal, not text order');
    assert.equal(pg.later('0/10', '0/9'), '0/10');
    assert.equal(pg.isPosition('16/B374D848'), true);
    assert.equal(pg.isPosition('0-1-42'), false);
  });

  it('MariaDB compares GTID lists domain by domain', () => {
    const maria = new MysqlDialect({ flavor: 'mariadb' }).replication!;
    assert.equal(maria.covers('0-1-42', '0-1-42'), true);
    assert.equal(maria.covers('0-1-41', '0-1-42'), false);
    assert.equal(maria.covers('0-2-100', '0-1-42'), true, 'the server id does not matter, the sequence in the domain does');
    assert.equal(maria.covers('0-1-50', '0-1-42,1-3-7'), false, 'every domain required must be covered');
    assert.equal(maria.covers('0-1-50,1-3-7', '0-1-42,1-3-7'), true);
    assert.equal(maria.later('0-1-42,1-3-7', '0-1-40,1-3-9'), '0-1-42,1-3-9');
    assert.equal(maria.isPosition('0-1-42,1-3-7'), true);
    assert.equal(maria.isPosition('0/3000148'), false);
  });

  it('only MariaDB and PostgreSQL know positions', () => {
    assert.equal(new SqliteDialect().replication, undefined);
    assert.equal(new MysqlDialect({ flavor: 'mysql' }).replication, undefined);
  });

  it('marks reads that lock nothing as safe for a replica', () => {
    const pg = new PostgresDialect();
    assert.equal(pg.compile(select(artistTable.c.name).from(artistTable).node).readOnly, true);
    assert.equal(pg.compile(select({ n: count() }).from(artistTable).node).readOnly, true);
    assert.equal(pg.compile(select(artistTable.c.name).from(artistTable).forUpdate().node).readOnly, undefined);
  });
});

describe('consistency tokens', () => {
  it('round-trip through a cookie-safe token and move forward with commits', () => {
    const pg = new PostgresDialect().replication!;
    const c = new ReadConsistency();
    assert.equal(c.token(), undefined, 'no requirement yet');
    c.observe('postgres', '0/3000148', pg);
    c.observe('postgres', '0/3000100', pg);
    assert.equal(c.position, '0/3000148', 'an older position does not move it back');
    const token = c.token()!;
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    const carried = new ReadConsistency(token);
    assert.equal(carried.position, '0/3000148');
    carried.check('postgres', pg);
  });

  it('refuses a malformed token and one of another database', () => {
    assert.throws(() => new ReadConsistency('garbage'), ConsistencyTokenError);
    assert.throws(() => new ReadConsistency(Buffer.from('2|postgres|0/1').toString('base64url')), ConsistencyTokenError);
    const maria = new ReadConsistency(Buffer.from('1|mysql|0-1-42').toString('base64url'));
    assert.throws(() => maria.check('postgres', new PostgresDialect().replication!), ConsistencyTokenError);
    assert.equal(new ReadConsistency('').position, undefined, 'an empty cookie is no token');
  });
});
