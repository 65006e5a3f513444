/**
 * Splits a command line into an argv the way a POSIX shell would for the
 * cases people write in `--impl "…"`: words separated by blanks, 'single
 * quotes' taken literally, "double quotes" with \" \\ \$ \` escapes, and a
 * backslash outside quotes escaping the next character. Nothing is expanded
 * (no $VAR, no globs, no ~, no pipes): for those, pass --shell and the whole
 * line goes to /bin/sh as it is.
 */
import { UsageError } from './usage-error.ts';

export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw unterminated(line, "'");
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw unterminated(line, '"');
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
          if (line[i + 1] !== '\n') word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new UsageError(`The command line ${JSON.stringify(line)} ends with a lone backslash; expected a character after it.`);
      // Backslash-newline is a line continuation, as in sh.
      if (line[i + 1] !== '\n') {
        word += line[i + 1];
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function unterminated(line: string, quote: string): UsageError {
  return new UsageError(
    `The command line ${JSON.stringify(line)} has an unterminated ${quote} quote; expected a closing ${quote}.\n` +
      `For example: --impl "node impl.js --name 'my impl'"`,
  );
}
