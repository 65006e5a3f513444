/**
 * Why this test? An implementation under test, or a counterexample file someone sent, can put
 * escape sequences in any string dualsock prints. Each row is a hostile string and what a person
 * must see instead: nothing that a terminal or an XML parser would act on.
 */
import { describe, expect, test } from 'vitest';
import { preview, printable, printableCut, trimList } from './untrusted.ts';

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
    ['the bidi marks LRM, RLM and ALM', 'a\u200eb\u200fc\u061cd', 'a\\u{200e}b\\u{200f}c\\u{61c}d'],
    ['a line separator posing as a line break', 'ok\u2028CONFORMS\u2029', 'ok\\u{2028}CONFORMS\\u{2029}'],
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

/** A value nested `depth` arrays deep, built without recursion (as JSON.parse would build it). */
function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('preview: a bounded look at a value from outside', () => {
  test('a small value reads as JSON', () => {
    expect(preview({ type: 'hello', id: 0, families: ['net'] })).toBe('{"type":"hello","id":0,"families":["net"]}');
  });

  test('a value nested 100 000 levels deep is shown a few levels down, without overflowing the stack', () => {
    expect(preview(nested(100_000))).toBe('[[[[[…]]]]]');
  });

  test('a 1 MB string and a 500 000-element list are cut to the budget', () => {
    const huge = preview('t'.repeat(1_000_000), 80);
    expect(huge.length).toBeLessThanOrEqual(84);
    expect(huge.startsWith('"ttt')).toBe(true);
    const long = preview(Array.from({ length: 500_000 }, (_, i) => i), 60);
    expect(long.length).toBeLessThanOrEqual(62);
    expect(long).toMatch(/^\[0,1,2,.*…$/);
  });

  test('strings and keys inside are printable', () => {
    expect(preview({ '\x1b[2J': '\x1b]52;c;eA==\x07' })).toBe('{"\\x1b[2J":"\\x1b]52;c;eA==\\x07"}');
  });

  test('a cut never leaves half a surrogate pair', () => {
    expect(printableCut('ab🙂', 3)).toBe('ab…');
    expect(preview('🙂'.repeat(100), 10)).not.toMatch(/\p{Cs}/u);
    expect(preview('🙂'.repeat(100), 10)).toBe('"🙂🙂🙂…"');
  });
});

describe('trimList', () => {
  test('the first ids, then how many more', () => {
    const ids = Array.from({ length: 500_000 }, (_, i) => i);
    expect(trimList(ids, 5)).toBe('0, 1, 2, 3, 4, … and 499995 more');
    expect(trimList([1, 2], 5)).toBe('1, 2');
  });
});
