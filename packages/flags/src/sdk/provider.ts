import {
  ErrorCode,
  type EvaluationContext,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { type Evaluation, openFeatureReason } from '../evaluate/result.js';
import type { FlagType } from '../model/flag.js';
import { FlagsClient, type FlagsClientOptions } from './client.js';

export interface ParleyProviderOptions {
  /** How long `initialize` waits for the first ruleset (default 10 s); the client keeps trying after. */
  readyTimeoutMs?: number;
}

/**
 * OpenFeature server provider over the Parley flags SDK: evaluations are local and synchronous
 * (wrapped in resolved promises as the interface requires). Emits READY, CONFIGURATION_CHANGED
 * with the changed flag keys, STALE while the service is unreachable, and ERROR.
 */
export class ParleyProvider implements Provider {
  readonly metadata = { name: 'parley-flags' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly client: FlagsClient;
  private initialized = false;

  constructor(
    client: FlagsClient | FlagsClientOptions,
    private readonly options: ParleyProviderOptions = {},
  ) {
    this.client = client instanceof FlagsClient ? client : new FlagsClient(client);
    this.client.on('changed', ({ flagsChanged }) =>
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged }),
    );
    this.client.on('stale', ({ message }) => this.events.emit(ProviderEvents.Stale, { message }));
    this.client.on('error', ({ message }) => {
      if (this.initialized) this.events.emit(ProviderEvents.Error, { message });
    });
    // The SDK reports the first READY when initialize resolves; later ones are recoveries.
    this.client.on('ready', () => {
      if (this.initialized) this.events.emit(ProviderEvents.Ready);
    });
  }

  async initialize(): Promise<void> {
    void this.client.start();
    try {
      await this.client.waitForReady(this.options.readyTimeoutMs ?? 10_000);
    } finally {
      this.initialized = true;
    }
  }

  async onClose(): Promise<void> {
    await this.client.close();
  }

  async resolveBooleanEvaluation(key: string, defaultValue: boolean, context: EvaluationContext) {
    return this.resolve(key, defaultValue, context, 'boolean');
  }

  async resolveStringEvaluation(key: string, defaultValue: string, context: EvaluationContext) {
    return this.resolve(key, defaultValue, context, 'string');
  }

  async resolveNumberEvaluation(key: string, defaultValue: number, context: EvaluationContext) {
    return this.resolve(key, defaultValue, context, 'number');
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    key: string,
    defaultValue: T,
    context: EvaluationContext,
  ) {
    return this.resolve(key, defaultValue, context, 'json');
  }

  private resolve<T>(
    key: string,
    defaultValue: T,
    context: EvaluationContext,
    type: FlagType,
  ): ResolutionDetails<T> {
    return toResolution(
      this.client.evaluate(key, context, defaultValue, type),
      this.client.hasTargeting(key),
    );
  }
}

function toResolution<T>(evaluation: Evaluation<T>, hasTargeting: boolean): ResolutionDetails<T> {
  return {
    value: evaluation.value,
    reason: openFeatureReason(evaluation, hasTargeting),
    ...(evaluation.variant !== undefined && { variant: evaluation.variant }),
    ...(evaluation.ruleId !== undefined && { flagMetadata: { ruleId: evaluation.ruleId } }),
    ...(evaluation.errorCode !== undefined && {
      errorCode: ErrorCode[evaluation.errorCode],
      errorMessage: evaluation.errorMessage ?? '',
    }),
  };
}
