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

/** Code points shown as escapes: C0, DEL, C1, lone surrogates, the noncharacters, and bidi controls. */
function unsafe(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0xd800 && code <= 0xdfff) ||
    (code >= 0xfdd0 && code <= 0xfdef) ||
    (code & 0xfffe) === 0xfffe ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
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
