/**
 * Text that came from outside dualsock — an implementation's hello name, a string
 * in one of its results, its stderr, a field of a counterexample file someone sent —
 * may carry terminal escape sequences (cursor moves, clipboard writes, a fake verdict
 * line) or characters no report format can hold. `printable` is the one place such
 * text is made safe to show: every control character, C0 and C1 alike, and every
 * character that is not a valid Unicode scalar or is a noncharacter, is rendered as a
 * visible escape (`\x1b`, `\u{fffe}`), so what a person reads is what arrived.
 * Newlines and tabs are kept only where the caller says the text is multi-line.
 */

/**
 * Code points shown as escapes: C0, DEL, C1, lone surrogates, the noncharacters, the bidi
 * controls (embeddings, overrides, isolates and the three marks, which can make a line read
 * in another order than it was written), and the Unicode line and paragraph separators
 * (which some viewers break lines at, so one line could pose as two).
 */
function unsafe(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0xd800 && code <= 0xdfff) ||
    (code >= 0xfdd0 && code <= 0xfdef) ||
    (code & 0xfffe) === 0xfffe ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x061c ||
    code === 0x2028 ||
    code === 0x2029
  );
}

function escapeOf(code: number): string {
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  if (code === 0x1b) return '\\x1b';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

export interface PrintableOptions {
  /** Keep line feeds and tabs as they are (stderr, multi-line messages). */
  readonly multiline?: boolean;
}

/** `text` with every unsafe code point made visible; safe for a terminal, HTML text and XML 1.0. */
export function printable(text: string, options: PrintableOptions = {}): string {
  let out = '';
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A well-formed surrogate pair is one ordinary astral character; it may still be a noncharacter.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        const point = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        if ((point & 0xfffe) === 0xfffe) {
          out += text.slice(plainFrom, i) + escapeOf(point);
          plainFrom = i + 2;
        }
        i++;
        continue;
      }
    }
    if (!unsafe(code)) continue;
    if (options.multiline && (code === 0x0a || code === 0x09)) continue;
    out += text.slice(plainFrom, i) + escapeOf(code);
    plainFrom = i + 1;
  }
  return plainFrom === 0 ? text : out + text.slice(plainFrom);
}

/**
 * At most `charsMax` characters of `text`, made printable, with "…" where it was cut. The cut
 * never splits a surrogate pair, so a long name of emoji does not end in a made-up lone
 * surrogate.
 */
export function printableCut(text: string, charsMax: number, options: PrintableOptions = {}): string {
  if (text.length <= charsMax) return printable(text, options);
  return printable(sliceWhole(text, charsMax), options) + '…';
}

/** The first `end` UTF-16 units of `text`, one fewer if the last would be the first half of a pair. */
function sliceWhole(text: string, end: number): string {
  const last = text.charCodeAt(end - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
}

/** How deep `preview` looks into nested arrays and objects before writing "…". */
const PREVIEW_DEPTH_MAX = 4;

/**
 * A JSON-like rendering of a value that came from outside, for a message: never longer than
 * about `charsMax` characters, whatever the value's size, never deeper than a few levels,
 * whatever its nesting, and printable. JSON.stringify on such a value is unbounded twice over:
 * a 1 MB string is copied whole, and a value nested 100 000 levels deep overflows the stack.
 */
export function preview(value: unknown, charsMax = 120): string {
  const out: string[] = [];
  let length = 0;
  let full = false;
  const emit = (text: string): void => {
    if (full) return;
    if (length + text.length > charsMax) {
      out.push(sliceWhole(text, Math.max(0, charsMax - length)), '…');
      full = true;
      return;
    }
    out.push(text);
    length += text.length;
  };
  const walk = (node: unknown, depth: number): void => {
    if (full) return;
    if (typeof node === 'string') {
      // Cut to the room left, so that a long string still shows its closing quote.
      const room = Math.max(1, charsMax - length - 3);
      return emit(`"${printableCut(node, room).replace(/"/g, '\\"')}"`);
    }
    if (node === null || typeof node !== 'object') return emit(printable(String(node)));
    if (depth >= PREVIEW_DEPTH_MAX) return emit(Array.isArray(node) ? '[…]' : '{…}');
    // Element by element, stopping once the budget is spent: a 500 000-element array costs what is shown.
    if (Array.isArray(node)) {
      emit('[');
      for (let index = 0; index < node.length && !full; index++) {
        if (index > 0) emit(',');
        walk(node[index], depth + 1);
      }
    } else {
      emit('{');
      let first = true;
      for (const key in node) {
        if (full) break;
        if (!first) emit(',');
        first = false;
        emit(`"${printableCut(key, charsMax)}":`);
        walk((node as Record<string, unknown>)[key], depth + 1);
      }
    }
    emit(Array.isArray(node) ? ']' : '}');
  };
  walk(value, 0);
  return out.join('');
}

/** The first `shownMax` items of a list, then "… and K more": a list from outside can be as long as a line allows. */
export function trimList(items: readonly unknown[], shownMax = 10): string {
  const shown = items.slice(0, shownMax).map((item) => (typeof item === 'string' ? printableCut(item, 80) : preview(item, 80)));
  return items.length > shownMax ? `${shown.join(', ')}, … and ${items.length - shownMax} more` : shown.join(', ');
}
