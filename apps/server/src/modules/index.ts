import { openAssistantModule } from './assistant.js';
import { openFlagsModule } from './flags.js';
import { openMetricsModule } from './metrics.js';
import type { ModuleContext, ModuleFactory, ServerModule } from './module.js';
import { openSuggestModule } from './suggest.js';

export type { ModuleContext, ModuleFactory, ServerModule } from './module.js';

/** Every feature module the server can run, by the name PARLEY_MODULES uses. */
export const MODULE_FACTORIES = {
  assistant: openAssistantModule,
  flags: openFlagsModule,
  metrics: openMetricsModule,
  suggest: openSuggestModule,
} satisfies Record<string, ModuleFactory>;

export type ModuleName = keyof typeof MODULE_FACTORIES;
export const MODULE_NAMES = Object.keys(MODULE_FACTORIES) as ModuleName[];

/**
 * Opens the named modules in order; if one fails, the ones already open are closed again so a
 * failed start leaves no timers or files behind.
 */
export async function openModules(
  names: readonly ModuleName[],
  context: ModuleContext,
): Promise<ServerModule[]> {
  const opened: ServerModule[] = [];
  try {
    for (const name of names) opened.push(await (MODULE_FACTORIES[name] as ModuleFactory)(context));
  } catch (error) {
    await closeModules(opened);
    throw error;
  }
  return opened;
}

/** Closes modules in reverse opening order. */
export async function closeModules(modules: readonly ServerModule[]): Promise<void> {
  for (const module of [...modules].reverse()) await module.close();
}
