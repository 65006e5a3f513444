/**
 * The HTML report's one stylesheet, inlined into the page: system fonts only
 * (nothing to fetch), one colour per status used the same way everywhere —
 * verdict banner, count chips, pills and table rows — so a reader learns it
 * once. The sequence diagram carries its own colours as SVG attributes, so it
 * reads the same when copied out of the page.
 */
export const HTML_STYLE = `
:root {
  --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --paper: #f8fafc;
  --pass: #15803d; --pass-bg: #dcfce7;
  --fail: #b91c1c; --fail-bg: #fee2e2;
  --expected: #7e22ce; --expected-bg: #f3e8ff;
  --warn: #b45309; --warn-bg: #fef3c7;
  --skipped: #475569; --skipped-bg: #e2e8f0;
  --not-reached: #0369a1; --not-reached-bg: #e0f2fe;
  --mono: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; color: var(--ink); background: var(--paper); }
main { max-width: 1280px; margin: 0 auto; padding: 0 24px 48px; }
code, pre { font-family: var(--mono); font-size: 13px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
h1, h2, h3 { line-height: 1.25; }
h2 { font-size: 21px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 22px 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
a { color: #1d4ed8; }
.muted { color: var(--muted); font-weight: 400; }
.small { font-size: 13px; }
.bad { color: var(--fail); }

.verdict { padding: 26px 24px 20px; color: #fff; }
.verdict > * { max-width: 1232px; margin-left: auto; margin-right: auto; }
.v-conforms { background: linear-gradient(135deg, #166534, #15803d); }
.v-fails { background: linear-gradient(135deg, #991b1b, #dc2626); }
.v-error { background: linear-gradient(135deg, #78350f, #b45309); }
.verdict .kicker { margin-top: 0; margin-bottom: 4px; opacity: .85; font-size: 13px; text-transform: uppercase; letter-spacing: .08em; }
.verdict h1 { font-size: 34px; margin-top: 0; margin-bottom: 4px; }
.verdict .exit { font-size: 16px; font-weight: 500; opacity: .85; margin-left: 8px; }
.verdict .says { margin-top: 0; opacity: .95; }
.counts { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 8px; }
.count { background: #fff; color: var(--ink); border-radius: 8px; padding: 6px 12px; border-left: 6px solid var(--line); }
.count b { font-size: 20px; margin-right: 4px; }
.count.s-pass { border-color: var(--pass); } .count.s-fail { border-color: var(--fail); }
.count.s-expected { border-color: var(--expected); } .count.s-warn { border-color: var(--warn); }
.count.s-stale { border-color: var(--warn); } .count.s-skipped { border-color: var(--skipped); } .count.s-not-reached { border-color: var(--not-reached); }
.count.zero { background: rgba(255,255,255,.14); color: rgba(255,255,255,.8); border-left-color: transparent; }
.count.total { background: rgba(255,255,255,.15); color: #fff; border-color: transparent; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 26px; margin-bottom: 0; }
.facts div { display: flex; gap: 6px; align-items: baseline; }
.facts dt { opacity: .8; font-size: 13px; }
.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.facts code { background: rgba(255,255,255,.15); padding: 1px 5px; border-radius: 4px; }

.notice { max-width: 1232px; margin: 16px auto 0; background: var(--warn-bg); border: 2px solid var(--warn); border-radius: 8px; padding: 10px 18px; }
.notice h2 { font-size: 17px; margin: 4px 0; }
.notice ul { margin: 4px 0; padding-left: 22px; }
.notice.bad-notice { background: var(--fail-bg); border-color: var(--fail); }
.notice.quiet { background: #fff; border: 1px solid var(--line); color: var(--muted); }
.props { border-collapse: collapse; background: #fff; border: 1px solid var(--line); font-size: 14px; }
.props th, .props td { padding: 4px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
.props td.num { text-align: right; font-variant-numeric: tabular-nums; }
.props tr.e-failed td { background: #fff5f5; } .props tr.e-cut td, .props tr.e-broken td, .props tr.e-harness-error td { background: #fffbeb; }
.failure.expected-failure { border-top-color: var(--expected); }

.contents { display: flex; flex-wrap: wrap; gap: 12px 48px; margin: 22px 0; padding: 16px 20px; background: #fff; border: 1px solid var(--line); border-radius: 10px; }
.contents h2 { font-size: 15px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin-bottom: 4px; }
.contents ol { margin: 0; padding-left: 22px; }
.mini { font-size: 12px; font-weight: 600; padding: 0 5px; border-radius: 4px; margin-left: 3px; }

.pill { display: inline-block; font-size: 12px; font-weight: 700; padding: 1px 8px; border-radius: 999px; white-space: nowrap; }
.s-pass .pill, .pill.s-pass, .mini.s-pass { background: var(--pass-bg); color: var(--pass); }
.pill.s-fail, .mini.s-fail { background: var(--fail); color: #fff; }
.pill.s-stale, .mini.s-stale { background: var(--warn); color: #fff; }
.pill.s-expected, .mini.s-expected { background: var(--expected-bg); color: var(--expected); }
.pill.s-warn, .mini.s-warn { background: var(--warn-bg); color: var(--warn); }
.pill.s-skipped, .mini.s-skipped { background: var(--skipped-bg); color: var(--skipped); }
.pill.s-not-reached, .mini.s-not-reached { background: var(--not-reached-bg); color: var(--not-reached); }
.level { font-size: 11px; font-weight: 700; padding: 0 6px; border-radius: 4px; border: 1px solid currentColor; }
.l-MUST { color: var(--fail); } .l-SHOULD { color: var(--warn); }

.failure { background: #fff; border: 1px solid var(--line); border-top: 6px solid var(--fail); border-radius: 10px; padding: 20px 22px; margin: 26px 0; }
.req-quote { margin: 10px 0; padding: 10px 16px; border-left: 5px solid var(--fail); background: #fff7f7; border-radius: 0 8px 8px 0; }
.req-quote.also { border-left-color: #fca5a5; background: #fffafa; }
.req-quote p { margin: 4px 0; }
.versus { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; margin-top: 14px; }
.versus > div { border-radius: 8px; padding: 4px 14px 12px; }
.versus h3 { margin-top: 8px; }
.expected { background: var(--pass-bg); border: 1px solid #86efac; }
.actual { background: var(--fail-bg); border: 1px solid #fca5a5; }
.versus pre { font-size: 14px; font-weight: 600; }
.legend { list-style: none; padding: 8px 12px; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 4px 22px; font-size: 13px; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
.diagram svg { display: block; max-width: none; }
.two { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 24px; }
.world { border-collapse: collapse; font-size: 14px; }
.world th { text-align: left; font-weight: 600; color: var(--muted); padding: 3px 12px 3px 0; vertical-align: top; white-space: nowrap; }
.world td { padding: 3px 0; }
.steps { margin: 0; padding-left: 34px; }
.steps li { margin: 2px 0; }
.steps li.failed-at code { color: var(--fail); font-weight: 700; }
.lines { margin: 0; }
.lines dt { font-size: 13px; color: var(--muted); margin-top: 6px; }
.lines dd { margin: 2px 0 0; }
pre.cmd { background: #0f172a; color: #e2e8f0; padding: 8px 12px; border-radius: 6px; }
details { margin-top: 16px; }
summary { cursor: pointer; color: var(--muted); }
pre.trace { background: var(--paper); border: 1px solid var(--line); padding: 10px 12px; border-radius: 6px; margin-top: 8px; }

h2.part { font-size: 26px; margin: 40px 0 8px; }
.chapter { margin: 22px 0 30px; }
.chapter > p { margin: 0 0 8px; }
.reqs { width: 100%; border-collapse: separate; border-spacing: 0; background: #fff; border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
.reqs th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); padding: 8px 12px; border-bottom: 1px solid var(--line); background: var(--paper); }
.reqs td { padding: 8px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
.reqs tr:last-child td { border-bottom: 0; }
.reqs td.status { width: 150px; border-left: 5px solid var(--line); }
.reqs tr.s-pass td.status { border-left-color: var(--pass); }
.reqs tr.s-fail td { background: #fff5f5; } .reqs tr.s-fail td.status { border-left-color: var(--fail); }
.reqs tr.s-stale td.status { border-left-color: var(--warn); }
.reqs tr.s-expected td.status { border-left-color: var(--expected); }
.reqs tr.s-warn td { background: #fffbeb; } .reqs tr.s-warn td.status { border-left-color: var(--warn); }
.reqs tr.s-skipped td.status { border-left-color: var(--skipped); }
.reqs tr.s-not-reached td.status { border-left-color: var(--not-reached); }
.reqs tr.s-skipped, .reqs tr.s-not-reached { color: #334155; }
.reqs td.num { width: 90px; text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); }
.reqs p { margin: 0; }
.reqs .sentence { font-size: 14px; color: #334155; margin-top: 2px; }
.reqs .why { display: block; margin-top: 4px; font-size: 13px; font-weight: 600; }
.s-fail .why { color: var(--fail); } .s-warn .why { color: var(--warn); } .s-not-reached .why { color: var(--not-reached); } .s-skipped .why { color: var(--skipped); } .s-expected .why { color: var(--expected); }
.reach { margin-top: 36px; }
.reach h2 { margin-top: 26px; }
.reach ul.inline { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 22px; }
footer { text-align: center; color: var(--muted); font-size: 13px; padding: 20px; border-top: 1px solid var(--line); }
@media (max-width: 900px) { .versus, .two { grid-template-columns: 1fr; } }
`;
