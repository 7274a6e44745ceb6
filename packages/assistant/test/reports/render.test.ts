import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/narrative/results.js';
import { tableCsv } from '../../src/reports/csv.js';
import { type ReportDocument, reportHtml } from '../../src/reports/html.js';
import { chartSvg, MAX_BARS } from '../../src/reports/svg.js';

const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)> & 'quoted'`;

const breakdown: AnalysisResult = {
  metric: 'revenue',
  range: { start: '2025-10-01', end: '2026-01-01' },
  grain: 'quarter',
  total: 1000,
  breakdown: {
    dimension: 'region',
    rows: [
      { member: HOSTILE, value: 600 },
      { member: 'Nordics', value: 500 },
      { member: 'Returns', value: -100 },
    ],
  },
};

const doc = (analysis: AnalysisResult): ReportDocument => ({
  title: `Revenue by region ${HOSTILE}`,
  question: `generate a report ${HOSTILE}`,
  period: 'Q4 2025',
  generatedAt: '2026-03-15T10:00:00.000Z',
  dataVersion: 7,
  narrative: `First paragraph ${HOSTILE}\n\nSecond paragraph.`,
  table: { columns: ['Region', 'Revenue'], rows: analysis.breakdown!.rows.map((r) => [r.member, r.value]) },
  analysis,
});

describe('report CSV', () => {
  it('writes RFC 4180 rows: header, CRLF, quotes around commas, quotes and line breaks', () => {
    const csv = tableCsv({
      columns: ['Product', 'Revenue'],
      rows: [
        ['Plain', 12.5],
        ['Comma, Inc', 3],
        ['Say "hi"', 4],
        ['Two\nlines', null],
      ],
    });
    expect(csv).toBe(
      'Product,Revenue\r\nPlain,12.5\r\n"Comma, Inc",3\r\n"Say ""hi""",4\r\n"Two\nlines",\r\n',
    );
  });

  it('defuses formulas in text cells (=, +, -, @, tab, CR) but keeps negative numbers numeric', () => {
    const csv = tableCsv({
      columns: ['=SUM(A1:A9)', 'Value'],
      rows: [
        ['=HYPERLINK("http://evil.example","click")', -5],
        ['+1-555', 1],
        ['-2+3', 2],
        ['@cmd', 3],
        ['\tTabbed', 4],
        ['\rReturn', 5],
        ['Safe=name', 6],
      ],
    });
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe("'=SUM(A1:A9),Value");
    expect(lines[1]).toBe(`"'=HYPERLINK(""http://evil.example"",""click"")",-5`);
    expect(lines[2]).toBe("'+1-555,1");
    expect(lines[3]).toBe("'-2+3,2");
    expect(lines[4]).toBe("'@cmd,3");
    expect(lines[5]).toBe("'\tTabbed,4");
    // The CR is inside the cell, so the cell is quoted.
    expect(csv).toContain(`"'\rReturn",5`);
    expect(lines.at(-2)).toBe('Safe=name,6');
  });

  it('leaves non-finite numbers empty', () => {
    expect(tableCsv({ columns: ['a', 'b'], rows: [[Number.NaN, Number.POSITIVE_INFINITY]] })).toBe(
      'a,b\r\n,\r\n',
    );
  });
});

describe('report HTML', () => {
  it('escapes every user- and data-derived text: no markup from the question, title, members or narrative', () => {
    const html = reportHtml(doc(breakdown));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<[^>]*onerror/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&amp; &#39;quoted&#39;');
    // The only elements are the document's own.
    const allowed = new Set([
      'html',
      'head',
      'meta',
      'title',
      'style',
      'body',
      'h1',
      'p',
      'br',
      'figure',
      'svg',
      'line',
      'text',
      'rect',
      'polyline',
      'circle',
      'table',
      'thead',
      'tbody',
      'tr',
      'th',
      'td',
      'footer',
    ]);
    const tags = [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!);
    expect(tags.filter((tag) => !allowed.has(tag))).toEqual([]);
  });

  it('is self-contained: a CSP that loads nothing, no script, no external URL but the SVG namespace', () => {
    const html = reportHtml(doc(breakdown));
    expect(html).toContain(
      `content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:"`,
    );
    expect(html).not.toMatch(/<script|<link|<iframe|javascript:/i);
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('holds the narrative paragraphs, every table row and the chart', () => {
    const html = reportHtml(doc(breakdown));
    expect(html.match(/<p>/g)).toHaveLength(2);
    expect(html.match(/<tr>/g)).toHaveLength(4); // header + 3 rows
    expect(html).toContain('<td class="num">-100</td>');
    expect(html).toContain('<svg');
    expect(html).toContain('data version 7');
  });
});

describe('report charts as inline SVG', () => {
  it('draws one bar per member, largest first, negative bars left of the zero line', () => {
    const svg = chartSvg(breakdown)!;
    const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({
      x: Number(m[1]),
      width: Number(m[2]),
    }));
    expect(rects).toHaveLength(3);
    expect(rects[0]!.width).toBeGreaterThan(rects[1]!.width);
    // The negative bar ends where the positive bars start: at zero.
    expect(rects[2]!.x + rects[2]!.width).toBeCloseTo(rects[0]!.x, 0);
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).not.toContain('<script');
  });

  it('caps the bars and says so in its title', () => {
    const rows = Array.from({ length: 45 }, (_, i) => ({ member: `Product ${i}`, value: i + 1 }));
    const svg = chartSvg({ ...breakdown, breakdown: { dimension: 'product', rows } })!;
    expect(svg.match(/<rect /g)).toHaveLength(MAX_BARS);
    expect(svg).toContain(`(top ${MAX_BARS} of 45)`);
    expect(svg).toContain('Product 44');
    expect(svg).not.toContain('Product 0<');
  });

  it('draws a time series as a line through every point, in order', () => {
    const points = [10, 30, 20, 40].map((value, i) => ({ period: `2025-0${i + 1}-01`, value }));
    const svg = chartSvg({ ...breakdown, breakdown: undefined, series: { grain: 'month', points } })!;
    const line = svg
      .match(/<polyline points="([^"]+)"/)![1]!
      .split(' ')
      .map((p) => p.split(',').map(Number));
    expect(line).toHaveLength(4);
    const xs = line.map(([x]) => x!);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // Higher values are drawn higher (smaller y).
    expect(line[3]![1]).toBeLessThan(line[1]![1]!);
    expect(line[1]![1]).toBeLessThan(line[2]![1]!);
    expect(svg).toContain('Jan 2025');
    expect(svg.match(/<circle /g)).toHaveLength(4);
  });

  it('draws nothing for a bare total', () => {
    expect(chartSvg({ ...breakdown, breakdown: undefined })).toBeUndefined();
  });
});
