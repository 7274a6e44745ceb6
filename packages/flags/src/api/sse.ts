import type { RulesetChange, RulesetSnapshot } from '../store/flag-store.js';

/**
 * Server-Sent Events framing of a ruleset; built and UTF-8 encoded once per snapshot, and the
 * same Buffer is written to every stream (no per-connection serialisation or encoding).
 */
const frames = new WeakMap<RulesetSnapshot, Buffer>();

export function rulesetEvent(snapshot: RulesetSnapshot): Buffer {
  let frame = frames.get(snapshot);
  if (!frame) {
    frame = Buffer.from(`event: ruleset\nid: ${snapshot.version}\ndata: ${snapshot.json}\n\n`);
    frames.set(snapshot, frame);
  }
  return frame;
}

const patches = new WeakMap<RulesetChange, Buffer>();

/**
 * A change as a patch (`event: patch`), which SDKs at version `from` apply; others refetch. Sending
 * only what changed keeps a write's fan-out cost independent of the ruleset's size.
 */
export function patchEvent(change: RulesetChange): Buffer {
  let frame = patches.get(change);
  if (!frame) {
    frame = Buffer.from(`event: patch\nid: ${change.version}\ndata: ${JSON.stringify(change)}\n\n`);
    patches.set(change, frame);
  }
  return frame;
}

/** A comment line: keeps proxies from closing an idle stream and lets clients detect a dead one. */
export const HEARTBEAT = ': heartbeat\n\n';
