// The VietQR payload of a transfer instruction: the EMVCo merchant-presented QR string that Vietnamese
// banking apps read to fill in a transfer (NAPAS 247 to an account: 'A000000727', service QRIBFTTA),
// with the bank's BIN, the account number, the amount in VND and the transfer reference as the purpose.
// The web draws the QR code from this string locally (the qrcode package); nothing is sent to a QR
// service. Pure: no I/O.

/** One EMVCo data object: id, two-digit length, value. */
function field(id: string, value: string): string {
  if (value.length > 99) throw new Error(`EMVCo field ${id} is over 99 characters`);
  return id + String(value.length).padStart(2, '0') + value;
}

/** CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no reflection), as EMVCo field 63 uses. */
export function crc16ccitt(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

export interface VietQrTransfer {
  /** The receiving bank's NAPAS BIN (6 digits). */
  bin: string;
  accountNumber: string;
  /** A positive integer number of VND. */
  amount: number;
  /** The transfer's purpose: the payment reference (letters and digits). */
  purpose: string;
}

/** The VietQR string for a transfer of `amount` VND to the account, with the reference as its purpose. */
export function vietQrPayload(t: VietQrTransfer): string {
  if (!/^\d{6}$/.test(t.bin)) throw new Error('a VietQR BIN is 6 digits');
  if (!Number.isSafeInteger(t.amount) || t.amount <= 0) throw new Error('a VietQR amount is a positive integer');
  const beneficiary = field('00', t.bin) + field('01', t.accountNumber);
  const merchantAccount = field('00', 'A000000727') + field('01', beneficiary) + field('02', 'QRIBFTTA');
  const body =
    field('00', '01') + // payload format indicator
    field('01', '12') + // point of initiation: dynamic (the amount is fixed)
    field('38', merchantAccount) +
    field('53', '704') + // currency: VND (ISO 4217)
    field('54', String(t.amount)) +
    field('58', 'VN') +
    field('62', field('08', t.purpose)) + // additional data: purpose of transaction
    '6304';
  return body + crc16ccitt(body);
}
