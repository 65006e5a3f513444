import { describe, expect, test } from 'vitest';
import { parseImplementationSpec } from './drivers.ts';
import { UsageError } from './usage-error.ts';

describe('parseImplementationSpec: how --impl is read', () => {
  test.each([
    { value: 'fixtures/examples/minimal-inprocess/index.ts', spec: { kind: 'module', path: 'fixtures/examples/minimal-inprocess/index.ts' } },
    { value: 'fixtures/examples/minimal-subprocess/main.mjs', spec: { kind: 'module', path: 'fixtures/examples/minimal-subprocess/main.mjs' } },
    { value: 'node fixtures/examples/minimal-subprocess/main.mjs', spec: { kind: 'command', argv: ['node', 'fixtures/examples/minimal-subprocess/main.mjs'] } },
    { value: `python3 impl.py --name 'my impl'`, spec: { kind: 'command', argv: ['python3', 'impl.py', '--name', 'my impl'] } },
    { value: './target/release/impl', spec: { kind: 'command', argv: ['./target/release/impl'] } },
  ])('$value', ({ value, spec }) => {
    expect(parseImplementationSpec(value)).toEqual(spec);
  });

  test('--shell hands the whole line to the shell', () => {
    expect(parseImplementationSpec('cd impl && ./run $FLAGS', true)).toEqual({ kind: 'shell', command: 'cd impl && ./run $FLAGS' });
  });

  test.each(['', '   ', './missing.ts', 'impl.mjs'])('%j is a usage error', (value) => {
    expect(() => parseImplementationSpec(value)).toThrow(UsageError);
  });
});
