import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

type HttpPart = 'body' | 'querystring' | 'params' | 'headers';

function compiler(options: Options): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
    ...options,
  });
  addFormats.default(ajv);
  return ajv;
}

/**
 * Schema validation that never rewrites what the client sent. Bodies are JSON with real types, so
 * they are validated as they are (no coercion: `null` is not 0, a number is not a string; unknown
 * properties are errors, not silently dropped). Path, query and header values arrive as strings,
 * so only those are coerced to the declared types.
 */
export function installStrictValidation(app: FastifyInstance): void {
  const strict = compiler({ coerceTypes: false });
  const coercing = compiler({ coerceTypes: 'array' });
  const cache = new WeakMap<object, Map<HttpPart, ReturnType<Ajv['compile']>>>();
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const part = (httpPart ?? 'body') as HttpPart;
    const bySchema = cache.get(schema) ?? new Map();
    cache.set(schema, bySchema);
    let validate = bySchema.get(part);
    if (!validate) {
      validate = (part === 'body' ? strict : coercing).compile(schema as FastifySchema);
      bySchema.set(part, validate);
    }
    return validate;
  });
}
