// Auction organisations on the pages (issue 19): the admin's organisation form (what was typed, the
// checks made before sending, the body of POST and the changes of PATCH), a regulator's scope in
// words, and the organisation running a lot, read for the lot pages. The checks are the API's own
// (server/organisations/organisation-schemas.ts); the API checks again and its 422 is shown per field.
import type { ServerApi } from './api/server.ts';
import type { ApiFieldError, CreateOrganisation, Organisation, UpdateOrganisation } from './api/types.ts';
import type { Translate } from './i18n/index.ts';
import type { ProvinceId } from './lots.ts';
import { fieldText, type Speaker } from './server-text.ts';

/** A tax code: 10 digits, or 10 + "-" + 3 for a branch. */
export const TAX_CODE = /^\d{10}(-\d{3})?$/;
/** A personal identification number: 12 digits. */
export const PID = /^\d{12}$/;
const BIN = /^\d{6}$/;
const ACCOUNT_NUMBER = /^[0-9A-Za-z]{4,19}$/;

/** The form's fields, named by the API's (dotted) field paths, so a 422's fieldErrors land on them. */
export const ORGANISATION_FIELDS = [
  'name',
  'licenceNumber',
  'taxCode',
  'province',
  'bankAccount.bank',
  'bankAccount.bin',
  'bankAccount.number',
  'bankAccount.holder',
] as const;
export type OrganisationField = (typeof ORGANISATION_FIELDS)[number];
export const BANK_FIELDS = ['bank', 'bin', 'number', 'holder'] as const;
export type BankField = (typeof BANK_FIELDS)[number];

/** What the admin typed. */
export interface OrganisationForm {
  name: string;
  licenceNumber: string;
  taxCode: string;
  province: ProvinceId | '';
  bank: Record<BankField, string>;
}

/** The element id of a field's box (its error is `${id}-error`). */
export const fieldId = (f: OrganisationField): string => `org-${f.replace('bankAccount.', 'bank-')}`;

export function emptyForm(): OrganisationForm {
  return {
    name: '',
    licenceNumber: '',
    taxCode: '',
    province: '',
    bank: { bank: '', bin: '', number: '', holder: '' },
  };
}

export function formOf(org: Organisation): OrganisationForm {
  return {
    name: org.name,
    licenceNumber: org.licenceNumber,
    taxCode: org.taxCode,
    province: org.province,
    bank: {
      bank: org.bankAccount?.bank ?? '',
      bin: org.bankAccount?.bin ?? '',
      number: org.bankAccount?.number ?? '',
      holder: org.bankAccount?.holder ?? '',
    },
  };
}

/** A problem found before sending: a field code the API uses too, or one of the form's own. */
export type LocalProblem = 'bankPartial' | 'binInvalid' | 'numberInvalid';
export type FormProblem = ApiFieldError | { local: LocalProblem };

/** What is wrong with the form as typed, by field (none: it may be sent). */
export function checkForm(f: OrganisationForm): Partial<Record<OrganisationField, FormProblem>> {
  const out: Partial<Record<OrganisationField, FormProblem>> = {};
  if (!f.name.trim()) out.name = { code: 'REQUIRED' };
  if (!f.licenceNumber.trim()) out.licenceNumber = { code: 'REQUIRED' };
  const tax = f.taxCode.trim();
  if (!tax) out.taxCode = { code: 'REQUIRED' };
  else if (!TAX_CODE.test(tax)) out.taxCode = { code: 'NOT_TAX_CODE' };
  if (!f.province) out.province = { code: 'NOT_PROVINCE' };
  const bank = trimmedBank(f);
  const filled = BANK_FIELDS.filter((k) => bank[k] !== '');
  if (filled.length > 0 && filled.length < BANK_FIELDS.length) {
    for (const k of BANK_FIELDS) if (!bank[k]) out[`bankAccount.${k}`] = { local: 'bankPartial' };
  }
  if (bank.bin && !BIN.test(bank.bin)) out['bankAccount.bin'] = { local: 'binInvalid' };
  if (bank.number && !ACCOUNT_NUMBER.test(bank.number)) out['bankAccount.number'] = { local: 'numberInvalid' };
  return out;
}

/** A problem in the person's language. */
export function problemText(s: Speaker, p: FormProblem): string {
  if ('local' in p) return s.t(`org.${p.local as LocalProblem}`);
  return fieldText(s, p as ApiFieldError);
}

function trimmedBank(f: OrganisationForm): Record<BankField, string> {
  return {
    bank: f.bank.bank.trim(),
    bin: f.bank.bin.trim(),
    number: f.bank.number.replace(/\s+/g, ''),
    holder: f.bank.holder.trim(),
  };
}

/** The body of POST /api/organisations (bank account null when all four boxes are empty). */
export function bodyOf(f: OrganisationForm): CreateOrganisation {
  const bank = trimmedBank(f);
  const any = BANK_FIELDS.some((k) => bank[k] !== '');
  return {
    name: f.name.trim(),
    licenceNumber: f.licenceNumber.trim(),
    taxCode: f.taxCode.trim(),
    province: f.province as ProvinceId,
    bankAccount: any ? bank : null,
  };
}

/** The body of PATCH /api/organisations/:id: only what differs from the organisation as it is. */
export function changesOf(org: Organisation, f: OrganisationForm): UpdateOrganisation {
  const next = bodyOf(f);
  const out: UpdateOrganisation = {};
  if (next.name !== org.name) out.name = next.name;
  if (next.licenceNumber !== org.licenceNumber) out.licenceNumber = next.licenceNumber;
  if (next.taxCode !== org.taxCode) out.taxCode = next.taxCode;
  if (next.province !== org.province) out.province = next.province;
  const before = org.bankAccount;
  const after = next.bankAccount ?? null;
  const same = before === null || after === null ? before === after : BANK_FIELDS.every((k) => before[k] === after[k]);
  if (!same) out.bankAccount = after;
  return out;
}

/** A regulator's scope in words: a province's name, or the whole country. */
export function scopeText(t: Translate, province: ProvinceId | null | undefined): string {
  return province ? t(`province.${province}`) : t('org.whole');
}

/** The name of organisation `id` among `list`, if it is there. */
export function organisationName(list: readonly { id: number; name: string }[], id: number): string | undefined {
  return list.find((o) => o.id === id)?.name;
}

/**
 * The organisation running a lot, for the lot pages; null when it cannot be read now (the page shows
 * the lot without it; an unavailable API ends the page through the page's other calls).
 */
export async function loadOrganisation(api: ServerApi, id: number): Promise<Pick<Organisation, 'id' | 'name'> | null> {
  const res = await api.tryGet((c) => c.GET('/organisations/{id}', { params: { path: { id } } }));
  return res.ok ? { id: res.data.id, name: res.data.name } : null;
}
