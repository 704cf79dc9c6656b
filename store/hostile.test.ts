import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './index.js';
import { seed } from './seed.js';
import { baseFixtures, customer, product, review, snapshotCounts, tempStore, transcript, writeFixtures } from '../testing/store-helpers.js';
import { wellFormed } from './text.js';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

const HOSTILE = [
  "'; DROP TABLE products; --",
  'Robert"); DELETE FROM customers WHERE ("1"="1',
  '<script>alert("xss")</script>',
  '👍🏽 Great! 🎉👨‍👩‍👧‍👦',
  'مرحبا، أين طلبي؟',
  '你好，我的订单在哪里？',
  'Привет, где мой заказ?',
  'नमस्ते, मेरा ऑर्डर कहाँ है?',
  'tab\there\nnew line\r\nand \\ backslash',
  '%_ LIKE wildcards %%',
  '   ',
  '\u200b\u200e zero-width and RTL marks \u202e',
] as const;

let ctx: ReturnType<typeof tempStore>;
let store: Store;

beforeEach(() => {
  ctx = tempStore();
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

describe('hostile and multilingual text', () => {
  it('round-trips through every repository verbatim', async () => {
    const fixtures = join(ctx.dir, 'fixtures');
    mkdirSync(fixtures);
    writeFixtures(fixtures, baseFixtures());
    await seed(ctx.db, fixtures, { silent: true, agentPassword: 'x' });
    const conv = await store.conversations.create({ customerId: 'C1', channel: 'web' });
    for (const s of HOSTILE) {
      const c = await store.customers.create({ name: s, email: null });
      expect((await store.customers.get(c.id))!.name).toBe(s);
      const m = await store.conversations.appendMessage(conv.id, { role: 'customer', text: s, payload: { echo: s } });
      expect(m.text).toBe(s);
      const back = (await store.conversations.transcript(conv.id, { afterId: m.id - 1, limit: 1 }))[0]!;
      expect(back.text).toBe(s);
      expect(back.payload).toEqual({ echo: s });
      const r = await store.reviews.create({ productId: 'P1', rating: 3, title: s, text: s });
      expect(await store.reviews.get(r.id)).toMatchObject({ title: s, text: s });
      await store.state.put(`k:${s}`, { s });
      expect((await store.state.get(`k:${s}`))!.value).toEqual({ s });
      await expect(store.products.search(s, { category: s })).resolves.toBeInstanceOf(Array);
      await store.customers.linkIdentity('C2', 'web', s.trim() === '' ? `blank${s.length}` : s);
    }
    expect((await store.customers.findByIdentity('web', "'; DROP TABLE products; --"))?.id).toBe('C2');
    expect(snapshotCounts(ctx.db).products).toBe(3);
    expect(ctx.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('finds products by words in other scripts', async () => {
    const fixtures = join(ctx.dir, 'fixtures');
    mkdirSync(fixtures);
    const set = baseFixtures();
    set.products.push(
      product('PA', { title: 'ساعة ذكية', description: 'ساعة رياضية مقاومة للماء' }),
      product('PR', { title: 'Умные часы', description: 'Водонепроницаемые' }),
      product('PX', { title: "'; DROP TABLE products; --", description: '<script>alert(1)</script>' }),
    );
    writeFixtures(fixtures, set);
    const r = await seed(ctx.db, fixtures, { silent: true, agentPassword: 'x' });
    expect(r.rejected).toEqual([]);
    expect((await store.products.search('ساعة')).map((p) => p.id)).toEqual(['PA']);
    expect((await store.products.search('УМНЫЕ')).map((p) => p.id)).toEqual(['PR']);
    expect((await store.products.get('PX'))!.title).toBe("'; DROP TABLE products; --");
    expect((await store.products.get('PX'))!.description).toBe('<script>alert(1)</script>');
    expect((await store.products.search('drop table')).map((p) => p.id)).toEqual(['PX']);
    expect(await store.products.count()).toBe(6);
  });

  it('replaces lone surrogates with U+FFFD instead of failing or corrupting', async () => {
    const lone = 'broken \uD83D emoji and \uDE00 low half';
    expect(wellFormed(lone)).toBe('broken \uFFFD emoji and \uFFFD low half');
    expect(wellFormed('paired 😀 ok')).toBe('paired 😀 ok');
    const conv = await store.conversations.create({ customerId: null, channel: 'web' });
    const m = await store.conversations.appendMessage(conv.id, { role: 'customer', text: lone });
    expect(m.text).toBe(wellFormed(lone));
    expect((await store.conversations.transcript(conv.id))[0]!.text).toBe('broken \uFFFD emoji and \uFFFD low half');

    // through the seed: JSON can carry "\ud83d" escapes
    const fixtures = join(ctx.dir, 'fixtures');
    mkdirSync(fixtures);
    const set = baseFixtures();
    set.products.push(product('PS', { title: 'Mug \uD83D' }));
    set.customers.push(customer('CS', { name: '\uDC00Name', identities: [] }));
    set.reviews.push(review('RS', 'PS', { text: 'tail \uD800' }));
    set.transcripts.push(transcript('TS', { turns: [{ role: 'customer', text: 'x\uDBFF', ts: '2024-01-01T00:00:00Z' }] }));
    writeFixtures(fixtures, set);
    const raw = JSON.stringify(set.products.at(-1));
    expect(raw).toContain('\\ud83d'); // the file really holds a lone surrogate escape
    const r = await seed(ctx.db, fixtures, { silent: true, agentPassword: 'x' });
    expect(r.rejected).toEqual([]);
    expect((await store.products.get('PS'))!.title).toBe('Mug \uFFFD');
    expect((await store.customers.get('CS'))!.name).toBe('\uFFFDName');
    expect((await store.reviews.get('RS'))!.text).toBe('tail \uFFFD');
    expect((await store.conversations.transcript('TS'))[0]!.text).toBe('x\uFFFD');
    // and a second seed sees no difference
    const again = await seed(ctx.db, fixtures, { silent: true, agentPassword: 'x' });
    expect(again.tables.products.updated + again.tables.customers.updated + again.tables.reviews.updated + again.tables.messages.updated).toBe(0);
  });

  it('keeps NUL characters and very long single-line text within the limit', async () => {
    const conv = await store.conversations.create({ customerId: null, channel: 'web' });
    const withNul = 'before\u0000after';
    expect((await store.conversations.appendMessage(conv.id, { role: 'customer', text: withNul })).text).toBe(withNul);
    expect((await store.conversations.transcript(conv.id))[0]!.text).toBe(withNul);
    const emoji = '😀'.repeat(16384); // 4 bytes each = exactly 64 KiB
    expect((await store.conversations.appendMessage(conv.id, { role: 'customer', text: emoji })).text).toBe(emoji);
    await expect(store.conversations.appendMessage(conv.id, { role: 'customer', text: emoji + 'x' })).rejects.toThrow(/65537 bytes; the limit is 65536/);
  });
});
