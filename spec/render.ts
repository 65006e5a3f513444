/**
 * Renders the generated parts of SPEC.md from the data that is their one
 * source, and rewrites them in place.
 *
 * SPEC.md marks each generated region with a pair of HTML comments:
 *
 *   <!-- requirements:<chapter> --> … <!-- /requirements -->   spec/requirements.ts, one chapter
 *   <!-- errors --> … <!-- /errors -->                          spec/errors.ts
 *   <!-- outcomes:<table> --> … <!-- /outcomes -->              spec/fault-outcomes.ts (runs the model)
 *
 * Everything between a pair is replaced; everything outside is prose and is
 * never touched. The render functions are pure; only the CLI at the bottom
 * reads and writes the file:
 *
 *   node --import tsx spec/render.ts --write    rewrite SPEC.md's generated regions
 *   node --import tsx spec/render.ts --check    exit 1 if any region is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHAPTERS, type ChapterId, REQUIREMENTS, type Requirement, type Source } from './requirements.ts';
import { ERROR_CODES } from './errors.ts';
import { OUTCOME_BLOCKS, type OutcomeBlock, renderOutcomeBlock } from './fault-outcomes.ts';

export const SPEC_PATH = fileURLToPath(new URL('./SPEC.md', import.meta.url));

function showSource(source: Source): string {
  return source.doc === 'decision' ? `decision ${source.ref}` : `\`${source.doc}\` ${source.ref}`;
}

/** One requirement as a list item: ID, level and title; the sentence; its sources. */
export function renderRequirement(requirement: Requirement): string {
  return [
    `- **${requirement.id}** (${requirement.level}) — *${requirement.title}*<br>`,
    `  ${requirement.text}<br>`,
    `  Sources: ${requirement.sources.map(showSource).join('; ')}`,
  ].join('\n');
}

/** The requirement list of one chapter, in index order. */
export function renderRequirements(chapter: ChapterId): string {
  const items = REQUIREMENTS.filter((r) => r.chapter === chapter);
  const title = CHAPTERS.find((c) => c.id === chapter)!.title;
  return [`Requirements — ${title} (${items.length}):`, '', ...items.map(renderRequirement)].join('\n');
}

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

/** The error table: code, whether the error is definite, what it means. */
export function renderErrorTable(): string {
  const rows = ERROR_CODES.map((e) => `| ${e.code} | ${e.definite ? 'yes' : 'no'} | ${escapeCell(e.meaning)} |`);
  return ['| code | definite | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

const CHAPTER_IDS: readonly string[] = CHAPTERS.map((c) => c.id);
const OUTCOME_IDS: readonly string[] = OUTCOME_BLOCKS;

/** The content of one generated region, by its marker kind and argument. */
export function renderRegion(kind: string, argument: string | undefined): string {
  if (kind === 'requirements') {
    if (!argument || !CHAPTER_IDS.includes(argument)) {
      throw new Error(`SPEC.md: <!-- requirements:${argument ?? ''} --> names no chapter of spec/requirements.ts CHAPTERS (${CHAPTER_IDS.join(', ')})`);
    }
    return renderRequirements(argument as ChapterId);
  }
  if (kind === 'errors') return renderErrorTable();
  if (kind === 'outcomes') {
    if (!argument || !OUTCOME_IDS.includes(argument)) {
      throw new Error(`SPEC.md: <!-- outcomes:${argument ?? ''} --> names no table of spec/fault-outcomes.ts (${OUTCOME_IDS.join(', ')})`);
    }
    return renderOutcomeBlock(argument as OutcomeBlock);
  }
  throw new Error(`SPEC.md: unknown generated region kind ${kind}`);
}

const REGION = /<!-- (requirements|errors|outcomes)(?::([a-z0-9-]+))? -->\n[\s\S]*?<!-- \/\1 -->/g;

export interface Region {
  readonly kind: string;
  readonly argument: string | undefined;
  /** The text between the markers, without the blank lines around it. */
  readonly body: string;
}

/** Every generated region of a markdown text, in order. */
export function regionsOf(markdown: string): Region[] {
  return [...markdown.matchAll(REGION)].map((m) => {
    const whole = m[0];
    const open = whole.indexOf('-->') + 3;
    const close = whole.lastIndexOf('<!--');
    return { kind: m[1]!, argument: m[2], body: whole.slice(open, close).trim() };
  });
}

/** The markdown with every generated region replaced by its fresh rendering. */
export function renderRegions(markdown: string): string {
  return markdown.replace(REGION, (_whole, kind: string, argument: string | undefined) => {
    const open = argument === undefined ? `<!-- ${kind} -->` : `<!-- ${kind}:${argument} -->`;
    return `${open}\n\n${renderRegion(kind, argument)}\n\n<!-- /${kind} -->`;
  });
}

function main(argv: readonly string[]): number {
  const write = argv.includes('--write');
  const check = argv.includes('--check');
  if (write === check) {
    process.stderr.write('usage: node --import tsx spec/render.ts --write | --check\n');
    return 2;
  }
  const current = readFileSync(SPEC_PATH, 'utf8');
  const fresh = renderRegions(current);
  if (check) {
    if (fresh === current) return 0;
    process.stderr.write('spec/SPEC.md: generated regions are stale; run node --import tsx spec/render.ts --write\n');
    return 1;
  }
  if (fresh !== current) writeFileSync(SPEC_PATH, fresh);
  process.stdout.write(`spec/SPEC.md: ${regionsOf(fresh).length} generated regions ${fresh === current ? 'already up to date' : 'rewritten'}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
