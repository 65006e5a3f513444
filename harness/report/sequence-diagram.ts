/**
 * The sequence diagram of a counterexample, as inline SVG for the HTML report.
 *
 * One lane per process that takes part, grouped under its host; one row per
 * line of the trace, top to bottom in the order the checker explained them.
 * Calls and their results sit on their process's lane (a handshake step's
 * figure number in brackets, as `C[116]` in the trace); network (TCP)
 * connections are solid blue arrows and storage-system (STP) connections
 * dashed orange ones, from the connect to the accept that took it; the
 * messages on them are thin arrows of the same kind, from send to recv. A
 * batch is a violet band (its calls were sent together; the order inside is
 * only the one the checker chose to explain them); a fault is an amber band
 * with a mark on the lane or host boundary it struck; the failing step is a
 * red band with what the implementation did and what the model expected.
 *
 * Drawn by hand: rows and lanes are a grid, so the layout is arithmetic, and a
 * layout library (dagre, ELK) would reorder what must stay in trace order. The
 * rows keep their height however long the trace is; the page scrolls, and the
 * lane names repeat down the lanes so a long diagram stays readable.
 *
 * Every word drawn that came from the trace is made printable and escaped
 * (html-escape.ts); ids are per diagram so several can share one page.
 */
import { printable } from '../drive/untrusted.ts';
import type { Counterexample } from '../judge/counterexample.ts';
import { type Channel, type Diagram, type Link, type Row, isErrorOutcome, parseCall, readTrace } from './diagram-trace.ts';
import { escapeHtml } from './html-escape.ts';

/** Width of one character of the 12px monospace text (DejaVu Sans Mono and its kin: 0.6 em). */
const CHAR_W = 7.3;
const FONT = `font-family="ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="12"`;
const ROW_H = 28;
const FAILURE_H = 2 * ROW_H + 8;
const CAPTION_H = 24;
const ENTRY_GAP = 6;
const GUTTER_W = 92;
const HEAD_H = 66;
const FOOT_H = 44;
const LANE_W_MIN = 200;
const LANE_W_MAX = 420;
const HOST_GAP = 28;
const RIGHT_PAD = 56;
/** Lane names repeat every this many rows, so a long diagram never leaves a reader guessing. */
const RELABEL_EVERY = 18;
/** Text across the lanes is cut past this many characters (its whole is in the tooltip and the trace below). */
const SPAN_CHARS_MAX = 160;

export const CHANNEL_STYLE: Record<Channel, { readonly colour: string; readonly dash: string; readonly name: string }> = {
  tcp: { colour: '#1d4ed8', dash: '', name: 'network (TCP)' },
  stp: { colour: '#c2410c', dash: '8 5', name: 'storage system (STP)' },
};

const COLOUR = {
  lane: '#94a3b8',
  ink: '#0f172a',
  muted: '#64748b',
  label: '#7c3aed',
  ok: '#166534',
  error: '#b91c1c',
  batch: '#ede9fe',
  batchEdge: '#7c3aed',
  fault: '#fef3c7',
  faultEdge: '#b45309',
  failure: '#fee2e2',
  failureEdge: '#dc2626',
  box: '#ffffff',
  boxEdge: '#cbd5e1',
};

/** `raw` made printable and cut to `max` characters, then escaped. */
function fit(raw: string, max: number): string {
  const shown = printable(raw);
  return escapeHtml(shown.length > max ? shown.slice(0, Math.max(1, max - 1)) + '…' : shown);
}

const full = (raw: string): string => escapeHtml(printable(raw));

interface Geometry {
  readonly laneX: ReadonlyMap<string, number>;
  readonly laneW: ReadonlyMap<string, number>;
  readonly rowY: readonly number[];
  readonly rowH: readonly number[];
  readonly entryTop: readonly number[];
  readonly width: number;
  readonly height: number;
  readonly lanesLeft: number;
  readonly lanesRight: number;
}

interface Pieces {
  readonly lead: string;
  readonly label: string;
  readonly body: string;
  readonly result: string;
  readonly error: boolean;
}

/** A call line as `op(args) → outcome`, its step label apart: `C[122]:send(4,0x04)->4`. */
function callPieces(line: string, lead: string): Pieces {
  const m = /^[^:[]*(?:\[([^\]]*)\])?:(.*)$/s.exec(line);
  const rest = m ? m[2]! : line;
  const call = parseCall(rest);
  return {
    lead,
    label: m?.[1] ? `[${m[1]}] ` : '',
    body: call ? `${call.op}(${call.args})` : rest,
    result: call ? ` → ${call.outcome}` : '',
    error: call ? isErrorOutcome(call.outcome) : false,
  };
}

/** What a row shows on its lane, in pieces so each can be coloured: a lead mark, the step label, the call, its result. */
function pieces(row: Row): Pieces | null {
  switch (row.kind) {
    case 'call':
      return { lead: '', label: row.label ? `[${row.label}] ` : '', body: `${row.op}(${row.args})`, result: ` → ${row.outcome}`, error: isErrorOutcome(row.outcome) };
    case 'held':
      return { lead: '', label: row.label ? `[${row.label}] ` : '', body: '‖ held', result: '', error: false };
    case 'done':
      return { lead: row.established ? '✔ ' : '✘ ', label: '', body: 'done ', result: row.outcome, error: !row.established };
    case 'failure':
      return row.process ? callPieces(row.actual, '✗ got ') : null;
    case 'fault':
      return row.fault.process ? { lead: '⚡ fault ', label: '', body: '', result: row.fault.text, error: true } : null;
    case 'note':
      return null;
  }
}

/** The model's expectation, drawn on its lane under the failing answer. */
function expectedPieces(row: Extract<Row, { kind: 'failure' }>): Pieces | null {
  return row.expectedOn ? { ...callPieces(row.expectedOn.text, '✓ expected '), error: false } : null;
}

const processOf = (row: Row): string | null => ('process' in row ? row.process : row.kind === 'fault' ? row.fault.process : null);
const lengthOf = (p: Pieces): number => printable(p.lead + p.label + p.body + p.result).length;

function layout(d: Diagram): Geometry {
  const laneW = new Map<string, number>();
  for (const lane of d.lanes) laneW.set(lane.process, LANE_W_MIN);
  const widen = (process: string | null, p: Pieces | null): void => {
    if (!process || !p || !laneW.has(process)) return;
    laneW.set(process, Math.min(LANE_W_MAX, Math.max(laneW.get(process)!, lengthOf(p) * CHAR_W + 34)));
  };
  d.rows.forEach((row) => {
    widen(processOf(row), pieces(row));
    if (row.kind === 'failure' && row.expectedOn) widen(row.expectedOn.process, expectedPieces(row));
  });
  const laneX = new Map<string, number>();
  let x = GUTTER_W + 8;
  d.lanes.forEach((lane, i) => {
    if (i > 0 && d.lanes[i - 1]!.host !== lane.host) x += HOST_GAP;
    const w = laneW.get(lane.process)!;
    laneX.set(lane.process, x + w / 2);
    x += w;
  });
  // Text that spans the lanes (a failure nobody's lane holds, a note) widens the diagram rather than being cut short.
  const spanning = d.rows.map((row) => (row.kind === 'failure' ? Math.max(row.actual.length + 22, row.expected.length + 12) : row.kind === 'note' ? row.text.length : 0));
  const lanesRight = Math.max(x, GUTTER_W + 8 + LANE_W_MIN, GUTTER_W + 24 + Math.min(SPAN_CHARS_MAX, Math.max(0, ...spanning)) * CHAR_W - RIGHT_PAD + 24);

  const rowY: number[] = [];
  const rowH: number[] = [];
  const entryTop: number[] = [];
  let y = HEAD_H;
  for (const entry of d.entries) {
    y += ENTRY_GAP;
    entryTop.push(y);
    if (entry.kind === 'handshake') y += CAPTION_H;
    for (let r = entry.first; r < entry.first + entry.count; r++) {
      const h = d.rows[r]!.kind === 'failure' ? FAILURE_H : ROW_H;
      rowY[r] = y;
      rowH[r] = h;
      y += h;
    }
  }
  y += ENTRY_GAP;
  return { laneX, laneW, rowY, rowH, entryTop, width: lanesRight + RIGHT_PAD, height: y + FOOT_H, lanesLeft: GUTTER_W, lanesRight };
}

/** The half width of the box a row draws on its lane (0 where it draws none): links start and end at its edge. */
function boxHalf(row: Row | undefined, g: Geometry): number {
  if (!row) return 0;
  return halfOf(processOf(row), pieces(row), g);
}

function halfOf(process: string | null, p: Pieces | null, g: Geometry): number {
  if (!process || !p || !g.laneW.has(process)) return 0;
  return Math.min(lengthOf(p) * CHAR_W + 14, g.laneW.get(process)! - 16) / 2;
}

function defs(id: string): string {
  const arrow = (name: string, colour: string, size: number, open: boolean): string =>
    `<marker id="${id}-${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="${size}" markerHeight="${size}" markerUnits="userSpaceOnUse" orient="auto-start-reverse">` +
    `<path d="M0,0 L10,5 L0,10 ${open ? '' : 'z'}" fill="${open ? 'none' : colour}" stroke="${colour}" stroke-width="${open ? 1.6 : 1}"/></marker>`;
  return (
    `<defs>` +
    arrow('tcp', CHANNEL_STYLE.tcp.colour, 12, false) +
    arrow('stp', CHANNEL_STYLE.stp.colour, 12, false) +
    arrow('tcp-open', CHANNEL_STYLE.tcp.colour, 12, true) +
    arrow('stp-open', CHANNEL_STYLE.stp.colour, 12, true) +
    arrow('tcp-msg', CHANNEL_STYLE.tcp.colour, 8, false) +
    arrow('stp-msg', CHANNEL_STYLE.stp.colour, 8, false) +
    `<pattern id="${id}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="${COLOUR.fault}"/><line x1="0" y1="0" x2="0" y2="8" stroke="#fcd34d" stroke-width="3"/></pattern>` +
    `</defs>`
  );
}

function header(d: Diagram, g: Geometry, y: number, withHosts: boolean): string {
  const out: string[] = [];
  if (withHosts) {
    const hosts = [...new Set(d.lanes.map((l) => l.host))];
    for (const host of hosts) {
      const lanes = d.lanes.filter((l) => l.host === host);
      const left = g.laneX.get(lanes[0]!.process)! - g.laneW.get(lanes[0]!.process)! / 2 + 4;
      const last = lanes[lanes.length - 1]!.process;
      const right = g.laneX.get(last)! + g.laneW.get(last)! / 2 - 4;
      out.push(
        `<g class="host" data-host="${full(host)}"><rect x="${left}" y="${y}" width="${right - left}" height="24" rx="5" fill="#e2e8f0"/>` +
          `<text x="${(left + right) / 2}" y="${y + 16}" text-anchor="middle" font-size="12" font-weight="600" fill="${COLOUR.muted}">host ${full(host)}</text></g>`,
      );
    }
  }
  const boxY = withHosts ? y + 30 : y;
  for (const lane of d.lanes) {
    const cx = g.laneX.get(lane.process)!;
    // A role the harness played (from the step tables) is drawn lighter: its lines are dualsock's, not the implementation's.
    const name = `${printable(lane.process)}${lane.harness ? ' · harness' : ''}`;
    const w = Math.max(88, name.length * 9 + 24);
    out.push(
      `<g class="lane-head"><rect x="${cx - w / 2}" y="${boxY}" width="${w}" height="28" rx="6" fill="${lane.harness ? '#64748b' : COLOUR.ink}"/>` +
        `<text x="${cx}" y="${boxY + 19}" text-anchor="middle" font-size="14" font-weight="700" fill="#fff">${escapeHtml(name)}</text></g>`,
    );
  }
  return out.join('');
}

function lanes(d: Diagram, g: Geometry): string {
  return d.lanes
    .map((lane) => {
      const cx = g.laneX.get(lane.process)!;
      const relabels: string[] = [];
      for (let r = RELABEL_EVERY; r < d.rows.length; r += RELABEL_EVERY) {
        const y = g.rowY[r]! - 4;
        relabels.push(`<text x="${cx + 6}" y="${y}" font-size="11" fill="${COLOUR.muted}" opacity="0.8">${full(lane.process)}</text>`);
      }
      return (
        `<g class="lane" data-process="${full(lane.process)}" data-host="${full(lane.host)}">` +
        `<line x1="${cx}" y1="${HEAD_H - 6}" x2="${cx}" y2="${g.height - FOOT_H + 2}" stroke="${COLOUR.lane}" stroke-width="1.5" stroke-dasharray="2 4"/>` +
        relabels.join('') +
        `</g>`
      );
    })
    .join('');
}

function gutterAndBands(d: Diagram, g: Geometry, id: string): string {
  const out: string[] = [];
  const left = g.lanesLeft;
  const right = g.lanesRight + RIGHT_PAD - 8;
  d.entries.forEach((entry, i) => {
    const top = g.entryTop[i]!;
    const lastRow = entry.first + entry.count - 1;
    const bottom = g.rowY[lastRow]! + g.rowH[lastRow]!;
    out.push(`<line x1="4" y1="${top - ENTRY_GAP / 2}" x2="${right}" y2="${top - ENTRY_GAP / 2}" stroke="#e2e8f0"/>`);
    if (entry.kind === 'batch') {
      out.push(
        `<g class="batch" data-command="${entry.command}"><rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" rx="6" fill="${COLOUR.batch}" stroke="${COLOUR.batchEdge}" stroke-opacity="0.35"/>` +
          `<path d="M${left - 4},${top + 3} h-8 V${bottom - 3} h8" fill="none" stroke="${COLOUR.batchEdge}" stroke-width="2.5"/></g>`,
      );
    }
    if (entry.kind === 'handshake') {
      out.push(`<text class="caption" x="${left + 6}" y="${top + 16}" font-size="12" font-weight="600" fill="${COLOUR.ink}" ${FONT}>${fit(entry.what, Math.floor((right - left) / CHAR_W) - 2)}<title>${full(entry.what)}</title></text>`);
    }
    const colour = entry.failing ? COLOUR.error : COLOUR.ink;
    // A handshake's caption already names it; a call needs no word.
    const kind = entry.kind === 'call' || entry.kind === 'other' || entry.kind === 'handshake' ? '' : entry.kind;
    const kindColour = entry.kind === 'batch' ? COLOUR.batchEdge : entry.kind === 'fault' ? COLOUR.faultEdge : COLOUR.muted;
    out.push(
      `<text class="step-index" x="10" y="${top + 18}" font-size="13" font-weight="700" fill="${colour}">${entry.command >= 0 ? `#${entry.command}` : ''}${entry.failing ? ' ✗' : ''}` +
        (kind ? `<tspan dx="6" font-size="11" font-weight="600" fill="${kindColour}">${kind}</tspan>` : '') +
        `</text>` +
        (entry.kind === 'batch' && bottom - top >= 2 * ROW_H ? `<text x="${left - 16}" y="${top + 34}" text-anchor="end" font-size="10" fill="${COLOUR.batchEdge}">concurrent</text>` : ''),
    );
    if (entry.failing) out.push(`<rect x="0" y="${top}" width="4" height="${bottom - top}" fill="${COLOUR.failureEdge}"/>`);
  });
  d.rows.forEach((row, r) => {
    const y = g.rowY[r]!;
    const h = g.rowH[r]!;
    if (row.kind === 'fault') {
      out.push(`<rect class="fault-band" x="${left}" y="${y + 2}" width="${right - left}" height="${h - 4}" rx="4" fill="url(#${id}-hatch)" stroke="${COLOUR.faultEdge}" stroke-opacity="0.6"/>`);
    }
    if (row.kind === 'failure') {
      out.push(`<rect x="${left}" y="${y + 2}" width="${right - left}" height="${h - 4}" rx="6" fill="${COLOUR.failure}" stroke="${COLOUR.failureEdge}" stroke-width="2"/>`);
    }
  });
  return out.join('');
}

function box(cx: number, y: number, half: number, fill: string, edge: string, dash = ''): string {
  return `<rect x="${cx - half}" y="${y + 4}" width="${2 * half}" height="${ROW_H - 8}" rx="5" fill="${fill}" stroke="${edge}" stroke-width="1.2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

function rowMarks(d: Diagram, g: Geometry): string {
  const out: string[] = [];
  const textLeft = g.lanesLeft + 10;
  const chars = (px: number): number => Math.max(8, Math.floor(px / CHAR_W) - 2);
  d.rows.forEach((row, r) => {
    const y = g.rowY[r]!;
    const process = processOf(row);
    const p = pieces(row);
    const cx = process ? g.laneX.get(process) : undefined;
    const onLane = (fill: string, edge: string, dash = '', at = { process, p, y }): string => {
      const x = at.process ? g.laneX.get(at.process) : undefined;
      if (x === undefined || !at.p) return '';
      const half = halfOf(at.process, at.p, g);
      return box(x, at.y, half, fill, edge, dash) + boxText(at.p, x - half + 7, at.y + 18, chars(2 * half + 14), row.kind === 'done' || row.kind === 'call');
    };
    switch (row.kind) {
      case 'call':
        out.push(`<g class="call" data-row="${r}" data-process="${full(row.process)}"${row.label ? ` data-label="${full(row.label)}"` : ''}>${onLane(COLOUR.box, COLOUR.boxEdge)}</g>`);
        return;
      case 'held':
        out.push(`<g class="held" data-row="${r}">${onLane('#f1f5f9', COLOUR.muted, '4 3')}</g>`);
        return;
      case 'done':
        out.push(`<g class="done" data-row="${r}">${onLane(row.established ? '#dcfce7' : '#fee2e2', row.established ? COLOUR.ok : COLOUR.error)}</g>`);
        return;
      case 'note':
        out.push(`<text class="note" x="${textLeft}" y="${y + 18}" ${FONT} font-style="italic" fill="${COLOUR.muted}">${fit(row.text, chars(g.lanesRight - textLeft))}<title>${full(row.text)}</title></text>`);
        return;
      case 'fault': {
        const mark = cx !== undefined && p ? onLane('#fff7ed', COLOUR.faultEdge) : '';
        const boundary = partitionLine(d, g, row.fault.hosts, y);
        // A fault that struck one process is marked on its lane; any other is named across the band.
        out.push(
          `<g class="fault fault-${full(row.fault.kind)}" data-row="${r}">` +
            (mark ? '' : `<text x="${textLeft}" y="${y + 18}" font-size="12" font-weight="700" fill="${COLOUR.faultEdge}">⚡ fault: ${fit(row.fault.text, 60)}</text>`) +
            boundary +
            mark +
            `</g>`,
        );
        return;
      }
      case 'failure': {
        const expected = `✓ expected: ${row.expected}`;
        const actual = `✗ the implementation: ${row.actual}`;
        const width = chars(g.lanesRight + RIGHT_PAD - textLeft - 20);
        const got = cx !== undefined && p ? onLane('#fff', COLOUR.failureEdge) : '';
        const wanted = row.expectedOn ? onLane('#f0fdf4', COLOUR.ok, '5 3', { process: row.expectedOn.process, p: expectedPieces(row), y: y + ROW_H + 2 }) : '';
        out.push(
          `<g class="failing-step" data-row="${r}"${process ? ` data-process="${full(process)}"` : ''}>` +
            (got || `<text x="${textLeft}" y="${y + 19}" ${FONT} font-weight="700" fill="${COLOUR.error}">${fit(actual, width)}</text>`) +
            (wanted || `<text x="${textLeft}" y="${y + ROW_H + 20}" ${FONT} font-weight="600" fill="${COLOUR.ok}">${fit(expected, width)}</text>`) +
            `<title>${full(actual)}\n${full(expected)}</title></g>`,
        );
        return;
      }
    }
  });
  return out.join('');
}

/** A box's text: cut to `budget` characters, the arguments first, since what a call answered is what a reader looks for. */
function boxText(p: Pieces, x: number, y: number, budget: number, plain: boolean): string {
  const lead = printable(p.lead);
  const label = printable(p.label);
  let body = printable(p.body);
  let result = printable(p.result);
  const whole = lead + label + body + result;
  if (whole.length > budget) {
    const room = budget - lead.length - label.length - result.length;
    if (room >= 8) body = body.slice(0, room - 1) + '…';
    else {
      body = body.slice(0, Math.max(4, Math.floor(budget / 2) - lead.length - label.length)) + '…';
      result = result.slice(0, Math.max(4, budget - lead.length - label.length - body.length - 1)) + '…';
    }
  }
  const resultColour = p.error ? COLOUR.error : plain ? COLOUR.ok : COLOUR.ink;
  const leadColour = p.error ? COLOUR.error : COLOUR.ok;
  return (
    `<text x="${x}" y="${y}" ${FONT} fill="${COLOUR.ink}">` +
    (lead ? `<tspan fill="${leadColour}" font-weight="700">${escapeHtml(lead)}</tspan>` : '') +
    (label ? `<tspan fill="${COLOUR.label}" font-weight="700">${escapeHtml(label)}</tspan>` : '') +
    `<tspan>${escapeHtml(body)}</tspan><tspan fill="${resultColour}" font-weight="600">${escapeHtml(result)}</tspan>` +
    `<title>${escapeHtml(whole)}</title></text>`
  );
}

/** A partition cuts between two hosts: a zigzag on the boundary between their lane groups. */
function partitionLine(d: Diagram, g: Geometry, hosts: readonly [string, string] | null, y: number): string {
  if (!hosts) return '';
  const edges = hosts.map((host) => {
    const lanes = d.lanes.filter((l) => l.host === host).map((l) => g.laneX.get(l.process)!);
    return lanes.length ? { min: Math.min(...lanes), max: Math.max(...lanes) } : null;
  });
  if (!edges[0] || !edges[1]) return '';
  const [a, b] = edges[0].max < edges[1].min ? [edges[0], edges[1]] : [edges[1], edges[0]];
  const x = (a.max + b.min) / 2;
  let path = `M${x},${y + 1}`;
  for (let i = 1; i <= 6; i++) path += ` L${x + (i % 2 ? 6 : -6)},${y + 1 + (i * (ROW_H - 2)) / 6}`;
  return `<path class="cut" d="${path}" fill="none" stroke="${COLOUR.error}" stroke-width="3"/>`;
}

function linkPath(link: Link, d: Diagram, g: Geometry): string {
  const fromX = g.laneX.get(link.from.process);
  const toX = g.laneX.get(link.to.process);
  if (fromX === undefined || toX === undefined) return '';
  const y1 = g.rowY[link.from.row]! + ROW_H / 2;
  const y2 = g.rowY[link.to.row]! + ROW_H / 2;
  const h1 = boxHalf(d.rows[link.from.row], g);
  const h2 = link.queued ? 0 : boxHalf(d.rows[link.to.row], g);
  if (fromX === toX) {
    // Within one process (it connected to its own listener): a loop out to the right of its boxes.
    const x1 = fromX + h1;
    const x2 = fromX + Math.max(h2, 6);
    const bulge = Math.max(x1, x2) + 34;
    if (link.from.row === link.to.row) return `M${x1},${y1 - 4} C${bulge},${y1 - 16} ${bulge},${y1 + 16} ${x1 + 4},${y1 + 6}`;
    return `M${x1},${y1} C${bulge},${y1} ${bulge},${y2} ${x2},${y2}`;
  }
  const dir = toX > fromX ? 1 : -1;
  return `M${fromX + dir * h1},${y1} L${toX - dir * (h2 + 2)},${y2}`;
}

/** "queued" beside a connection no accept took, past the end of its arrow. */
function queuedLabel(link: Link, d: Diagram, g: Geometry, colour: string): string {
  const fromX = g.laneX.get(link.from.process)!;
  const toX = g.laneX.get(link.to.process)!;
  const y = g.rowY[link.from.row]! + ROW_H / 2 + 4;
  const x = fromX === toX ? fromX + boxHalf(d.rows[link.from.row], g) + 40 : toX + (toX > fromX ? 8 : -8);
  const anchor = fromX !== toX && toX < fromX ? 'end' : 'start';
  return `<text x="${x}" y="${y}" font-size="11" font-style="italic" fill="${colour}" text-anchor="${anchor}">queued, not accepted</text>`;
}

function links(d: Diagram, g: Geometry, id: string): string {
  return d.links
    .map((link) => {
      const path = linkPath(link, d, g);
      if (!path) return '';
      const style = CHANNEL_STYLE[link.channel];
      const isConnection = link.kind === 'connection';
      const marker = isConnection ? (link.queued ? `${link.channel}-open` : link.channel) : `${link.channel}-msg`;
      const cls = isConnection ? `conn conn-${link.channel}${link.queued ? ' queued' : ''}${link.failing ? ' failing' : ''}` : `msg msg-${link.channel}`;
      const title = isConnection
        ? `${style.name} connection ${link.text}: ${link.from.process} connected${link.queued ? `, queued at ${link.to.process}'s listener (no accept took it)` : `, ${link.to.process} accepted`}`
        : `${style.name} message ${link.text}: ${link.from.process} sent, ${link.to.process} received`;
      const dash = isConnection ? style.dash : link.channel === 'stp' ? '5 4' : '';
      return (
        `<g class="${cls}">` +
        (link.failing ? `<path d="${path}" fill="none" stroke="${COLOUR.failureEdge}" stroke-opacity="0.35" stroke-width="9"/>` : '') +
        `<path d="${path}" fill="none" stroke="${style.colour}" stroke-width="${isConnection ? 2.6 : 1.3}"${dash ? ` stroke-dasharray="${dash}"` : ''}${isConnection ? '' : ' stroke-opacity="0.75"'} marker-end="url(#${id}-${marker})"><title>${full(title)}</title></path>` +
        (link.queued ? queuedLabel(link, d, g, style.colour) : '') +
        `</g>`
      );
    })
    .join('');
}

export interface SequenceDiagram {
  /** The SVG, ready to put in an HTML page. */
  readonly svg: string;
  readonly diagram: Diagram;
}

/** The counterexample's sequence diagram; `id` makes its marker and pattern ids unique within a page. */
export function sequenceDiagram(c: Counterexample, id: string): SequenceDiagram {
  const d = readTrace(c);
  const g = layout(d);
  const safeId = id.replace(/[^A-Za-z0-9_-]/g, '_');
  const svg =
    `<svg class="sequence" xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(g.width)}" height="${Math.ceil(g.height)}" viewBox="0 0 ${Math.ceil(g.width)} ${Math.ceil(g.height)}" ` +
    `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif" role="img" aria-label="sequence diagram of ${full(c.property)}: ${d.lanes.length} processes, ${d.rows.length} trace lines">` +
    defs(safeId) +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    gutterAndBands(d, g, safeId) +
    lanes(d, g) +
    header(d, g, 6, true) +
    header(d, g, g.height - FOOT_H + 8, false) +
    rowMarks(d, g) +
    links(d, g, safeId) +
    `</svg>`;
  return { svg, diagram: d };
}

/** The key to the diagram's marks, as HTML with small SVG samples drawn exactly as the diagram draws them. */
export function diagramLegend(): string {
  const line = (channel: Channel, width: number, dash: string): string =>
    `<svg width="54" height="14" aria-hidden="true"><line x1="2" y1="7" x2="44" y2="7" stroke="${CHANNEL_STYLE[channel].colour}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/><path d="M42,2 L52,7 L42,12 z" fill="${CHANNEL_STYLE[channel].colour}"/></svg>`;
  const swatch = (fill: string, edge: string): string => `<svg width="26" height="14" aria-hidden="true"><rect x="1" y="1" width="24" height="12" rx="3" fill="${fill}" stroke="${edge}"/></svg>`;
  return (
    `<ul class="legend">` +
    `<li>${line('tcp', 2.6, CHANNEL_STYLE.tcp.dash)} network (TCP) connection, connect → accept</li>` +
    `<li>${line('stp', 2.6, CHANNEL_STYLE.stp.dash)} storage-system (STP) connection, connect → accept</li>` +
    `<li>${line('tcp', 1.3, '')}${line('stp', 1.3, '5 4')} a message on it, send → recv</li>` +
    `<li>${swatch(COLOUR.batch, COLOUR.batchEdge)} batch: calls sent together (concurrent)</li>` +
    `<li>${swatch(COLOUR.fault, COLOUR.faultEdge)} fault, where it struck</li>` +
    `<li>${swatch(COLOUR.failure, COLOUR.failureEdge)} the failing step: the implementation's answer, and ✓ what the model expected</li>` +
    `<li><b style="color:${COLOUR.label}">[116]</b> the handshake figure's step number</li>` +
    `</ul>`
  );
}
