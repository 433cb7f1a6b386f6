const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;

/** A piece of a chat message: plain text, or an http(s) link shown as a link (never fetched or previewed). */
export type TextPiece = { text: string; url?: undefined } | { url: string; text?: undefined };

/** Splits a message into text and links; trailing punctuation belongs to the sentence, not the link. */
export function splitLinks(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    const url = match[0].replace(/[.,;:!?)\]]+$/, '');
    if (start > last) pieces.push({ text: text.slice(last, start) });
    pieces.push({ url });
    last = start + url.length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}
