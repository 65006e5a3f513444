/**
 * Why this test? An implementation under test, or a counterexample file someone sent, can put
 * escape sequences in any string dualsock prints. Each row is a hostile string and what a person
 * must see instead: nothing that a terminal or an XML parser would act on.
 */
import { describe, expect, test } from 'vitest';
import { printable } from './untrusted.ts';

describe('printable', () => {
  test.each([
    ['plain text passes unchanged', 'srv:5001 é 中 🙂', 'srv:5001 é 中 🙂'],
    ['an OSC 52 clipboard write', '\x1b]52;c;ZXZpbA==\x07', '\\x1b]52;c;ZXZpbA==\\x07'],
    ['a cursor move and erase faking a verdict', '\x1b[2K\rCONFORMS', '\\x1b[2K\\rCONFORMS'],
    ['concealed text (SGR 8)', '\x1b[8msecret', '\\x1b[8msecret'],
    ['a C1 control (CSI as one byte)', '\u009b2J', '\\x9b2J'],
    ['U+FFFE and U+FFFF, not allowed in XML', 'a\ufffeb\uffff', 'a\\u{fffe}b\\u{ffff}'],
    ['a lone high surrogate', 'x\ud800y', 'x\\u{d800}y'],
    ['a lone low surrogate at the end', 'x\udc00', 'x\\u{dc00}'],
    ['an astral noncharacter', 'x\u{1fffe}y', 'x\\u{1fffe}y'],
    ['a right-to-left override', 'abc\u202edcba', 'abc\\u{202e}dcba'],
    ['newlines and tabs on one line', 'a\nb\tc', 'a\\nb\\tc'],
    ['NUL and DEL', '\x00\x7f', '\\x00\\x7f'],
  ])('%s', (_name, input, shown) => {
    expect(printable(input)).toBe(shown);
  });

  test('multi-line text keeps its line feeds and tabs, and still escapes the rest', () => {
    expect(printable('line 1\n\tline 2\r\x1b[31m', { multiline: true })).toBe('line 1\n\tline 2\\r\\x1b[31m');
  });

  test('nothing unsafe survives any string', () => {
    for (let code = 0; code < 0x10000; code++) {
      const shown = printable(`a${String.fromCharCode(code)}b`);
      // eslint-disable-next-line no-control-regex
      expect(shown).not.toMatch(/[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]/);
    }
  });
});
