import { Type } from 'typebox';

/** The one model Parley serves over the OpenAI-compatible API: the sales fast path. */
export const PARLEY_MODEL = 'parley-analyst';
/** When `parley-analyst` was first served (Unix seconds), as OpenAI's model objects report it. */
export const PARLEY_MODEL_CREATED = 1_793_491_200; // 2026-11-01T00:00:00Z

/** Longest content of one message; only the last user message is asked, within MAX_ASK_CHARS. */
const MAX_MESSAGE_CHARS = 32_000;
const MAX_MESSAGES = 256;

/** A part of an array content; only `text` parts can be asked (the fast path reads no images or audio). */
const ContentPart = Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) });

const ChatMessage = Type.Object({
  role: Type.Union([
    Type.Literal('system'),
    Type.Literal('developer'),
    Type.Literal('user'),
    Type.Literal('assistant'),
    Type.Literal('tool'),
    Type.Literal('function'),
  ]),
  content: Type.Union([
    Type.String({ maxLength: MAX_MESSAGE_CHARS }),
    Type.Array(ContentPart, { maxItems: 64 }),
    Type.Null(),
  ]),
  name: Type.Optional(Type.String()),
});

const OptionalNumber = (options: { minimum: number; maximum: number }) =>
  Type.Optional(Type.Union([Type.Number(options), Type.Null()]));
const OptionalCount = (options: { minimum: number; maximum?: number }) =>
  Type.Optional(Type.Union([Type.Integer(options), Type.Null()]));

/**
 * OpenAI's chat completion request. The fields OpenAI clients commonly send are checked for their
 * type; any other field (tools, seed, penalties, response_format…) is tolerated and ignored, since
 * clients send many by default and rejecting them would break those clients. `n` above 1 is refused:
 * there is one answer.
 */
export const ChatCompletionBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 200 }),
    messages: Type.Array(ChatMessage, { minItems: 1, maxItems: MAX_MESSAGES }),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(
      Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }), Type.Null()]),
    ),
    temperature: OptionalNumber({ minimum: 0, maximum: 2 }),
    top_p: OptionalNumber({ minimum: 0, maximum: 1 }),
    max_tokens: OptionalCount({ minimum: 1 }),
    max_completion_tokens: OptionalCount({ minimum: 1 }),
    n: OptionalCount({ minimum: 1, maximum: 1 }),
    user: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);

export const ModelSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Type.Integer(),
  owned_by: Type.String(),
});

export const ModelListSchema = Type.Object({ object: Type.Literal('list'), data: Type.Array(ModelSchema) });

export const ModelParams = Type.Object({ model: Type.String({ maxLength: 200 }) });

const Usage = Type.Object({
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
});

/** What Parley adds to a completion: how the question was understood (OpenAI clients ignore it). */
const ParleyExtension = Type.Object({
  kind: Type.String(),
  intent: Type.String(),
  classifierVersion: Type.String(),
  dataVersion: Type.Optional(Type.Integer()),
  missingPermissions: Type.Optional(Type.Array(Type.String())),
});

export const ChatCompletionSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  system_fingerprint: Type.String(),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      message: Type.Object({
        role: Type.Literal('assistant'),
        content: Type.String(),
        refusal: Type.Null(),
      }),
      logprobs: Type.Null(),
      finish_reason: Type.Union([Type.Literal('stop'), Type.Literal('length')]),
    }),
  ),
  usage: Usage,
  parley: ParleyExtension,
});

/** OpenAI's error body, which OpenAI clients parse into their error classes. */
export const OpenAIErrorSchema = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String(),
    param: Type.Union([Type.String(), Type.Null()]),
    code: Type.Union([Type.String(), Type.Null()]),
  }),
});
