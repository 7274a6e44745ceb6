import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig, parseDuration } from '../src/index.js';

const spec = {
  PORT: env.port({ default: 8080, description: 'port' }),
  MODE: env.oneOf(['a', 'b'], { default: 'a', description: 'mode' }),
  FLAG: env.boolean({ default: false, description: 'flag' }),
  LIMIT: env.integer({ default: 10, min: 1, max: 100, description: 'limit' }),
  URL: env.url({ protocols: ['postgres:'], description: 'db', secret: true }),
  TIMEOUT: env.duration({ default: 1000, description: 'timeout' }),
};

describe('loadConfig', () => {
  it('applies defaults and parses values', () => {
    const config = loadConfig(spec, { PORT: '9000', FLAG: 'yes', TIMEOUT: '5s', URL: 'postgres://h/db' });
    expect(config).toEqual({
      PORT: 9000,
      MODE: 'a',
      FLAG: true,
      LIMIT: 10,
      URL: 'postgres://h/db',
      TIMEOUT: 5000,
    });
  });

  it('leaves optional settings undefined', () => {
    expect(loadConfig(spec, {}).URL).toBeUndefined();
  });

  it('reports every bad value, one line each, naming variable, value and what is allowed', () => {
    let caught: ConfigError | undefined;
    try {
      loadConfig(spec, { PORT: '99999', MODE: 'c', LIMIT: '0', FLAG: 'maybe', TIMEOUT: '5 parsecs' });
    } catch (error) {
      caught = error as ConfigError;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught!.problems).toEqual([
      'PORT="99999" is not valid: expected a port number from 0 to 65535',
      'MODE="c" is not valid: expected one of a, b',
      'FLAG="maybe" is not valid: expected one of true, false, 1, 0, yes, no',
      'LIMIT="0" is not valid: expected an integer from 1 to 100',
      'TIMEOUT="5 parsecs" is not valid: expected a duration such as 500ms, 30s, 5m, 2h or 7d',
    ]);
  });

  it('never echoes a secret value in an error', () => {
    expect(() => loadConfig(spec, { URL: 'mysql://user:hunter2@db' })).toThrow(
      'URL=[redacted] is not valid: expected a URL with protocol postgres://',
    );
  });

  it('parses durations', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('42')).toBe(42);
    expect(parseDuration('-1s')).toBeUndefined();
  });

  it('parses lists of allowed values and rejects unknown or repeated items', () => {
    const listSpec = { MODULES: env.listOf(['x', 'y', 'z'], { default: ['x'], description: 'modules' }) };
    expect(loadConfig(listSpec, {}).MODULES).toEqual(['x']);
    expect(loadConfig(listSpec, { MODULES: ' y, z ' }).MODULES).toEqual(['y', 'z']);
    expect(() => loadConfig(listSpec, { MODULES: 'y,w' })).toThrow(
      /expected a comma-separated list of x, y, z/,
    );
    expect(() => loadConfig(listSpec, { MODULES: 'y,y' })).toThrow(ConfigError);
  });
});
