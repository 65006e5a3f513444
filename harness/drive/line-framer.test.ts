import { describe, expect, test } from 'vitest';
import { type BadUtf8, firstBadUtf8, LineFramer, type Overflow } from './line-framer.ts';

function frame(chunks: (string | Buffer)[], max = 16): { lines: string[]; overflow?: Overflow; leftover?: string } {
  const lines: string[] = [];
  let overflow: Overflow | undefined;
  const framer = new LineFramer(max, (line) => lines.push(line), (o) => (overflow = o));
  for (const chunk of chunks) framer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return { lines, overflow, leftover: framer.leftover() };
}

describe('LineFramer', () => {
  test.each([
    { name: 'one line per chunk', chunks: ['{"a":1}\n', '{"b":2}\n'], lines: ['{"a":1}', '{"b":2}'] },
    { name: 'several lines in one chunk', chunks: ['a\nb\nc\n'], lines: ['a', 'b', 'c'] },
    { name: 'a line split mid-way', chunks: ['{"ty', 'pe":', '1}\nx'], lines: ['{"type":1}'], leftover: 'x' },
    { name: 'the newline alone in a chunk', chunks: ['abc', '\n'], lines: ['abc'] },
    { name: 'CRLF endings drop the CR', chunks: ['a\r\n', 'b\r', '\n'], lines: ['a', 'b'] },
    { name: 'an empty line is a line', chunks: ['\n'], lines: [''] },
    { name: 'exactly the limit', chunks: ['x'.repeat(16) + '\n'], lines: ['x'.repeat(16)] },
  ])('$name', ({ chunks, lines, leftover }) => {
    const result = frame(chunks);
    expect(result.lines).toEqual(lines);
    expect(result.overflow).toBeUndefined();
    expect(result.leftover).toBe(leftover);
  });

  test('a UTF-8 character split across chunks arrives whole', () => {
    const bytes = Buffer.from('"é€"\n');
    const result = frame([bytes.subarray(0, 2), bytes.subarray(2, 4), bytes.subarray(4)]);
    expect(result.lines).toEqual(['"é€"']);
  });

  test.each([
    { name: 'a complete line over the limit', chunks: ['x'.repeat(17) + '\n'], bytes: 17 },
    { name: 'an unfinished line passing the limit', chunks: ['x'.repeat(10), 'x'.repeat(10)], bytes: 20 },
    { name: 'a line passing the limit after good lines', chunks: ['ok\n' + 'y'.repeat(30)], bytes: 30, lines: ['ok'] },
  ])('overflow: $name', ({ chunks, bytes, lines = [] }) => {
    const result = frame(chunks);
    expect(result.lines).toEqual(lines);
    expect(result.overflow?.bytes).toBe(bytes);
  });

  test('after an overflow nothing more is framed or kept', () => {
    const lines: string[] = [];
    let overflows = 0;
    const framer = new LineFramer(8, (line) => lines.push(line), () => overflows++);
    framer.push(Buffer.from('x'.repeat(9)));
    framer.push(Buffer.from('\nlater\n'));
    expect(lines).toEqual([]);
    expect(overflows).toBe(1);
    expect(framer.leftover()).toBeUndefined();
  });

  test('a listener may stop the framer mid-chunk', () => {
    const lines: string[] = [];
    const framer: LineFramer = new LineFramer(64, (line) => {
      lines.push(line);
      framer.stop();
    }, () => undefined);
    framer.push(Buffer.from('a\nb\nc\n'));
    expect(lines).toEqual(['a']);
  });
});

/**
 * Why this test? PROTOCOL.md §framing says lines are UTF-8. Decoding leniently turns a bad
 * byte into U+FFFD, so the harness would go on judging a string the implementation never
 * wrote; the framer hands such a line to its owner as an error instead.
 */
describe('UTF-8', () => {
  test.each([
    { name: 'plain ASCII', bytes: [0x61, 0x62], bad: -1 },
    { name: 'two-, three- and four-byte characters', bytes: [...Buffer.from('é€🙂')], bad: -1 },
    { name: 'a lead byte followed by "("', bytes: [0x78, 0xc3, 0x28], bad: 1 },
    { name: 'a lone continuation byte', bytes: [0x80], bad: 0 },
    { name: 'an overlong "/" (C0 AF)', bytes: [0x61, 0xc0, 0xaf], bad: 1 },
    { name: 'an overlong three-byte form (E0 80 AF)', bytes: [0xe0, 0x80, 0xaf], bad: 0 },
    { name: 'an encoded surrogate (ED A0 80)', bytes: [0xed, 0xa0, 0x80], bad: 0 },
    { name: 'past U+10FFFF (F4 90 80 80)', bytes: [0xf4, 0x90, 0x80, 0x80], bad: 0 },
    { name: 'a sequence cut short at the end', bytes: [0x61, 0xe2, 0x82], bad: 1 },
    { name: 'FF, never UTF-8', bytes: [0x61, 0x62, 0xff], bad: 2 },
  ])('$name', ({ bytes, bad }) => {
    expect(firstBadUtf8(Uint8Array.from(bytes))).toBe(bad);
    // The framer agrees with Node's own validator, and reports the same offset.
    const lines: string[] = [];
    const errors: BadUtf8[] = [];
    const framer = new LineFramer(64, (line) => lines.push(line), () => undefined, (error) => errors.push(error));
    framer.push(Buffer.from([...bytes, 0x0a, 0x6f, 0x6b, 0x0a]));
    if (bad === -1) {
      expect(errors).toEqual([]);
      expect(lines).toEqual([Buffer.from(bytes).toString('utf8'), 'ok']);
    } else {
      expect(errors.map((e) => ({ offset: e.offset, bytes: e.bytes }))).toEqual([{ offset: bad, bytes: bytes.length }]);
      expect(lines).toEqual(['ok']);
    }
  });

  test('without an error handler a bad line is decoded leniently, as before (serve reads the harness, not an implementation)', () => {
    expect(frame([Buffer.from([0x78, 0xc3, 0x28, 0x0a])]).lines).toEqual(['x\ufffd(']);
  });
});
