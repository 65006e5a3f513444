/**
 * The HTML report: one self-contained page (no network, no fonts, no
 * scripts) a person opens after a check. It reads top to bottom in the order
 * a reader asks: the verdict and the counts; then each failure in its own
 * section — the requirement's sentence, expected vs actual, the world, the
 * sequence diagram of the shrunk counterexample (sequence-diagram.ts), its
 * steps, and the lines that replay and reproduce it; then every requirement,
 * chapter by chapter, with its sentence, level, how often the runs exercised
 * it, why it was not reached where it was not, and which of the model's rules
 * (reference/rules.ts) serve it and how often each fired; last, the rules that
 * never fired, by chapter.
 *
 * Every string that came from the implementation or a file goes through
 * html-escape.ts `text` (printable, then escaped); the page carries no script,
 * so nothing in it can run.
 */
import { CHAPTERS, REQUIREMENTS, type Requirement } from '../../spec/requirements.ts';
import { checkedBy } from '../../properties/index.ts';
import { RULES, type Rule } from '../../reference/rules.ts';
import { type CheckSummary, type PropertyFailure, chapterOfRule, ruleCoverage } from '../judge/summary.ts';
import type { Status as VerdictStatus, Verdict } from '../judge/verdicts.ts';
import { GOALS, faultPoints } from '../judge/goals.ts';
import { describeCommand } from '../judge/commands.ts';
import type { Command } from '../generate/plan.ts';
import type { WorldConfig } from '../../spec/config.ts';
import type { Matrix, ReportContext } from './context.ts';
import { escapeHtml, text } from './html-escape.ts';
import { diagramLegend, sequenceDiagram } from './sequence-diagram.ts';
import { HTML_STYLE } from './html-style.ts';

/** Every status a verdict can have; `stale` is an expected failure that no longer fails. */
type Status = VerdictStatus | 'stale';

const STATUS_NAME: Record<Status, string> = {
  pass: 'pass',
  fail: 'fail',
  expected: 'expected to fail',
  stale: 'stale expected failure',
  warn: 'SHOULD not met',
  skipped: 'skipped',
  'not-reached': 'not reached',
};
const STATUS_MARK: Record<Status, string> = { pass: '✓', fail: '✗', expected: '~', stale: '+', warn: '!', skipped: '–', 'not-reached': '?' };
const STATUSES: readonly Status[] = ['fail', 'stale', 'warn', 'expected', 'pass', 'skipped', 'not-reached'];

/** The verdict banner: its word, its colour, and one sentence on what it means. */
function verdictOf(summary: CheckSummary): { word: string; cls: string; says: string } {
  switch (summary.outcome) {
    case 'CONFORMS':
      return { word: 'CONFORMS', cls: 'conforms', says: 'Every planned run of every selected property ran, and every requirement they reached held.' };
    case 'RUN-PASSES':
      return { word: 'THE RUN PASSES', cls: 'conforms', says: 'The one run named by --path passed. That is a re-run, not a verdict on the implementation.' };
    case 'NON-CONFORMANCE':
      return { word: 'DOES NOT CONFORM', cls: 'fails', says: 'At least one requirement was broken; each failure below has its counterexample.' };
    case 'PROTOCOL-BREAK':
      return { word: 'BROKE THE WIRE PROTOCOL', cls: 'fails', says: 'The implementation answered something the wire protocol does not allow; the check stopped there.' };
    case 'INCOMPLETE':
      return { word: 'INCOMPLETE', cls: 'error', says: 'Nothing failed, but the check did not get far enough to call it a pass; the reasons are listed below.' };
    case 'HARNESS-ERROR':
      return { word: 'HARNESS ERROR', cls: 'error', says: 'The check could not give a verdict; the reason is below.' };
  }
}

function counts(list: readonly Verdict[]): Record<Status, number> {
  const out: Record<Status, number> = { pass: 0, fail: 0, expected: 0, stale: 0, warn: 0, skipped: 0, 'not-reached': 0 };
  for (const v of list) out[v.status as Status] += 1;
  return out;
}

const pill = (status: Status, label = `${STATUS_MARK[status]} ${STATUS_NAME[status]}`): string => `<span class="pill s-${status}">${escapeHtml(label)}</span>`;

/**
 * Why no run reached a requirement, from how the properties that target it
 * went: none targets it, none of them was selected, or each ended as its
 * tally says (skipped for a capability, stopped at a failure, cut by the
 * budget, or all its planned runs ran without getting there).
 */
export function whyNotReached(requirement: Requirement, summary: CheckSummary): string {
  const by = checkedBy(requirement.id);
  if (by.length === 0) return "no property targets it; it is checked only where another property's runs meet it, and none did";
  const tallies = summary.properties.filter((p) => by.includes(p.id));
  if (tallies.length === 0) return `${by.join(', ')} ${by.length === 1 ? 'was' : 'were'} not selected for this check (--only, or another shard)`;
  return tallies
    .map((p) => {
      switch (p.ended) {
        case 'complete':
          return `${p.id} ran all ${p.planned} planned runs and none got here; more runs (--runs) or another seed may`;
        case 'failed':
          return `${p.id} stopped at its first failure, after ${p.ran} of ${p.planned} runs`;
        default:
          return `${p.id} ended ${p.ended} after ${p.ran} of ${p.planned} runs${p.why ? `: ${p.why}` : ''}`;
      }
    })
    .join('; ');
}

function head(summary: CheckSummary, context: ReportContext): string {
  const v = verdictOf(summary);
  const c = counts(summary.verdicts);
  const chips = STATUSES.map((s) => `<li class="count s-${s}${c[s] === 0 ? ' zero' : ''}"><b>${c[s]}</b> ${escapeHtml(STATUS_NAME[s])}</li>`).join('');
  const facts: [string, string][] = [
    ['implementation', `<code>${text(context.impl)}</code>`],
    ['it calls itself', `“${text(context.name)}”`],
    ['seed', `<code>${summary.seed}</code>`],
    ['runs', `${summary.runs} of ${summary.plannedRuns} planned`],
    ['calls', String(summary.calls)],
    ['settles', String(summary.epochs)],
    ['handshakes', String(summary.handshakes)],
    ['messages', String(summary.messages)],
    ['time', `${(summary.elapsedMs / 1000).toFixed(1)} s`],
  ];
  const protocol = summary.protocolError
    ? `<div class="notice bad-notice"><h2>The wire protocol was broken (${text(summary.protocolError.kind)})</h2><pre>${text(summary.protocolError.message, { multiline: true })}</pre></div>`
    : '';
  const harness = summary.harnessError ? `<div class="notice bad-notice"><h2>Harness error</h2><pre>${text(summary.harnessError, { multiline: true })}</pre></div>` : '';
  const incomplete = summary.incomplete.length
    ? `<div class="notice"><h2>Why this is not a full verdict</h2><ul>${summary.incomplete.map((why) => `<li>${text(why)}</li>`).join('')}</ul></div>`
    : '';
  const selection = summary.outOfSelection ? `<div class="notice quiet">${summary.outOfSelection.count} requirements were left out on purpose: ${text(summary.outOfSelection.why)}</div>` : '';
  return (
    `<header class="verdict v-${v.cls}"><p class="kicker">dualsock ${text(context.version ?? '')} check</p>` +
    `<h1>${escapeHtml(v.word)} <span class="exit">exit ${summary.exitCode}</span></h1><p class="says">${escapeHtml(v.says)}</p>` +
    `<ul class="counts" aria-label="requirements by status">${chips}<li class="count total"><b>${summary.verdicts.length}</b> requirements</li></ul>` +
    `<dl class="facts">${facts.map(([k, val]) => `<div><dt>${escapeHtml(k)}</dt><dd>${val}</dd></div>`).join('')}</dl></header>` +
    protocol +
    harness +
    incomplete +
    selection
  );
}

function contents(summary: CheckSummary): string {
  const failures = summary.failures.map((f, i) => `<li><a href="#failure-${i + 1}" class="bad">✗ ${text(f.counterexample.violated[0] ?? f.property)}</a> <span class="muted">(${text(f.property)})</span></li>`).join('');
  const chapters = CHAPTERS.map((chapter) => {
    const c = counts(summary.verdicts.filter((v) => v.requirement.chapter === chapter.id));
    const marks = STATUSES.filter((s) => c[s] > 0).map((s) => `<span class="mini s-${s}" title="${c[s]} ${escapeHtml(STATUS_NAME[s])}">${c[s]}${STATUS_MARK[s]}</span>`).join('');
    return `<li><a href="#chapter-${chapter.id}">${escapeHtml(chapter.title)}</a> ${marks}</li>`;
  }).join('');
  return `<nav class="contents">${failures ? `<div><h2>Failures</h2><ol>${failures}</ol></div>` : ''}<div><h2>Requirements by chapter</h2><ol>${chapters}</ol></div></nav>`;
}

function worldTable(world: WorldConfig): string {
  const rows: [string, string][] = [
    ['hosts', world.hosts.map((h) => `<b>${text(h.name)}</b> { ${h.processes.map((p) => text(p)).join(', ')} }`).join(' &nbsp; ')],
    ['control block table', `${world.cbt.capacity} blocks`],
    ['STGs', world.stgs.map((s) => `stg${s.id} (buffer ${s.length} B, STP ports ${s.ports[0]}..${s.ports[1]})`).join('; ')],
    ['network ports', `well-known ${world.wkp} (and ${world.wkp + 1}), dynamic ${world.netPorts[0]}..${world.netPorts[1]}`],
    ['descriptors', `network from 3, storage system from ${world.fdBoundary}`],
    ['ticks', `connect timeout ${world.ticks.connectTimeout}, step timeout ${world.ticks.stepTimeout}`],
    ['well-known string', `<code>${text(world.wellKnownString)}</code>`],
  ];
  return `<table class="world">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function requirementQuote(id: string, primary: boolean): string {
  const r = REQUIREMENTS.find((q) => q.id === id);
  if (!r) return `<p class="req-quote"><code>${text(id)}</code> (not a requirement of this version of dualsock)</p>`;
  return (
    `<blockquote class="req-quote${primary ? '' : ' also'}"><p class="req-id"><code>${escapeHtml(r.id)}</code> <span class="level l-${r.level}">${r.level}</span> ${escapeHtml(r.title)}${primary ? '' : ' <span class="muted">(also broken)</span>'}</p>` +
    `<p>${escapeHtml(r.text)}</p><p class="muted small">${escapeHtml(r.sources.map((s) => `${s.doc === 'decision' ? 'decision' : s.doc} ${s.ref}`).join(' · '))}</p></blockquote>`
  );
}

function failureSection(f: PropertyFailure, index: number): string {
  const c = f.counterexample;
  const { svg, diagram } = sequenceDiagram(c, `f${index}`);
  const steps = c.steps
    .map((step, i) => {
      let described: string;
      try {
        described = describeCommand(step as Command);
      } catch {
        described = JSON.stringify(step);
      }
      return `<li value="${i}"${i === c.failedAt ? ' class="failed-at"' : ''}><code>${text(described)}</code>${i === c.failedAt ? ' <span class="pill s-fail">✗ failed here</span>' : ''}</li>`;
    })
    .join('');
  const traceText = c.trace.map((t) => [`#${t.command} ${t.what}`, ...t.lines.map((l) => `    ${l}`)].join('\n')).join('\n');
  const idle = diagram.idle.length ? `<p class="muted small">Processes of the world that take no part, not drawn: ${diagram.idle.map((p) => text(p)).join(', ')}.</p>` : '';
  return (
    `<section class="failure${f.expected ? ' expected-failure' : ''}" id="failure-${index}">` +
    (f.expected ? `<p>${pill('expected', '~ expected failure')} the expected-failures file lists this requirement: shown, not gated on.</p>` : '') +
    `<h2><span class="bad">✗</span> ${text(c.violated[0] ?? '?')} <span class="muted">— property ${text(f.property)}, ${c.steps.length} step${c.steps.length === 1 ? '' : 's'}${c.status === 'shrinking' ? ', shrinking was interrupted' : ', shrunk'}</span></h2>` +
    c.violated.map((id, i) => requirementQuote(id, i === 0)).join('') +
    `<div class="versus"><div class="expected"><h3>expected (the model allows)</h3><pre>${text(c.expected, { multiline: true })}</pre></div>` +
    `<div class="actual"><h3>actual (the implementation did)</h3><pre>${text(c.actual, { multiline: true })}</pre></div></div>` +
    `<h3>Sequence diagram</h3>${diagramLegend()}<div class="diagram">${svg}</div>${idle}` +
    `<div class="two"><div><h3>The world</h3>${worldTable(c.world)}</div>` +
    `<div><h3>The shrunk steps</h3><ol class="steps" start="0">${steps}</ol></div></div>` +
    `<h3>Replay and reproduce</h3><dl class="lines">` +
    `<dt>replay this counterexample</dt><dd><pre class="cmd">${text(c.replay)}</pre></dd>` +
    `<dt>reproduce the search</dt><dd><pre class="cmd">${text(c.reproduce)}</pre></dd>` +
    `<dt>saved as</dt><dd><code>${text(f.file)}</code> (seed ${c.seed}, path <code>${text(c.path)}</code>)</dd></dl>` +
    `<details><summary>The trace as text</summary><pre class="trace">${text(traceText, { multiline: true })}</pre></details>` +
    `</section>`
  );
}

function chapterSection(chapter: (typeof CHAPTERS)[number], summary: CheckSummary): string {
  const list = summary.verdicts.filter((v) => v.requirement.chapter === chapter.id);
  const exercised = list.reduce((n, v) => n + v.exercised, 0);
  const c = counts(list);
  const tally = STATUSES.filter((s) => c[s] > 0).map((s) => pill(s, `${c[s]} ${STATUS_NAME[s]}`)).join(' ');
  const rows = list
    .map((v) => {
      const r = v.requirement;
      const why =
        v.status === 'not-reached'
          ? `<span class="why">not reached: ${text(whyNotReached(r, summary))}</span>`
          : v.detail
            ? `<span class="why">${text(v.detail)}</span>`
            : '';
      const link = v.status === 'fail' ? failureLink(v, summary) : '';
      return (
        `<tr class="s-${v.status}" id="req-${escapeHtml(r.id)}"><td class="status">${pill(v.status)}</td>` +
        `<td><p class="req-id"><code>${escapeHtml(r.id)}</code> <span class="level l-${r.level}">${r.level}</span> <b>${escapeHtml(r.title)}</b></p><p class="sentence">${escapeHtml(r.text)}</p>${why}${link}${requirementRules(r, summary)}</td>` +
        `<td class="num">${v.exercised}×</td></tr>`
      );
    })
    .join('');
  return (
    `<section class="chapter" id="chapter-${chapter.id}"><h2>${escapeHtml(chapter.title)} <span class="muted small">${escapeHtml(chapter.id)} · exercised ${exercised}×${rulesFraction(chapter.id, summary)}</span></h2><p>${tally}</p>` +
    `<table class="reqs"><thead><tr><th>status</th><th>requirement</th><th>exercised</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

/** The chapter's share of the model's rules that fired, for its heading. */
function rulesFraction(chapter: string, summary: CheckSummary): string {
  const coverage = ruleCoverage(summary.rules, RULES.filter((r) => chapterOfRule(r) === chapter));
  return coverage.reachable > 0 ? ` · rules ${coverage.fired}/${coverage.reachable}` : '';
}

/** One rule and how often it fired; the never-fired marked, the unreachable saying why. */
function ruleItem(rule: Rule, summary: CheckSummary): string {
  const fired = summary.rules?.get(rule.id) ?? 0;
  const state = rule.unreachable !== undefined ? 'unreachable' : fired > 0 ? 'fired' : 'never';
  const mark = state === 'fired' ? `${fired}×` : state === 'never' ? '<b class="bad">never fired</b>' : `<span class="muted">unreachable: ${escapeHtml(rule.unreachable!)}</span>`;
  return `<li class="rule rule-${state}"><code>${escapeHtml(rule.id)}</code> ${mark} <span class="muted small">${escapeHtml(rule.text)}</span></li>`;
}

/** Which of the model's rules serve the requirement, and how often each fired (folded: the row stays short). */
function requirementRules(r: Requirement, summary: CheckSummary): string {
  const rules = RULES.filter((rule) => rule.reqs.includes(r.id));
  if (rules.length === 0) return '';
  const coverage = ruleCoverage(summary.rules, rules);
  const never = coverage.neverFired.length > 0 ? `, <b class="bad">${coverage.neverFired.length} never</b>` : '';
  return (
    `<details class="rules"><summary class="small">rules ${coverage.fired}/${coverage.reachable} fired${never}</summary>` +
    `<ul class="rules">${rules.map((rule) => ruleItem(rule, summary)).join('')}</ul></details>`
  );
}

/** Every reachable rule of the model that never fired, by chapter: the blind spots of this check. */
function neverFired(summary: CheckSummary): string {
  const coverage = ruleCoverage(summary.rules);
  const head = `<h2>Model rules</h2><p>${coverage.fired} of ${coverage.reachable} reachable rules fired (${coverage.unreachable.length} are unreachable by design and not counted).</p>`;
  if (coverage.neverFired.length === 0) return head;
  const byChapter = CHAPTERS.map((c) => ({ c, rules: coverage.neverFired.filter((r) => chapterOfRule(r) === c.id) })).filter((g) => g.rules.length > 0);
  return (
    head +
    `<h3>Never fired (${coverage.neverFired.length})</h3>` +
    byChapter.map((g) => `<h4>${escapeHtml(g.c.title)}</h4><ul class="rules">${g.rules.map((rule) => ruleItem(rule, summary)).join('')}</ul>`).join('')
  );
}

function failureLink(v: Verdict, summary: CheckSummary): string {
  const index = summary.failures.findIndex((f) => f.counterexample.violated.includes(v.requirement.id));
  return index >= 0 ? ` <a href="#failure-${index + 1}">see the counterexample</a>` : v.counterexample ? ` <code>${text(v.counterexample)}</code>` : '';
}

function reach(summary: CheckSummary): string {
  const goals = GOALS.map((g) => `<li><code>${g}</code> ${summary.goals.get(g) ?? 0}×</li>`).join('');
  const points = faultPoints();
  const reached = points.filter((p) => summary.goals.has(p)).length;
  const skipped = [...summary.skipped].map(([k, n]) => `<li><code>${text(k)}</code> (${n}×)</li>`).join('');
  return (
    `<section class="reach"><h2>Properties</h2>${propertiesTable(summary)}<h2>How deep the runs went</h2><ul class="inline">${goals}</ul>` +
    `<p>A fault struck at ${reached} of ${points.length} handshake steps.</p>` +
    neverFired(summary) +
    (skipped ? `<h3>Capabilities the implementation lacks (their checks were skipped)</h3><ul class="inline">${skipped}</ul>` : '') +
    `</section>`
  );
}

function propertiesTable(summary: CheckSummary): string {
  if (summary.properties.length === 0) return '<p class="muted">No property ran.</p>';
  const rows = summary.properties
    .map((p) => `<tr class="e-${escapeHtml(p.ended)}"><td><code>${text(p.id)}</code></td><td class="num">${p.ran} / ${p.planned}</td><td>${text(p.ended)}</td><td>${text(p.why ?? '')}</td></tr>`)
    .join('');
  return `<table class="props"><thead><tr><th>property</th><th>runs / planned</th><th>ended</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The whole page. Same signature as the other report writers: the summary of a check and what is known about it. */
/**
 * Reports of several implementations side by side, as the Autobahn suite shows its agents: one
 * row per requirement, one column per implementation, each cell its status mark, with the
 * cell's detail as its tooltip.
 */
function matrixSection(matrix: Matrix): string {
  const headings = matrix.implementations
    .map((impl, i) => `<th title="${text(impl.command)}">[${i + 1}] ${text(impl.name)}<br><span class="muted small">${escapeHtml(impl.verdict)} · seed ${impl.seed}</span></th>`)
    .join('');
  const rows = matrix.rows
    .map(
      (row) =>
        `<tr><th scope="row" class="mono">${escapeHtml(row.id)} <span class="muted small">${escapeHtml(row.level)}</span></th>` +
        row.cells.map((cell) => `<td class="mini s-${cell.status}" title="${text(cell.detail ?? STATUS_NAME[cell.status])}">${escapeHtml(STATUS_MARK[cell.status])} ${cell.exercised}×</td>`).join('') +
        `</tr>`,
    )
    .join('');
  return `<section class="matrix" id="matrix"><h2>Requirements × implementations</h2><div class="scroll"><table><thead><tr><th>requirement</th>${headings}</tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

export function htmlReport(summary: CheckSummary, context: ReportContext): string {
  const v = verdictOf(summary);
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>dualsock: ${escapeHtml(v.word)} — ${text(context.name)}</title><style>${HTML_STYLE}</style></head><body>` +
    head(summary, context) +
    `<main>` +
    contents(summary) +
    (context.merged?.matrix ? matrixSection(context.merged.matrix) : '') +
    summary.failures.map((f, i) => failureSection(f, i + 1)).join('') +
    `<h2 class="part">Requirements</h2>` +
    CHAPTERS.map((chapter) => chapterSection(chapter, summary)).join('') +
    reach(summary) +
    `</main><footer>dualsock ${text(context.version ?? '')} · seed ${summary.seed} · this page is self-contained: no script, no network</footer></body></html>\n`
  );
}
