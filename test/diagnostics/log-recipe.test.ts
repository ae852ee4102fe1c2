/**
 * The pino recipe of docs/diagnostics.md writes each key once. The sink below
 * serializes as pino does (its own `level`, `time`, `pid`, `hostname`, then the
 * keys of the object it is given as they are, then `msg` from the message
 * argument, with no merging), so handing it the whole entry would write
 * `level` and `msg` twice; the recipe hands it the fields without them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createEngine } from '../../src/connect/index.js';
import { sql } from '../../src/core/sql/index.js';
import { logStatements, type StatementLogEntry, type StatementLogLevel } from '../../src/diagnostics/index.js';

const RECIPE = 'log: ({ level, msg, ...fields }) => logger[level](fields, msg)';

const PINO_LEVELS: Record<StatementLogLevel, number> = { debug: 20, warn: 40, error: 50 };

/** A logger with pino's method shape `(object, message)` and pino's way of writing a line. */
function pinoLike(lines: string[]): Record<StatementLogLevel, (object: object, message: string) => void> {
  const write = (level: StatementLogLevel) => (object: object, message: string) => {
    let line = `{"level":${PINO_LEVELS[level]},"time":${Date.now()},"pid":${process.pid},"hostname":"test"`;
    for (const [key, value] of Object.entries(object)) if (value !== undefined) line += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
    lines.push(`${line},"msg":${JSON.stringify(message)}}`);
  };
  return { debug: write('debug'), warn: write('warn'), error: write('error') };
}

/** Keys written more than once in one JSON object of `text`, at any depth (JSON.parse keeps the last silently). */
function duplicateKeys(text: string): string[] {
  let i = 0;
  const duplicates: string[] = [];
  const space = (): void => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const string = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      space();
      while (text[i] !== '}') {
        space();
        const key = string();
        if (seen.has(key)) duplicates.push(key);
        seen.add(key);
        space();
        i++; // ':'
        value();
        space();
        if (text[i] === ',') i++;
        space();
      }
      i++;
    } else if (c === '[') {
      i++;
      space();
      while (text[i] !== ']') {
        value();
        space();
        if (text[i] === ',') i++;
        space();
      }
      i++;
    } else if (c === '"') {
      string();
    } else {
      while (i < text.length && !/[,}\]\s]/.test(text[i]!)) i++;
    }
  };
  value();
  return duplicates;
}

/** Statements, a failure and a slow statement, logged through `log`. */
async function logSome(log: (entry: StatementLogEntry) => void): Promise<void> {
  const engine = createEngine('sqlite::memory:');
  const stop = logStatements({ log, engine, parameters: true, slowMs: 0 });
  try {
    await engine.execute(sql`SELECT ${1} AS one`);
    await engine.execute(sql`SELECT * FROM dg_no_such_table`).catch(() => undefined);
  } finally {
    stop();
    await engine.close();
  }
}

describe('the pino logging recipe', () => {
  it('is the recipe the docs give', () => {
    assert.ok(readFileSync(new URL('../../docs/diagnostics.md', import.meta.url), 'utf8').includes(RECIPE));
    assert.ok(readFileSync(new URL('../../src/diagnostics/log.ts', import.meta.url), 'utf8').includes(RECIPE.slice(5)));
  });

  it('writes each key once, level and msg as pino writes them', async () => {
    const lines: string[] = [];
    const logger = pinoLike(lines);
    // The recipe, as written in the docs:
    await logSome(({ level, msg, ...fields }) => logger[level](fields, msg));
    assert.equal(lines.length, 2);
    for (const line of lines) assert.deepEqual(duplicateKeys(line), [], line);
    const [slow, failed] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(slow!['level'], 40);
    assert.equal(slow!['msg'], 'slow statement');
    assert.equal(slow!['sql'], 'SELECT ? AS one');
    assert.deepEqual(slow!['parameters'], [1]);
    assert.equal(failed!['level'], 50);
    assert.equal(failed!['msg'], 'statement failed');
    assert.match(String(failed!['error']), /no such table/);
  });

  it('the whole entry handed to pino would write level and msg twice (what the check catches)', async () => {
    const lines: string[] = [];
    const logger = pinoLike(lines);
    await logSome((entry) => logger[entry.level](entry, entry.msg));
    for (const line of lines) assert.deepEqual(duplicateKeys(line), ['level', 'msg'], line);
  });
});
