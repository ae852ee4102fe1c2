/**
 * A private MariaDB primary with a GTID replica for the read-replica tests: two `mariadbd` processes, each with its
 * own data directory (`mariadb-install-db`), loopback port and socket in one temporary directory, the second
 * replicating the first (`CHANGE MASTER TO ... MASTER_USE_GTID = slave_pos`). The shared server on 3306 is never
 * touched.
 *
 * ```ts
 * const pair = await PrivateMariadbPair.create();
 * const engine = createEngine({ primary: pair.primary.url, replicas: [pair.replica.url] });
 * await pair.replica.query('STOP SLAVE SQL_THREAD');   // replay stops: the replica serves stale rows
 * await pair.destroy();
 * ```
 * mariadbd refuses to run as root without being told, so under root it runs as the `mysql` OS user
 * (`--user=mysql`), which owns the directory. Binaries come from ATHANOR_MARIADB_BINDIR, else /usr/sbin, /usr/bin
 * and /usr/local. When the binaries or that user are missing the suite is skipped with
 * the reason, unless ATHANOR_REQUIRE_FAULT_TESTS=1 (CI sets it): then it fails. Servers are stopped and the
 * directory removed after the suite, and from process 'exit' as a last resort; only the processes we spawned are
 * signalled.
 */

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort, osUser } from './private-postgres.js';
import { pause } from './waits.js';

/** Thrown when the machine cannot run private MariaDB servers; the suite skips with its message. */
export class PrivateMariadbUnavailable extends Error {
  override name = 'PrivateMariadbUnavailable';
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

function binary(name: string, dirs: readonly string[]): string {
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  throw new PrivateMariadbUnavailable(`MariaDB binary ${name} not found in ${dirs.join(', ')}: install mariadb-server`);
}

/** One private mariadbd. */
export class PrivateMariadb {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(
    private readonly bin: { server: string; install: string },
    readonly dir: string,
    readonly port: number,
    readonly serverId: number,
    private readonly owner: { uid: number; gid: number } | undefined,
    private readonly extra: readonly string[],
  ) {}

  /** `mysql://root@127.0.0.1:<port>/athanor` (no password). */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/athanor`;
  }

  get socket(): string {
    return join(this.dir, 'mysqld.sock');
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private args(): string[] {
    return [
      '--no-defaults',
      `--datadir=${join(this.dir, 'data')}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${this.socket}`,
      `--pid-file=${join(this.dir, 'mysqld.pid')}`,
      `--log-error=${join(this.dir, 'error.log')}`,
      `--tmpdir=${this.dir}`,
      ...(this.owner ? ['--user=mysql'] : []),
      `--server-id=${this.serverId}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=16M',
      '--innodb-flush-log-at-trx-commit=2',
      '--sync-binlog=0',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_bin',
      '--performance-schema=OFF',
      ...this.extra,
    ];
  }

  async install(): Promise<void> {
    mkdirSync(join(this.dir, 'data'));
    if (this.owner) chownSync(join(this.dir, 'data'), this.owner.uid, this.owner.gid);
    const args = [
      '--no-defaults',
      `--datadir=${join(this.dir, 'data')}`,
      ...(this.owner ? ['--user=mysql'] : []),
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      // Its bootstrap server's temporary tables in this pair's directory, not in /tmp beside another server's: one
      // run failed there with "Could not remove temporary table '/tmp/#sql-temptable-...'".
      `--tmpdir=${this.dir}`,
    ];
    await new Promise<void>((resolve, reject) => {
      execFile(this.bin.install, args, { cwd: this.dir, timeout: START_TIMEOUT_MS }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`mariadb-install-db failed: ${error.message.split('\n')[0]}\n${stderr}`));
        else resolve();
      });
    });
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(join(this.dir, 'error.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Start mariadbd and wait until root can log in over TCP. */
  async start(): Promise<void> {
    if (this.running) return;
    const out = openSync(join(this.dir, `stderr-${this.serverId}.log`), 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.bin.server, this.args(), { cwd: this.dir, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    child.unref();
    const deadline = Date.now() + START_TIMEOUT_MS;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`mariadbd exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.logTail()}`);
      try {
        await this.query('SELECT 1');
        return;
      } catch (error) {
        last = error;
        await pause(100);
      }
    }
    throw new Error(`mariadbd did not accept connections on port ${this.port} within ${START_TIMEOUT_MS} ms (${String(last)}):\n${this.logTail()}`);
  }

  /** Stop (SIGTERM: a clean shutdown), or SIGKILL when it lingers. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running || child.pid === undefined) return;
    process.kill(child.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS)));
    if ((await Promise.race([this.exited, late])) === 'late') {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
      await this.exited;
    }
    clearTimeout(timer);
  }

  /** Kill what we spawned, synchronously (the 'exit' handler). */
  killSync(): void {
    const child = this.child;
    if (child && this.running && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  /** Run statements as root over TCP on a connection of their own; the last one's rows. */
  async query(...statements: string[]): Promise<Record<string, unknown>[]> {
    const conn = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 3000 });
    try {
      let rows: unknown = [];
      for (const s of statements) [rows] = await conn.query(s);
      return rows as Record<string, unknown>[];
    } finally {
      await conn.end().catch(() => undefined);
    }
  }
}

/** A MariaDB primary and its GTID replica. */
export class PrivateMariadbPair {
  private readonly onExit = (): void => this.destroySync();
  private destroyed = false;

  private constructor(
    readonly dir: string,
    readonly primary: PrivateMariadb,
    readonly replica: PrivateMariadb,
  ) {
    process.on('exit', this.onExit);
  }

  static async create(): Promise<PrivateMariadbPair> {
    const fromEnv = process.env['ATHANOR_MARIADB_BINDIR'];
    const dirs = fromEnv ? [fromEnv] : ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];
    const bin = { server: binary('mariadbd', dirs), install: binary('mariadb-install-db', dirs) };
    let owner: { uid: number; gid: number } | undefined;
    if (process.getuid?.() === 0) {
      owner = osUser('mysql');
      if (!owner) throw new PrivateMariadbUnavailable('running as root, and mariadbd refuses root: no "mysql" OS user to run it as');
    }
    const dir = mkdtempSync(join(tmpdir(), 'athanor-mariadb-'));
    if (owner) chownSync(dir, owner.uid, owner.gid);
    const primary = new PrivateMariadb(bin, join(dir, 'primary'), await freePort(), 1, owner, ['--log-bin=mariadb-bin', '--binlog-format=ROW']);
    const replica = new PrivateMariadb(bin, join(dir, 'replica'), await freePort(), 2, owner, ['--read-only=1', '--relay-log=relay-bin']);
    const pair = new PrivateMariadbPair(dir, primary, replica);
    try {
      for (const server of [primary, replica]) {
        mkdirSync(server.dir);
        if (owner) chownSync(server.dir, owner.uid, owner.gid);
      }
      // allSettled: when one fails, the other has finished too before the directory is removed.
      await settled([primary.install(), replica.install()]);
      await settled([primary.start(), replica.start()]);
      // Over TCP, root is root@'%' (with skip-name-resolve, 127.0.0.1 is not "localhost").
      for (const server of [primary, replica]) {
        await new Promise<void>((resolve, reject) => {
          const conn = mysql.createConnection({ socketPath: server.socket, user: 'root' });
          conn
            .then(async (c) => {
              await c.query("CREATE USER IF NOT EXISTS 'root'@'%'");
              await c.query("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION");
              await c.query('CREATE DATABASE IF NOT EXISTS athanor CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
              await c.end();
              resolve();
            })
            .catch(reject);
        });
      }
      const [position] = await primary.query('SELECT @@gtid_binlog_pos AS pos');
      await replica.query(
        `SET GLOBAL gtid_slave_pos = '${String(position!['pos'])}'`,
        `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port}, MASTER_USER = 'root', MASTER_PASSWORD = '', ` +
          `MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1`,
        'START SLAVE',
      );
      // The database the tests use must exist on the replica: it was created before replication began.
      await pair.waitReplicating();
      return pair;
    } catch (error) {
      await pair.destroy().catch(() => undefined);
      throw error instanceof PrivateMariadbUnavailable ? error : new PrivateMariadbUnavailable(`the private MariaDB pair did not start: ${(error as Error).message}`);
    }
  }

  /** Wait until the replica's I/O and SQL threads both run. */
  async waitReplicating(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const [status] = await this.replica.query('SHOW SLAVE STATUS');
      if (status?.['Slave_IO_Running'] === 'Yes' && status['Slave_SQL_Running'] === 'Yes') return;
      if (Date.now() > deadline) throw new Error(`replication did not start: ${JSON.stringify(status)}\n${this.replica.logTail()}`);
      await pause(100);
    }
  }

  /** Wait until the replica has applied everything the primary has written. */
  async waitCaughtUp(): Promise<void> {
    const [p] = await this.primary.query('SELECT @@gtid_binlog_pos AS pos');
    await this.replica.query(`SELECT MASTER_GTID_WAIT('${String(p!['pos'])}', 30)`);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    try {
      await Promise.all([this.replica.stop(), this.primary.stop()]);
    } finally {
      this.destroySync();
    }
  }

  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    this.replica.killSync();
    this.primary.killSync();
    // A server just killed may still be closing files in its data directory.
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

/** Wait for every promise; then throw the first failure, if any. */
async function settled(promises: readonly Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}
