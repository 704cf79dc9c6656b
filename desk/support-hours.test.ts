import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../testing/test-server.js';
import { conversationOf, type ChatClient } from '../testing/test-client.js';

// A store whose team is on holiday today and tomorrow (in its time zone): asking for a person says
// when the team is back and keeps the message as a ticket.
const day = (offsetDays: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(Date.now() + offsetDays * 86_400_000);

describe('support hours', () => {
  let server: TestServer;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    server = await TestServer.start({
      prefix: 'shopbot-hours-',
      env: { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SUPPORT_HOURS: 'mon-sun 09:00-18:00', SHOPBOT_TIMEZONE: 'Asia/Kolkata', SHOPBOT_HOLIDAYS: `${day(0)},${day(1)}` },
      logs: [],
      clients,
    });
  }, 1_800_000);

  afterAll(async () => {
    await server?.close();
  });

  it('outside the hours, says when the team is back and keeps the request as a ticket', async () => {
    const c = await server.customerClient();
    const from = c.events.length;
    await c.send({ text: 'i want to talk to a human' });
    const reply = await c.waitFor((e) => e.event === 'message' && /support team is away/.test(String(e.data.text)), { from });
    expect(String(reply.data.text)).toMatch(/back .* at 9:00 am/i);
    expect(String(reply.data.text)).not.toMatch(/\b(today|tomorrow)\b/);
    const conversationId = await conversationOf(c);
    expect((await server.store.tickets.openForConversation(conversationId))?.status).toBe('pending');
  }, 60_000);
});
