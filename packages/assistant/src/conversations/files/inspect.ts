import { createHash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { problems } from '@parley/kit';

/** What an upload turned out to be, learnt while it streamed through. */
export interface Inspection {
  sizeBytes: number;
  sha256: string;
  /** The first bytes, for the media-type signature check. */
  head: Buffer;
  /** False when the bytes are not valid UTF-8 or contain NUL (only tracked for text uploads). */
  cleanText: boolean;
}

const HEAD_BYTES = 16;

/**
 * Hashes (SHA-256), counts (refusing with 413 past `maxBytes`), keeps the first bytes and, for
 * text, checks UTF-8 as the bytes go by, so a file is read once however large it is.
 */
export class UploadInspector {
  private readonly hash = createHash('sha256');
  private readonly decoder: TextDecoder | undefined;
  private size = 0;
  private head = Buffer.alloc(0);
  private clean = true;
  private result: Inspection | undefined;

  constructor(
    private readonly maxBytes: number,
    checkText: boolean,
  ) {
    this.decoder = checkText ? new TextDecoder('utf-8', { fatal: true }) : undefined;
  }

  /**
   * The upload's bytes, passed on as they are inspected. Lazy: nothing is read until the
   * consumer (the file store) pulls, and a refusal surfaces as that consumer's error.
   */
  async *through(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      this.size += chunk.length;
      if (this.size > this.maxBytes)
        throw problems.payloadTooLarge(`Attachments may be at most ${this.maxBytes} bytes`);
      this.hash.update(chunk);
      if (this.head.length < HEAD_BYTES)
        this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
      if (this.decoder && this.clean) this.clean = this.validText(chunk, true);
      yield chunk;
    }
    if (this.decoder && this.clean) this.clean = this.validText(new Uint8Array(0), false);
    this.result = {
      sizeBytes: this.size,
      sha256: this.hash.digest('hex'),
      head: this.head,
      cleanText: this.clean,
    };
  }

  private validText(bytes: Uint8Array, more: boolean): boolean {
    try {
      return !this.decoder!.decode(bytes, { stream: more }).includes('\u0000');
    } catch {
      return false;
    }
  }

  /** Available once the whole upload has gone through. */
  inspection(): Inspection {
    if (!this.result) throw new Error('UploadInspector: the upload has not finished');
    return this.result;
  }
}
