import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractEntities, MAX_ENTITY_INPUT, parseAmount } from './entities.js';
import { ProductMatcher, type CatalogProduct } from './entities-products.js';

const CATALOG: CatalogProduct[] = [
  { id: 'P-1', title: 'boAt Airdopes 141 Bluetooth Truly Wireless in Ear Earbuds (Bold Black)' },
  { id: 'P-2', title: 'boAt Airdopes 131 Wireless Earbuds with up to 60 Hours Playback' },
  { id: 'P-3', title: 'Philips HD9306/06 1.5-Litre Electric Kettle (Multicolor)' },
  { id: 'P-4', title: 'Prestige PKGSS 1.7L 1500W Electric Kettle (Stainless Steel, Silver)' },
  { id: 'P-5', title: 'MI Usb Type-C Cable Smartphone (Black)' },
  { id: 'P-6', title: 'Noise ColorFit Pro 2 Full Touch Control Smart Watch' },
  { id: 'P-7', title: 'Coffee Mug Dog + Ball Design' },
  { id: 'P-8', title: 'Thank You Card Red Hearts' },
  { id: 'P-9', title: 'Samsung 138 cm (55 inches) Crystal 4K Smart LED TV' },
  { id: 'P-10', title: 'Set of 3 Blue Polkadot Cake Tins' },
];
const matcher = ProductMatcher.fromProducts(CATALOG);
const ids = (text: string) => extractEntities(text, { products: matcher }).products.map((p) => p.productId);

describe('order numbers and e-mails', () => {
  it.each([
    ['where is ORD-536365?', ['ORD-536365']],
    ['ord536365 still not here', ['ORD-536365']],
    ['order #536365 has not arrived', ['ORD-536365']],
    ['my order number is 536365', ['ORD-536365']],
    ['Order no. 536365 and order 536366 please', ['ORD-536365', 'ORD-536366']],
    ['cancel purchase 113542617735902', ['ORD-113542617735902']],
    ['#536365', ['ORD-536365']],
    ['check the bill #37777', []],
    ['invoice #00108 is wrong', []],
    ['I ordered 2 items', []],
    ['call me on 9876543210', []],
  ])('%s', (text, expected) => {
    expect(extractEntities(text).orderNumbers).toEqual(expected);
  });

  it('finds e-mails and keeps their digits out of other entities', () => {
    const e = extractEntities('mail me at Priya.Sharma+order536365@gmail.co.in or raj_99@example.org');
    expect(e.emails).toEqual(['priya.sharma+order536365@gmail.co.in', 'raj_99@example.org']);
    expect(e.orderNumbers).toEqual([]);
    expect(e.quantity).toBeUndefined();
    expect(extractEntities('not an email: foo@bar, @handle, a@b').emails).toEqual([]);
  });
});

describe('price ranges', () => {
  it.each([
    ['show me shoes under 500', undefined, 500],
    ['below ₹1,000 please', undefined, 1000],
    ['less than rs.2,500', undefined, 2500],
    ['upto 15k', undefined, 15000],
    ['within Rs 999/-', undefined, 999],
    ['phones between 10k and 15k', 10000, 15000],
    ['something between 200 and 400', 200, 400],
    ['earbuds 500-1000 rs', 500, 1000],
    ['budget ₹10-15k', 10000, 15000],
    ['from 300 to 700 rupees', 300, 700],
    ['above 2000 rupees', 2000, undefined],
    ['tv over 1 lakh', 100000, undefined],
    ['₹5000 and above', 5000, undefined],
    ['around ₹1000', 800, 1200],
    ['between 400 and 200', 200, 400],
    ['i can spend 1500 at most', undefined, 1500],
    ['can only afford 800', undefined, 800],
    ['2k tops', undefined, 2000],
  ])('%s', (text, min, max) => {
    const e = extractEntities(text);
    expect(e.priceMin).toBe(min);
    expect(e.priceMax).toBe(max);
  });

  it('reads thousands written after digits and "or so"', () => {
    expect(extractEntities('something small and cheap is fine, 3-4 thousand max')).toMatchObject({ priceMin: 3000, priceMax: 4000 });
    expect(extractEntities('not above 6 thousand rupees').priceMax).toBe(6000);
    expect(extractEntities('1000 rupees or so')).toMatchObject({ priceMin: 800, priceMax: 1200 });
  });

  it('does not read sizes, model numbers, counts or times as prices', () => {
    for (const text of ['size 42 shoes', 'iphone 13 cover', '55 inch tv', 'I need 2-3 of them', 'delivery in 3-5 days', 'over 2 weeks ago', 'airdopes 141']) {
      const e = extractEntities(text);
      expect(e.priceMin, text).toBeUndefined();
      expect(e.priceMax, text).toBeUndefined();
    }
  });

  it('reads price words without figures as a price level', () => {
    expect(extractEntities('any cheap kettle?').priceLevel).toBe('low');
    expect(extractEntities('show me budget phones').priceLevel).toBe('low');
    expect(extractEntities('premium headphones').priceLevel).toBe('high');
    expect(extractEntities('cheap phone under 8000').priceLevel).toBeUndefined();
  });

  it('parses Indian amounts', () => {
    expect(parseAmount('1,00,000')).toBe(100000);
    expect(parseAmount('1.5k')).toBe(1500);
    expect(parseAmount('2 lakh')).toBe(200000);
    expect(parseAmount('1cr')).toBe(10000000);
    expect(parseAmount('abc')).toBeNaN();
  });
});

describe('quantities', () => {
  it.each([
    ['I want 2 of them', 2],
    ['three', 3],
    ['just 2 please', 2],
    ['qty: 4', 4],
    ['quantity 10', 10],
    ['add 3 mugs to my cart', 3],
    ['a dozen candles', 12],
    ['a pair of socks', 2],
    ['5 pcs', 5],
    ['x2', 2],
    ['send two blue shirts', 2],
  ])('%s', (text, q) => {
    expect(extractEntities(text).quantity).toBe(q);
  });

  it('ignores numbers that are not counts', () => {
    for (const text of ['need 2 gb ram', 'order 536365', 'under 500', 'size 9', 'i need 3 days', 'buy 55 inch tv', 'iphone 13']) {
      expect(extractEntities(text).quantity, text).toBeUndefined();
    }
  });
});

describe('sizes and colours', () => {
  it.each([
    ['size 42 shoes', ['42']],
    ['do you have it in XL', ['XL']],
    ['xxl please', ['XXL']],
    ['in medium please', ['M']],
    ['M or L', ['M', 'L']],
    ['UK 8 sneakers', ['UK 8']],
    ['I am a size 9', ['9']],
    ['free size kurta', ['Free Size']],
    ['ＸＬ size', ['XL']],
    ['a large family', []],
    ['small room heater', []],
    ['I M happy', []],
  ])('%s', (text, sizes) => {
    expect(extractEntities(text).sizes).toEqual(sizes);
  });

  it.each([
    ['navy blue shirt', ['navy']],
    ['the rose gold one', ['rose gold']],
    ['show me red or green dresses', ['red', 'green']],
    ['grey or gray?', ['grey']],
    ['upgrade to a gold account', []],
    ['black friday deals', []],
    ['Off-White sneakers', ['off-white']],
  ])('%s', (text, colours) => {
    expect(extractEntities(text).colors).toEqual(colours);
  });
});

describe('product mentions', () => {
  it('matches brand and model words against the catalog', () => {
    expect(ids('is the boAt Airdopes 141 waterproof?')[0]).toBe('P-1');
    expect(ids('airdopes 131 battery life')[0]).toBe('P-2');
    expect(ids('philips kettle')[0]).toBe('P-3');
    expect(ids('does the noise colorfit pro 2 track sleep')[0]).toBe('P-6');
    expect(ids('coffee mug with a dog')[0]).toBe('P-7');
    expect(ids('samsung 55 inch tv under 50k')[0]).toBe('P-9');
  });

  it('tolerates a typo and words written apart', () => {
    expect(ids('airdops 141')[0]).toBe('P-1');
    expect(ids('type c cable')[0]).toBe('P-5');
  });

  it('returns every kettle for a category word, best first, and nothing for unrelated text', () => {
    expect(new Set(ids('any electric kettle?'))).toEqual(new Set(['P-3', 'P-4']));
    expect(ids('where is my order ORD-536365')).toEqual([]);
    expect(ids('hello how are you')).toEqual([]);
    expect(ids('black')).toEqual([]); // a colour alone is not a product
    expect(ids('size 141')).toEqual([]); // words taken by other entities do not count
  });

  it('reports scores in [0, 1] and the span of the mention', () => {
    const text = 'is the Philips kettle good';
    const p = extractEntities(text, { products: matcher }).products[0]!;
    expect(p.score).toBeGreaterThan(0.5);
    expect(p.score).toBeLessThanOrEqual(1);
    const span = extractEntities(text, { products: matcher }).spans.find((s) => s.type === 'product')!;
    expect(text.slice(span.start, span.end)).toBe('Philips kettle');
  });

  it.runIf(existsSync(resolve(import.meta.dirname, '../fixtures/store/products.jsonl')))('works on the store catalog', async () => {
    const { matcher: store } = await ProductMatcher.fromJsonl(resolve(import.meta.dirname, '../fixtures/store/products.jsonl'));
    expect(store.size).toBeGreaterThan(100);
    const top = store.match('boAt Airdopes 141', { k: 3 });
    expect(top[0]?.title).toMatch(/Airdopes 141/);
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) extractEntities('do you have a prestige electric kettle under 2000 in black', { products: store });
    expect((performance.now() - t0) / 200).toBeLessThan(20); // generous: ~0.2 ms on a laptop
  });
});

describe('bad input never crashes', () => {
  it('returns empty entities for non-strings and empty text', () => {
    for (const v of [undefined, null, 42, {}, [], '', '   ']) {
      const e = extractEntities(v as unknown as string, { products: matcher });
      expect(e.orderNumbers).toEqual([]);
      expect(e.products).toEqual([]);
    }
  });

  it('handles HTML, SQL, emoji, other scripts and huge input', () => {
    const cases = [
      '<script>alert("ORD-536365")</script>',
      "'; DROP TABLE orders; -- order 536365",
      '😀😀 red 👗 size M 🙏',
      'मुझे लाल साड़ी चाहिए 500 रुपये के अंदर',
      '我想要一个红色的水壶',
      'أريد إرجاع الطلب',
      '\u0000\u200b\ufeff',
      'a'.repeat(1_000_000),
      'order 536365 '.repeat(50_000),
    ];
    for (const text of cases) {
      const t0 = performance.now();
      const e = extractEntities(text, { products: matcher });
      expect(performance.now() - t0, text.slice(0, 20)).toBeLessThan(2000);
      for (const s of e.spans) {
        expect(s.start).toBeGreaterThanOrEqual(0);
        expect(s.end).toBeLessThanOrEqual(Math.min(text.length, MAX_ENTITY_INPUT));
      }
    }
    expect(extractEntities(cases[0]!).orderNumbers).toEqual(['ORD-536365']);
    expect(extractEntities(cases[1]!).orderNumbers).toEqual(['ORD-536365']);
    const emoji = extractEntities(cases[2]!);
    expect(emoji.colors).toEqual(['red']);
    expect(emoji.sizes).toEqual(['M']);
  });
});

describe('bare amounts that read as rupees', () => {
  it('takes "around 15000" and "over 2k" as a budget, not "over 1000 watt"', () => {
    const a = extractEntities('tv for my parents bedroom, around 15000');
    expect([a.priceMin, a.priceMax]).toEqual([12000, 18000]);
    expect(extractEntities('mixer over 2k').priceMin).toBe(2000);
    expect(extractEntities('mixer over 1000 watt').priceMin).toBeUndefined();
  });
});

describe('budgets in words', () => {
  it.each([
    ['air fryer under five thousand', 5000],
    ['55 inch 4k tv max 35 thou', 35000],
    ['phone below twenty five thousand', 25000],
  ])('"%s" costs at most %d', (text, max) => {
    expect(extractEntities(text).priceMax).toBe(max);
  });
});
