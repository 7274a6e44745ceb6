import { describe, expect, it } from 'vitest';
import { extractSlots } from '../../src/slots/extract.js';
import { isFollowUp, mergeSlots } from '../../src/slots/follow-up.js';
import { Gazetteer } from '../../src/slots/gazetteer.js';

const clock = { now: () => Date.UTC(2026, 2, 15) };
const gazetteer = new Gazetteer([
  { dimension: 'region', value: 'Northern Europe' },
  { dimension: 'region', value: 'North America' },
  { dimension: 'segment', value: 'Enterprise' },
]);
const slots = (question: string) => extractSlots(question, { clock, gazetteer });
const follow = (first: string, next: string) => mergeSlots(slots(first), slots(next));

describe('follow-up questions', () => {
  it.each([
    ['and by region?', true],
    ['And for Enterprise?', true],
    ['what about last year', true],
    ['how about units', true],
    ['same for North America', true],
    ['only the top 5', true],
    ['...and by channel', true],
    ['revenue by region last quarter', false],
    ['android sales', false],
    ['and now tell me every single thing about our revenue per region and channel in detail please', false],
    ['', false],
  ])('%j is a follow-up: %s', (question, expected) => {
    expect(isFollowUp(question)).toBe(expected);
  });

  it('takes the grouping from the follow-up and the rest from the question before', () => {
    const merged = follow('revenue last quarter vs last year', 'and by region?');
    expect(merged).toMatchObject({
      metrics: ['revenue'],
      dimensions: ['region'],
      time: { start: '2025-10-01', end: '2026-01-01', grain: 'quarter' },
      comparison: { kind: 'previous_year' },
    });
  });

  it('replaces the time range and lets the planner re-resolve a kept comparison against it', () => {
    const merged = follow('units by region last quarter vs last year', 'what about Q2 2025?');
    expect(merged.time).toMatchObject({ start: '2025-04-01', end: '2025-07-01' });
    expect(merged.dimensions).toEqual(['region']);
    expect(merged.comparison).toMatchObject({ kind: 'previous_year' });
    expect(merged.comparison?.range).toBeUndefined();
  });

  it('replaces a filter of the same dimension and keeps the others', () => {
    const first = 'revenue in Northern Europe for Enterprise this year';
    expect(
      follow(first, 'and North America?')
        .values.map((v) => v.value)
        .sort(),
    ).toEqual(['Enterprise', 'North America']);
  });

  it('drops a top-N when the follow-up groups by something else', () => {
    const merged = follow('top 5 products by revenue this year', 'and by channel');
    expect(merged.topN).toBeUndefined();
    expect(merged.dimensions).toEqual(['channel']);
  });
});
