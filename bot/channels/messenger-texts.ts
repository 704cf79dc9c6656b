import { MAX_MESSAGE_CHARS } from '../inbound.js';

// What the Messenger channel itself says, in one place: the answers to messages the bot cannot read
// (photos, stickers, voice messages, files, locations; text over the length limit), and the notes
// that stand for such messages in the stored transcript (what an agent sees).

/** One attachment of a Messenger message: its type (image, video, audio, file, location, sticker, ...). */
export interface Media {
  type: string;
  /** Meta's CDN address of the file, when there is one. */
  url?: string;
}

const THANKS: Record<string, [one: string, many: string]> = {
  image: ['Thanks for the photo!', 'Thanks for the photos!'],
  sticker: ['Thanks for the sticker!', 'Thanks for the stickers!'],
  video: ['Thanks for the video!', 'Thanks for the videos!'],
  audio: ['Thanks for the voice message!', 'Thanks for the voice messages!'],
  file: ['Thanks for the file!', 'Thanks for the files!'],
  location: ['Thanks for sharing your location!', 'Thanks for sharing your location!'],
};

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
  return types.size === 1 && only !== undefined && only in THANKS ? only : undefined;
}

export const MESSENGER_TEXTS = {
  /** The answer to a message with attachments and no text. */
  attachment(media: readonly Media[]): string {
    const kind = kindOf(media);
    const thanks = kind ? THANKS[kind]![media.length > 1 ? 1 : 0] : 'Thanks for sending that!';
    return `${thanks} I can only read text for now — please describe what you need, or type 'agent' to talk to a person.`;
  },
  /** The answer to a text over MAX_MESSAGE_CHARS. */
  tooLong: `That message is too long for me — could you send it in shorter parts (up to ${MAX_MESSAGE_CHARS} characters)?`,
  /** The transcript's text for a message with attachments only, e.g. "[Customer sent a photo]". */
  attachmentNote(media: readonly Media[]): string {
    const kind = kindOf(media);
    if (!kind) return media.length > 1 ? `[Customer sent ${media.length} attachments]` : '[Customer sent an attachment]';
    const [one, many] = NOTES[kind]!;
    return media.length > 1 ? `[Customer sent ${media.length} ${many}]` : `[Customer sent a ${one}]`;
  },
} as const;
