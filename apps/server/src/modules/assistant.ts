import { join } from 'node:path';
import {
  Answerer,
  askRoutes,
  ConversationService,
  ConversationStore,
  conversationPlugin,
  FilesystemFileStore,
  openAIRoutes,
  openNarrationTasks,
  openReportTasks,
  SalesRefreshJob,
  seedDemoSales,
  TaskDirectory,
  taskRoutes,
} from '@parley/assistant';
import { DEMO_TENANTS, findTenant } from '@parley/iam';
import { breakerMetrics, queueMetrics } from './assistant-metrics.js';
import type { ModuleFactory } from './module.js';

/**
 * The assistant: the sales fast path (`POST /v1/ask`: classify, plan, permission check, cached
 * SQL over the tenant's warehouse, numbers + table + chart + narrative). Answers are cached in the
 * shared Redis per tenant and data version; version announcements over pub/sub keep every
 * process's in-memory cache current.
 * Conversations (`/v1/conversations…`): message trees answered by the same Answerer, full-text
 * search, and attachments stored under `<dataDir>/attachments`.
 * Tasks (`/v1/tasks/:id`, its SSE events): narrations on the llm queue, when a model is configured,
 * and reports ("generate a report of …") on the reports queue, attached to their answers.
 * Metrics: the LLM circuit breaker's state and the queues' job counts, in the server's registry.
 * The OpenAI-compatible API (`/v1/models`, `/v1/chat/completions`) asks the same Answerer.
 */
export const openAssistantModule: ModuleFactory = async ({
  config,
  database,
  redis,
  clock,
  logger,
  dataDir,
  platformFlags,
  metricsRegistry,
}) => {
  const answerer = new Answerer({
    db: database.db,
    redis,
    clock,
    logger,
    classifierVersion: config.PARLEY_ASSISTANT_CLASSIFIER,
    chooseClassifier: (request) => platformFlags.classifier(request, config.PARLEY_ASSISTANT_CLASSIFIER),
    cache: { ttlSeconds: Math.max(1, Math.round(config.PARLEY_SALES_CACHE_TTL / 1000)) },
  });
  await answerer.start();
  const store = new ConversationStore(database.db);
  // The llm queue: a language model re-narrates answers off the request path, when one is configured.
  const tasks = await openNarrationTasks({
    config,
    redis,
    prefix: config.PARLEY_REDIS_PREFIX,
    logger,
    // Without a model there is nothing to narrate: no worker here.
    concurrency: config.PARLEY_LLM_BASE_URL ? config.PARLEY_LLM_CONCURRENCY : 0,
    breakers: breakerMetrics(metricsRegistry),
    conversations: store,
  });
  const files = new FilesystemFileStore(join(dataDir, 'attachments'));
  // The reports queue: workers here unless PARLEY_REPORTS_CONCURRENCY=0 (then `parley worker --queues reports`).
  const reports = await openReportTasks({
    config,
    redis,
    prefix: config.PARLEY_REDIS_PREFIX,
    logger,
    dependencies: { warehouse: answerer.warehouse, files, store, clock },
  });
  queueMetrics(metricsRegistry, [tasks, reports], logger);
  const conversations = new ConversationService({
    store,
    files,
    answerer,
    narration: config.PARLEY_LLM_BASE_URL ? tasks : undefined,
    reports,
    clock,
    logger,
    attachments: { maxBytes: config.PARLEY_ATTACHMENT_MAX_BYTES, mediaTypes: config.PARLEY_ATTACHMENT_TYPES },
  });
  if (config.NODE_ENV === 'development') {
    // The demo tenants `parley seed --demo` creates get generated sales, so questions have answers.
    const slugs = DEMO_TENANTS.map((t) => t.slug);
    const tenants = (await Promise.all(slugs.map((slug) => findTenant(database.db, slug)))).filter(
      (t) => t !== undefined,
    );
    const seeded = await seedDemoSales(database.db, tenants, config.PARLEY_SALES_DEMO_ROWS, clock);
    if (seeded.length > 0)
      logger.info({ tenants: seeded, rows: config.PARLEY_SALES_DEMO_ROWS }, 'seeded demo sales warehouses');
  }
  // After the demo seed: the hourly refresh then continues the seeded history.
  const refresh =
    config.PARLEY_SALES_REFRESH_INTERVAL > 0
      ? await SalesRefreshJob.start({
          redis,
          db: database.db,
          warehouse: answerer.warehouse,
          everyMs: config.PARLEY_SALES_REFRESH_INTERVAL,
          prefix: `${config.PARLEY_REDIS_PREFIX}bull`,
          logger,
        })
      : undefined;
  return {
    name: 'assistant',
    plugin: async (app) => {
      await app.register(askRoutes(answerer));
      await app.register(taskRoutes(new TaskDirectory([tasks, reports])));
      await app.register(openAIRoutes(answerer, clock));
      await app.register(
        conversationPlugin(conversations, { maxAttachmentBytes: config.PARLEY_ATTACHMENT_MAX_BYTES }),
      );
    },
    async close() {
      await refresh?.close();
      await tasks.close();
      await reports.close();
      await answerer.close();
    },
  };
};
