/**
 * A private pgbouncer in transaction pooling mode, in front of the shared
 * PostgreSQL server: its own temporary config, on its own loopback port.
 *
 * ```ts
 * await privatePgbouncerSuite('behind pgbouncer', ({ bouncer }) => {
 *   it('runs', async () => {
 *     const engine = createEngine(bouncer.url('pooled'), { pooler: 'transaction' });
 *     await engine.scalar(sql`SELECT 1`);
 *   });
 * });
 * ```
 * It serves the database of ATHANOR_PG_URL under two names: `pooled` with
 * `pool_size` server connections (the engine's connections share them), and
 * `single` with one server connection, so whatever a transaction leaves on
 * it is seen by the next one (the leak checks). auth_type is trust.
 *
 * The binary is ATHANOR_PGBOUNCER, else /usr/sbin/pgbouncer (Debian's
 * package; `.ci/run` installs it). pgbouncer refuses to run as root, so
 * under root it runs as the `postgres` OS user. Without the binary (or that
 * user), or when PostgreSQL does not answer, the suite is skipped with the
 * reason, unless ATHANOR_REQUIRE_FAULT_TESTS=1: then it fails. The process
 * is stopped and its directory removed after the suite, and from process
 * 'exit', SIGINT and SIGTERM handlers as a last resort; only the pgbouncer
 * this file spawned is ever signalled.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { freePort, osUser } from './private-postgres.js';
import { pause } from './waits.js';

/** Thrown when the machine cannot run the pooler; the suite skips with its message. */
export class PgbouncerUnavailable extends Error {
  override name = 'PgbouncerUnavailable';
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export interface PgbouncerOptions {
  /** Server connections of the `pooled` database. Default 2. */
  readonly poolSize?: number;
}

/** One private pgbouncer. Create with {@link PrivatePgbouncer.create}; always {@link destroy} it. */
export class PrivatePgbouncer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private destroyed = false;
  private readonly onExit = (): void => this.destroySync();
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.destroySync();
    process.kill(process.pid, sig);
  };

  private constructor(
    readonly binary: string,
    readonly dir: string,
    readonly port: number,
    /** The PostgreSQL server and database pgbouncer forwards to. */
    readonly server: URL,
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {
    process.on('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  /** The URL of one of the pooler's databases. */
  url(database: 'pooled' | 'single'): string {
    const user = decodeURIComponent(this.server.username || 'postgres');
    return `postgres://${encodeURIComponent(user)}@127.0.0.1:${this.port}/${database}`;
  }

  /** Write the config, start pgbouncer and wait until it serves `pooled`. */
  static async create(serverUrl: string, options: PgbouncerOptions = {}): Promise<PrivatePgbouncer> {
    const binary = process.env['ATHANOR_PGBOUNCER'] ?? '/usr/sbin/pgbouncer';
    try {
      accessSync(binary, constants.X_OK);
    } catch {
      throw new PgbouncerUnavailable(`pgbouncer not found at ${binary}: apt-get install pgbouncer (as .ci/run does), or set ATHANOR_PGBOUNCER`);
    }
    let owner: { uid: number; gid: number } | undefined;
    if (process.getuid?.() === 0) {
      owner = osUser('postgres');
      if (!owner) throw new PgbouncerUnavailable('running as root, and pgbouncer refuses root: no "postgres" OS user to run it as');
    }
    const server = new URL(serverUrl);
    await reachable(serverUrl);
    const dir = mkdtempSync(join(tmpdir(), 'athanor-pgbouncer-'));
    let bouncer: PrivatePgbouncer | undefined;
    try {
      if (owner) chownSync(dir, owner.uid, owner.gid);
      bouncer = new PrivatePgbouncer(binary, dir, await freePort(), server, owner);
      bouncer.writeConfig(options.poolSize ?? 2);
      await bouncer.start();
      return bouncer;
    } catch (error) {
      if (bouncer) await bouncer.destroy();
      else rmSync(dir, { recursive: true, force: true });
      throw error instanceof PgbouncerUnavailable ? error : new PgbouncerUnavailable(`pgbouncer did not start: ${(error as Error).message}`);
    }
  }

  private writeConfig(poolSize: number): void {
    const host = this.server.hostname || '127.0.0.1';
    const port = this.server.port || '5432';
    const database = decodeURIComponent(this.server.pathname.slice(1));
    const user = decodeURIComponent(this.server.username || 'postgres');
    const target = `host=${host} port=${port} dbname=${database}`;
    const ini = [
      '[databases]',
      `pooled = ${target} pool_size=${poolSize}`,
      `single = ${target} pool_size=1`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${this.port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(this.dir, 'users.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 200',
      `logfile = ${join(this.dir, 'pgbouncer.log')}`,
      `pidfile = ${join(this.dir, 'pgbouncer.pid')}`,
      // node-postgres sends these at startup; pgbouncer refuses parameters it does not track unless told to ignore them.
      'ignore_startup_parameters = extra_float_digits,options',
      // A client waiting for a server connection fails instead of hanging a test.
      'query_wait_timeout = 20',
      'server_login_retry = 1',
      '',
    ].join('\n');
    writeFileSync(join(this.dir, 'pgbouncer.ini'), ini);
    writeFileSync(join(this.dir, 'users.txt'), `"${user}" ""\n`);
    if (this.owner) {
      for (const f of ['pgbouncer.ini', 'users.txt']) chownSync(join(this.dir, f), this.owner.uid, this.owner.gid);
    }
  }

  /** The pooler's log, for messages. */
  logTail(lines = 20): string {
    try {
      return readFileSync(join(this.dir, 'pgbouncer.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private async start(): Promise<void> {
    const out = openSync(join(this.dir, 'stderr.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.binary, [join(this.dir, 'pgbouncer.ini')], {
        cwd: this.dir,
        stdio: ['ignore', out, out],
        ...(this.owner ? { uid: this.owner.uid, gid: this.owner.gid } : {}),
      });
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
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`pgbouncer exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.logTail()}\n${readFileSync(join(this.dir, 'stderr.log'), 'utf8')}`);
      }
      try {
        await reachable(this.url('pooled'));
        return;
      } catch (error) {
        last = error;
        await pause(100);
      }
    }
    throw new Error(`pgbouncer did not serve on port ${this.port} within ${START_TIMEOUT_MS} ms (${String(last)}):\n${this.logTail()}`);
  }

  /** Stop pgbouncer (SIGTERM: immediate shutdown; SIGKILL if it lingers) and remove its directory. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    try {
      const child = this.child;
      if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS)));
        if ((await Promise.race([this.exited, late])) === 'late') process.kill(child.pid, 'SIGKILL');
        clearTimeout(timer);
      }
    } finally {
      this.destroySync();
    }
  }

  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Connect once and run `SELECT 1`, within a deadline. */
async function reachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface PrivatePgbouncerContext {
  readonly bouncer: PrivatePgbouncer;
}

const requireFaultTests = process.env['ATHANOR_REQUIRE_FAULT_TESTS'] === '1';

/**
 * Define a suite around a private pgbouncer in front of `serverUrl`, created when the file loads. When it cannot
 * be created the suite is skipped with the reason, or fails when ATHANOR_REQUIRE_FAULT_TESTS=1.
 */
export async function privatePgbouncerSuite(
  title: string,
  serverUrl: string,
  define: (ctx: PrivatePgbouncerContext) => void,
  options: PgbouncerOptions = {},
): Promise<void> {
  let bouncer: PrivatePgbouncer;
  try {
    bouncer = await PrivatePgbouncer.create(serverUrl, options);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    describe(title, () => {
      if (requireFaultTests) {
        it('starts a private pgbouncer', () => {
          throw new Error(`the pooler tests are required (ATHANOR_REQUIRE_FAULT_TESTS=1) but cannot run: ${reason}`);
        });
      } else {
        it('starts a private pgbouncer', { skip: `${reason} (set ATHANOR_REQUIRE_FAULT_TESTS=1 to fail instead)` }, () => {});
      }
    });
    return;
  }
  describe(title, { timeout: 120_000 }, () => {
    define({ bouncer });
    after(() => bouncer.destroy());
  });
}
