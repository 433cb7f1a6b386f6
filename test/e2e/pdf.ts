import { buildPdf } from '../support/pdf.js';

/** A minimal valid one-page PDF (200×200 pt) whose only content is a filled black square. */
export function tinyPdf(): Buffer {
  return Buffer.from(buildPdf({ content: '0 0 0 rg 20 20 160 160 re f\n' }), 'latin1');
}
