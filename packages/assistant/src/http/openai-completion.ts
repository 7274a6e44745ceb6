import { ProblemError } from '@parley/kit';
import type { Static } from 'typebox';
import type { Answer } from '../analytics/answerer.js';
import type { AnswerTable } from '../analytics/present.js';
import { MAX_ASK_CHARS } from './ask-routes.js';
import type { ChatCompletionBody, ChatCompletionSchema } from './openai-schemas.js';

type ChatRequest = Static<typeof ChatCompletionBody>;
type ChatCompletion = Static<typeof ChatCompletionSchema>;
type FinishReason = 'stop' | 'length';

/** A 400 that names the field at fault, as OpenAI's errors do (`param`), with OpenAI's `code`. */
export function invalidRequest(
  message: string,
  param: string | null,
  code: string | null = null,
): ProblemError {
  return new ProblemError('bad-request', 400, 'Bad Request', message, { param, code });
}

/**
 * The question the fast path answers: the last user message (a string, or the text parts of an
 * array). Earlier turns and system prompts are not read: the fast path answers one question at a time.
 */
export function questionOf(messages: ChatRequest['messages']): string {
  const index = messages.findLastIndex((m) => m.role === 'user');
  const param = `messages[${index}].content`;
  const message = messages[index];
  if (!message) throw invalidRequest('messages must contain a user message', 'messages');
  let question: string;
  if (typeof message.content === 'string') question = message.content;
  else if (message.content === null) question = '';
  else {
    if (message.content.some((part) => part.type !== 'text'))
      throw invalidRequest('Only text content parts can be asked', param, 'unsupported_content');
    question = message.content.map((part) => part.text ?? '').join('\n');
  }
  if (question.trim() === '') throw invalidRequest('The last user message is empty', param);
  if (question.length > MAX_ASK_CHARS)
    throw invalidRequest(
      `The question is ${question.length} characters long; at most ${MAX_ASK_CHARS} are answered`,
      param,
      'context_length_exceeded',
    );
  return question;
}

const cell = (value: string | number | null) =>
  value === null ? '' : String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');

export function markdownTable(table: AnswerTable): string {
  const line = (cells: readonly (string | number | null)[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [
    line(table.columns),
    `|${table.columns.map(() => ' --- |').join('')}`,
    ...table.rows.map(line),
  ].join('\n');
}

/** The answer as chat text: the narrative, and for computed answers their table in Markdown. */
export function contentOf(answer: Answer): string {
  if (answer.kind !== 'answer' || !answer.table || answer.table.rows.length === 0) return answer.text;
  return `${answer.text}\n\n${markdownTable(answer.table)}`;
}

/**
 * Tokens by OpenAI's rule of thumb (about four characters of English per token). No model reads or
 * writes these texts (the fast path computes and narrates them), so there is no tokenizer to ask;
 * the figures say roughly how much text went each way.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Words with the whitespace after them: joined again they give the text back exactly. */
function words(text: string): string[] {
  return text.split(/(?<=\s)(?=\S)/);
}

/** Keeps the whole words that fit `maxTokens` (estimated); `length` when some were cut, as OpenAI says. */
export function limitTokens(
  content: string,
  maxTokens: number | null | undefined,
): { content: string; finishReason: FinishReason } {
  if (!maxTokens || estimateTokens(content) <= maxTokens) return { content, finishReason: 'stop' };
  let kept = '';
  for (const word of words(content)) {
    if (estimateTokens(kept + word) > maxTokens) break;
    kept += word;
  }
  return { content: kept.trimEnd(), finishReason: 'length' };
}

export interface CompletionParts {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  question: string;
  content: string;
  finishReason: FinishReason;
  answer: Answer;
}

function usageOf(parts: CompletionParts): ChatCompletion['usage'] {
  const prompt = estimateTokens(parts.question);
  const completion = estimateTokens(parts.content);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function parleyOf(answer: Answer): ChatCompletion['parley'] {
  return {
    kind: answer.kind,
    intent: answer.intent,
    classifierVersion: answer.classifierVersion,
    ...(answer.dataVersion !== undefined ? { dataVersion: answer.dataVersion } : {}),
    ...(answer.missingPermissions ? { missingPermissions: answer.missingPermissions } : {}),
  };
}

export function completionOf(parts: CompletionParts): ChatCompletion {
  return {
    id: parts.id,
    object: 'chat.completion',
    created: parts.created,
    model: parts.model,
    system_fingerprint: `parley-classifier-${parts.answer.classifierVersion}`,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: parts.content, refusal: null },
        logprobs: null,
        finish_reason: parts.finishReason,
      },
    ],
    usage: usageOf(parts),
    parley: parleyOf(parts.answer),
  };
}

/** Words per content chunk of a stream: small enough to show progress, few enough to stay cheap. */
const WORDS_PER_CHUNK = 6;

/**
 * The completion as OpenAI's `chat.completion.chunk` events: the role first, the content in word
 * groups, the finish reason, the usage when asked (`stream_options.include_usage`), then `[DONE]`.
 */
export function* chunksOf(parts: CompletionParts, includeUsage: boolean): Generator<string> {
  const base = {
    id: parts.id,
    object: 'chat.completion.chunk',
    created: parts.created,
    model: parts.model,
    system_fingerprint: `parley-classifier-${parts.answer.classifierVersion}`,
  };
  const event = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`;
  const delta = (value: Record<string, unknown>, finishReason: FinishReason | null = null) => [
    { index: 0, delta: value, logprobs: null, finish_reason: finishReason },
  ];

  yield event(delta({ role: 'assistant', content: '' }));
  const all = words(parts.content);
  for (let i = 0; i < all.length; i += WORDS_PER_CHUNK)
    yield event(delta({ content: all.slice(i, i + WORDS_PER_CHUNK).join('') }));
  yield event(delta({}, parts.finishReason), { parley: parleyOf(parts.answer) });
  if (includeUsage) yield event([], { usage: usageOf(parts) });
  yield 'data: [DONE]\n\n';
}
