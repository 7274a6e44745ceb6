import type { EvaluationContext } from './result.js';

export type AttributeReader = (context: EvaluationContext) => unknown;

/**
 * Reads a context attribute. A dotted name (`user.email`) is looked up as written first, then as a
 * path into nested objects (as JsonLogic's `var` does); plain names cost one property read.
 */
export function attributeReader(attribute: string): AttributeReader {
  if (!attribute.includes('.')) return (context) => context[attribute];
  const path = attribute.split('.');
  return (context) => {
    if (Object.hasOwn(context, attribute)) return context[attribute];
    let value: unknown = context;
    for (const segment of path) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
      value = (value as Record<string, unknown>)[segment];
    }
    return value;
  };
}
