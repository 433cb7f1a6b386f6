// Tiny, valid PDFs built by hand for the whiteboard's document tests (elements and e2e).

/**
 * A PDF of `pages` pages of `width`×`height` points, each drawing `content` (PDF operators) when given, as a
 * latin1 string with a correct cross-reference table (pdf.js reads it without repairing).
 */
export function buildPdf({
  pages = 1,
  width = 200,
  height = 200,
  content,
}: {
  pages?: number;
  width?: number;
  height?: number;
  content?: string;
}): string {
  const kids = Array.from({ length: pages }, (_, i) => `${3 + i} 0 R`).join(' ');
  const contents = content === undefined ? '' : ` /Contents ${3 + pages} 0 R /Resources << >>`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    ...Array.from({ length: pages }, () => `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}]${contents} >>`),
    ...(content === undefined ? [] : [`<< /Length ${content.length} >>\nstream\n${content}endstream`]),
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return pdf;
}
