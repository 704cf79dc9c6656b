// The Messenger page's set-up through the Messenger Profile API (POST /me/messenger_profile): the
// Get Started button, the greeting shown before the first message (it says plainly that the
// page answers with an automated assistant), and the persistent menu. The menu's buttons are
// postbacks whose titles the bot understands as typed text ("Track my order").

export interface MessengerProfile {
  get_started: { payload: string };
  greeting: { locale: string; text: string }[];
  persistent_menu: { locale: string; composer_input_disabled: boolean; call_to_actions: { type: 'postback'; title: string; payload: string }[] }[];
}

/** Meta's limit for the greeting text. */
export const GREETING_MAX = 160;

export function messengerProfile(opts: { storeName: string }): MessengerProfile {
  const store = opts.storeName.trim().slice(0, 40) || 'our shop';
  // {{user_first_name}} is filled in by Messenger.
  const text = `Hi {{user_first_name}}! You're chatting with ${store}'s automated assistant. It finds products, tracks orders and gets you a person any time.`;
  return {
    get_started: { payload: 'GET_STARTED' },
    greeting: [{ locale: 'default', text: text.length <= GREETING_MAX ? text : `${text.slice(0, GREETING_MAX - 1)}…` }],
    persistent_menu: [
      {
        locale: 'default',
        composer_input_disabled: false,
        call_to_actions: [
          { type: 'postback', title: 'Track my order', payload: 'MENU_TRACK_ORDER' },
          { type: 'postback', title: 'Talk to a person', payload: 'MENU_TALK_TO_PERSON' },
          { type: 'postback', title: 'Browse products', payload: 'MENU_BROWSE' },
        ],
      },
    ],
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
