import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Customer-facing texts come from the message catalogues (locales/), never from string literals at
// the places that send them: this scan reads the code that talks to customers and fails on an
// English sentence in a literal on a line that sends or acks something. Logs, errors for developers
// and the agents' own texts are not customer-facing; the few literals that are allowed are listed.

const ROOT = join(import.meta.dirname, '..');
const FILES = [
  'bot/shop-bot.ts',
  'bot/dialogs/order-change.ts',
  'desk/handoff.ts',
  'linking/linking.ts',
  'desk/csat.ts',
  'app/compose.ts',
  'channels/web.ts',
  'channels/messenger.ts',
  'channels/messenger-texts.ts',
  'channels/messenger-profile.ts',
  'channels/botframework.ts',
  'channels/order-updates.ts',
  'bot/notifications.ts',
  'web/public/widget.js',
];

/** Lines that send, ack or show something to a customer. */
const SENDS = /sendActivity|sendToConversation|suggestedActions|MessageFactory|\b(text|message|question|title|label|placeholder|'aria-label'|reason|prompt|retryPrompt)\s*:|textContent\s*=|showBanner\(|addSystem\(|showLinkBox\(|\bsay\(|\back\(|\breply\(|\bsend\(\{/;
/** Lines for developers and logs. */
const NOT_CUSTOMERS = /\blog\(|\bthrow\b|new Error\(|Error\('|console\.|\[\w+\] /;

/** Literals that may stay: protocol words and staff-only notes, each with the reason. */
const ALLOWED = new Map<string, string>([
  ['read needs the seq of a message.', 'a protocol error for client developers (the widget always sends a seq)'],
  ['[Customer sent an attachment]', 'a transcript note for agents (staff pages are English)'],
  ['past support chats', "where a suggested answer came from, in the agent console (staff pages are English)"],
  ['the event no longer applies to the order', "an order event's outcome for the admin API, never sent to a customer"],
  ['io client disconnect', "socket.io's reason for a disconnect the widget asked for, compared, never shown"],
]);

/** String literals of a line: '…', "…" and `…` (template parts between placeholders). */
function literals(line: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g;
  for (const m of line.matchAll(re)) {
    const raw = m[1] ?? m[2] ?? m[3] ?? '';
    out.push(...raw.split(/\$\{[^}]*\}/));
  }
  return out;
}

/** Three or more English words in a row (a sentence or a label), not a key, path, selector or regex. */
function english(text: string): boolean {
  if (/^[\w-]+:[\w.]+$/.test(text) || /^[a-z]+(\.[\w-]+)+$/.test(text)) return false; // catalogue keys
  if (/^(\s*sb-[\w-]*)+\s*$/.test(text)) return false; // the widget's class names
  const words = text.match(/\b[A-Za-z][a-z']+\b/g) ?? [];
  return words.length >= 3 && /[a-z]{2,} [a-z]{2,}/i.test(text) && !/[{}<>=;]|\\b|\(\?/.test(text);
}

describe('no customer-facing English in code', () => {
  for (const file of FILES) {
    it(`${file} sends no sentence that is not from a catalogue`, () => {
      const found: string[] = [];
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/^\s*(\*|\/\*)/.test(line) || !SENDS.test(code) || NOT_CUSTOMERS.test(code)) return;
        for (const lit of literals(code)) if (english(lit) && !ALLOWED.has(lit.trim())) found.push(`${file}:${i + 1}: ${lit.trim()}`);
      });
      expect(found).toEqual([]);
    });
  }

  it('finds a sentence sent as a literal (the scan itself works)', () => {
    const code = "    await ctx.sendActivity('Sorry, that product is gone.');";
    expect(literals(code).some(english)).toBe(true);
    expect(literals("await ctx.sendActivity(this.t(ctx, 'product.gone'));").some(english)).toBe(false);
  });
});
