import { defaultTexts, translate, type Texts } from '../core/i18n.js';
import { MAX_MESSAGE_CHARS } from './inbound.js';

// What the Messenger channel itself says, in one place: the answers to messages the bot cannot read
// (photos, stickers, voice messages, files, locations; text over the length limit), and the notes
// that stand for such messages in the stored transcript (what an agent sees).

/** One attachment of a Messenger message: its type (image, video, audio, file, location, sticker, ...). */
export interface Media {
  type: string;
  /** Meta's CDN address of the file, when there is one. */
  url?: string;
}

/** The kinds of attachment the answers name (channels catalogue: messenger.thanks.<kind>_one / _other). */
const KINDS = new Set(['image', 'sticker', 'video', 'audio', 'file', 'location']);

/** How the agent's transcript names them (staff-facing, English like the agent console). */
const NOTES: Record<string, [one: string, many: string]> = {
  image: ['photo', 'photos'],
  sticker: ['sticker', 'stickers'],
  video: ['video', 'videos'],
  audio: ['voice message', 'voice messages'],
  file: ['file', 'files'],
  location: ['location', 'locations'],
};

/** The one type of a set of attachments, or undefined when they are mixed or of a kind we do not name. */
function kindOf(media: readonly Media[]): string | undefined {
  const types = new Set(media.map((m) => m.type));
  const [only] = types;
  return types.size === 1 && only !== undefined && KINDS.has(only) ? only : undefined;
}

export const MESSENGER_TEXTS = {
  /** The answer to a message with attachments and no text, in a language (the store's default when absent). */
  attachment(media: readonly Media[], locale?: string | null, texts: Texts = defaultTexts): string {
    const kind = kindOf(media);
    const thanks = kind ? texts.t(locale, `channels:messenger.thanks.${kind}`, { count: media.length }) : texts.t(locale, 'channels:messenger.thanks.any');
    return texts.t(locale, 'channels:messenger.textOnly', { thanks });
  },
  /** The answer to a text over MAX_MESSAGE_CHARS (English; tooLongIn words it for a locale). */
  tooLong: translate('en', 'channels:messenger.tooLong', { max: MAX_MESSAGE_CHARS }),
  tooLongIn(locale?: string | null, texts: Texts = defaultTexts): string {
    return texts.t(locale, 'channels:messenger.tooLong', { max: MAX_MESSAGE_CHARS });
  },
  /** The transcript's text for a message with attachments only, e.g. "[Customer sent a photo]" (for agents: English). */
  attachmentNote(media: readonly Media[]): string {
    const kind = kindOf(media);
    if (!kind) return media.length > 1 ? `[Customer sent ${media.length} attachments]` : '[Customer sent an attachment]';
    const [one, many] = NOTES[kind]!;
    return media.length > 1 ? `[Customer sent ${media.length} ${many}]` : `[Customer sent a ${one}]`;
  },
} as const;
