/**
 * Colour for dualsock's own words on a terminal, and nothing else.
 *
 * Colour is decided once per output stream: FORCE_COLOR (any value but "0" or "false") turns it
 * on, NO_COLOR (any non-empty value, https://no-color.org) turns it off, and otherwise a stream
 * gets colour only when it is a terminal whose TERM is not "dumb". A report file, a pipe into
 * `less` or a CI log without FORCE_COLOR gets plain text.
 *
 * A `Style` paints only text dualsock wrote. Text that came from an implementation or a file
 * (a hello name, a result, a counterexample's trace) goes through `untrusted`, which makes it
 * printable first, so an escape sequence from outside can neither colour nor move anything.
 */
import { styleText } from 'node:util';
import { printable } from '../drive/untrusted.ts';

type Format = Parameters<typeof styleText>[0];

export interface Style {
  readonly enabled: boolean;
  readonly bad: (text: string) => string;
  readonly good: (text: string) => string;
  readonly warn: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
  /** Text from outside dualsock: made printable, never coloured. */
  readonly untrusted: (text: string) => string;
}

export function useColour(stream: { readonly isTTY?: boolean } | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (force !== undefined) return false;
  return stream?.isTTY === true && env.TERM !== 'dumb';
}

export function createStyle(enabled: boolean): Style {
  const paint = (format: Format) => (text: string) => (enabled && text !== '' ? styleText(format, text) : text);
  return {
    enabled,
    bad: paint(['bold', 'red']),
    good: paint(['bold', 'green']),
    warn: paint('yellow'),
    dim: paint('dim'),
    bold: paint('bold'),
    untrusted: (text) => printable(text),
  };
}

export const PLAIN: Style = createStyle(false);

/** How many columns `text` takes on a terminal once its escape sequences (our colours) are left out. */
export function visibleWidth(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\x1b\[[0-9;]*m/g, '')].length;
}
