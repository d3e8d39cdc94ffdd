// The printed record's layout pieces (pdfkit): section headings, "label: value" lines and tables
// that break across pages, shared by the record's body (pdf.ts) and its method parts (pdf-methods.ts).
import type PDFDocument from 'pdfkit';

export type Doc = InstanceType<typeof PDFDocument>;
export interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
  /** A value that must read as one unbroken string (a commitment): set smaller until it fits one line. */
  oneLine?: boolean;
}

export const MARGIN = 48;

export function heading(doc: Doc, text: string): void {
  if (doc.y > doc.page.height - MARGIN - 60) doc.addPage();
  doc.moveDown(0.6).font('Bold').fontSize(11.5).text(text, MARGIN).moveDown(0.3).font('Regular').fontSize(9.5);
}

/** "Label: value" lines, the label in bold. */
export function fields(doc: Doc, rows: [string, string][]): void {
  for (const [k, v] of rows)
    doc.font('Bold').text(`${k}: `, MARGIN, undefined, { continued: true }).font('Regular').text(v);
}

/** A simple table that breaks across pages and repeats its header. */
export function table(doc: Doc, columns: Column[], rows: string[][]): void {
  const bottom = (): number => doc.page.height - MARGIN - 20;
  const sizeOf = (c: string, i: number, bold: boolean): number => {
    if (bold || !columns[i].oneLine) return 8;
    doc.fontSize(8);
    return Math.min(8, (0.97 * 8 * (columns[i].width - 4)) / doc.widthOfString(c));
  };
  const drawRow = (cells: string[], bold: boolean): void => {
    doc.font(bold ? 'Bold' : 'Regular');
    const height =
      Math.max(
        ...cells.map((c, i) => doc.fontSize(sizeOf(c, i, bold)).heightOfString(c, { width: columns[i].width - 4 })),
      ) + 4;
    if (doc.y + height > bottom()) {
      doc.addPage();
      if (!bold)
        drawRow(
          columns.map((c) => c.title),
          true,
        );
      doc.font(bold ? 'Bold' : 'Regular').fontSize(8);
    }
    const y = doc.y;
    let x = MARGIN;
    cells.forEach((c, i) => {
      doc
        .fontSize(sizeOf(c, i, bold))
        .text(c, x + 2, y + 2, { width: columns[i].width - 4, align: columns[i].align ?? 'left' });
      x += columns[i].width;
    });
    doc
      .moveTo(MARGIN, y + height)
      .lineTo(x, y + height)
      .lineWidth(bold ? 0.8 : 0.3)
      .strokeColor('#999999')
      .stroke();
    doc.x = MARGIN;
    doc.y = y + height;
  };
  drawRow(
    columns.map((c) => c.title),
    true,
  );
  for (const r of rows) drawRow(r, false);
  doc.fontSize(9.5).font('Regular');
}
