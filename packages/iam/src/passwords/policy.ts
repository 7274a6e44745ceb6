import { COMMON_PASSWORDS } from './common-passwords.js';

export const MIN_PASSWORD_LENGTH = 12;
/** argon2 accepts more, but a cap stops multi-megabyte "passwords" from costing hashing time. */
export const MAX_PASSWORD_LENGTH = 256;

const COMMON = new Set(COMMON_PASSWORDS);

function normalise(password: string): string {
  return password.toLowerCase().replace(/[\d\W_]+$/u, '');
}

/** Why a new password is refused, or undefined when it is acceptable (NIST SP 800-63B rules). */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || COMMON.has(normalise(password)) || new Set(lower).size <= 2) {
    return 'is too common or too easy to guess';
  }
  return undefined;
}
