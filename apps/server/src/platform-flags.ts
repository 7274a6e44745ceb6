import { type Client, OpenFeature } from '@openfeature/server-sdk';
import { MODEL_VERSIONS, type ModelVersion } from '@parley/assistant';
import { ParleyProvider } from '@parley/flags/sdk';
import { env, type Logger, newId } from '@parley/kit';

/** The flags Parley reads about itself, with the settings that connect it to a flags service. */
export const platformFlagsConfigSpec = {
  PARLEY_FLAGS_SDK_KEY: env.string({
    description:
      'Server SDK key of the flags environment Parley reads its own flags from (e.g. `parley.assistant.classifier`); unset, configuration decides',
    secret: true,
  }),
  PARLEY_FLAGS_URL: env.url({
    protocols: ['http:', 'https:'],
    description: 'Flags service Parley reads its own flags from; default this server itself',
  }),
};

/** String flag: which intent classifier routes a question (`v1` or `v2`). */
export const CLASSIFIER_FLAG = 'parley.assistant.classifier';

/**
 * Parley's own feature flags, read through the OpenFeature SDK with Parley's flags provider (the
 * same path any customer application takes), so a new classifier can be rolled out by tenant or
 * by percentage. Until connected, or when the flag is missing or invalid, the configured default
 * serves; an evaluation never waits on the network.
 */
export class PlatformFlags {
  /** One OpenFeature domain per instance, so two servers in one process do not share a provider. */
  private readonly domain = `parley-${newId()}`;
  private client: Client | undefined;
  private provider: ParleyProvider | undefined;

  constructor(
    private readonly config: {
      PARLEY_FLAGS_SDK_KEY: string | undefined;
      PARLEY_FLAGS_URL: string | undefined;
    },
    private readonly logger: Logger,
  ) {}

  /** Connects to the flags service once this server listens (its own URL is the default service). */
  connect(ownUrl: string): void {
    const sdkKey = this.config.PARLEY_FLAGS_SDK_KEY;
    if (!sdkKey || this.provider) return;
    const baseUrl = this.config.PARLEY_FLAGS_URL ?? ownUrl;
    this.provider = new ParleyProvider({ baseUrl, sdkKey });
    OpenFeature.setProvider(this.domain, this.provider);
    this.client = OpenFeature.getClient(this.domain);
    this.logger.info({ flags: baseUrl }, 'reading platform flags through OpenFeature');
  }

  /** The classifier for a request: the flag's value for this tenant and user, else `fallback`. */
  async classifier(
    request: { tenantId: string; subject?: string },
    fallback: ModelVersion,
  ): Promise<ModelVersion> {
    if (!this.client) return fallback;
    const value = await this.client.getStringValue(CLASSIFIER_FLAG, fallback, {
      targetingKey: request.subject ?? request.tenantId,
      tenantId: request.tenantId,
    });
    return (MODEL_VERSIONS as readonly string[]).includes(value) ? (value as ModelVersion) : fallback;
  }

  async close(): Promise<void> {
    await this.provider?.onClose();
  }
}
