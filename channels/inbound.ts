// What every channel hands to the bot gateway, whatever its wire format was.
export type ChannelId = 'web' | 'messenger' | 'emulator';

export interface InboundMessage {
  channel: ChannelId;
  /** The customer's id on that channel: web identity id, Messenger PSID, emulator user id. */
  externalId: string;
  text?: string;
  /** Button / quick-reply / postback payload. */
  value?: unknown;
  /** The channel's own message id, for de-duplication of webhook retries. */
  messageId?: string;
  name?: string;
  /** Messenger referral (m.me `ref`): how the customer entered the thread; see linking/linking.ts. */
  referral?: Referral;
  /**
   * The customer's locale as the channel knows it (the widget's data-locale, Bot Framework's
   * activity.locale), a BCP 47 tag; kept with the conversation's route until a channel says otherwise.
   */
  locale?: string;
}

export interface Referral {
  ref: string;
  /** e.g. SHORTLINK, ADS. */
  source?: string;
  /** e.g. OPEN_THREAD. */
  type?: string;
}

export const MAX_MESSAGE_CHARS = 4000;
