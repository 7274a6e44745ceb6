import { describe, expect, it } from 'vitest';
import { rng } from '../bench/dataset.js';
import { ExpositionError, parseExposition } from '../src/ingest/exposition.js';
import {
  decodeWriteRequest,
  decompress,
  encodeWriteRequest,
  seriesLabels,
  WriteError,
} from '../src/ingest/remote-write.js';
import { labelsFromRecord } from '../src/labels.js';
import { ParseError, parseExpr } from '../src/promql/parse.js';

function onlyThrows(fn: () => unknown, allowed: new (...args: never[]) => Error): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof allowed)) throw error;
  }
}

describe('bad input never crashes', () => {
  const r = rng(7);
  const valid = decompress(
    encodeWriteRequest([
      { labels: labelsFromRecord({ __name__: 'up', job: 'x' }), samples: [{ t: 1000, v: 1 }] },
      { labels: labelsFromRecord({ __name__: 'y', a: 'b' }), samples: [{ t: 2000, v: 2.5 }] },
    ]),
  );

  it('remote write: truncated, bit-flipped and random protobuf gives WriteError or a decoded request', () => {
    for (let i = 0; i < 2000; i++) {
      const buf = Uint8Array.from(valid.subarray(0, Math.floor(r() * (valid.length + 1))));
      if (buf.length > 0 && i % 2 === 0) buf[Math.floor(r() * buf.length)]! ^= 1 << Math.floor(r() * 8);
      onlyThrows(() => {
        const req = decodeWriteRequest(buf);
        for (let i = 0; i < req.series; i++) seriesLabels(req, i);
      }, WriteError);
      const random = Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256));
      onlyThrows(() => {
        const req = decodeWriteRequest(random);
        for (let i = 0; i < req.series; i++) seriesLabels(req, i);
      }, WriteError);
      // Random snappy headers may declare up to the 32 MiB limit, so only a few of these.
      if (i % 100 === 0) onlyThrows(() => decompress(random), WriteError);
    }
  });

  it('exposition: mangled lines give ExpositionError with a line number', () => {
    const text = '# TYPE a counter\na{x="1",y="2"} 3 1000\nb 4\n# EOF\n';
    for (let i = 0; i < 2000; i++) {
      const chars = [...text];
      const at = Math.floor(r() * chars.length);
      chars.splice(at, Math.floor(r() * 3), String.fromCharCode(32 + Math.floor(r() * 95)));
      onlyThrows(() => parseExposition(chars.join(''), i % 2 === 0), ExpositionError);
    }
  });

  it('PromQL: random edits of valid queries give ParseError or an AST', () => {
    const query =
      'sum by (job) (rate(http_requests_total{code=~"5.."}[5m] offset 1m)) / on(job) group_left count(up) > bool 0.5';
    const alphabet = '(){}[]"\',=~!<>+-*/%^@:_ abcxyz0123456789.';
    for (let i = 0; i < 3000; i++) {
      const chars = [...query];
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++)
        chars.splice(
          Math.floor(r() * chars.length),
          Math.floor(r() * 2),
          alphabet[Math.floor(r() * alphabet.length)]!,
        );
      onlyThrows(() => parseExpr(chars.join('')), ParseError);
    }
    expect(() => parseExpr('')).toThrow(ParseError);
  });
});
