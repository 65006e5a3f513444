/**
 * Text into HTML and inline SVG. Everything the HTML report shows that came
 * from an implementation or a file (its name, its answers in a trace, a
 * counterexample's fields, a path) goes through `text` here: first
 * `printable`, so control characters, bidi overrides and the like are shown as
 * escapes rather than acted on, then HTML escaping, so no markup can be made
 * out of it. Five characters are all HTML needs; no library is worth its
 * weight for that.
 */
import { printable } from '../drive/untrusted.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escaped, for element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Text from outside dualsock, made printable then escaped: safe in HTML, SVG and attributes. */
export function text(value: string, options: { multiline?: boolean } = {}): string {
  return escapeHtml(printable(value, options));
}
