/**
 * `JSON.parse` keeps the last of two equal keys in an object and says nothing, so a header naming a
 * tensor twice would load whichever entry came last. This scan finds the first repeated key, at any
 * depth, in text that `JSON.parse` has already accepted. It walks the text once with an explicit
 * stack (a 20,000-deep header cannot overflow it) and compares keys after unescaping, so "a" and
 * "\u0061" are the same key, as they are to JSON.parse.
 */

export interface DuplicateKey {
  key: string;
  /** The keys of the enclosing objects, outermost first ([] for a top-level key). */
  path: string[];
}

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, COMMA = 0x2c;

/** The first key that appears twice in one object of `json` (valid JSON text), if any. */
export function findDuplicateKey(json: string): DuplicateKey | undefined {
  // One frame per open object or array: the keys seen so far (null for an array), and the last key.
  const frames: { keys: Set<string> | null; last: string }[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1, escaped = false;
      while (json.charCodeAt(end) !== QUOTE) {
        if (json.charCodeAt(end) === BACKSLASH) {
          escaped = true;
          end++;
        }
        end++;
      }
      if (expectKey) {
        const frame = frames[frames.length - 1]!;
        const key = escaped ? (JSON.parse(json.slice(i, end + 1)) as string) : json.slice(i + 1, end);
        if (frame.keys!.has(key)) return { key, path: frames.slice(0, -1).filter((f) => f.keys !== null).map((f) => f.last) };
        frame.keys!.add(key);
        frame.last = key;
        expectKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      frames.push({ keys: new Set(), last: '' });
      expectKey = true;
    } else if (c === OPEN_ARRAY) {
      frames.push({ keys: null, last: '' });
      expectKey = false;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      frames.pop();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = frames[frames.length - 1]?.keys != null;
    }
  }
  return undefined;
}
