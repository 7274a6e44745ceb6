import type { FastifyInstance } from 'fastify';
import type { Iam } from '../iam.js';
import { adminRoutes } from './admin-routes.js';
import { auditRoutes } from './audit-routes.js';
import { authRoutes } from './auth-routes.js';
import { authzRoutes } from './authz-routes.js';

/** Every IAM route; mount after `installAccessControl` has been installed on the root instance. */
export function iamRoutes(iam: Iam) {
  return async function iamPlugin(app: FastifyInstance): Promise<void> {
    await app.register(authRoutes(iam));
    await app.register(authzRoutes(iam));
    await app.register(adminRoutes(iam));
    await app.register(auditRoutes(iam));
  };
}
