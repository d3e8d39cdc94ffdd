// Money as people type it: reading an amount of VND from what was typed or pasted ("300000000",
// "300.000.000", "300 000 000", "300tr", "1,5 tỷ", "2 tỷ 500 triệu"), grouping digits with
// Vietnamese thousands separators while typing (keeping the caret among the same digits), and the
// amount in words (vi: "ba trăm triệu đồng"; en: "three hundred million dong").
//
// Reading is exact (BigInt, never floating point) and never throws. It only reads: whether an amount
// is acceptable (at least the minimum, within the server's limit) is for the caller, and the rules of
// bidding stay on the server.
import { ReadingConfig, doReadNumber } from 'read-vietnamese-number';
import type { Locale, Translate } from './i18n/index.ts';
import { money } from './format.ts';

/** The largest amount the platform accepts anywhere (the API's `Vnd` schema: a safe integer). */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

/**
 * What a text says as an amount: nothing (empty), an amount of whole đồng, something that is not an
 * amount, a fraction of a đồng ("1,5" without a unit), or more than the platform accepts.
 */
export type MoneyReading =
  | { kind: 'empty' }
  | { kind: 'amount'; value: number }
  | { kind: 'invalid' }
  | { kind: 'fraction' }
  | { kind: 'tooLarge' };

/** Longer texts are not amounts (and are not worth reading). */
const MAX_TEXT = 1000;

/** Unit words (compared without diacritics, lower case) and what they multiply by. */
const UNITS: Record<string, bigint> = {
  k: 1_000n,
  nghin: 1_000n,
  ngan: 1_000n,
  thousand: 1_000n,
  tr: 1_000_000n,
  trieu: 1_000_000n,
  m: 1_000_000n,
  mn: 1_000_000n,
  million: 1_000_000n,
  millions: 1_000_000n,
  ty: 1_000_000_000n,
  ti: 1_000_000_000n,
  b: 1_000_000_000n,
  bn: 1_000_000_000n,
  billion: 1_000_000_000n,
  billions: 1_000_000_000n,
};
/** Currency words allowed once, before the amount or after it. */
const CURRENCY = new Set(['d', 'dong', 'vnd', '₫']);

/** Lower case, without diacritics (đ → d), with every kind of space as one plain space. */
function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/gi, 'd')
    .toLowerCase()
    .replace(/[\s\u00a0\u202f\u2007\u2009]+/g, ' ')
    .trim();
}

/** A number token: digits, dots and commas, with single spaces only between digits ("300 000"). */
const TOKEN = /\d(?:[\d.,]|\s(?=\d))*|[a-z₫]+|\S/g;

/** An integer written with one kind of thousands separator, groups of three after the first. */
const GROUPED = /^\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*$/;
/** Before a unit: an integer (plain, or grouped with dots or spaces), then optionally ",decimals". */
const DECIMAL_COMMA = /^(\d+|\d{1,3}(?:\.\d{3})+|\d{1,3}(?: \d{3})+)(?:,(\d+))?$/;
/** Before a unit: "1.5", "1.25", "1.2345": a dot followed by anything but exactly three digits. */
const DECIMAL_DOT = /^(\d+)\.(\d{1,2}|\d{4,})$/;

/** A whole number written without a unit: its digits, or the reason it is not one. */
function wholeNumber(token: string): string | 'fraction' | 'invalid' {
  if (/^\d+$/.test(token)) return token;
  if (GROUPED.test(token)) return token.replace(/[., ]/g, '');
  // One separator followed by other than three digits reads as a decimal point: part of a đồng.
  if (/^\d+[.,]\d+$/.test(token)) return 'fraction';
  return 'invalid';
}

/** A number before a unit: integer digits and decimal digits (exact), or undefined. */
function decimalNumber(token: string): { int: string; frac: string } | undefined {
  const comma = DECIMAL_COMMA.exec(token);
  if (comma) return { int: comma[1].replace(/[. ]/g, ''), frac: comma[2] ?? '' };
  const dot = DECIMAL_DOT.exec(token);
  if (dot) return { int: dot[1], frac: dot[2] };
  return undefined;
}

/**
 * Reads an amount of VND from what a person typed. Accepts plain or grouped digits
 * ("300000000", "300.000.000", "300 000 000", "300,000,000"), units ("300tr", "300 triệu",
 * "1,5 tỷ", "1.5 tỷ", "500k", "2 tỷ 500 triệu", "1 nghìn tỷ") and a currency word ("đ", "₫",
 * "đồng", "VND") before or after. Never throws.
 */
export function readMoney(text: string): MoneyReading {
  if (typeof text !== 'string') return { kind: 'invalid' };
  const folded = fold(text);
  if (!folded) return { kind: 'empty' };
  if (folded.length > MAX_TEXT) return { kind: 'invalid' };
  const tokens = (folded.match(TOKEN) ?? []).map((t) => t.trim()).filter(Boolean);
  if (tokens.length && CURRENCY.has(tokens[0])) tokens.shift();
  if (tokens.length && CURRENCY.has(tokens[tokens.length - 1])) tokens.pop();
  if (!tokens.length) return { kind: 'invalid' };

  // Terms: a number and its unit words ("1,5 tỷ", "1 nghìn tỷ"), each term's unit below the last's.
  const terms: { number: string; multiplier: bigint; units: number }[] = [];
  for (const token of tokens) {
    if (/^\d/.test(token)) {
      terms.push({ number: token, multiplier: 1n, units: 0 });
      continue;
    }
    const unit = UNITS[token];
    const term = terms[terms.length - 1];
    if (unit === undefined || !term || term.units >= 3) return { kind: 'invalid' };
    term.multiplier *= unit;
    term.units++;
  }
  if (terms.length === 1 && terms[0].units === 0) {
    const digits = wholeNumber(terms[0].number);
    if (digits === 'fraction' || digits === 'invalid') return { kind: digits };
    return checked(BigInt(digits));
  }
  let total = 0n;
  let fraction = false;
  for (let i = 0; i < terms.length; i++) {
    const { number, multiplier, units } = terms[i];
    // "1 tỷ 500" is ambiguous (500 đồng, or 1,5 tỷ as people say it): every term needs its unit.
    if (units === 0) return { kind: 'invalid' };
    if (i > 0 && multiplier >= terms[i - 1].multiplier) return { kind: 'invalid' };
    const parsed = decimalNumber(number);
    if (!parsed) return { kind: 'invalid' };
    const scale = 10n ** BigInt(parsed.frac.length);
    const scaled = BigInt(parsed.int + parsed.frac) * multiplier;
    if (scaled % scale !== 0n) fraction = true;
    total += scaled / scale;
  }
  if (fraction) return { kind: 'fraction' };
  return checked(total);
}

function checked(value: bigint): MoneyReading {
  return value > BigInt(MAX_AMOUNT) ? { kind: 'tooLarge' } : { kind: 'amount', value: Number(value) };
}

/** "1234567" → "1.234.567" (digits only; leading zeros are kept, they are what was typed). */
export function groupDigits(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += '.';
    out += digits[i];
  }
  return out;
}

/** An amount as it is written in the box: 300000000 → "300.000.000". */
export function formatMoneyInput(value: number): string {
  return groupDigits(String(Math.trunc(Math.abs(value))));
}

/** The box's own form: digits grouped by dots, as groupDigits writes them. */
const CANONICAL = /^\d{1,3}(?:\.\d{3})*$/;
/** Digits, or digits grouped with one consistent separator (a pasted "300 000 000"). */
const PLAIN_NUMBER = /^(?:\d+|\d{1,3}(?:([., \u00a0\u202f])\d{3})(?:\1\d{3})*)$/;

export type DeleteDirection = 'backward' | 'forward' | undefined;

/**
 * The box's text after one edit, with separators added, and where the caret goes. `before` is the
 * text before the edit, `after` the text the browser made of it, `caret` the caret in `after`.
 *
 * Only separators change, never a digit, a unit or the order of anything typed: digits typed or
 * deleted in a grouped number are regrouped ("300.000" + "0" → "3.000.000"); a pasted plain number is
 * grouped ("300 000 000" → "300.000.000"); anything else ("1.5", "1,5 tỷ", "300tr") stays as typed.
 * Deleting a separator alone deletes the digit beside it, as if the separator were not there. The
 * caret stays after the same digits.
 */
export function regroupTyped(
  before: string,
  after: string,
  caret: number,
  direction: DeleteDirection = undefined,
): { text: string; caret: number } {
  caret = Math.max(0, Math.min(caret, after.length));
  let text = after;
  const beforeIsBox = before === '' || CANONICAL.test(before);
  // The edit: `before` = prefix + removed + suffix, `after` = prefix + inserted + suffix.
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && s < after.length - p && before[before.length - 1 - s] === after[after.length - 1 - s])
    s++;
  const removed = before.slice(p, before.length - s);
  const inserted = after.slice(p, after.length - s);

  if (beforeIsBox && /^\d*$/.test(inserted)) {
    if (inserted === '' && removed !== '' && /^\.+$/.test(removed) && direction) {
      // Only a separator went: take the digit beside it instead (the separator comes back by itself).
      if (direction === 'backward') {
        let i = p - 1;
        while (i >= 0 && !/\d/.test(text[i])) i--;
        if (i >= 0) {
          text = text.slice(0, i) + text.slice(i + 1);
          caret = i;
        }
      } else {
        let i = p;
        while (i < text.length && !/\d/.test(text[i])) i++;
        if (i < text.length) text = text.slice(0, i) + text.slice(i + 1);
      }
    }
    if (/^[\d.]*$/.test(text)) return regroup(text, caret);
  }
  if (PLAIN_NUMBER.test(text)) return regroup(text, caret);
  return { text: after, caret };
}

/** Groups the digits of `text` and puts the caret after the same number of digits. */
function regroup(text: string, caret: number): { text: string; caret: number } {
  const digits = text.replace(/\D/g, '');
  const digitsBefore = text.slice(0, caret).replace(/\D/g, '').length;
  const grouped = groupDigits(digits);
  if (digitsBefore === 0) return { text: grouped, caret: 0 };
  let seen = 0;
  let at = 0;
  while (at < grouped.length && seen < digitsBefore) {
    if (/\d/.test(grouped[at])) seen++;
    at++;
  }
  return { text: grouped, caret: at };
}

// Words ------------------------------------------------------------------------------------------

const vietnamese = new ReadingConfig();
vietnamese.unit = ['đồng'];
vietnamese.units = [[], ['nghìn'], ['triệu'], ['tỷ']];
vietnamese.oddText = 'linh';

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion', 'quadrillion'];

/** 1–999 in English words. */
function englishHundreds(n: number): string {
  const words: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds) words.push(`${ONES[hundreds]} hundred`);
  if (rest >= 20)
    words.push(rest % 10 ? `${TENS[Math.floor(rest / 10)]}-${ONES[rest % 10]}` : TENS[Math.floor(rest / 10)]);
  else if (rest) words.push(ONES[rest]);
  return words.join(' ');
}

function englishWords(value: number): string {
  if (value === 0) return 'zero dong';
  const groups: string[] = [];
  let rest = BigInt(value);
  for (let scale = 0; rest > 0n; scale++) {
    const group = Number(rest % 1000n);
    if (group) groups.unshift(SCALES[scale] ? `${englishHundreds(group)} ${SCALES[scale]}` : englishHundreds(group));
    rest /= 1000n;
  }
  return `${groups.join(' ')} dong`;
}

/**
 * A whole amount in words in the interface's language: 300000000 → "ba trăm triệu đồng" /
 * "three hundred million dong". Defined for every whole amount from 0 to MAX_AMOUNT.
 */
export function moneyInWords(value: number, locale: Locale): string {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`not a whole amount from 0 to ${MAX_AMOUNT}: ${value}`);
  return locale === 'vi' ? doReadNumber(String(value), vietnamese) : englishWords(value);
}

/**
 * Why a reading is not an amount, in the interface's language (undefined for an amount). Whether an
 * amount is high enough is not a reading's concern: the caller compares it with the minimum.
 */
export function readingProblem(reading: MoneyReading, t: Translate): string | undefined {
  switch (reading.kind) {
    case 'amount':
      return undefined;
    case 'empty':
      return t('money.empty');
    case 'fraction':
      return t('money.fraction');
    case 'tooLarge':
      return t('money.tooLarge', { max: money(MAX_AMOUNT) });
    default:
      return t('money.invalid');
  }
}
