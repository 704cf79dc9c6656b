// The Messenger page's set-up through the Messenger Profile API (POST /me/messenger_profile): the
// Get Started button, the greeting shown before the first message (it says plainly that the
// page answers with an automated assistant), and the persistent menu. The menu's buttons are
// postbacks whose titles the bot understands as typed text ("Track my order").

import { defaultTexts, languages, type Texts, type Vars } from '../core/i18n.js';

export interface MessengerProfile {
  get_started: { payload: string };
  greeting: { locale: string; text: string }[];
  persistent_menu: { locale: string; composer_input_disabled: boolean; call_to_actions: { type: 'postback'; title: string; payload: string }[] }[];
}

/** Meta's limit for the greeting text. */
export const GREETING_MAX = 160;

/** Meta's locale for a catalogue's language ("hi" in an en-IN store: hi_IN; English: en_US). */
function metaLocale(texts: Texts, lang: string): string {
  if (lang === 'en') return 'en_US';
  const tag = texts.resolve(lang).tag;
  return /^[a-z]{2,3}-[A-Z]{2}$/.test(tag) ? tag.replace('-', '_') : `${lang}_IN`;
}

/**
 * The page's greeting and menu in the store's language as the default, and in every other
 * language with a catalogue for the users whose Messenger runs in it (Meta picks by the user's locale).
 */
export function messengerProfile(opts: { storeName: string; texts?: Texts }): MessengerProfile {
  const texts = opts.texts ?? defaultTexts;
  const own = texts.fallback.lang;
  const langs = [own, ...languages().filter((l) => l !== own)];
  const entry = (lang: string, i: number) => {
    const t = (key: string, vars: Vars = {}) => texts.t(lang, `channels:messenger.${key}`, vars);
    const store = opts.storeName.trim().slice(0, 40) || t('ourShop');
    // {{user_first_name}} is filled in by Messenger.
    const text = t('greeting', { store, user_first_name: '{{user_first_name}}' });
    const locale = i === 0 ? 'default' : metaLocale(texts, lang);
    return {
      greeting: { locale, text: text.length <= GREETING_MAX ? text : `${text.slice(0, GREETING_MAX - 1)}…` },
      menu: {
        locale,
        composer_input_disabled: false,
        call_to_actions: [
          { type: 'postback' as const, title: t('menu.trackOrder'), payload: 'MENU_TRACK_ORDER' },
          { type: 'postback' as const, title: t('menu.talkToPerson'), payload: 'MENU_TALK_TO_PERSON' },
          { type: 'postback' as const, title: t('menu.browse'), payload: 'MENU_BROWSE' },
        ],
      },
    };
  };
  const entries = langs.map(entry);
  return {
    get_started: { payload: 'GET_STARTED' },
    greeting: entries.map((e) => e.greeting),
    persistent_menu: entries.map((e) => e.menu),
  };
}

export class MessengerProfileError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Sets the profile on the page; throws MessengerProfileError with Meta's message when refused. */
export async function setMessengerProfile(graphBase: string, pageAccessToken: string, profile: MessengerProfile, fetchImpl: typeof fetch = fetch): Promise<void> {
  const url = `${graphBase.replace(/\/+$/, '')}/me/messenger_profile?access_token=${encodeURIComponent(pageAccessToken)}`;
  const res = await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(profile) });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new MessengerProfileError(`Messenger Profile API refused the set-up (${res.status}): ${body.error?.message ?? res.statusText}`, res.status);
  }
}
