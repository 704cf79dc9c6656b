// Product cards carry the product's page (Product.url): on the web chat as the wire card's `url`
// (postBack buttons unchanged), on Messenger as default_action and a web_url button, made absolute
// against the shop's address.
import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import type { Product } from '../store/index.js';
import { productCard, STORE_LINK_TITLE } from './cards.js';
import { withAbsoluteLinks } from '../channels/card-links.js';
import { toSendApi } from '../channels/messenger-format.js';
import { toWireCard } from '../channels/web-protocol.js';

const product = (over: Partial<Product> = {}): Product => ({
  id: 'P-1',
  title: 'Ceramic Coffee Mug',
  description: 'Dishwasher safe',
  category: 'Home & Kitchen',
  price: 349,
  currency: 'INR',
  stock: 4,
  image: 'https://images.example/mug.jpg',
  rating: 4.4,
  ratingCount: 120,
  source: 'test',
  url: '/?product=P-1',
  ...over,
});

const activityOf = (p: Product): Partial<Activity> => ({ type: 'message', text: 'Here you go:', attachments: [productCard(p)] });

function messengerElement(activity: Partial<Activity>): Record<string, unknown> {
  const out = toSendApi('psid-1', activity);
  const template = out.find((m) => m.message?.attachment)?.message?.attachment as { payload: { elements: Record<string, unknown>[] } };
  return template.payload.elements[0]!;
}

describe('product card links', () => {
  it('the web chat gets the url beside the unchanged View / Add to cart / More like this buttons', () => {
    const card = toWireCard(productCard(product()))!;
    expect(card.url).toBe('/?product=P-1');
    expect(card.buttons.map((b) => b.title)).toEqual(['View', 'Add to cart', 'More like this']);
    expect(card.buttons.map((b) => JSON.parse(b.value).action)).toEqual(['view', 'add_to_cart', 'more_like']);
    expect(toWireCard(productCard(product({ url: 'https://shop.example/p/mug' })))!.url).toBe('https://shop.example/p/mug');
  });

  it('a product without a page has no url and the same buttons', () => {
    const card = toWireCard(productCard(product({ url: null })))!;
    expect(card.url).toBeNull();
    expect(card.buttons).toHaveLength(3);
  });

  it('Messenger: default_action and a web_url button with the absolute url; Add to cart gives way to the page', () => {
    const el = messengerElement(withAbsoluteLinks(activityOf(product()), 'https://shop.example/store/'));
    expect(el.default_action).toEqual({ type: 'web_url', url: 'https://shop.example/?product=P-1' });
    const buttons = el.buttons as Record<string, unknown>[];
    expect(buttons).toHaveLength(3);
    expect(buttons[0]).toEqual({ type: 'web_url', url: 'https://shop.example/?product=P-1', title: STORE_LINK_TITLE });
    expect(buttons.slice(1).map((b) => [b.type, b.title])).toEqual([
      ['postback', 'View'],
      ['postback', 'More like this'],
    ]);
  });

  it('Messenger: an absolute product url needs no base', () => {
    const el = messengerElement(activityOf(product({ url: 'https://shop.example/p/mug' })));
    expect(el.default_action).toEqual({ type: 'web_url', url: 'https://shop.example/p/mug' });
    expect((el.buttons as Record<string, unknown>[])[0]).toMatchObject({ type: 'web_url', url: 'https://shop.example/p/mug' });
  });

  it('Messenger without SHOPBOT_PUBLIC_URL: a store path cannot be opened, so no link and the old buttons', () => {
    const el = messengerElement(withAbsoluteLinks(activityOf(product()), undefined));
    expect(el.default_action).toBeUndefined();
    expect((el.buttons as Record<string, unknown>[]).map((b) => [b.type, b.title])).toEqual([
      ['postback', 'View'],
      ['postback', 'Add to cart'],
      ['postback', 'More like this'],
    ]);
  });
});
