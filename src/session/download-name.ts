import type { AttachmentType } from './chat-attachments.js';

const EXTENSIONS: Record<AttachmentType, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'application/pdf': 'pdf' };

/** Same set as the token server strips from names: controls, bidi, zero-width and other invisible characters. */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]/g;

export function isAttachmentType(type: string): type is AttachmentType {
  return Object.hasOwn(EXTENSIONS, type);
}

/**
 * The name a downloaded file is saved under: the token server's sanitised name (its Content-Disposition),
 * never the name another participant put in a chat message, with the extension of the type the server
 * sniffed, so a file can never be saved as something the OS would open differently (`x.pdf.exe`, `x.html`).
 */
export function downloadName(contentDisposition: string | null, type: AttachmentType, fallbackStem: string): string {
  let name = '';
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(contentDisposition ?? '');
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(contentDisposition ?? '');
  if (extended?.[1]) {
    try {
      name = decodeURIComponent(extended[1].trim());
    } catch {
      name = '';
    }
  }
  if (!name && plain?.[1]) name = plain[1];
  const stem = name
    .normalize('NFC')
    .replace(/^.*[\\/]/, '')
    .replace(INVISIBLE, '')
    .replace(/["<>:|?*]/g, '_')
    .replace(/\.[^.]*$/, '')
    .replace(/^\.+/, '')
    .trim();
  return `${stem || fallbackStem}.${EXTENSIONS[type]}`;
}
