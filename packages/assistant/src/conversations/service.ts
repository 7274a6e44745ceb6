import type { Readable } from 'node:stream';
import { type Clock, type Logger, newId, ProblemError, problems } from '@parley/kit';
import type { AnalysisResult } from '../narrative/results.js';
import { reportTitle } from '../reports/report-job.js';
import { reportPriority } from '../reports/report-tasks.js';
import type { QueryPlan } from '../semantic/plan.js';
import type { Submission } from '../tasks/task-queue.js';
import { type Access, accessTo, type Caller, notFound, READ_ALL } from './access.js';
import type { AnswerLike, AnswerSource, NarrationQueue, ReportQueue } from './answering.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { FileStore } from './files/file-store.js';
import { UploadInspector } from './files/inspect.js';
import { contentMatches, essence, isTextType, safeFilename } from './files/media-types.js';
import { messageText, metadataObject, titleFrom, titleText } from './input.js';
import type { AnswerOutcome, ConversationStore, SearchHit } from './store.js';
import { newestLeafUnder, pathTo, siblingsAlong } from './tree.js';
import type { AttachmentView, ConversationView, MessageView } from './views.js';

export interface AttachmentPolicy {
  maxBytes: number;
  /** Allowed media types, a subset of ATTACHMENT_MEDIA_TYPES. */
  mediaTypes: readonly string[];
}

export interface ConversationServiceOptions {
  store: ConversationStore;
  files: FileStore;
  answerer: AnswerSource;
  /** With a language model configured: answers are re-narrated by it on the llm queue. */
  narration?: NarrationQueue;
  /** Report requests are generated on the reports queue and attached to their answer. */
  reports?: ReportQueue;
  clock: Clock;
  logger: Logger;
  attachments: AttachmentPolicy;
}

/** A question and its answer, as stored once the answer is in (complete or failed). */
export interface ExchangeResult {
  conversation: ConversationView;
  question: MessageView | null;
  answer: MessageView;
  /** The task that will complete the answer (a report being generated): the API answers 202. */
  task?: { id: string; kind: 'report' };
}

export interface ConversationWithMessages {
  conversation: ConversationView;
  /** The active path (first message to active leaf) or the whole tree, oldest first. */
  messages: MessageView[];
  access: Access;
}

export interface Page {
  conversations: ConversationView[];
  nextCursor: string | null;
}

const DEFAULT_TITLE = 'New conversation';

/**
 * Conversations as their owners and tenant admins see them: ownership rules, the message tree
 * (edits and regenerations add siblings, nothing is overwritten), answers from the assistant,
 * search and attachments. Storage is the store's job, answering the answerer's.
 */
export class ConversationService {
  constructor(private readonly options: ConversationServiceOptions) {}

  private get store() {
    return this.options.store;
  }

  private now(): Date {
    return new Date(this.options.clock.now());
  }

  /** The conversation if the caller may `need` it; 404 (or 403 for a reading admin who writes). */
  private async resolve(caller: Caller, id: string, need: 'read' | 'write') {
    const conversation = await this.store.findConversation(caller.tenantId, id);
    if (!conversation) throw notFound();
    return { conversation, access: accessTo(caller, conversation, need) };
  }

  async create(
    caller: Caller,
    input: { title?: string; metadata?: Record<string, unknown>; message?: string },
  ): Promise<{ conversation: ConversationView; exchange: ExchangeResult | null }> {
    const question = input.message === undefined ? undefined : messageText(input.message, '/body/message');
    const title =
      input.title !== undefined ? titleText(input.title) : question ? titleFrom(question) : DEFAULT_TITLE;
    const conversation = await this.store.createConversation(caller.tenantId, {
      id: newId(),
      ownerId: caller.subject,
      title,
      metadata: metadataObject(input.metadata ?? {}),
      now: this.now(),
    });
    if (question === undefined) return { conversation, exchange: null };
    const exchange = await this.ask(caller, conversation, null, question, []);
    return { conversation: exchange.conversation, exchange };
  }

  /** Newest activity first. `scope: 'tenant'` lists every owner's (needs conversations:read_all). */
  async list(
    caller: Caller,
    query: { scope: 'mine' | 'tenant'; archived: boolean; limit: number; cursor?: string },
  ): Promise<Page> {
    if (query.scope === 'tenant' && !caller.permissions.has(READ_ALL))
      throw problems.forbidden("Listing the tenant's conversations needs conversations:read_all");
    const rows = await this.store.listConversations(caller.tenantId, {
      ownerId: query.scope === 'mine' ? caller.subject : undefined,
      archived: query.archived,
      limit: query.limit + 1,
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    const page = rows.slice(0, query.limit);
    return { conversations: page, nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!) : null };
  }

  async get(caller: Caller, id: string, view: 'path' | 'tree'): Promise<ConversationWithMessages> {
    const { conversation, access } = await this.resolve(caller, id, 'read');
    // One read of the whole tree, walked in memory: one transaction, not a path query plus a sibling query.
    const messages = await this.store.messages(caller.tenantId, id);
    if (view === 'tree') return { conversation, access, messages };
    const nodes = messages.map((m) => ({
      id: m.id,
      parentId: m.parentId,
      createdAt: Date.parse(m.createdAt),
    }));
    const path = pathTo(nodes, conversation.activeLeafId);
    const siblings = siblingsAlong(nodes, path);
    const byId = new Map(messages.map((m) => [m.id, m]));
    return {
      conversation,
      access,
      messages: path.map((node) => ({ ...byId.get(node.id)!, siblingIds: siblings.get(node.id) })),
    };
  }

  async update(
    caller: Caller,
    id: string,
    patch: { title?: string; archived?: boolean; metadata?: Record<string, unknown> },
  ): Promise<ConversationView> {
    await this.resolve(caller, id, 'write');
    const updated = await this.store.updateConversation(
      caller.tenantId,
      id,
      {
        title: patch.title === undefined ? undefined : titleText(patch.title),
        archived: patch.archived,
        metadata: patch.metadata === undefined ? undefined : metadataObject(patch.metadata),
      },
      this.now(),
    );
    if (!updated) throw notFound();
    return updated;
  }

  /** A new question after `parentId` (by default the active leaf), answered by the assistant. */
  async post(
    caller: Caller,
    id: string,
    input: { content: string; parentId?: string; attachmentIds?: readonly string[] },
  ): Promise<ExchangeResult> {
    const content = messageText(input.content);
    const { conversation } = await this.resolve(caller, id, 'write');
    const parentId = input.parentId ?? conversation.activeLeafId;
    if (parentId !== null) {
      const [parent] = await this.store.messages(caller.tenantId, id, [parentId]);
      if (!parent) throw problems.notFound('No such message in this conversation');
      if (parent.role === 'user')
        throw problems.conflict('A question follows an answer, not another question');
    }
    return this.ask(caller, conversation, parentId, content, input.attachmentIds ?? []);
  }

  /** Editing a question adds a sibling version of it (same parent) with a fresh answer. */
  async edit(
    caller: Caller,
    id: string,
    messageId: string,
    input: { content: string; attachmentIds?: readonly string[] },
  ): Promise<ExchangeResult> {
    const content = messageText(input.content);
    const { conversation } = await this.resolve(caller, id, 'write');
    const original = await this.message(caller, id, messageId);
    if (original.role !== 'user') throw problems.conflict('Only questions (user messages) can be edited');
    return this.ask(caller, conversation, original.parentId, content, input.attachmentIds ?? []);
  }

  /** Regenerating an answer adds a sibling answer under the same question. */
  async regenerate(caller: Caller, id: string, messageId: string): Promise<ExchangeResult> {
    const { conversation } = await this.resolve(caller, id, 'write');
    const previous = await this.message(caller, id, messageId);
    if (previous.role !== 'assistant' || previous.parentId === null)
      throw problems.conflict('Only answers (assistant messages) can be regenerated');
    const question = await this.message(caller, id, previous.parentId);
    const answerId = newId();
    await this.store.appendExchange(caller.tenantId, {
      conversationId: id,
      parentId: question.id,
      answerId,
      attachmentIds: [],
      uploaderId: caller.subject,
      now: this.now(),
    });
    return {
      ...(await this.answerAndStore(caller, conversation, answerId, question.content, question.parentId)),
      question,
    };
  }

  /** Shows another branch: the active leaf becomes the newest continuation of `messageId`. */
  async switchBranch(caller: Caller, id: string, messageId: string): Promise<ConversationWithMessages> {
    await this.resolve(caller, id, 'write');
    const nodes = await this.store.treeNodes(caller.tenantId, id);
    if (!nodes.some((node) => node.id === messageId))
      throw problems.notFound('No such message in this conversation');
    await this.store.setActiveLeaf(caller.tenantId, id, newestLeafUnder(nodes, messageId));
    return this.get(caller, id, 'path');
  }

  /** Full-text search over the caller's own conversations (titles and every message of every branch). */
  async search(caller: Caller, text: string, limit: number): Promise<SearchHit[]> {
    if (text.trim() === '')
      throw problems.validation([{ path: '/querystring/q', message: 'must contain some text' }]);
    if (text.includes('\u0000'))
      throw problems.validation([{ path: '/querystring/q', message: 'must not contain NUL characters' }]);
    return this.store.search(caller.tenantId, caller.subject, text, limit);
  }

  async upload(
    caller: Caller,
    id: string,
    file: {
      filename: string | undefined;
      mediaType: string;
      content: Readable;
      /** Rejects when the rest of the request makes the upload unacceptable (e.g. a second file). */
      rest?: () => Promise<void>;
    },
  ): Promise<AttachmentView> {
    const { attachments: policy } = this.options;
    const mediaType = essence(file.mediaType);
    if (!policy.mediaTypes.includes(mediaType)) {
      file.content.resume();
      throw problems.unsupportedMediaType(
        `Attachments of type ${mediaType || '(none)'} are not accepted; allowed: ${policy.mediaTypes.join(', ')}`,
      );
    }
    await this.resolve(caller, id, 'write');
    const attachmentId = newId();
    const storageKey = `${caller.tenantId}/${id}/${attachmentId}`;
    const inspector = new UploadInspector(policy.maxBytes, isTextType(mediaType));
    await this.options.files.put(storageKey, inspector.through(file.content));
    try {
      const inspection = inspector.inspection();
      if (!contentMatches(mediaType, inspection))
        throw problems.unsupportedMediaType(`The file's content is not ${mediaType}`);
      await file.rest?.();
      return await this.store.insertAttachment(caller.tenantId, {
        id: attachmentId,
        conversationId: id,
        uploaderId: caller.subject,
        filename: safeFilename(file.filename),
        mediaType,
        sizeBytes: inspection.sizeBytes,
        sha256: inspection.sha256,
        storageKey,
        createdAt: this.now(),
      });
    } catch (error) {
      await this.options.files.delete(storageKey);
      throw error;
    }
  }

  async listAttachments(
    caller: Caller,
    id: string,
  ): Promise<{ attachments: AttachmentView[]; access: Access; ownerId: string }> {
    const { conversation, access } = await this.resolve(caller, id, 'read');
    const attachments = await this.store.listAttachments(caller.tenantId, id);
    return { attachments, access, ownerId: conversation.ownerId };
  }

  async download(
    caller: Caller,
    id: string,
    attachmentId: string,
  ): Promise<{ attachment: AttachmentView; content: Readable; access: Access; ownerId: string }> {
    const { conversation, access } = await this.resolve(caller, id, 'read');
    const found = await this.store.findAttachment(caller.tenantId, id, attachmentId);
    if (!found) throw problems.notFound('No such attachment in this conversation');
    const content = await this.options.files.open(found.storageKey);
    return { attachment: found.view, content, access, ownerId: conversation.ownerId };
  }

  private async message(caller: Caller, conversationId: string, messageId: string): Promise<MessageView> {
    const [message] = await this.store.messages(caller.tenantId, conversationId, [messageId]);
    if (!message) throw problems.notFound('No such message in this conversation');
    return message;
  }

  /** Stores the question and a pending answer (visible at once), then answers it. */
  private async ask(
    caller: Caller,
    conversation: ConversationView,
    parentId: string | null,
    content: string,
    attachmentIds: readonly string[],
  ): Promise<ExchangeResult> {
    const questionId = newId();
    const answerId = newId();
    await this.store.appendExchange(caller.tenantId, {
      conversationId: conversation.id,
      parentId,
      question: { id: questionId, role: 'user', content, status: 'complete' },
      answerId,
      attachmentIds,
      uploaderId: caller.subject,
      now: this.now(),
    });
    const result = await this.answerAndStore(caller, conversation, answerId, content, parentId);
    const [question] = await this.store.messages(caller.tenantId, conversation.id, [questionId]);
    return { ...result, question: question! };
  }

  private async answerAndStore(
    caller: Caller,
    conversation: ConversationView,
    answerId: string,
    question: string,
    /** The message the question follows: the branch before it is the question's context. */
    parentId: string | null,
  ): Promise<Omit<ExchangeResult, 'question'>> {
    const started = this.options.clock.now();
    let outcome: AnswerOutcome | undefined;
    let task: ExchangeResult['task'];
    let refusal: Error | undefined;
    try {
      const answer = await this.options.answerer.answer({
        tenantId: caller.tenantId,
        permissions: caller.permissions,
        question,
        now: started,
        subject: caller.subject,
        history: await this.historyBefore(caller, conversation.id, parentId),
      });
      outcome = completed(answer, this.options.clock.now() - started);
      const reportPlan =
        answer.kind === 'task_required' && answer.intent === 'report_request' ? answer.plan : undefined;
      if (answer.analysis && this.options.narration)
        outcome = await this.queueNarration(
          caller,
          conversation.id,
          answerId,
          question,
          answer.analysis,
          outcome,
        );
      else if (reportPlan && this.options.reports) {
        const queued = await this.queueReport(
          caller,
          conversation.id,
          answerId,
          question,
          reportPlan,
          outcome,
        );
        ({ outcome, task, refusal } = queued);
      }
    } catch (error) {
      outcome = failed(error, this.options.clock.now() - started);
      if (!(error instanceof ProblemError && error.status < 500))
        this.options.logger.error({ err: error, conversationId: conversation.id }, 'answering failed');
    }
    if (outcome) await this.store.finishAnswer(caller.tenantId, answerId, outcome);
    // The refused report's answer is stored (failed, with the reason) before the 503.
    if (refusal) throw refusal;
    const [answer] = await this.store.messages(caller.tenantId, conversation.id, [answerId]);
    const current = await this.store.findConversation(caller.tenantId, conversation.id);
    return { conversation: current ?? conversation, answer: answer!, ...(task ? { task } : {}) };
  }

  /** The questions of the branch ending at `leafId` and the intents their answers got, oldest first. */
  private async historyBefore(caller: Caller, conversationId: string, leafId: string | null) {
    if (leafId === null) return [];
    const messages = await this.store.messages(caller.tenantId, conversationId);
    const byId = new Map(messages.map((m) => [m.id, m]));
    const nodes = messages.map((m) => ({
      id: m.id,
      parentId: m.parentId,
      createdAt: Date.parse(m.createdAt),
    }));
    return pathTo(nodes, leafId).flatMap((node) => {
      const answer = byId.get(node.id)!;
      const question = answer.parentId === null ? undefined : byId.get(answer.parentId);
      return answer.role === 'assistant' && answer.intent && question?.role === 'user'
        ? [{ question: question.content, intent: answer.intent }]
        : [];
    });
  }

  /**
   * Stores the answer as pending on a new task (its id under `answer[key].taskId`), then queues the
   * task. The pending answer is stored first, so a fast worker's result is never overwritten.
   */
  private async queueTask(
    caller: Caller,
    messageId: string,
    pending: AnswerOutcome,
    key: 'narration' | 'report',
    submit: (taskId: string) => Promise<Submission>,
  ): Promise<{ taskId: string; queued: 'accepted' | 'saturated' | 'unavailable' }> {
    const taskId = newId();
    await this.store.finishAnswer(caller.tenantId, messageId, {
      ...pending,
      status: 'pending',
      answer: { ...pending.answer, [key]: { taskId } },
    });
    try {
      const submission = await submit(taskId);
      return { taskId, queued: submission.accepted ? 'accepted' : 'saturated' };
    } catch (error) {
      this.options.logger.warn({ err: error, queue: key }, 'a task queue is unreachable');
      return { taskId, queued: 'unavailable' };
    }
  }

  /**
   * Queues a report. Until it is in, the answer is `pending`; the worker attaches the files and
   * completes it. A saturated or unreachable queue fails the answer and the request (503, Retry-After).
   */
  private async queueReport(
    caller: Caller,
    conversationId: string,
    messageId: string,
    question: string,
    plan: QueryPlan,
    outcome: AnswerOutcome,
  ): Promise<{ outcome?: AnswerOutcome; task?: ExchangeResult['task']; refusal?: Error }> {
    const pending = {
      ...outcome,
      content: `Generating your report “${reportTitle(plan)}”: a CSV and an HTML document will be attached here when it is ready.`,
    };
    const data = {
      tenantId: caller.tenantId,
      subject: caller.subject,
      question,
      plan,
      target: { conversationId, messageId },
    };
    const { taskId, queued } = await this.queueTask(caller, messageId, pending, 'report', (id) =>
      this.options.reports!.submit(data, { id, priority: reportPriority(data) }),
    );
    if (queued === 'accepted') return { task: { id: taskId, kind: 'report' } };
    const reason =
      queued === 'saturated'
        ? 'Too many reports are waiting to be generated; ask again in a minute.'
        : 'Reports cannot be generated right now; ask again in a minute.';
    return {
      outcome: {
        ...pending,
        status: 'failed',
        content: '',
        error: reason,
        answer: { ...pending.answer, report: { taskId, state: 'refused' } },
      },
      refusal: problems.unavailable(reason, 60),
    };
  }

  /**
   * Queues the language model's narration of an answer. Until it is in, the answer is `pending`
   * and shows the built-in analyst's text; once queued there is nothing left to store (undefined).
   * A saturated or unreachable queue leaves the built-in text as the complete answer (returned).
   */
  private async queueNarration(
    caller: Caller,
    conversationId: string,
    messageId: string,
    question: string,
    analysis: AnalysisResult,
    outcome: AnswerOutcome,
  ): Promise<AnswerOutcome | undefined> {
    const data = {
      tenantId: caller.tenantId,
      subject: caller.subject,
      request: { question, result: analysis },
      target: { conversationId, messageId },
    };
    const { queued } = await this.queueTask(caller, messageId, outcome, 'narration', (id) =>
      this.options.narration!.submit(data, { id }),
    );
    if (queued === 'accepted') return undefined;
    const skipped =
      queued === 'saturated'
        ? 'the llm queue is saturated; the built-in analyst answered'
        : 'the llm queue is unavailable; the built-in analyst answered';
    return { ...outcome, answer: { ...outcome.answer, narration: { skipped } } };
  }
}

function completed(answer: AnswerLike, latencyMs: number): AnswerOutcome {
  const { text, intent, classifierVersion, provider, model, promptTokens, completionTokens, ...rest } =
    answer;
  return {
    status: 'complete',
    content: text,
    intent,
    classifierVersion,
    provider: provider ?? 'parley-builtin',
    model: model ?? null,
    promptTokens: promptTokens ?? null,
    completionTokens: completionTokens ?? null,
    latencyMs,
    answer: rest as Record<string, unknown>,
  };
}

/** A failure the user may read: a client-side problem's own words, otherwise a generic sentence. */
function failed(error: unknown, latencyMs: number): AnswerOutcome {
  const reason =
    error instanceof ProblemError && error.status < 500
      ? error.message
      : 'The assistant could not answer this question; try again';
  return { status: 'failed', content: '', error: reason, latencyMs };
}
