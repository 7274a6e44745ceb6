import type { FastifyRequest } from 'fastify';
import type { EnvironmentRef } from '../store/flag-store.js';

/**
 * What an SDK key grants. Server keys download rulesets (they see the rules); client keys, meant
 * for browsers and mobile apps, can only ask for evaluations over OFREP.
 */
export interface SdkKeyGrant {
  environment: EnvironmentRef;
  kind: 'server' | 'client';
}

export type SdkKeyResolver = (key: string) => SdkKeyGrant | undefined | Promise<SdkKeyGrant | undefined>;

/** The key from `Authorization: Bearer <key>` or `X-API-Key` (what OFREP providers send). */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim() || undefined;
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
}
