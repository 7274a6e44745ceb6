import type { Client } from '../server/client.js';

/**
 * Command flags, as Redis names them in COMMAND INFO. They drive the dispatcher: `write`
 * commands are propagated to the AOF, `denyoom` ones are refused over maxmemory, `noscript`
 * ones are refused in scripts, `pubsub` ones are allowed in a RESP2 subscribed context...
 */
export type Flag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'fast'
  | 'no_auth'
  | 'no_multi'
  | 'skip_monitor'
  | 'allow_busy'
  | 'movablekeys';

const FLAGS: readonly Flag[] = [
  'write',
  'readonly',
  'denyoom',
  'admin',
  'pubsub',
  'noscript',
  'blocking',
  'loading',
  'stale',
  'fast',
  'no_auth',
  'no_multi',
  'skip_monitor',
  'allow_busy',
  'movablekeys',
];

/** Each flag as one bit of CommandSpec#bits: the dispatcher tests several per command. */
export const flagBit = Object.fromEntries(FLAGS.map((flag, i) => [flag, 1 << i])) as Record<Flag, number>;

export type Handler = (c: Client, argv: string[]) => void;

/**
 * One command, described once. `arity` is Redis's: positive means exactly that many arguments
 * (name included), negative means at least -arity. Keys are at positions firstKey..lastKey
 * stepping by step (lastKey -1 means the last argument); 0 means no keys. Commands whose keys
 * move (numkeys, STREAMS) also give `keys` to extract them.
 */
export interface CommandSpec {
  name: string;
  arity: number;
  flags: readonly Flag[];
  /** `flags` as a bit set (flagBit). */
  bits: number;
  firstKey: number;
  lastKey: number;
  step: number;
  handler: Handler;
  keys?: (argv: string[]) => number[];
  /** Command group (string, list, generic...) for COMMAND INFO/DOCS; set by the table. */
  group?: string;
  /** Subcommands (CONFIG GET, CLIENT LIST...) for COMMAND output and arity checks. */
  subcommands?: readonly Omit<CommandSpec, 'subcommands'>[];
}

/** Shorthand for the common shapes of the table. */
export function command(
  name: string,
  arity: number,
  flags: readonly Flag[],
  keySpec: readonly [number, number, number] | null,
  handler: Handler,
  extra: Partial<Pick<CommandSpec, 'keys' | 'subcommands'>> = {},
): CommandSpec {
  const [firstKey, lastKey, step] = keySpec ?? [0, 0, 0];
  let bits = 0;
  for (const flag of flags) bits |= flagBit[flag];
  return { name, arity, flags, bits, firstKey, lastKey, step, handler, ...extra };
}

/** Key positions of a command invocation (for WATCH-free things: cluster slots, COMMAND GETKEYS). */
export function keyPositions(spec: CommandSpec, argv: string[]): number[] {
  if (spec.keys) return spec.keys(argv);
  if (spec.firstKey === 0) return [];
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step) out.push(i);
  return out;
}

/** Keys given as `numkeys key...` starting at argument `at` (ZUNIONSTORE, LMPOP, SINTERCARD...). */
export function numkeysAt(at: number, offset = 1): (argv: string[]) => number[] {
  return (argv) => {
    const count = Number(argv[at]);
    const out: number[] = [];
    if (!Number.isInteger(count) || count <= 0) return out;
    for (let i = 0; i < count && at + offset + i < argv.length; i++) out.push(at + offset + i);
    return out;
  };
}

export function arityOk(arity: number, argc: number): boolean {
  return arity > 0 ? argc === arity : argc >= -arity;
}
