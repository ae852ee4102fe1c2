/**
 * Value conversions several dialects share. Dates travel as UTC text where a
 * database has no time-zone-aware type, so a value reads back as the same
 * instant whatever the client's or server's time zone.
 */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD` of a Date in UTC. */
export function formatDateUtc(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC (no zone designator). */
export function formatTimestampUtc(d: Date): string {
  return `${formatDateUtc(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** Parse a UTC timestamp written without a zone (`YYYY-MM-DD HH:MM:SS[.fff]`), or with one. */
export function parseTimestampUtc(raw: unknown): unknown {
  if (raw === null || raw instanceof Date) return raw;
  if (typeof raw === 'number') return new Date(raw);
  if (typeof raw !== 'string') return raw;
  // What Athanor writes on SQLite (toISOString): parse directly, no pattern matching.
  if (raw.length === 24 && raw.charCodeAt(23) === 90 /* Z */ && raw.charCodeAt(10) === 84 /* T */) return new Date(raw);
  const s = raw.includes('T') ? raw : raw.replace(' ', 'T');
  const hasZone = /[zZ]$|[+-]\d{2}:?\d{2}$/.test(s);
  return new Date(hasZone ? s : `${s}Z`);
}

export function decodeDate(raw: unknown): unknown {
  if (raw instanceof Date) return formatDateUtc(raw);
  if (typeof raw === 'string' && raw.length > 10) return raw.slice(0, 10);
  return raw;
}

export function decodeJsonText(raw: unknown): unknown {
  if (typeof raw === 'string') return JSON.parse(raw);
  if (raw instanceof Uint8Array) return JSON.parse(Buffer.from(raw).toString('utf8'));
  return raw;
}

/** Integers that a driver returned as strings (int8, COUNT(*), SUM) become numbers. */
export function decodeNumber(raw: unknown): unknown {
  if (typeof raw === 'string') return Number(raw);
  if (typeof raw === 'bigint') return Number(raw);
  return raw;
}

export function decodeBigint(raw: unknown): unknown {
  if (raw === null) return raw;
  if (typeof raw === 'string' || typeof raw === 'number') return BigInt(raw);
  return raw;
}

export function decodeBooleanNumber(raw: unknown): unknown {
  if (typeof raw === 'number') return raw !== 0;
  if (typeof raw === 'bigint') return raw !== 0n;
  if (typeof raw === 'string') return raw !== '0' && raw !== '';
  return raw;
}

export function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** A decimal value written as text, so no digit is lost on its way in. */
export function numericText(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return value;
}

const LONE_SURROGATE = /\p{Surrogate}/u;
const LONE_SURROGATES = /\p{Surrogate}/gu;

/**
 * A string as drivers send it: UTF-8 has no lone surrogates, so they become
 * U+FFFD on the wire. A string carried inside a JSON document (where `\ud800`
 * is a legal escape) is made to mean the same text as the bound string would.
 */
export function wireString(s: string): string {
  return LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATES, '\ufffd') : s;
}

/** A JavaScript number as a JSON number, or undefined for NaN and the infinities (JSON has none). */
export function jsonNumber(n: number): string | undefined {
  return Number.isFinite(n) ? JSON.stringify(n) : undefined;
}

/**
 * A lone surrogate escape (`\ud800`) in JSON text, not itself escaped:
 * JSON.stringify writes lone surrogates so, and MariaDB's JSON_VALID and
 * PostgreSQL's jsonb refuse them.
 */
export const JSON_LONE_SURROGATE = /(?:^|[^\\])(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/i;

/** {@link JSON_LONE_SURROGATE}, or `\u0000`, which jsonb refuses too. */
export const JSON_NUL_OR_LONE_SURROGATE = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** Bytes a JSON document carries as hex text (`'0102'`) back to a Buffer, as drivers hand blobs over. */
export function decodeHex(raw: unknown): unknown {
  return typeof raw === 'string' ? Buffer.from(raw, 'hex') : raw;
}
