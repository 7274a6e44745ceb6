import type { IncomingMessage } from 'node:http';
import { newId } from '../ids.js';

/** What we accept from a caller's X-Request-Id: short, printable, no spaces or log-breaking characters. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify `genReqId`: reuse the caller's X-Request-Id when it is well-formed, otherwise a new UUIDv7. */
export function requestIdFrom(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : newId();
}
