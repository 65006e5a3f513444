/** Fitting dualsock's lines to a terminal's width: word wrapping and cutting, never splitting a character. */

/** The words of `text` in lines of at most `width` columns; a word longer than a line is cut. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    if (word === '') continue;
    const candidate = line === '' ? word : `${line} ${word}`;
    if ([...candidate].length <= width) line = candidate;
    else {
      if (line !== '') lines.push(line);
      line = cut(word, width);
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/** `text` in lines of at most `width` columns, every line after the first starting with `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const [first, ...rest] = wrapWords(text, width);
  if (rest.length === 0) return [first!];
  const tail = wrapWords(rest.join(' '), Math.max(10, width - [...indent].length)).map((line) => indent + line);
  return [first!, ...tail];
}

/** `text` in at most `width` columns, ending in "…" when cut. */
export function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

/** The terminal's width, or `fallback` when output is not a terminal. */
export function columnsOf(stream: { readonly columns?: number; readonly isTTY?: boolean } | undefined, fallback = 100): number {
  return stream?.isTTY && stream.columns && stream.columns > 20 ? stream.columns : fallback;
}
