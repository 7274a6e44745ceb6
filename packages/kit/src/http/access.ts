import type { FastifyInstance, RouteOptions } from 'fastify';

/** Who is calling. Set by the authentication hook; absent on public routes without credentials. */
export interface Principal {
  tenantId: string;
  /** User id, service-account id, or `anonymous`. */
  subject: string;
  kind: 'user' | 'service' | 'anonymous';
  roles: readonly string[];
  permissions: ReadonlySet<string>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route is reachable without credentials. */
    public?: boolean;
    /** Permission(s) the caller must hold, as `resource:action`; all of them when several. */
    permission?: string | readonly string[];
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export class UndeclaredAccessError extends Error {
  constructor(method: string, url: string) {
    super(
      `Route ${method} ${url} declares neither a permission nor public access; ` +
        `add config: { permission: '<resource>:<action>' } or config: { public: true }`,
    );
    this.name = 'UndeclaredAccessError';
  }
}

/**
 * Deny by default: every route must say who may call it. Installed once on the root instance,
 * this refuses registration of a route that declares neither, so the server cannot start with one.
 * Routes of third-party plugins (Swagger UI) are made public by URL prefix.
 */
export function requireDeclaredAccess(app: FastifyInstance, publicPrefixes: readonly string[] = []): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config ?? {}) as { public?: boolean; permission?: string | readonly string[] };
    if (config.public === true || hasPermission(config.permission)) return;
    if (publicPrefixes.some((prefix) => route.url === prefix || route.url.startsWith(`${prefix}/`))) {
      route.config = { ...config, public: true };
      return;
    }
    const method = Array.isArray(route.method) ? route.method.join(',') : String(route.method);
    throw new UndeclaredAccessError(method, route.url);
  });
}

function hasPermission(permission: string | readonly string[] | undefined): boolean {
  if (typeof permission === 'string') return permission.length > 0;
  return Array.isArray(permission) && permission.length > 0;
}
