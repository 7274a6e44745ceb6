/**
 * Every error reply the server sends, worded exactly as Redis words it: clients and test suites
 * match on these strings (ioredis reconnects on `READONLY`, BullMQ parses `NOSCRIPT`, ...).
 * The first word is the error code; messages without one get `ERR`.
 */
export const errors = {
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  /** DECRBY of int64's minimum, whose negation has no int64 (t_string.c decrbyCommand). */
  decrementOverflow: 'ERR decrement would overflow',
  incrNaN: 'ERR increment would produce NaN or Infinity',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  noSuchKey: 'ERR no such key',
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  authNotConfigured:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  noProto: 'NOPROTO unsupported protocol version',
  dbIndex: 'ERR DB index is out of range',
  invalidDbIndex: 'ERR invalid DB index',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  indexOutOfRange: 'ERR index out of range',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  timeoutNotFloat: 'ERR timeout is not a float or out of range',
  timeoutNegative: 'ERR timeout is negative',
  bitOffset: 'ERR bit offset is not an integer or out of range',
  bitValue: 'ERR bit is not an integer or out of range',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  minMaxNotFloat: 'ERR min or max is not a float',
  minMaxLex: 'ERR min or max not valid string range item',
  zaddIncrPair: 'ERR INCR option supports a single increment-element pair',
  zaddNxXx: 'ERR XX and NX options at the same time are not compatible',
  zaddGtLtNx: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  resultNaN: 'ERR resulting score is not a number (NaN)',
  hashNotInteger: 'ERR hash value is not an integer',
  hashNotFloat: 'ERR hash value is not a float',
  positive: (what: string) => `ERR ${what} is out of range, must be positive`,
  numkeysZero: (cmd: string) => `ERR at least 1 input key is needed for '${cmd}' command`,
  numkeysLarge: "ERR Number of keys can't be greater than number of args",
  numkeysPositive: 'ERR numkeys should be greater than 0',
  countPositive: 'ERR count should be greater than 0',
  multiNested: 'ERR MULTI calls can not be nested',
  execWithoutMulti: 'ERR EXEC without MULTI',
  discardWithoutMulti: 'ERR DISCARD without MULTI',
  watchInMulti: 'ERR WATCH inside MULTI is not allowed',
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
  sameObject: 'ERR source and destination objects are the same',
  unknownCommand: (name: string, args: string[]) =>
    `ERR unknown command '${truncate(name)}', with args beginning with: ${args
      .slice(0, 20)
      .map((a) => `'${truncate(a)}' `)
      .join('')}`,
  unknownSubcommand: (sub: string, cmd: string) =>
    `ERR unknown subcommand '${truncate(sub)}'. Try ${cmd.toUpperCase()} HELP.`,
  arity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
  subArity: (cmd: string, sub: string) => `ERR wrong number of arguments for '${cmd}|${sub}' command`,
  pubsubContext: (name: string) =>
    `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  notAllowedInMulti: 'ERR Command not allowed inside a transaction',
  invalidConfig: (name: string, value: string, why: string) =>
    `ERR CONFIG SET failed (possibly related to argument '${name}') - argument couldn't be parsed into ${why} - ${value}`,
  noSuchClient: 'ERR No such client',
  clientName: 'ERR Client names cannot contain spaces, newlines or special characters.',
  /** For the script runner (EVALSHA of an unknown script). */
  noScript: 'NOSCRIPT No matching script. Please use EVAL.',
  protocol: (what: string) => `ERR Protocol error: ${what}`,
  streamId: 'ERR Invalid stream ID specified as stream command argument',
  streamIdSmall: 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
  streamIdZero: 'ERR The ID specified in XADD must be greater than 0-0',
  noGroup: (key: string, group: string) =>
    `NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`,
  noGroupCmd: (key: string, group: string) =>
    `NOGROUP No such consumer group '${group}' for key name '${key}'`,
  busyGroup: 'BUSYGROUP Consumer Group name already exists',
  xgroupNoKey:
    'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
  unbalancedStreams:
    "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified.",
  unbalancedStreamsGroup:
    "ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified.",
  bgsaveInProgress: 'ERR Background save already in progress',
  lcsBothLenIdx: 'ERR If you want both the length and indexes, please just use IDX.',
} as const;

/** Redis quotes at most 128 bytes of user input inside an error. */
function truncate(value: string): string {
  return value.length > 128 ? value.slice(0, 128) : value;
}

/** A reply error raised inside a handler; the dispatcher turns it into a `-...` reply. */
export class ReplyError extends Error {}
