import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadArticles } from './knowledge.js';
import { parseKeywords, TopicMatcher } from './topics.js';

// The demo store's own articles and their `keywords`: what a store owner edits.
const matcher = new TopicMatcher(loadArticles(join(import.meta.dirname, '..', 'fixtures', 'store', 'help')).map((a) => ({ slug: a.slug, keywords: a.keywords })));

describe('TopicMatcher on the demo store articles', () => {
  it.each([
    ['refund kab tak aayega', ['refunds']],
    ['retrun policy for electronics', ['returns']],
    ['forgot my pasword how to login', ['account']],
    ['cod charges?', ['payment-methods']],
    ['cash on delivery for orders above 10000 allowed?', ['payment-methods']],
    ['is cod available? and how long is delivery', ['payment-methods', 'delivery']],
    ['stop sending me promo emails', ['newsletter']],
    ['the table lamp i ordered looks very cheap in real, can i give it back', ['returns']],
    ['can i send them back', ['returns']],
    ['one plate came with a hairline crack. how many days do i have to report it', ['returns']],
  ])('"%s" names %j', (text, topics) => {
    expect(matcher.topics(text)).toEqual(topics);
  });

  it('names nothing for messages without a policy topic', () => {
    for (const text of ['steam iron under 1500', 'who won the ipl final', 'hi', 'show me some tea mugs', 'what is 25 times 17', 'green crackers for diwali', 'track my parcel']) expect(matcher.topics(text)).toEqual([]);
  });

  it('forgives one typo only in longer words, with the first letter right', () => {
    const m = new TopicMatcher([{ slug: 'returns', keywords: ['return'] }, { slug: 'pay', keywords: ['pay'] }]);
    expect(m.topics('retrun')).toEqual(['returns']);
    expect(m.topics('returned it')).toEqual(['returns']);
    expect(m.topics('eturn')).toEqual([]);
    expect(m.topics('pat')).toEqual([]);
  });

  it('lets one pronoun stand inside a phrase, no other word', () => {
    const m = new TopicMatcher([{ slug: 'returns', keywords: ['send back'] }]);
    expect(m.topics('send this back')).toEqual(['returns']);
    expect(m.topics('send my mom back')).toEqual([]);
    expect(m.topics('send it')).toEqual([]);
  });

  it('parses a keyword list', () => {
    expect(parseKeywords(' Refund, money  back;refund | ')).toEqual(['refund', 'money back']);
  });
});
