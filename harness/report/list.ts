/**
 * `dualsock list`: every requirement with its level, chapter and title, then which properties
 * check it and where in the seeds it comes from — in at most 100 columns, so it reads in a
 * terminal and in a CI log. A title too long for its column wraps under itself; the properties
 * and sources follow on an indented line of their own, wrapped at word boundaries.
 */
import { CHAPTERS, SEEDS, type Requirement } from '../../spec/requirements.ts';
import { wrap, wrapWords } from './text.ts';

export const LIST_COLUMNS = 100;

const SEED_NAMES = new Map<string, string>(Object.entries(SEEDS).map(([name, file]) => [file, name]));

export function describeSources(requirement: Requirement): string {
  return requirement.sources.map((source) => `${SEED_NAMES.get(source.doc) ?? source.doc} ${source.ref}`).join('; ');
}

export function requirementTable(requirements: readonly Requirement[], checkedBy: (id: string) => readonly string[] = () => [], columns = LIST_COLUMNS): string {
  const chapterOrder = new Map<string, number>(CHAPTERS.map((chapter, index) => [chapter.id, index]));
  const sorted = [...requirements].sort((a, b) => (chapterOrder.get(a.chapter) ?? 0) - (chapterOrder.get(b.chapter) ?? 0));
  const idWidth = Math.max(2, ...sorted.map((r) => r.id.length));
  const lead = (id: string, level: string, chapter: string): string => `${id.padEnd(idWidth)}  ${level.padEnd(6)}  ${chapter.padEnd(9)}  `;
  const titleAt = lead('', '', '').length;
  const lines = [lead('ID', 'LEVEL', 'CHAPTER') + 'TITLE', `${' '.repeat(4)}CHECKED BY; SOURCES`];
  for (const r of sorted) {
    const title = wrapWords(r.title, columns - titleAt);
    lines.push(lead(r.id, r.level, r.chapter) + title[0], ...title.slice(1).map((line) => ' '.repeat(titleAt) + line));
    const checkers = checkedBy(r.id).join(', ') || 'UNCHECKED';
    lines.push(...wrap(`checked by ${checkers}; ${describeSources(r)}`, columns - 4, '  ').map((line) => `    ${line}`));
  }
  const must = requirements.filter((r) => r.level === 'MUST').length;
  return `${lines.join('\n')}\n\n${requirements.length} requirements (${must} MUST, ${requirements.length - must} SHOULD)\n`;
}
