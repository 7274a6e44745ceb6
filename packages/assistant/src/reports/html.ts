import type { AnswerTable } from '../analytics/present.js';
import type { AnalysisResult } from '../narrative/results.js';
import { escapeHtml as esc } from './escape.js';
import { chartSvg } from './svg.js';

export interface ReportDocument {
  title: string;
  /** The user's words, shown as asked (escaped like everything else). */
  question: string;
  /** The period and comparison in words. */
  period: string;
  comparison?: string;
  generatedAt: string;
  dataVersion: number;
  /** The built-in analyst's narrative, paragraphs separated by blank lines. */
  narrative: string;
  table: AnswerTable;
  analysis: AnalysisResult;
}

/** Nothing may load or run: the document is complete in itself. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
body { font-family: system-ui, sans-serif; color: #222; max-width: 760px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.meta { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin-top: 1em; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { margin-top: 2em; color: #777; font-size: 0.8em; }
`;

function cell(value: string | number | null): string {
  if (value === null) return '<td></td>';
  if (typeof value === 'number') return `<td class="num">${esc(value.toLocaleString('en-US'))}</td>`;
  return `<td>${esc(value)}</td>`;
}

/** A self-contained HTML report: the narrative, the chart as inline SVG, and every row of the table. */
export function reportHtml(doc: ReportDocument): string {
  const chart = chartSvg(doc.analysis);
  const paragraphs = doc.narrative
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((p) => `<p>${esc(p)}</p>`)
    .join('\n');
  const header = doc.table.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('');
  const rows = doc.table.rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(doc.title)}</h1>
<p class="meta">Asked: “${esc(doc.question)}”<br>
Period: ${esc(doc.period)}${doc.comparison ? `, compared with ${esc(doc.comparison)}` : ''}<br>
Generated ${esc(doc.generatedAt)} from data version ${doc.dataVersion}</p>
${paragraphs}
${chart ? `<figure>${chart}</figure>` : ''}
<table>
<thead><tr>${header}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<footer>Computed by Parley from the sales warehouse through its semantic layer; the narrative was written by the built-in analyst from those numbers.</footer>
</body>
</html>
`;
}
