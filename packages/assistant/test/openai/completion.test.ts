import { ProblemError } from '@parley/kit';
import { describe, expect, it } from 'vitest';
import type { Answer } from '../../src/analytics/answerer.js';
import {
  chunksOf,
  contentOf,
  estimateTokens,
  limitTokens,
  markdownTable,
  questionOf,
} from '../../src/http/openai-completion.js';
import { openAIError } from '../../src/http/openai-routes.js';

const answer = (overrides: Partial<Answer> = {}): Answer => ({
  kind: 'answer',
  text: 'Revenue last quarter was 1,234.50 across 2 regions.',
  intent: 'breakdown',
  confidence: 0.97,
  classifierVersion: 'v2',
  table: {
    columns: ['Region', 'Revenue'],
    rows: [
      ['North', 1000.5],
      ['South | East', null],
    ],
  },
  dataVersion: 3,
  ...overrides,
});

const parts = (content: string, finishReason: 'stop' | 'length' = 'stop') => ({
  id: 'chatcmpl-1',
  created: 1_800_000_000,
  model: 'parley-analyst',
  question: 'revenue by region',
  content,
  finishReason,
  answer: answer(),
});

/** The JSON events of a stream, without the final `[DONE]`. */
function events(stream: Iterable<string>) {
  const frames = [...stream];
  expect(frames.at(-1)).toBe('data: [DONE]\n\n');
  return frames.slice(0, -1).map((frame) => {
    expect(frame).toMatch(/^data: .*\n\n$/s);
    return JSON.parse(frame.slice(6)) as {
      choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
      usage?: { total_tokens: number };
    };
  });
}

describe('the question of a chat', () => {
  it('is the last user message, a string or its text parts', () => {
    expect(
      questionOf([
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'an answer' },
        { role: 'user', content: 'revenue last quarter' },
        { role: 'assistant', content: null },
      ]),
    ).toBe('revenue last quarter');
    expect(
      questionOf([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'revenue' },
            { type: 'text', text: 'by region' },
          ],
        },
      ]),
    ).toBe('revenue\nby region');
  });

  it.each([
    ['no user message', [{ role: 'system' as const, content: 'x' }], 'messages', null],
    ['a blank one', [{ role: 'user' as const, content: ' \n' }], 'messages[0].content', null],
    ['a null one', [{ role: 'user' as const, content: null }], 'messages[0].content', null],
    [
      'an image',
      [{ role: 'user' as const, content: [{ type: 'image_url' }] }],
      'messages[0].content',
      'unsupported_content',
    ],
    [
      'an oversized one',
      [{ role: 'user' as const, content: 'x'.repeat(2001) }],
      'messages[0].content',
      'context_length_exceeded',
    ],
  ])('refuses %s with a 400 naming the parameter', (_, messages, param, code) => {
    let error: unknown;
    try {
      questionOf(messages);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProblemError);
    expect(openAIError(error as ProblemError).error).toMatchObject({
      type: 'invalid_request_error',
      param,
      code: code ?? 'bad-request',
    });
  });
});

describe('the content of a completion', () => {
  it('is the answer and its table in Markdown, with pipes escaped and nulls empty', () => {
    expect(contentOf(answer())).toBe(
      'Revenue last quarter was 1,234.50 across 2 regions.\n\n' +
        '| Region | Revenue |\n| --- | --- |\n| North | 1000.5 |\n| South \\| East |  |',
    );
  });

  it('is the text alone for refusals, clarifications and empty tables', () => {
    expect(contentOf(answer({ kind: 'denied', text: 'You need sales:query_detail.' }))).toBe(
      'You need sales:query_detail.',
    );
    expect(contentOf(answer({ table: { columns: ['Region'], rows: [] } }))).toBe(answer().text);
    expect(markdownTable({ columns: ['A'], rows: [[1]] })).toBe('| A |\n| --- |\n| 1 |');
  });

  it('is cut at whole words within max_tokens, with finish_reason length', () => {
    const text = 'one two three four five six seven eight nine ten';
    expect(limitTokens(text, undefined)).toEqual({ content: text, finishReason: 'stop' });
    expect(limitTokens(text, 100)).toEqual({ content: text, finishReason: 'stop' });
    const cut = limitTokens(text, 4);
    expect(cut.finishReason).toBe('length');
    expect(text.startsWith(cut.content)).toBe(true);
    expect(estimateTokens(cut.content)).toBeLessThanOrEqual(4);
    expect(cut.content).toBe('one two three');
  });
});

describe('a streamed completion', () => {
  it('sends the role first, the content in word groups, stop, then [DONE]', () => {
    const content = contentOf(answer());
    const sent = events(chunksOf(parts(content), false));
    expect(sent[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(sent.map((e) => e.choices[0]?.delta.content ?? '').join('')).toBe(content);
    expect(sent.length).toBeGreaterThan(3);
    expect(sent.map((e) => e.choices[0]!.finish_reason)).toEqual([
      ...Array(sent.length - 1).fill(null),
      'stop',
    ]);
    expect(sent.some((e) => e.usage)).toBe(false);
  });

  it('ends with a usage event without choices when asked, and passes a length cut on', () => {
    const sent = events(chunksOf(parts('short answer', 'length'), true));
    expect(sent.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(sent.at(-1)).toMatchObject({
      choices: [],
      usage: { total_tokens: estimateTokens('revenue by region') + 3 },
    });
  });
});
