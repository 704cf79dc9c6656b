import { describe, expect, it } from 'vitest';
import { attributesOf, categoryNames, hasAttribute, headNoun, ownPart, plural, thingPhrase, titleNames } from './product-request.js';

describe('product attributes', () => {
  it('reads measures, not prices', () => {
    expect(attributesOf('43 inch smart tv below 25000').map((a) => [a.value, a.unit])).toEqual([[43, 'inch']]);
    expect(attributesOf('geyser 15 litre for bathroom').map((a) => [a.value, a.unit])).toEqual([[15, 'litre']]);
    expect(attributesOf('phone with 8GB ram and 5000mAh').map((a) => [a.value, a.unit])).toEqual([[8, 'gb'], [5000, 'mah']]);
    expect(attributesOf('43 in tv').map((a) => [a.value, a.unit])).toEqual([[43, 'inch']]);
    expect(attributesOf('i got only 1 item out of 2 in my order')).toEqual([]);
    expect(attributesOf('steam iron under 1500')).toEqual([]);
  });

  it('matches the same number with the same unit only', () => {
    const [inch43] = attributesOf('43 inch tv');
    expect(hasAttribute('VU 108 cm (43 inches) Premium Series Full HD', inch43!)).toBe(true);
    expect(hasAttribute('Samsung 80 cm (32 Inches) Wondertainment', inch43!)).toBe(false);
    expect(hasAttribute('TCL 43" 4K TV', inch43!)).toBe(true);
  });
});

describe('head noun of a product request', () => {
  it.each([
    ['fairy lights for diwali decoration', 'light'],
    ['laptop sleeve 15.6 inch', 'sleeve'],
    ['usb c to lightning cable under 500', 'cable'],
    ['show me some tea mugs', 'mug'],
    ['mixer grinder 750w', 'grinder'],
    ['43 inch smart tv below 25000', 'tv'],
    ["something for my mom's kitchen", null],
    ['recommend something', null],
    ['samsung phone', 'phone'],
    ['dinner set for 6 people, microwave safe', 'dinner'],
    ['do you sell sofa sets', 'sofa'],
    ['double bedsheet cotton', 'bedsheet'],
    ['mens kurta xl', 'kurta'],
    ['dumbbells 5kg pair', 'dumbbell'],
  ])('"%s" asks for %s', (text, head) => {
    expect(headNoun(text)).toBe(head);
  });

  it('finds the thing in a title, not the thing it is for', () => {
    expect(titleNames('Samsung Galaxy M13 5G Phone (Aqua Green)', 'phone')).toBe(true);
    expect(titleNames('Samsung 25W USB Travel Adapter for Cellular Phone', 'phone')).toBe(false);
    expect(titleNames('Vintage Billboard Tea Mug', 'mug')).toBe(true);
    expect(titleNames('Set 2 Tea Towels I Love London', 'mug')).toBe(false);
    // Something for the thing, named right after it.
    expect(titleNames('Quantum RJ45 Ethernet Patch Cable/LAN Router Cable', 'router')).toBe(false);
    expect(titleNames('TP-Link AC750 Dual Band Wireless Cable Router', 'router')).toBe(true);
    expect(titleNames('Gizga Essentials Webcam Cover, Privacy Protector', 'webcam')).toBe(false);
    expect(titleNames('Tizum Mouse Pad/ Computer Mouse Mat with Anti-Slip Base', 'mouse')).toBe(false);
    expect(titleNames('Sounce Gold Plated 3.5 mm Headphone Splitter', 'headphone')).toBe(false);
    // A thing that is itself a cover or a bag: the next word names it again.
    expect(titleNames('AirCase Protective Laptop Bag Sleeve fits Upto 15.6" Laptop', 'bag')).toBe(true);
    expect(titleNames('Crystal Frog Phone Charm', 'phone')).toBe(false);
    // Only the title's own part counts: a lint remover "for Washing Machine Dryer" is no dryer.
    expect(ownPart('NGI Store Lint Remover for Washing Machine Dryer')).toBe('ngi store lint remover');
  });

  it('reads the thing from the category where titles do not say it', () => {
    expect(categoryNames('Electronics > Smartphones & Basic Mobiles > Smartphones', 'phone')).toBe(true);
    expect(categoryNames('Electronics > Mobile Accessories > Stands', 'phone')).toBe(false);
  });

  it('words the thing as the customer named it', () => {
    expect(plural(thingPhrase('hair dryer for my sister', 'dryer'))).toBe('hair dryers');
    expect(plural(thingPhrase('need a double door refrigerator', 'refrigerator'))).toBe('double door refrigerators');
    expect(plural(thingPhrase('dumbbells 5kg pair', 'dumbbell'))).toBe('dumbbells');
  });
});
