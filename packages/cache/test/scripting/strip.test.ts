import { describe, expect, it } from 'vitest';
import { stripLua } from '../../src/scripting/strip.js';

describe('stripLua', () => {
  it('drops comments and indentation but keeps every line', () => {
    const source = [
      '--[[',
      '  A long comment -- with dashes',
      ']]',
      'local a = 1 -- trailing',
      '    local b = a--[==[ inline ]] still comment ]==]+ 1',
      '\treturn b',
    ].join('\n');
    const stripped = stripLua(source);
    expect(stripped.split('\n')).toHaveLength(source.split('\n').length);
    expect(stripped).toBe(' \n\n\nlocal a = 1 \nlocal b = a + 1\nreturn b');
  });

  it('copies strings and long strings untouched', () => {
    const source = [
      'local s = \'not -- a comment\' .. "nor\\" -- this"',
      'local l = [[',
      '   keeps -- this',
      ']] .. [=[ and ]] -- this ]=]',
    ].join('\n');
    expect(stripLua(source)).toBe(source);
  });
});
