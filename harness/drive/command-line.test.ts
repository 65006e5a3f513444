import { describe, expect, test } from 'vitest';
import { splitCommandLine } from './command-line.ts';
import { UsageError } from './usage-error.ts';

describe('splitCommandLine', () => {
  test.each([
    { line: 'node impl.js', argv: ['node', 'impl.js'] },
    { line: '  python3   -u  impl.py  ', argv: ['python3', '-u', 'impl.py'] },
    { line: `node impl.js --name 'my impl'`, argv: ['node', 'impl.js', '--name', 'my impl'] },
    { line: 'node impl.js --name "my impl"', argv: ['node', 'impl.js', '--name', 'my impl'] },
    { line: 'say "a \\"quoted\\" word"', argv: ['say', 'a "quoted" word'] },
    { line: `say 'no \\escapes "here"'`, argv: ['say', 'no \\escapes "here"'] },
    { line: 'say "keep \\n as is"', argv: ['say', 'keep \\n as is'] },
    { line: 'path\\ with\\ spaces/impl', argv: ['path with spaces/impl'] },
    { line: `a'b'"c"d`, argv: ['abcd'] },
    { line: `empty '' ""`, argv: ['empty', '', ''] },
    { line: 'echo $HOME *.js ~', argv: ['echo', '$HOME', '*.js', '~'] },
    { line: 'a\tb\nc', argv: ['a', 'b', 'c'] },
    { line: '', argv: [] },
  ])('$line', ({ line, argv }) => {
    expect(splitCommandLine(line)).toEqual(argv);
  });

  test.each([`node 'impl.js`, 'node "impl.js', 'node impl.js\\'])('%s is a usage error', (line) => {
    expect(() => splitCommandLine(line)).toThrow(UsageError);
  });
});
