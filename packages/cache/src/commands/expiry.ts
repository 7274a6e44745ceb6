import { errors, ReplyError } from '../errors.js';
import type { Client } from '../server/client.js';
import { parseInt64 } from './args.js';

/** Largest absolute expiry Redis accepts (it must fit a signed 64-bit millisecond count). */
const MAX_EXPIRE_MS = 2 ** 63;

/**
 * Turns an expiry argument into an absolute time in ms. `unitMs` is 1000 for seconds,
 * `absolute` is true for *AT forms. Non-positive values are invalid where Redis says so (SET,
 * SETEX, GETEX); EXPIRE accepts them and deletes the key.
 */
export function expiryArg(
  c: Client,
  command: string,
  text: string,
  unitMs: number,
  absolute: boolean,
  allowNonPositive = false,
): number {
  const value = parseInt64(text);
  if (value === undefined) throw new ReplyError(errors.notInteger);
  if (!allowNonPositive && value <= 0) throw new ReplyError(errors.invalidExpire(command));
  const ms = value * unitMs;
  const at = absolute ? ms : c.engine.clock.now() + ms;
  if (!Number.isFinite(at) || Math.abs(ms) >= MAX_EXPIRE_MS || Math.abs(at) >= MAX_EXPIRE_MS)
    throw new ReplyError(errors.invalidExpire(command));
  return at;
}
