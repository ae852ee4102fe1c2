/**
 * A private PostgreSQL server for fault-injection tests: its own cluster in a
 * temporary directory, on its own port, that a test may stop, kill -9 and
 * restart without disturbing the shared server other suites use.
 *
 * ```ts
 * await privatePostgresSuite('faults', ({ server }) => {
 *   it('survives a crash', async () => {
 *     const engine = createEngine(server.url);
 *     await server.kill();     // SIGKILL the postmaster and every backend
 *     await server.start();
 *     await engine.scalar(sql`SELECT 1`);
 *   });
 * });
 * ```
 * Binaries come from ATHANOR_PG_BINDIR, else `pg_config --bindir`, else the
 * newest /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as
 * root, so under root (as in CI) initdb and postgres run as the `postgres`
 * OS user (spawned with its uid and gid, so the pid we hold is the
 * postmaster's), which owns the temporary directory. When the binaries or
 * that user are missing, or the cluster does not start, the suite is skipped
 * with the reason, unless ATHANOR_REQUIRE_FAULT_TESTS=1 (CI sets it): then it
 * fails, so CI cannot go green by skipping.
 *
 * The server is stopped and its directory removed after the suite, also when
 * a test fails, and from process 'exit', SIGINT and SIGTERM handlers as a
 * last resort. Only the processes of this server are ever signalled: its
 * postmaster (whose pid we hold from spawning it) and that postmaster's
 * children. Every wait has a deadline.
 */

import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, appendFileSync, chownSync, constants, existsSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import type { Engine } from '../../src/core/engine/index.js';
import { identifier, sql } from '../../src/core/sql/index.js';
import { pause } from './waits.js';

/** Thrown when the machine cannot run a private cluster; the suite skips with its message. */
export class PrivatePostgresUnavailable extends Error {
  override name = 'PrivatePostgresUnavailable';
}

/** How long a start, a stop or a kill may take before the test fails. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const INITDB_TIMEOUT_MS = 60_000;

/**
 * Server settings. fsync=off and full_page_writes=off are safe here because
 * a kill -9 is a process crash, not an OS crash: written WAL stays in the
 * kernel's cache and crash recovery replays it. synchronous_commit stays on:
 * off would let a kill lose a COMMIT the client saw succeed, and the tests
 * assert that committed rows survive.
 */
function serverSettings(socketDir: string, extra: Readonly<Record<string, string>>): string[] {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    fsync: 'off',
    full_page_writes: 'off',
    shared_buffers: '16MB',
    max_connections: '40',
    autovacuum: 'off',
    restart_after_crash: 'on',
    log_min_messages: 'warning',
    logging_collector: 'off',
    ...extra,
  };
  return Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

function findBindir(): { dir: string; tried: string[] } {
  const tried: string[] = [];
  const fromEnv = process.env['ATHANOR_PG_BINDIR'];
  if (fromEnv) return { dir: fromEnv, tried: [`ATHANOR_PG_BINDIR=${fromEnv}`] };
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dir && existsSync(join(dir, 'initdb'))) return { dir, tried };
    tried.push(`pg_config --bindir (${dir || 'empty'})`);
  } catch {
    tried.push('pg_config (not on PATH)');
  }
  // Debian and Ubuntu keep each major version's server binaries apart: the newest installed one.
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    if (existsSync(join(root, v, 'bin', 'initdb'))) return { dir: join(root, v, 'bin'), tried };
  }
  const fallback = `${root}/15/bin`;
  tried.push(versions.length > 0 ? `${root}/{${versions.join(',')}}/bin` : fallback);
  return { dir: fallback, tried };
}

/** uid and gid of an OS user, from /etc/passwd. */
export function osUser(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no /etc/passwd: treated as no such user
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}


/** Pids whose parent is `ppid`, from /proc (the fields after the command name's closing parenthesis). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Gone, or a zombie nobody reaps (a container's init may not): either way it holds nothing. */
function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** One private cluster. Create with {@link PrivatePostgres.create}; always {@link destroy} it. */
export class PrivatePostgres {
  /** Faults injected so far (kills and stops), for the suite's closing count. */
  faults = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private destroyed = false;
  private readonly onExit = (): void => this.destroySync();
  /** Interrupted (Ctrl-C, the runner cancelling): clean up, then die of the same signal. */
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.destroySync();
    process.kill(process.pid, sig);
  };

  private constructor(
    readonly bindir: string,
    readonly dir: string,
    readonly port: number,
    private readonly owner: { uid: number; gid: number } | undefined,
    /** Settings on top of the suite's own (`-c name=value` at every start). */
    private readonly extraSettings: Readonly<Record<string, string>> = {},
  ) {
    process.on('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** The postmaster's pid while it runs. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /**
   * initdb a cluster into a new temporary directory and start it. Throws
   * {@link PrivatePostgresUnavailable} naming what is missing.
   */
  static async create(settings: Readonly<Record<string, string>> = {}): Promise<PrivatePostgres> {
    const { bindir, owner } = PrivatePostgres.prerequisites(['initdb', 'postgres', 'pg_isready']);
    const dir = mkdtempSync(join(tmpdir(), 'athanor-pg-'));
    let server: PrivatePostgres | undefined;
    try {
      if (owner) chownSync(dir, owner.uid, owner.gid);
      server = new PrivatePostgres(bindir, dir, await freePort(), owner, settings);
      await server.initdb();
      await server.start();
      return server;
    } catch (error) {
      if (server) await server.destroy();
      else rmSync(dir, { recursive: true, force: true });
      throw error instanceof PrivatePostgresUnavailable ? error : new PrivatePostgresUnavailable(`the private cluster did not start: ${(error as Error).message}`);
    }
  }

  /**
   * A streaming replica of `primary` (which must run): `pg_basebackup -R` into a new temporary directory, started
   * on its own port as a hot standby. `settings` go on its command line (`recovery_min_apply_delay` can also be
   * changed later with {@link setSetting}).
   */
  static async createReplica(primary: PrivatePostgres, settings: Readonly<Record<string, string>> = {}): Promise<PrivatePostgres> {
    const { bindir, owner } = PrivatePostgres.prerequisites(['pg_basebackup', 'postgres', 'pg_isready']);
    const dir = mkdtempSync(join(tmpdir(), 'athanor-pg-replica-'));
    let server: PrivatePostgres | undefined;
    try {
      if (owner) chownSync(dir, owner.uid, owner.gid);
      server = new PrivatePostgres(bindir, dir, await freePort(), owner, settings);
      await server.baseBackup(primary);
      await server.start();
      return server;
    } catch (error) {
      if (server) await server.destroy();
      else rmSync(dir, { recursive: true, force: true });
      throw error instanceof PrivatePostgresUnavailable ? error : new PrivatePostgresUnavailable(`the private replica did not start: ${(error as Error).message}`);
    }
  }

  private baseBackup(primary: PrivatePostgres): Promise<void> {
    const args = ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', this.dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'];
    return new Promise((resolve, reject) => {
      execFile(join(this.bindir, 'pg_basebackup'), args, { ...this.spawnOptions(), timeout: INITDB_TIMEOUT_MS }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`pg_basebackup failed: ${error.message.split('\n')[0]}\n${stderr}`));
        else resolve();
      });
    });
  }

  /**
   * Change a reloadable setting of the running server: appended to postgresql.auto.conf (the last line wins), then
   * SIGHUP to the postmaster, then a wait until `SHOW` reports it through `check`.
   */
  async setSetting(name: string, value: string, check: (shown: string) => Promise<boolean>): Promise<void> {
    const file = join(this.dataDir, 'postgresql.auto.conf');
    appendFileSync(file, `${name} = '${value.replace(/'/g, "''")}'\n`);
    const pid = this.pid;
    if (pid === undefined) throw new Error('setSetting(): the server is not running');
    signal(pid, 'SIGHUP');
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await check(value))) {
      if (Date.now() > deadline) throw new Error(`${name} did not become ${value} within ${START_TIMEOUT_MS} ms:\n${this.logTail()}`);
      await pause(50);
    }
  }

  /** The binaries named, and the OS user to run them as (under root). */
  private static prerequisites(bins: readonly string[]): { bindir: string; owner: { uid: number; gid: number } | undefined } {
    if (!existsSync('/proc/self/stat')) {
      throw new PrivatePostgresUnavailable('no /proc: the fault tests find the server\'s backends through /proc (Linux only)');
    }
    const { dir: bindir, tried } = findBindir();
    for (const bin of bins) {
      try {
        accessSync(join(bindir, bin), constants.X_OK);
      } catch {
        throw new PrivatePostgresUnavailable(
          `PostgreSQL binary ${join(bindir, bin)} not found (looked in: ${tried.join(', ')}); install PostgreSQL or set ATHANOR_PG_BINDIR`,
        );
      }
    }
    let owner: { uid: number; gid: number } | undefined;
    if (process.getuid?.() === 0) {
      owner = osUser('postgres');
      if (!owner) throw new PrivatePostgresUnavailable('running as root, and PostgreSQL refuses root: no "postgres" OS user to run it as');
    }
    return { bindir, owner };
  }

  private spawnOptions() {
    return {
      cwd: this.dir,
      env: { ...process.env, LC_ALL: 'C', PGTZ: 'UTC' },
      ...(this.owner ? { uid: this.owner.uid, gid: this.owner.gid } : {}),
    };
  }

  private initdb(): Promise<void> {
    const args = ['-D', this.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'];
    return new Promise((resolve, reject) => {
      execFile(join(this.bindir, 'initdb'), args, { ...this.spawnOptions(), timeout: INITDB_TIMEOUT_MS }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`initdb failed: ${error.message.split('\n')[0]}\n${stderr}`));
        else resolve();
      });
    });
  }

  /** The server's log (its stderr), for messages. */
  logTail(lines = 20): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Start the postmaster and wait until it accepts connections. */
  async start(): Promise<void> {
    if (this.destroyed) throw new Error('this private cluster was destroyed');
    if (this.pid !== undefined) throw new Error('the private cluster is already running');
    const log = openSync(join(this.dir, 'server.log'), 'a');
    if (this.owner) chownSync(join(this.dir, 'server.log'), this.owner.uid, this.owner.gid);
    let child: ChildProcess;
    try {
      child = spawn(join(this.bindir, 'postgres'), ['-D', this.dataDir, '-p', String(this.port), ...serverSettings(this.dir, this.extraSettings)], {
        ...this.spawnOptions(),
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    // The test process must not stay alive for the server's sake.
    child.unref();
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.logTail()}`);
      }
      if (await this.isReady()) return;
      await pause(100);
    }
    throw new Error(`postgres did not accept connections on port ${this.port} within ${START_TIMEOUT_MS} ms:\n${this.logTail()}`);
  }

  /** pg_isready against the port: true once the server accepts connections. */
  isReady(): Promise<boolean> {
    return new Promise((resolve) => {
      execFile(join(this.bindir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-t', '2', '-q'], { timeout: 5000 }, (error) =>
        resolve(!error),
      );
    });
  }

  /**
   * Stop the server: `fast` (SIGINT: roll back open transactions and
   * disconnect every client, sending them 57P01), `immediate` (SIGQUIT) or
   * `smart` (SIGTERM: wait for clients to leave).
   */
  async stop(mode: 'fast' | 'immediate' | 'smart' = 'fast'): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    this.faults++;
    signal(pid, mode === 'fast' ? 'SIGINT' : mode === 'immediate' ? 'SIGQUIT' : 'SIGTERM');
    await this.waitForExit(`stop (${mode})`);
  }

  /**
   * kill -9 the server: its postmaster and every backend, as a crash would.
   * The postmaster is stopped first so it cannot fork while its children
   * are collected. Each backend makes itself a process-group leader, so a
   * group kill would miss them: they are found as the postmaster's children.
   */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    this.faults++;
    const children = this.killAll(pid);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (!children.every(isGone)) {
      if (Date.now() > deadline) throw new Error(`backends ${children.filter((c) => !isGone(c)).join(', ')} still alive ${STOP_TIMEOUT_MS} ms after SIGKILL`);
      await pause(20);
    }
    await this.waitForExit('kill -9');
  }

  /**
   * kill -9 one backend (a server process of ours): the postmaster notices
   * the crash, ends every other backend and restarts by itself.
   */
  killBackend(backendPid: number): void {
    const pid = this.pid;
    if (pid === undefined || !childrenOf(pid).includes(backendPid)) {
      throw new Error(`process ${backendPid} is not a backend of this private cluster`);
    }
    this.faults++;
    signal(backendPid, 'SIGKILL');
  }

  /**
   * Start the server unless it runs, and wait until it accepts connections
   * (it may be recovering from a killed backend): each test begins with a
   * server that answers, whatever the last one left.
   */
  async ensureRunning(): Promise<void> {
    if (this.pid === undefined) return this.start();
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await this.isReady())) {
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${START_TIMEOUT_MS} ms:\n${this.logTail()}`);
      await pause(100);
    }
  }

  /** Stop (fast) and start again. */
  async restart(): Promise<void> {
    await this.stop('fast');
    await this.start();
  }

  private killAll(pid: number): number[] {
    signal(pid, 'SIGSTOP');
    const children = childrenOf(pid);
    for (const c of children) signal(c, 'SIGKILL');
    signal(pid, 'SIGKILL');
    return children;
  }

  private async waitForExit(what: string): Promise<void> {
    const exited = this.exited;
    if (!exited) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`postgres did not exit within ${STOP_TIMEOUT_MS} ms of ${what}:\n${this.logTail()}`)), STOP_TIMEOUT_MS);
    });
    try {
      await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stop the server (kill -9 if a fast stop does not finish) and remove its directory. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    try {
      if (this.pid !== undefined) {
        const pid = this.pid;
        signal(pid, 'SIGINT');
        try {
          await this.waitForExit('stop at the end of the suite');
        } catch {
          this.killAll(pid);
          await this.waitForExit('kill -9 at the end of the suite').catch(() => undefined);
        }
      }
    } finally {
      this.destroySync();
    }
  }

  /** Last resort from the 'exit' handler: nothing asynchronous runs there. */
  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    const pid = this.pid;
    if (pid !== undefined) this.killAll(pid);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What a suite's definition gets: the server, available inside tests and hooks. */
export interface PrivatePostgresContext {
  readonly server: PrivatePostgres;
}

const requireFaultTests = process.env['ATHANOR_REQUIRE_FAULT_TESTS'] === '1';

/** A whole fault suite fails (its tests cancelled, its cleanup still run) rather than hang past this. */
const SUITE_TIMEOUT_MS = 110_000;

/**
 * Define a suite around a private cluster, created when the file loads. When
 * it cannot be created the suite is skipped with the reason, or fails when
 * ATHANOR_REQUIRE_FAULT_TESTS=1.
 */
export async function privatePostgresSuite(title: string, define: (ctx: PrivatePostgresContext) => void): Promise<void> {
  let server: PrivatePostgres;
  try {
    server = await PrivatePostgres.create();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (requireFaultTests) {
      describe(title, () => {
        it('starts a private PostgreSQL cluster', () => {
          throw new Error(`the fault tests are required (ATHANOR_REQUIRE_FAULT_TESTS=1) but cannot run: ${reason}`);
        });
      });
    } else {
      // A skipped test rather than a skipped suite, so the run's closing count shows it.
      describe(title, () => {
        it('starts a private PostgreSQL cluster', { skip: `${reason} (set ATHANOR_REQUIRE_FAULT_TESTS=1 to fail instead)` }, () => {});
      });
    }
    return;
  }
  describe(title, { timeout: SUITE_TIMEOUT_MS }, () => {
    beforeEach(() => server.ensureRunning());
    define({ server });
    // Registered after the suite's own hooks, so it runs after them.
    after(() => server.destroy());
  });
}

// ---------------------------------------------------------------------------
// Bounded waits for the tests

/** `promise`, or a rejection naming `what` when it does not settle within `ms`: a hang fails the test instead of stalling it. */
export async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Retry `SELECT 1` on `engine` until it answers (the server may still be
 * starting or recovering); resolves to the errors of the failed attempts.
 */
export async function untilAnswers(engine: Engine, ms = 15_000): Promise<Error[]> {
  const failures: Error[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await bounded(engine.scalar(sql`SELECT 1 AS one`), 5000, 'SELECT 1');
      return failures;
    } catch (error) {
      failures.push(error as Error);
      if (Date.now() > deadline) {
        throw new Error(`the engine did not answer within ${ms} ms; last error: ${(error as Error).message}`, { cause: error });
      }
      await pause(100);
    }
  }
}

export interface BackendMatch {
  /** A LIKE pattern for pg_stat_activity.query. */
  readonly query: string;
  /** Only a backend waiting on this kind of event ('Lock', 'Timeout' for pg_sleep). */
  readonly waitEventType?: string;
  /** Not this backend (the observer's own, or a lock holder). */
  readonly not?: number;
}

/** Poll pg_stat_activity from `observer` until a backend matches; resolves to its pid. */
export async function untilBackend(observer: Engine, match: BackendMatch, ms = 20_000): Promise<number> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const rows = await observer.all(
      sql`SELECT pid FROM pg_stat_activity
          WHERE query LIKE ${match.query} AND state = 'active' AND pid <> pg_backend_pid() AND pid <> ${match.not ?? 0}
            AND (${match.waitEventType ?? null}::text IS NULL OR wait_event_type = ${match.waitEventType ?? null}::text)`,
    );
    const pid = (rows[0] as { pid?: number } | undefined)?.pid;
    if (pid !== undefined) return Number(pid);
    await pause(10);
  }
  throw new Error(`no backend running ${match.query}${match.waitEventType ? ` and waiting on ${match.waitEventType}` : ''} within ${ms} ms`);
}

/** A table lock held in an open transaction on `observer`, until {@link TableLock.release}. */
export interface TableLock {
  /** The backend holding the lock. */
  readonly pid: number;
  /** End the holding transaction; resolves however it ends (the server may be gone by then). */
  release(): Promise<void>;
}

/**
 * Take `LOCK TABLE name IN ACCESS EXCLUSIVE MODE` on `observer` and hold it:
 * a statement on that table then waits at the server, already sent in full,
 * until the lock is released or the server dies. A test can wait for it
 * with {@link untilBackend} (`waitEventType: 'Lock'`) and strike then.
 */
export async function lockTable(observer: Engine, name: string, ms = 10_000): Promise<TableLock> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: (pid: number) => void;
  const isLocked = new Promise<number>((resolve) => (locked = resolve));
  const holder = observer.transaction(async (tx) => {
    const pid = Number(await tx.scalar(sql`SELECT pg_backend_pid() AS pid`));
    await tx.execute(sql`LOCK TABLE ${identifier(name)} IN ACCESS EXCLUSIVE MODE`);
    locked(pid);
    await released;
  });
  const settled = holder.then(
    () => undefined,
    () => undefined,
  );
  const pid = await bounded(Promise.race([isLocked, holder.then(() => 0)]), ms, `LOCK TABLE ${name}`);
  return {
    pid,
    release: async () => {
      release();
      await bounded(settled, STOP_TIMEOUT_MS, `the transaction holding the lock on ${name}`);
    },
  };
}
