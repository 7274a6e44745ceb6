import type { RulesetSnapshot } from '../store/flag-store.js';

/** Server-Sent Events framing of a ruleset; built once per snapshot and shared by every stream. */
const frames = new WeakMap<RulesetSnapshot, string>();

export function rulesetEvent(snapshot: RulesetSnapshot): string {
  let frame = frames.get(snapshot);
  if (!frame) {
    frame = `event: ruleset\nid: ${snapshot.version}\ndata: ${snapshot.json}\n\n`;
    frames.set(snapshot, frame);
  }
  return frame;
}

/** A comment line: keeps proxies from closing an idle stream and lets clients detect a dead one. */
export const HEARTBEAT = ': heartbeat\n\n';
