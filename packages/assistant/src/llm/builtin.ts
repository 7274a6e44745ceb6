import { BUILT_IN_ANALYST, writeNarrative } from '../narrative/analyst.js';
import type { Narration, NarrationOptions, NarrationProvider, NarrationRequest } from './provider.js';

/**
 * The embedded default: Parley's built-in analyst, a grounded narrative written from the computed
 * results with no language model. It streams paragraph by paragraph like a model would.
 */
export const builtInAnalyst: NarrationProvider = {
  name: 'builtin',
  model: BUILT_IN_ANALYST,
  async narrate(request: NarrationRequest, options: NarrationOptions = {}): Promise<Narration> {
    const narrative = writeNarrative(request.result);
    for (const [i, paragraph] of narrative.paragraphs.entries())
      options.onEvent?.({ type: 'token', text: i === 0 ? paragraph : `\n\n${paragraph}` });
    return {
      text: narrative.paragraphs.join('\n\n'),
      provider: 'builtin',
      model: BUILT_IN_ANALYST,
      label: narrative.label,
    };
  },
};
