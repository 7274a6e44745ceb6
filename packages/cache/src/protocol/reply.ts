/**
 * Replies as values, for callers inside the process (the script runner, embedders): what a
 * client library would decode from the wire. Bulk strings stay latin1 strings (binary safe).
 */
export class StatusReply {
  constructor(readonly status: string) {}
}

export class ErrorReply {
  constructor(readonly message: string) {}
}

export type ReplyValue = string | number | null | boolean | StatusReply | ErrorReply | ReplyValue[];

/** Decodes one complete RESP2 reply stream (as written by ReplyWriter) into values. */
export function decodeReplies(resp: string): ReplyValue[] {
  let pos = 0;
  const line = (): string => {
    const end = resp.indexOf('\r\n', pos);
    if (end < 0) throw new Error('incomplete reply');
    const text = resp.slice(pos, end);
    pos = end + 2;
    return text;
  };
  const one = (): ReplyValue => {
    const type = resp[pos++];
    const text = line();
    switch (type) {
      case '+':
        return new StatusReply(text);
      case '-':
        return new ErrorReply(text);
      case ':':
        return Number(text);
      case '$': {
        const length = Number(text);
        if (length < 0) return null;
        const value = resp.slice(pos, pos + length);
        pos += length + 2;
        return value;
      }
      case '*': {
        const length = Number(text);
        if (length < 0) return null;
        const items: ReplyValue[] = [];
        for (let i = 0; i < length; i++) items.push(one());
        return items;
      }
      default:
        throw new Error(`unexpected reply type '${type}'`);
    }
  };
  const out: ReplyValue[] = [];
  while (pos < resp.length) out.push(one());
  return out;
}
