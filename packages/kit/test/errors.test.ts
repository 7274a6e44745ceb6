import { describe, expect, it } from 'vitest';
import { isUuidV7, ManualClock, newId, problems } from '../src/index.js';

describe('problems', () => {
  it('renders RFC 9457 bodies with a stable type per kind', () => {
    const problem = problems.validation([{ path: '/body/name', message: 'is required' }]);
    expect(problem.toBody('/v1/things')).toEqual({
      type: 'urn:parley:problem:validation',
      title: 'Request validation failed',
      status: 400,
      detail: '/body/name: is required',
      instance: '/v1/things',
      errors: [{ path: '/body/name', message: 'is required' }],
    });
    expect(problems.tooManyRequests(30).headers).toEqual({ 'retry-after': '30' });
  });
});

describe('ids and clock', () => {
  it('makes time-ordered UUIDv7 ids', () => {
    const ids = Array.from({ length: 50 }, () => newId());
    expect(ids.every(isUuidV7)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });

  it('a manual clock moves only when told', () => {
    const clock = new ManualClock(1000);
    clock.advance(500);
    expect(clock.now()).toBe(1500);
  });
});
