/**
 * Keyspace notification classes (notify.c). `notify-keyspace-events` is a string of these
 * characters; K and E choose the channel families, A is an alias for "g$lshzxet".
 */
export const notifyClass = {
  keyspace: 1 << 0, // K
  keyevent: 1 << 1, // E
  generic: 1 << 2, // g
  string: 1 << 3, // $
  list: 1 << 4, // l
  set: 1 << 5, // s
  hash: 1 << 6, // h
  zset: 1 << 7, // z
  expired: 1 << 8, // x
  evicted: 1 << 9, // e
  stream: 1 << 10, // t
  keyMiss: 1 << 11, // m
  newKey: 1 << 12, // n
} as const;

export type NotifyClass = (typeof notifyClass)[keyof typeof notifyClass];

const letters: Record<string, number> = {
  K: notifyClass.keyspace,
  E: notifyClass.keyevent,
  g: notifyClass.generic,
  $: notifyClass.string,
  l: notifyClass.list,
  s: notifyClass.set,
  h: notifyClass.hash,
  z: notifyClass.zset,
  x: notifyClass.expired,
  e: notifyClass.evicted,
  t: notifyClass.stream,
  m: notifyClass.keyMiss,
  n: notifyClass.newKey,
};
const ALL = 'g$lshzxet';

/** Parses the flags string; undefined if it contains an unknown character. */
export function parseNotifyFlags(text: string): number | undefined {
  let flags = 0;
  for (const ch of text) {
    if (ch === 'A') {
      for (const c of ALL) flags |= letters[c]!;
      continue;
    }
    const bit = letters[ch];
    if (bit === undefined) return undefined;
    flags |= bit;
  }
  return flags;
}

export function formatNotifyFlags(flags: number): string {
  let out = '';
  let all = true;
  for (const c of ALL) if (!(flags & letters[c]!)) all = false;
  if (all) out += 'A';
  for (const [ch, bit] of Object.entries(letters)) {
    if (ch === 'K' || ch === 'E') continue;
    if (all && ALL.includes(ch)) continue;
    if (flags & bit) out += ch;
  }
  if (flags & notifyClass.keyspace) out += 'K';
  if (flags & notifyClass.keyevent) out += 'E';
  return out;
}
