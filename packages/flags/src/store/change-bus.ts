import type { EnvironmentRef } from './flag-store.js';

/**
 * What one committed write changed, as announced to every server process: keys only, never
 * definitions (each process reads those from the database under the tenant's row-level security).
 */
export interface ChangeNotice {
  environment: EnvironmentRef;
  from: number;
  version: number;
  flags: string[];
  segments: string[];
  deletedFlags: string[];
  deletedSegments: string[];
}

export type ChangeHandler = (notice: ChangeNotice) => void;

/** Carries change notices between the server processes that share one database. */
export interface ChangeBus {
  publish(notice: ChangeNotice): Promise<void>;
  /** Registers the handler for every notice, this process's own included. */
  onNotice(handler: ChangeHandler): void;
  close(): Promise<void>;
}

/** One process only: notices go straight to the handlers. */
export class LocalChangeBus implements ChangeBus {
  private readonly handlers: ChangeHandler[] = [];
  async publish(notice: ChangeNotice): Promise<void> {
    for (const handler of this.handlers) handler(notice);
  }
  onNotice(handler: ChangeHandler): void {
    this.handlers.push(handler);
  }
  async close(): Promise<void> {}
}
