import { readFileSync } from 'node:fs';
import { splitArgs } from './protocol/parser.js';

/**
 * Server configuration: the parameters redis.conf and CONFIG GET/SET know, with their types
 * and defaults. Encoding-tuning parameters of Redis (listpack sizes and the like) have no
 * meaning here; they are accepted and remembered so tools that set them keep working.
 */
export type EvictionPolicy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'volatile-lru'
  | 'allkeys-lfu'
  | 'volatile-lfu'
  | 'allkeys-random'
  | 'volatile-random'
  | 'volatile-ttl';

export const evictionPolicies: readonly EvictionPolicy[] = [
  'noeviction',
  'allkeys-lru',
  'volatile-lru',
  'allkeys-lfu',
  'volatile-lfu',
  'allkeys-random',
  'volatile-random',
  'volatile-ttl',
];

export type AppendFsync = 'always' | 'everysec' | 'no';

type Kind =
  | { type: 'string' }
  | { type: 'bool' }
  | { type: 'int'; min: number; max: number }
  | { type: 'memory' }
  | { type: 'enum'; values: readonly string[] };

interface Parameter {
  kind: Kind;
  default: string;
  /** Only settable at start-up (redis.conf or command line), not by CONFIG SET. */
  immutable?: boolean;
  /** Never shown by CONFIG GET patterns other than the exact name (secrets are shown by Redis too). */
}

const int = (min: number, max: number): Kind => ({ type: 'int', min, max });
const str: Kind = { type: 'string' };
const bool: Kind = { type: 'bool' };
const memory: Kind = { type: 'memory' };

const parameters: Record<string, Parameter> = {
  port: { kind: int(0, 65535), default: '6379', immutable: true },
  bind: { kind: str, default: '127.0.0.1', immutable: true },
  databases: { kind: int(1, 16), default: '16', immutable: true },
  requirepass: { kind: str, default: '' },
  timeout: { kind: int(0, 2 ** 31), default: '0' },
  hz: { kind: int(1, 500), default: '10' },
  maxclients: { kind: int(1, 2 ** 31), default: '10000' },
  maxmemory: { kind: memory, default: '0' },
  'maxmemory-policy': { kind: { type: 'enum', values: evictionPolicies }, default: 'noeviction' },
  'maxmemory-samples': { kind: int(1, 64), default: '5' },
  'lfu-log-factor': { kind: int(0, 2 ** 31), default: '10' },
  'lfu-decay-time': { kind: int(0, 2 ** 31), default: '1' },
  'notify-keyspace-events': { kind: str, default: '' },
  dir: { kind: str, default: '.' },
  dbfilename: { kind: str, default: 'dump.prdb' },
  appendonly: { kind: bool, default: 'no' },
  appendfilename: { kind: str, default: 'appendonly.aof' },
  appendfsync: { kind: { type: 'enum', values: ['always', 'everysec', 'no'] }, default: 'everysec' },
  'auto-aof-rewrite-percentage': { kind: int(0, 2 ** 31), default: '100' },
  'auto-aof-rewrite-min-size': { kind: memory, default: '64mb' },
  save: { kind: str, default: '' },
  'proto-max-bulk-len': { kind: memory, default: String(2 ** 29 - 24) },
  'client-query-buffer-limit': { kind: memory, default: '1gb' },
  loglevel: {
    kind: { type: 'enum', values: ['debug', 'verbose', 'notice', 'warning', 'nothing'] },
    default: 'notice',
  },
  'slowlog-log-slower-than': { kind: int(-1, 2 ** 53), default: '10000' },
  'slowlog-max-len': { kind: int(0, 2 ** 31), default: '128' },
  'latency-tracking': { kind: bool, default: 'yes' },
  'lua-time-limit': { kind: int(0, 2 ** 31), default: '5000' },
  'busy-reply-threshold': { kind: int(0, 2 ** 31), default: '5000' },
  'stop-writes-on-bgsave-error': { kind: bool, default: 'yes' },
  'cluster-enabled': { kind: bool, default: 'no', immutable: true },
  // Encoding tuning knobs of Redis: accepted and reported, no effect on this engine.
  'hash-max-listpack-entries': { kind: int(0, 2 ** 31), default: '128' },
  'hash-max-listpack-value': { kind: int(0, 2 ** 31), default: '64' },
  'hash-max-ziplist-entries': { kind: int(0, 2 ** 31), default: '128' },
  'hash-max-ziplist-value': { kind: int(0, 2 ** 31), default: '64' },
  'list-max-listpack-size': { kind: int(-5, 2 ** 31), default: '-2' },
  'list-max-ziplist-size': { kind: int(-5, 2 ** 31), default: '-2' },
  'list-compress-depth': { kind: int(0, 2 ** 31), default: '0' },
  'set-max-intset-entries': { kind: int(0, 2 ** 31), default: '512' },
  'set-max-listpack-entries': { kind: int(0, 2 ** 31), default: '128' },
  'set-max-listpack-value': { kind: int(0, 2 ** 31), default: '64' },
  'zset-max-listpack-entries': { kind: int(0, 2 ** 31), default: '128' },
  'zset-max-listpack-value': { kind: int(0, 2 ** 31), default: '64' },
  'zset-max-ziplist-entries': { kind: int(0, 2 ** 31), default: '128' },
  'zset-max-ziplist-value': { kind: int(0, 2 ** 31), default: '64' },
  'stream-node-max-bytes': { kind: memory, default: '4096' },
  'stream-node-max-entries': { kind: int(0, 2 ** 31), default: '100' },
  activerehashing: { kind: bool, default: 'yes' },
  'lazyfree-lazy-eviction': { kind: bool, default: 'no' },
  'lazyfree-lazy-expire': { kind: bool, default: 'no' },
  'lazyfree-lazy-server-del': { kind: bool, default: 'no' },
  'lazyfree-lazy-user-del': { kind: bool, default: 'no' },
  'lazyfree-lazy-user-flush': { kind: bool, default: 'no' },
  'active-expire-effort': { kind: int(1, 10), default: '1' },
  'tcp-keepalive': { kind: int(0, 2 ** 31), default: '300' },
  'tcp-backlog': { kind: int(0, 2 ** 31), default: '511', immutable: true },
};

/** Redis's memory units: k=1000, kb=1024, m=1e6, mb=2^20, g=1e9, gb=2^30 (case-insensitive). */
export function parseMemory(text: string): number | undefined {
  const match = /^(\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(text.trim());
  if (!match) return undefined;
  const units: Record<string, number> = { b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 2 ** 20, g: 1e9, gb: 2 ** 30 };
  return Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] ?? 1);
}

export class ConfigError extends Error {}

/** Validates one value against its parameter; returns the normalised text or throws ConfigError. */
function normalise(name: string, value: string): string {
  const parameter = parameters[name];
  if (!parameter) throw new ConfigError(`unknown parameter '${name}'`);
  const kind = parameter.kind;
  switch (kind.type) {
    case 'string':
      return value;
    case 'bool': {
      const lower = value.toLowerCase();
      if (lower !== 'yes' && lower !== 'no') throw new ConfigError("argument must be 'yes' or 'no'");
      return lower;
    }
    case 'int': {
      if (!/^-?\d+$/.test(value)) throw new ConfigError("argument couldn't be parsed into an integer");
      const n = Number(value);
      if (n < kind.min || n > kind.max)
        throw new ConfigError(`argument must be between ${kind.min} and ${kind.max} inclusive`);
      return String(n);
    }
    case 'memory': {
      const n = parseMemory(value);
      if (n === undefined) throw new ConfigError('argument must be a memory value');
      return String(n);
    }
    case 'enum': {
      const lower = value.toLowerCase();
      if (!kind.values.includes(lower))
        throw new ConfigError(`argument(s) must be one of the following: ${kind.values.join(', ')}`);
      return lower;
    }
  }
}

export type ConfigValues = Record<string, string>;

export class Config {
  private readonly values = new Map<string, string>();
  private readonly listeners: ((name: string, value: string) => void)[] = [];
  /** The redis.conf this configuration was loaded from, for CONFIG REWRITE. */
  file: string | undefined;

  constructor(initial: ConfigValues = {}) {
    for (const [name, parameter] of Object.entries(parameters))
      this.values.set(name, normalise(name, parameter.default));
    for (const [name, value] of Object.entries(initial))
      this.values.set(name.toLowerCase(), normalise(name.toLowerCase(), value));
  }

  static known(name: string): boolean {
    return name.toLowerCase() in parameters;
  }

  get(name: string): string {
    return this.values.get(name) ?? '';
  }

  number(name: string): number {
    return Number(this.values.get(name) ?? 0);
  }

  bool(name: string): boolean {
    return this.values.get(name) === 'yes';
  }

  /** CONFIG SET: all pairs are validated before any is applied, as in Redis 7. */
  set(pairs: [string, string][]): void {
    const normalised: [string, string][] = [];
    for (const [rawName, value] of pairs) {
      const name = rawName.toLowerCase();
      const parameter = parameters[name];
      if (!parameter)
        throw new ConfigError(`Unknown option or number of arguments for CONFIG SET - '${rawName}'`);
      if (parameter.immutable) throw new ConfigError(`can't set immutable config`);
      normalised.push([name, normalise(name, value)]);
    }
    for (const [name, value] of normalised) {
      this.values.set(name, value);
      for (const listener of this.listeners) listener(name, value);
    }
  }

  onChange(listener: (name: string, value: string) => void): void {
    this.listeners.push(listener);
  }

  /** Parameters whose name matches a glob (CONFIG GET). */
  match(pattern: string, matches: (pattern: string, name: string) => boolean): [string, string][] {
    const lower = pattern.toLowerCase();
    const out: [string, string][] = [];
    for (const [name, value] of this.values) if (matches(lower, name)) out.push([name, value]);
    return out;
  }

  entries(): [string, string][] {
    return [...this.values];
  }
}

/** Parses redis.conf text: `name value...` per line, `#` comments, quoted values allowed. */
export function parseConfigFile(text: string): ConfigValues {
  const out: ConfigValues = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = splitArgs(line);
    if (!words || words.length === 0) throw new ConfigError(`line ${i + 1}: unbalanced quotes`);
    const name = words[0]!.toLowerCase();
    if (!(name in parameters))
      throw new ConfigError(`line ${i + 1}: Bad directive or wrong number of arguments: '${words[0]}'`);
    const value = name === 'save' || name === 'bind' ? words.slice(1).join(' ') : (words[1] ?? '');
    try {
      out[name] = normalise(name, value);
    } catch (error) {
      throw new ConfigError(`line ${i + 1}: '${name}': ${(error as Error).message}`);
    }
  }
  return out;
}

export function loadConfigFile(path: string): ConfigValues {
  return parseConfigFile(readFileSync(path, 'utf8'));
}
