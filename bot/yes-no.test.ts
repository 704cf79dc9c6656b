import { describe, expect, it } from 'vitest';
import { readYesNo } from './yes-no.js';

describe('readYesNo', () => {
  it('reads only plain answers as yes or no: hedges, questions and choice numbers are not a yes', () => {
    for (const yes of ['yes', 'Yes', 'yes please', 'ok thanks', 'sure!', 'go ahead', 'haan', 'y', '  yes  ']) expect(readYesNo(yes), yes).toBe(true);
    for (const no of ['no', 'No', 'nope', 'no, keep it', "don't", 'never mind']) expect(readYesNo(no), no).toBe(false);
    for (const other of ["I'm not sure", 'is it true it ships today?', 'tell me about the first one', 'first', '1', 'sure, but wait', 'ha ha', 'okay but why?', 'yes '.repeat(7), '', '<script>yes</script>', '👍', '¿sí?']) {
      expect(readYesNo(other), other).toBeUndefined();
    }
  });

  it('takes a question\'s own words for yes and no, with the same strictness', () => {
    const words = { yes: ['connect'], no: ['cancel'] };
    expect(readYesNo('connect', words)).toBe(true);
    expect(readYesNo('Connect please', words)).toBe(true);
    expect(readYesNo('cancel', words)).toBe(false);
    expect(readYesNo('connect?', words)).toBe(true);
    expect(readYesNo('connect but wait', words)).toBeUndefined();
    expect(readYesNo('connect me to an agent about my refund now please', words)).toBeUndefined();
    // Without the extra words they mean nothing.
    expect(readYesNo('connect')).toBeUndefined();
    // Regex characters in the extra words are taken literally.
    expect(readYesNo('a.b', { yes: ['a.b'] })).toBe(true);
    expect(readYesNo('axb', { yes: ['a.b'] })).toBeUndefined();
  });
});
