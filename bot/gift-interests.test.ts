import { describe, expect, it } from 'vitest';
import { interestQuery } from './gift-interests.js';

describe('a gift named by what the person enjoys', () => {
  it('searches the things a shop sells for the interest', () => {
    expect(interestQuery('need something for my dads bday, he likes old hindi songs a lot. around 2k')).toBe('bluetooth speaker');
    expect(interestQuery('gift for my wife, she loves reading')).toBe('kindle');
    expect(interestQuery('something for my brother who is into gaming')).toBe('gaming mouse');
    expect(interestQuery('gift for my mom')).toBeNull();
    expect(interestQuery('i like this phone, does it have music player')).toBeNull();
  });
});
