/** A requirement ID that shares the most words with a mistyped one, as " (did you mean X?)". */
import { REQUIREMENTS } from '../../spec/requirements.ts';

export function suggest(id: string): string {
  const words = id.split('-');
  const best = REQUIREMENTS.map((r) => ({ id: r.id, score: r.id.split('-').filter((word) => words.includes(word)).length }))
    .filter((candidate) => candidate.score > 0)
    .sort((a, b) => b.score - a.score)[0];
  return best ? ` (did you mean ${best.id}?)` : '';
}

