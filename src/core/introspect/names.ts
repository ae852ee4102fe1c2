/**
 * TypeScript names for SQL names: the keys `introspect()` gives columns and
 * the names `pull` gives tables and models. Kept in core so both agree.
 */

const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export',
  'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super',
  'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements',
  'interface', 'package', 'private', 'protected', 'public', 'await',
]);

/** Words of an SQL name: split at `_`, spaces and other separators, and where a lower-case letter meets a capital. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9\u0080-\uFFFF]+/)
    .filter(Boolean);
}

const capital = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();

/**
 * The camelCase key for an SQL name: `artist_id` → `artistId`, `ArtistId` → `artistId`, `ID` → `id`.
 *
 * ```ts
 * camelCase('billing_postal_code'); // 'billingPostalCode'
 * ```
 */
export function camelCase(name: string): string {
  const parts = words(name);
  if (parts.length === 0) return '_';
  const out = parts.map((w, i) => (i === 0 ? w.toLowerCase() : capital(w))).join('');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/**
 * The PascalCase name for an SQL name: `invoice_line` → `InvoiceLine`.
 *
 * ```ts
 * pascalCase('media_type'); // 'MediaType'
 * ```
 */
export function pascalCase(name: string): string {
  const c = camelCase(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

/** True when `key` can be written as a bare property name or variable. */
export function isIdentifier(key: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) && !RESERVED.has(key);
}

/**
 * Column keys for SQL column names, in order: camelCase, made unique within the table (`name`, `name2`).
 *
 * ```ts
 * columnKeys(['ArtistId', 'artist_id']); // ['artistId', 'artistId2']
 * ```
 */
export function columnKeys(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = camelCase(name);
    let key = base;
    for (let i = 2; used.has(key); i++) key = `${base}${i}`;
    used.add(key);
    return key;
  });
}
