/** Why this test? Colour codes in a CI log or a piped file are noise; NO_COLOR and FORCE_COLOR are how people say so. */
import { expect, test } from 'vitest';
import { createStyle, useColour } from './style.ts';

test.each([
  { tty: true, env: {}, colour: true },
  { tty: false, env: {}, colour: false },
  { tty: true, env: { NO_COLOR: '1' }, colour: false },
  { tty: true, env: { NO_COLOR: '' }, colour: true },
  { tty: false, env: { FORCE_COLOR: '1' }, colour: true },
  { tty: true, env: { FORCE_COLOR: '0' }, colour: false },
  { tty: true, env: { FORCE_COLOR: '1', NO_COLOR: '1' }, colour: true },
  { tty: true, env: { TERM: 'dumb' }, colour: false },
])('tty $tty with $env: colour $colour', ({ tty, env, colour }) => {
  expect(useColour({ isTTY: tty }, env)).toBe(colour);
});

test('colour paints dualsock\'s words; text from outside is made printable and never painted', () => {
  const style = createStyle(true);
  expect(style.bad('✗')).toMatch(/^\u001b\[/);
  expect(style.untrusted('\u001b[32mPASS')).toBe('\\x1b[32mPASS');
  expect(createStyle(false).bad('✗')).toBe('✗');
});
