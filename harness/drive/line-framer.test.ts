import { describe, expect, test } from 'vitest';
import { LineFramer, type Overflow } from './line-framer.ts';

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
