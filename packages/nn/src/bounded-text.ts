/**
 * Bounded descriptions of untrusted values, for error messages. A checkpoint may hold a 20,000-deep
 * JSON array, a million-character tensor name or a hundred thousand unexpected keys; a message about
 * it must still be short, one line, and cheap to build. Nothing here recurses past a fixed depth,
 * reads more than it prints, or calls code from the value (no toString, no toJSON).
 */

/** Characters of a value shown in a message (as the safetensors reference reader prints excerpts). */
export const EXCERPT_CHARS = 80;

/** Problems (or keys) listed in one message before the rest are only counted. */
export const LISTED_PROBLEMS = 5;

const MAX_DEPTH = 3;

/** Escape what would break a one-line message (newlines, control characters). */
const oneLine = (s: string): string =>
  s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** `s` cut to at most `max` characters (ending in "..." when cut), on one line. */
export function clip(s: string, max = EXCERPT_CHARS): string {
  const short = s.length > max ? `${s.slice(0, Math.max(0, max - 3))}...` : s;
  return oneLine(short);
}

/**
 * A JSON-like excerpt of `value`, at most `max` characters: `[[[[...` for a deep array, `{"a":1,...}`
 * for a wide object. Safe on any value, however deep, wide or cyclic.
 */
export function excerpt(value: unknown, max = EXCERPT_CHARS): string {
  let out = '';
  const full = () => out.length > max;
  const write = (v: unknown, depth: number): void => {
    if (full()) return;
    if (v === null || typeof v === 'number' || typeof v === 'boolean') out += String(v);
    else if (typeof v === 'string') out += JSON.stringify(v.length > max ? v.slice(0, max) : v);
    else if (typeof v === 'bigint') out += `${v}n`;
    else if (typeof v === 'undefined' || typeof v === 'function' || typeof v === 'symbol') out += typeof v;
    else if (Array.isArray(v)) {
      out += '[';
      if (depth >= MAX_DEPTH && v.length > 0) out += '...';
      else {
        for (let i = 0; i < v.length && !full(); i++) {
          if (i > 0) out += ',';
          write(v[i], depth + 1);
        }
      }
      out += ']';
    } else if (ArrayBuffer.isView(v)) out += `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length ?? v.byteLength})`;
    else {
      const obj = v as Record<string, unknown>;
      out += '{';
      let first = true;
      for (const key in obj) {
        if (!Object.hasOwn(obj, key)) continue;
        if (full()) break;
        if (!first) out += ',';
        first = false;
        if (depth >= MAX_DEPTH) {
          out += '...';
          break;
        }
        out += `${JSON.stringify(key.length > max ? key.slice(0, max) : key)}:`;
        const d = Object.getOwnPropertyDescriptor(obj, key);
        write(d !== undefined && 'value' in d ? d.value : '(getter)', depth + 1);
      }
      out += '}';
    }
  };
  write(value, 0);
  return clip(out, max);
}

/** Keys from a file for a "missing keys: …" message: each clipped, the first few shown, the rest counted. */
export function keyList(keys: readonly string[]): string {
  const shown = keys.slice(0, LISTED_PROBLEMS).map((k) => clip(k)).join(', ');
  return keys.length > LISTED_PROBLEMS ? `${shown} and ${keys.length - LISTED_PROBLEMS} more` : shown;
}

/** Problems joined for one message: the first few in full, then the count of all of them. */
export function problemList(problems: readonly string[]): string {
  const shown = problems.slice(0, LISTED_PROBLEMS).map((p) => clip(p, 4 * EXCERPT_CHARS));
  return problems.length > LISTED_PROBLEMS ? `${shown.join('; ')}; and ${problems.length - LISTED_PROBLEMS} more (${problems.length} problems)` : shown.join('; ');
}
