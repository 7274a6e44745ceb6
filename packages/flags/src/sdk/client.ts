import { EventEmitter } from 'node:events';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { compileRuleset } from '../evaluate/compile.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { type Evaluation, type EvaluationContext, errorResult } from '../evaluate/result.js';
import { isRecord } from '../guards.js';
import type { FlagType } from '../model/flag.js';
import type { Ruleset } from '../model/ruleset.js';
import { applyDueChanges, nextChangeAt } from '../model/schedule.js';
import type { RulesetChange } from '../store/flag-store.js';
import { UsageCounter } from '../usage.js';
import { changedFlagKeys, patchedFlagKeys } from './changes.js';
import { SseParser } from './sse.js';

export interface FlagsClientOptions {
  /** Where the flags delivery plugin is mounted, e.g. `https://parley.example.com`. */
  baseUrl: string;
  /** A server SDK key of the environment. */
  sdkKey: string;
  /** Receive changes over Server-Sent Events (default true); otherwise poll only. */
  streaming?: boolean;
  /** Polling interval while the stream is down, or always without streaming (default 30 s). */
  pollIntervalMs?: number;
  /** First reconnect delay of the stream; doubles per failure up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Silence after which the stream is considered dead (the server sends heartbeats; default 45 s). */
  streamIdleTimeoutMs?: number;
  /** Timeout of one ruleset download (default 10 s). */
  requestTimeoutMs?: number;
  /** File holding the last ruleset: read at start when the service is unreachable, rewritten on change. */
  bootstrapFile?: string;
  /** How often evaluation counts are sent for the stale-flag report (default 60 s; 0 disables). */
  usageIntervalMs?: number;
  /** Clock for scheduled changes and date clauses. */
  now?: () => number;
}

export type ClientStatus = 'NOT_READY' | 'READY' | 'STALE' | 'ERROR';

export interface ClientEvents {
  ready: [];
  changed: [{ flagsChanged: string[]; version: number }];
  stale: [{ message: string }];
  error: [{ message: string }];
}

/** Longest timer Node accepts; later scheduled changes are re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Server SDK: keeps an environment's ruleset in memory and evaluates locally. Evaluation is
 * synchronous and never waits for the network; the ruleset is refreshed in the background by SSE
 * (with reconnect and exponential backoff) and by ETag polling while the stream is down. When the
 * service is unreachable the last ruleset keeps being served (status STALE).
 */
export class FlagsClient extends EventEmitter<ClientEvents> {
  private readonly options: Required<Omit<FlagsClientOptions, 'bootstrapFile'>> & { bootstrapFile?: string };
  private evaluator: Evaluator | undefined;
  private ruleset: Ruleset | undefined;
  private version = -1;
  private etag: string | undefined;
  private currentStatus: ClientStatus = 'NOT_READY';
  private closed = false;
  private streamConnected = false;
  private stream: AbortController | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private scheduleTimer: NodeJS.Timeout | undefined;
  private usageTimer: NodeJS.Timeout | undefined;
  private readonly usage = new UsageCounter();
  private reconnectDelay: number;
  private started: Promise<void> | undefined;

  constructor(options: FlagsClientOptions) {
    super();
    this.options = {
      streaming: true,
      pollIntervalMs: 30_000,
      reconnectDelayMs: 1_000,
      maxReconnectDelayMs: 30_000,
      streamIdleTimeoutMs: 45_000,
      requestTimeoutMs: 10_000,
      usageIntervalMs: 60_000,
      now: Date.now,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
    this.reconnectDelay = this.options.reconnectDelayMs;
    // An SDK must not crash its application: unhandled 'error' events would throw.
    this.on('error', () => undefined);
  }

  get status(): ClientStatus {
    return this.currentStatus;
  }

  /** Starts synchronisation; resolves once a ruleset is loaded (from the service or the bootstrap file). */
  start(): Promise<void> {
    this.started ??= this.run();
    return this.started;
  }

  /** Resolves when READY, rejects after `timeoutMs` (the client keeps trying in the background). */
  waitForReady(timeoutMs = 10_000): Promise<void> {
    if (this.evaluator) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('ready', onReady);
        reject(new Error(`flags not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('ready', onReady);
    });
  }

  evaluate<T>(
    key: string,
    context: EvaluationContext,
    defaultValue: T,
    expectedType?: FlagType,
  ): Evaluation<T> {
    if (!this.evaluator) return errorResult(defaultValue, 'PROVIDER_NOT_READY', 'no ruleset loaded yet');
    const result = this.evaluator.evaluate(key, context, defaultValue, expectedType);
    if (result.errorCode !== 'FLAG_NOT_FOUND') this.usage.add(key);
    return result;
  }

  boolean(key: string, context: EvaluationContext, defaultValue: boolean): boolean {
    return this.evaluate(key, context, defaultValue, 'boolean').value;
  }

  hasTargeting(key: string): boolean {
    return this.evaluator?.flag(key)?.hasTargeting ?? true;
  }

  /** Stops synchronisation; sends the evaluation counts gathered since the last report. */
  close(): Promise<void> {
    this.closed = true;
    this.stream?.abort();
    clearTimeout(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.scheduleTimer);
    clearInterval(this.usageTimer);
    return this.sendUsage();
  }

  /** Sends the evaluation counts gathered so far; an undelivered batch is kept for the next one. */
  async sendUsage(): Promise<void> {
    const counts = this.usage.take();
    if (!counts) return;
    try {
      const response = await fetch(`${this.options.baseUrl}/sdk/v1/usage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.sdkKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ counts }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      if (!response.ok) throw new Error(`usage report answered ${response.status}`);
    } catch {
      if (!this.closed) this.usage.restore(counts);
    }
  }

  private async run(): Promise<void> {
    if (this.options.usageIntervalMs > 0) {
      this.usageTimer = setInterval(() => void this.sendUsage(), this.options.usageIntervalMs);
      this.usageTimer.unref();
    }
    const bootstrap = this.loadBootstrap();
    const fetched = await this.poll();
    if (!fetched) await bootstrap;
    if (this.closed) return;
    if (this.options.streaming) void this.connect();
    else this.schedulePoll();
  }

  private async loadBootstrap(): Promise<void> {
    const file = this.options.bootstrapFile;
    if (!file) return;
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (isRuleset(parsed) && !this.ruleset) this.apply(parsed, false);
    } catch {
      // No usable bootstrap file: wait for the service.
    }
  }

  /** Downloads the ruleset unless the ETag still matches. Returns whether the service answered. */
  private async poll(): Promise<boolean> {
    try {
      const response = await fetch(`${this.options.baseUrl}/sdk/v1/ruleset`, {
        headers: {
          authorization: `Bearer ${this.options.sdkKey}`,
          ...(this.etag && { 'if-none-match': this.etag }),
        },
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      if (response.status === 304) {
        this.healthy();
        return true;
      }
      if (!response.ok) throw new Error(`ruleset download answered ${response.status}`);
      const body: unknown = await response.json();
      if (!isRuleset(body)) throw new Error('the service sent something that is not a ruleset');
      this.etag = response.headers.get('etag') ?? undefined;
      this.apply(body, true);
      this.healthy();
      return true;
    } catch (error) {
      this.trouble(`cannot reach the flags service: ${(error as Error).message}`);
      return false;
    }
  }

  private schedulePoll(): void {
    clearTimeout(this.pollTimer);
    if (this.closed || this.streamConnected) return;
    this.pollTimer = setTimeout(async () => {
      await this.poll();
      this.schedulePoll();
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const controller = new AbortController();
    this.stream = controller;
    let idle: NodeJS.Timeout | undefined;
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error('stream idle')), this.options.streamIdleTimeoutMs);
      idle.unref();
    };
    try {
      resetIdle();
      const response = await this.openStream(controller.signal);
      this.streamConnected = true;
      clearTimeout(this.pollTimer);
      this.reconnectDelay = this.options.reconnectDelayMs;
      const parser = new SseParser();
      response.setEncoding('utf8');
      await new Promise<void>((_, reject) => {
        response.on('data', (chunk: string) => {
          resetIdle();
          for (const event of parser.push(chunk)) this.onEvent(event.event, event.data);
        });
        response.once('end', () => reject(new Error('stream ended')));
        response.once('close', () => reject(new Error('stream closed')));
        response.once('error', reject);
      });
    } catch {
      if (this.closed) return;
      this.streamConnected = false;
      // Poll while the stream is down so changes still arrive (a failing poll is what makes the
      // ruleset STALE: a lost stream alone is not), then reconnect with backoff.
      void this.poll().then(() => this.schedulePoll());
      const jitter = 0.8 + Math.random() * 0.4;
      this.reconnectTimer = setTimeout(() => void this.connect(), this.reconnectDelay * jitter);
      this.reconnectTimer.unref();
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.options.maxReconnectDelayMs);
    } finally {
      clearTimeout(idle);
    }
  }

  /** node:http rather than fetch: a long-lived stream of small chunks is far cheaper on it. */
  private openStream(signal: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(`${this.options.baseUrl}/sdk/v1/stream`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(url, {
        headers: { authorization: `Bearer ${this.options.sdkKey}`, accept: 'text/event-stream' },
        signal,
      });
      request.once('error', reject);
      request.once('response', (response) => {
        if (response.statusCode === 200) return resolve(response);
        response.resume();
        reject(new Error(`stream answered ${response.statusCode}`));
      });
      request.end();
    });
  }

  private onEvent(event: string, data: string): void {
    if (event !== 'ruleset' && event !== 'patch') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.emit('error', { message: 'the stream sent malformed JSON; keeping the last ruleset' });
      return;
    }
    if (event === 'patch') {
      if (isPatch(parsed)) this.applyPatch(parsed);
      else this.emit('error', { message: 'the stream sent a malformed patch; keeping the last ruleset' });
      return;
    }
    if (!isRuleset(parsed)) {
      this.emit('error', {
        message: 'the stream sent something that is not a ruleset; keeping the last ruleset',
      });
      return;
    }
    this.etag = parsed.version === undefined ? undefined : `"${parsed.version}"`;
    this.apply(parsed, true);
    this.healthy();
  }

  /** A patch applies to the version it was made from; after a gap the whole ruleset is refetched. */
  private applyPatch(change: RulesetChange): void {
    const current = this.ruleset;
    if (!current || this.version !== change.from) {
      void this.poll();
      return;
    }
    this.etag = `"${change.version}"`;
    const next = {
      flags: patched(current.flags, change.flags, change.deletedFlags),
      segments: patched(current.segments, change.segments, change.deletedSegments),
      version: change.version,
    };
    this.apply(next, true, patchedFlagKeys(change, next));
    this.healthy();
  }

  /**
   * Swaps in a new ruleset (compiled with the scheduled changes due now) and reports what changed
   * (`changed` when the caller knows it from a patch, else by comparing the two rulesets).
   */
  private apply(ruleset: Ruleset, persist: boolean, changed?: string[]): void {
    // Same version: nothing new (a reconnecting stream resends the current ruleset). A lower version
    // is accepted: the service may have been restored from a backup.
    const version = ruleset.version ?? 0;
    if (this.ruleset && version === this.version && ruleset.version !== undefined) return;
    const flagsChanged = changed ?? changedFlagKeys(this.ruleset, ruleset);
    const first = !this.evaluator;
    this.ruleset = ruleset;
    this.version = version;
    this.compile(new Set(flagsChanged));
    if (persist) void this.saveBootstrap(ruleset);
    if (first) {
      this.currentStatus = 'READY';
      this.emit('ready');
    } else if (flagsChanged.length) this.emit('changed', { flagsChanged, version });
  }

  /**
   * Compiles the ruleset with the scheduled changes due now. With `changed`, only those flags are
   * compiled afresh (and flags with pending scheduled changes, whose state depends on the time).
   */
  private compile(changed?: Set<string>): void {
    const ruleset = this.ruleset!;
    const now = this.options.now();
    // Most flags have no scheduled change: they are used as they are, without a copy.
    let next = Number.POSITIVE_INFINITY;
    const flags = ruleset.flags.map((flag) => {
      if (!flag.scheduledChanges?.length) return flag;
      changed?.add(flag.key);
      const applied = applyDueChanges(flag, now);
      next = Math.min(next, nextChangeAt(applied) ?? Number.POSITIVE_INFINITY);
      return applied;
    });
    const reuse = changed && this.evaluator ? { previous: this.evaluator.compiled, changed } : undefined;
    this.evaluator = new Evaluator(compileRuleset({ ...ruleset, flags }, reuse), { now: this.options.now });
    // Apply the next scheduled change locally at its time, even if the service is unreachable then.
    clearTimeout(this.scheduleTimer);
    if (!Number.isFinite(next) || this.closed) return;
    this.scheduleTimer = setTimeout(
      () => {
        const due = (at: string) => Date.parse(at) > now && Date.parse(at) <= this.options.now();
        const flagsChanged = ruleset.flags
          .filter((f) => f.scheduledChanges?.some((c) => due(c.at)))
          .map((f) => f.key);
        this.compile();
        if (flagsChanged.length) this.emit('changed', { flagsChanged, version: this.version });
      },
      Math.min(Math.max(0, next - now), MAX_TIMER_MS),
    );
    this.scheduleTimer.unref();
  }

  private async saveBootstrap(ruleset: Ruleset): Promise<void> {
    const file = this.options.bootstrapFile;
    if (!file) return;
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(ruleset));
      await rename(temporary, file);
    } catch (error) {
      this.emit('error', { message: `cannot write the bootstrap file: ${(error as Error).message}` });
    }
  }

  private healthy(): void {
    if (this.evaluator && this.currentStatus !== 'READY') {
      this.currentStatus = 'READY';
      this.emit('ready');
    }
  }

  private trouble(message: string): void {
    if (this.currentStatus === 'READY') {
      this.currentStatus = 'STALE';
      this.emit('stale', { message });
    } else if (this.currentStatus === 'NOT_READY') {
      this.currentStatus = 'ERROR';
      this.emit('error', { message });
    }
  }
}

function patched<T extends { key: string }>(items: T[], upserts: T[], deletions: string[]): T[] {
  const replaced = new Map(upserts.map((item) => [item.key, item]));
  const deleted = new Set(deletions);
  const result = items.filter((item) => !deleted.has(item.key)).map((item) => replaced.get(item.key) ?? item);
  const existing = new Set(items.map((item) => item.key));
  for (const item of upserts) if (!existing.has(item.key)) result.push(item);
  return result;
}

function isPatch(value: unknown): value is RulesetChange {
  return (
    isRecord(value) &&
    typeof value.from === 'number' &&
    typeof value.version === 'number' &&
    ['flags', 'segments', 'deletedFlags', 'deletedSegments'].every((field) => Array.isArray(value[field]))
  );
}

function isRuleset(value: unknown): value is Ruleset {
  return isRecord(value) && Array.isArray(value.flags) && Array.isArray(value.segments);
}
