/**
 * reference/ is pure (STYLE.md §2): no I/O, no clocks, no randomness, no
 * async, nothing from harness/. This test reads the source of every file in
 * reference/ except the tests and fails on an import or a name that would
 * break that. It tokenizes with the TypeScript scanner, so comments and
 * string contents never count — only code does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const ROOT = dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Names whose mere use in code is effectful (clocks, randomness, timers, the process, async). */
const FORBIDDEN_NAMES = ['Date', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'performance', 'Promise', 'async', 'await', 'require', 'fetch'];
const BUILTINS = new Set(builtinModules);

/** Every impurity in a source text, as "line N: what". */
function impurities(text: string, file = 'reference/x.ts'): string[] {
  const found: string[] = [];
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, /* skipTrivia */ true, ts.LanguageVariant.Standard, text);
  const tokens: { kind: ts.SyntaxKind; text: string; line: number }[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    tokens.push({ kind, text: scanner.getTokenText(), line: text.slice(0, scanner.getTokenStart()).split('\n').length });
  }
  tokens.forEach((token, i) => {
    const before = tokens[i - 1];
    const after = tokens[i + 1];
    const afterNext = tokens[i + 2];
    const isName = token.kind === ts.SyntaxKind.Identifier || (token.kind >= ts.SyntaxKind.FirstKeyword && token.kind <= ts.SyntaxKind.LastKeyword);
    const member = before?.kind === ts.SyntaxKind.DotToken;
    // Imports: `from 'x'`, `import 'x'`, `import('x')`, `require('x')`.
    if (token.kind === ts.SyntaxKind.StringLiteral && (before?.text === 'from' || before?.text === 'import' || (before?.text === '(' && (tokens[i - 2]?.text === 'import' || tokens[i - 2]?.text === 'require')))) {
      const specifier = token.text.slice(1, -1);
      const target = specifier.startsWith('.') ? relative(join(ROOT, '..'), join(dirname(join(ROOT, '..', file)), specifier)) : specifier;
      if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0]!)) found.push(`line ${token.line}: imports ${specifier}`);
      else if (target.startsWith('harness/') || target.startsWith('harness\\')) found.push(`line ${token.line}: imports ${specifier} from harness/`);
    }
    // A property key in an object literal (`{ async: false }`) names nothing.
    const key = after?.text === ':' && (before?.text === '{' || before?.text === ',');
    if (!isName || member || key) return;
    if (FORBIDDEN_NAMES.includes(token.text)) found.push(`line ${token.line}: uses ${token.text}`);
    if (token.text === 'Math' && after?.text === '.' && afterNext?.text === 'random') found.push(`line ${token.line}: uses Math.random`);
    if (token.text === 'process' && after?.text === '.') found.push(`line ${token.line}: uses process.${afterNext?.text ?? ''}`);
  });
  return found;
}

describe('purity of reference/', () => {
  const files = sourceFiles(ROOT);

  test('the scan covers the model', () => {
    const names = files.map((f) => relative(ROOT, f));
    for (const core of ['model.ts', 'world.ts', 'state.ts', 'roles.ts', 'inspect.ts', 'describe.ts', 'context.ts']) expect(names).toContain(core);
  });

  test.each(files.map((f) => [relative(join(ROOT, '..'), f), f]))('%s imports nothing effectful and uses no clock, randomness, timer, process or async', (name, path) => {
    expect(impurities(readFileSync(path, 'utf8'), name)).toEqual([]);
  });

  // Why this test? A scan that finds nothing proves nothing unless it can fail: this canary must be caught, line by line.
  test('the scan catches every kind of impurity (canary), and ignores comments and strings', () => {
    const canary = [
      "import { readFileSync } from 'node:fs';",
      "import { spawn } from 'child_process';",
      "import * as fs from 'fs';",
      "import { Driver } from '../harness/drive/driver.ts';",
      'const now = Date.now();',
      'const r = Math.random();',
      'setTimeout(() => {}, 1);',
      'setInterval(() => {}, 1);',
      'setImmediate(() => {});',
      'const t = performance.now();',
      'const e = process.env.HOME;',
      'async function f() { await g(); }',
      'const p = Promise.resolve(1);',
      "const m = await import('node:os');",
    ].join('\n');
    expect(impurities(canary, 'reference/canary.ts')).toEqual([
      'line 1: imports node:fs',
      'line 2: imports child_process',
      'line 3: imports fs',
      'line 4: imports ../harness/drive/driver.ts from harness/',
      'line 5: uses Date',
      'line 6: uses Math.random',
      'line 7: uses setTimeout',
      'line 8: uses setInterval',
      'line 9: uses setImmediate',
      'line 10: uses performance',
      'line 11: uses process.env',
      'line 12: uses async',
      'line 12: uses await',
      'line 13: uses Promise',
      'line 14: uses await',
      'line 14: imports node:os',
    ]);
    const innocent = [
      '// Date.now() and Math.random() are banned; so is process.exit.',
      '/* await a Promise, setTimeout */',
      "const why = 'a Date, a Promise, process.env';",
      'const view = { process: "C", async: false };',
      'const name = run.process.length + fault.process;',
      "import { x } from '../spec/config.ts';",
    ].join('\n');
    expect(impurities(innocent, 'reference/innocent.ts')).toEqual([]);
  });
});
