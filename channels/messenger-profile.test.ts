import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeGraph, type FakeGraph } from '../testing/test-client.js';
import { main } from '../app/messenger-setup-cli.js';
import { GREETING_MAX, messengerProfile, MessengerProfileError, setMessengerProfile } from './messenger-profile.js';

describe('Messenger page set-up (Messenger Profile API)', () => {
  let graph: FakeGraph;
  beforeAll(async () => {
    graph = await fakeGraph();
  });
  afterAll(async () => {
    await graph.close();
  });

  it('sends Get Started, a greeting that says it is an automated assistant, and the menu, with the page token', async () => {
    const out = await main(['setup'], { MESSENGER_PAGE_TOKEN: 'page-token', MESSENGER_GRAPH_BASE: graph.url, SHOPBOT_STORE_NAME: 'Demo Store' });
    expect(out).toMatchObject({ ok: true, menu: ['Track my order', 'Talk to a person', 'Browse products'] });
    const call = graph.received.at(-1)!;
    expect(call.query).toBe('/v21.0/me/messenger_profile?access_token=page-token');
    expect(call.body).toMatchObject({ get_started: { payload: 'GET_STARTED' } });
    const greeting = (call.body.greeting as { locale: string; text: string }[])[0]!;
    expect(greeting.locale).toBe('default');
    expect(greeting.text).toMatch(/automated assistant/);
    expect(greeting.text.length).toBeLessThanOrEqual(GREETING_MAX);
    const menu = (call.body.persistent_menu as { call_to_actions: { type: string; title: string }[] }[])[0]!.call_to_actions;
    expect(menu.map((a) => [a.type, a.title])).toEqual([
      ['postback', 'Track my order'],
      ['postback', 'Talk to a person'],
      ['postback', 'Browse products'],
    ]);
  });

  it('keeps the greeting within Meta\'s limit for a long store name, and refuses to run without a page token', async () => {
    expect(messengerProfile({ storeName: 'A'.repeat(300) }).greeting[0]!.text.length).toBeLessThanOrEqual(GREETING_MAX);
    await expect(main(['setup'], {})).rejects.toThrow(/MESSENGER_PAGE_TOKEN/);
    await expect(main(['other'], { MESSENGER_PAGE_TOKEN: 'x' })).rejects.toThrow(/usage/);
  });

  it("says what Meta answered when it refuses", async () => {
    const refuse = (async () => new Response(JSON.stringify({ error: { message: 'Invalid OAuth access token.' } }), { status: 400 })) as typeof fetch;
    const err = await setMessengerProfile(graph.url, 'bad', messengerProfile({ storeName: 'Shop' }), refuse).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessengerProfileError);
    expect((err as MessengerProfileError).status).toBe(400);
    expect((err as Error).message).toMatch(/Invalid OAuth access token/);
  });
});
