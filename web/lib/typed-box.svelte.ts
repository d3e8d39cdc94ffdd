// What a typed box holds (the money box, the date-and-time box): the text as the person typed it, how
// it reads, and the value it reads as. The caller owns the box and reads `reading` and `value` from it;
// until the person types, the box shows the value the caller gives (a lot's price, the bid box's
// minimum as the server has it now), and `put` puts another value in. So the text is never a copy of a
// prop kept in step by an effect: it is what was typed, or else the given value written out.
//
// `editBox` is the input handler both boxes share: it lets the box's own rule add separators as the
// person types, keeps the caret among the same characters, and hands the text to the box.
import { formatMoneyInput, readMoney, regroupTyped, type MoneyReading } from './money.ts';
import { formatVnDateTime, readVnDateTime, separateTyped, type DateTimeReading } from './vn-datetime.ts';

/** How a box of one kind reads and writes its values. */
export interface BoxKind<R, V> {
  read(text: string): R;
  /** The value a reading stands for (null: the text is not one). */
  valueOf(reading: R): V | null;
  /** A value as the box writes it. */
  format(value: V): string;
}

export class TypedBox<R, V> {
  /** What the person typed (or `put` wrote); null while the box shows the given value. */
  #typed: string | null = $state(null);
  readonly #kind: BoxKind<R, V>;
  readonly #given: () => V | null;
  readonly #reading: R = $derived.by(() => this.#kind.read(this.text));

  /** `given`: the value shown until the person types (read again whenever what it reads changes). */
  constructor(kind: BoxKind<R, V>, given: () => V | null = () => null) {
    this.#kind = kind;
    this.#given = given;
  }

  get text(): string {
    if (this.#typed !== null) return this.#typed;
    const v = this.#given();
    return v === null ? '' : this.#kind.format(v);
  }

  /** The person's text (the box's input handler, a blur that tidies it). */
  set text(text: string) {
    this.#typed = text;
  }

  get reading(): R {
    return this.#reading;
  }

  get value(): V | null {
    return this.#kind.valueOf(this.#reading);
  }

  /** True once the person typed in the box (or a value was put in): it no longer shows the given one. */
  get edited(): boolean {
    return this.#typed !== null;
  }

  /** Puts a value in the box, written as the box writes values (a quick-step button). */
  put(value: V | null): void {
    this.#typed = value === null ? '' : this.#kind.format(value);
  }

  /** Shows the given value again (and follows it) until the person types. */
  follow(): void {
    this.#typed = null;
  }
}

/** What one edit makes of the text: separators added by the box's rule, and where the caret goes (unset: the end). */
export type Reshape = (before: string, input: HTMLInputElement, e: InputEvent) => { text: string; caret?: number };

/**
 * The input handler of a typed box: the box's rule reshapes what the browser made of the edit, the
 * input shows that (the caret kept where the rule says), and the box takes the text.
 */
export function editBox<R, V>(e: Event, box: TypedBox<R, V>, reshape: Reshape): void {
  const input = e.currentTarget as HTMLInputElement;
  const next = reshape(box.text, input, e as InputEvent);
  if (input.value !== next.text) {
    input.value = next.text;
    if (next.caret !== undefined) input.setSelectionRange(next.caret, next.caret);
  }
  box.text = next.text;
}

/** Amounts of VND (MoneyInput): plain or grouped digits, units ("300tr"); written "300.000.000". */
export type MoneyBox = TypedBox<MoneyReading, number>;
const MONEY: BoxKind<MoneyReading, number> = {
  read: readMoney,
  valueOf: (r) => (r.kind === 'amount' ? r.value : null),
  format: formatMoneyInput,
};
export const moneyBox = (given?: () => number | null): MoneyBox => new TypedBox(MONEY, given);

/**
 * The money box's rule: digits regrouped with the caret kept after the same digits; deleting a
 * separator alone deletes the digit beside it; an input method still composing is left alone.
 */
export const regroupMoney: Reshape = (before, input, e) => {
  const inputType = e.inputType ?? '';
  const direction =
    inputType.startsWith('deleteContentBackward') || inputType === 'deleteWordBackward'
      ? 'backward'
      : inputType.startsWith('deleteContentForward') || inputType === 'deleteWordForward'
        ? 'forward'
        : undefined;
  const caret = input.selectionStart ?? input.value.length;
  return e.isComposing === true ? { text: input.value, caret } : regroupTyped(before, input.value, caret, direction);
};

/** Instants typed in Vietnam time (DateTimeInput), as ISO UTC; written "05/03/2027 09:05". */
export type DateTimeBox = TypedBox<DateTimeReading, string>;
const DATE_TIME: BoxKind<DateTimeReading, string> = {
  read: readVnDateTime,
  valueOf: (r) => (r.kind === 'instant' ? r.iso : null),
  format: formatVnDateTime,
};
export const dateTimeBox = (given?: () => string | null): DateTimeBox => new TypedBox(DATE_TIME, given);

/** The date-and-time box's rule: separators added as digits are typed at the end (the caret stays there). */
export const separateDateTime: Reshape = (before, input, e) => {
  const atEnd = input.selectionStart === input.value.length;
  return { text: atEnd && e.inputType === 'insertText' ? separateTyped(before, input.value) : input.value };
};
