import { describe, expect, it } from 'vitest';
import { Head } from '../../src/head.js';
import { Matcher, MatcherError, postingsForMatchers } from '../../src/index/matchers.js';
import { intersect, MemPostings, merge, without } from '../../src/index/postings.js';
import { labelsFromRecord } from '../../src/labels.js';

describe('postings', () => {
  it('intersects, merges and subtracts sorted lists', () => {
    expect(intersect([1, 3, 5, 7], [2, 3, 4, 7, 9])).toEqual([3, 7]);
    expect(merge([[1, 4], [2, 4, 6], [], [0]])).toEqual([0, 1, 2, 4, 6]);
    expect(without([1, 2, 3, 4], [2, 4, 5])).toEqual([1, 3]);
  });

  it('indexes label names and values', () => {
    const p = new MemPostings();
    p.add(1, labelsFromRecord({ __name__: 'a', job: 'x' }));
    p.add(2, labelsFromRecord({ __name__: 'a', job: 'y' }));
    expect(p.labelNames()).toEqual(['__name__', 'job']);
    expect(p.labelValues('job')).toEqual(['x', 'y']);
    expect(Array.from(p.get('__name__', 'a'))).toEqual([1, 2]);
  });
});

describe('matchers', () => {
  const head = new Head();
  const refs = [
    { __name__: 'up', job: 'api', env: 'prod' },
    { __name__: 'up', job: 'api-2', env: 'dev' },
    { __name__: 'up', job: 'db' },
    { __name__: 'http_requests_total', job: 'api' },
  ].map((r) => head.getOrCreate(labelsFromRecord(r as Record<string, string>)).ref);
  const select = (...ms: Matcher[]) => postingsForMatchers(head, ms).map((ref) => refs.indexOf(ref));

  it('applies = != =~ !~ with fully anchored regexes', () => {
    expect(select(new Matcher('=', '__name__', 'up'), new Matcher('=', 'job', 'api'))).toEqual([0]);
    expect(select(new Matcher('=~', 'job', 'api'))).toEqual([0, 3]);
    expect(select(new Matcher('=~', 'job', 'api.*'))).toEqual([0, 1, 3]);
    expect(select(new Matcher('=', '__name__', 'up'), new Matcher('!~', 'job', 'api.*'))).toEqual([2]);
    expect(select(new Matcher('=', '__name__', 'up'), new Matcher('!=', 'env', 'prod'))).toEqual([1, 2]);
  });

  it('treats an empty value as a missing label', () => {
    expect(select(new Matcher('=', '__name__', 'up'), new Matcher('=', 'env', ''))).toEqual([2]);
    expect(select(new Matcher('=', '__name__', 'up'), new Matcher('=~', 'env', 'prod|'))).toEqual([0, 2]);
  });

  it('rejects invalid regexes with a clear error', () => {
    expect(() => new Matcher('=~', 'job', '(')).toThrow(MatcherError);
  });
});
