import { BlockList, isIP } from 'node:net';
import { RE2JS } from 're2js';
import { parse as parseSemVer, type SemVer } from 'semver';
import { MAX_REGEX_LENGTH } from '../model/limits.js';

/**
 * Parsing of clause operands, shared by write-time validation (which reports what fails to parse)
 * and compilation (which parses once so evaluation only compares).
 */

/** A number or a numeric string (context attributes often arrive as strings), else undefined. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Epoch milliseconds from an ISO-8601 string or a number of milliseconds. */
export function toTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

export function toSemVer(value: unknown): SemVer | undefined {
  return typeof value === 'string' ? (parseSemVer(value) ?? undefined) : undefined;
}

/** Compiles with RE2 (linear time, no backtracking); throws a descriptive error on bad syntax. */
export function compileRegex(pattern: string, caseInsensitive: boolean): RE2JS {
  if (pattern.length > MAX_REGEX_LENGTH)
    throw new Error(`pattern longer than ${MAX_REGEX_LENGTH} characters`);
  return RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
}

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a single host). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (slash < 0) return { address, prefix: max, family };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= max ? { address, prefix, family } : undefined;
}

/** A set of subnets answering "does it contain this address" for IPv4 and IPv6 alike. */
export function subnetSet(cidrs: Cidr[]): (address: string) => boolean {
  const list = new BlockList();
  for (const c of cidrs) list.addSubnet(c.address, c.prefix, c.family);
  return (address) => {
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}
