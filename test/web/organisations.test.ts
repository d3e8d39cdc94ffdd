// The admin's organisation form on the pages (issue 19): the checks made before sending are the API's
// own rules (a tax code of 10 or 10-3 digits, a province, a bank account given in full or not at all),
// the body of POST leaves the bank account null when its boxes are empty, PATCH sends only what
// changed, and a regulator's scope reads as a province's name or the whole country.
import { describe, expect, it } from 'vitest';
import {
  bodyOf,
  changesOf,
  checkForm,
  emptyForm,
  fieldId,
  formOf,
  organisationName,
  problemText,
  scopeText,
  TAX_CODE,
  type FormProblem,
  type OrganisationForm,
} from '../../web/lib/organisations.ts';
import { translator, type Locale } from '../../web/lib/i18n/index.ts';
import type { Organisation } from '../../web/lib/api/types.ts';
import { CreateOrganisationSchema } from '../../server/organisations/organisation-schemas.ts';

const speaker = (locale: Locale) => ({ locale, t: translator(locale) });

const ORG: Organisation = {
  id: 7,
  name: 'Công ty Đấu giá Hợp danh Đà Nẵng',
  licenceNumber: 'ĐN-41/TP-ĐKHĐ',
  taxCode: '0401234567',
  province: 'da-nang',
  bankAccount: { bank: 'Ngân hàng Đà Nẵng', bin: '970499', number: '0123456789', holder: 'CONG TY DAU GIA' },
  createdAt: '2026-12-01T02:00:00.000Z',
};

function filled(over: Partial<OrganisationForm> = {}): OrganisationForm {
  return { ...formOf(ORG), ...over };
}

describe('the organisation form', () => {
  it('starts empty, or as the organisation is', () => {
    expect(checkForm(emptyForm())).toEqual({
      name: { code: 'REQUIRED' },
      licenceNumber: { code: 'REQUIRED' },
      taxCode: { code: 'REQUIRED' },
      province: { code: 'NOT_PROVINCE' },
    });
    expect(checkForm(filled())).toEqual({});
    expect(bodyOf(filled())).toEqual({
      name: ORG.name,
      licenceNumber: ORG.licenceNumber,
      taxCode: ORG.taxCode,
      province: ORG.province,
      bankAccount: ORG.bankAccount,
    });
  });

  it('checks tax codes as the API does: 10 digits, or 10 digits, a hyphen and 3', () => {
    for (const ok of ['0401234567', '0401234567-001', ' 0401234567 '])
      expect(checkForm(filled({ taxCode: ok }))).toEqual({});
    for (const bad of ['040123456', '04012345678', '0401234567-01', '0401234567_001', 'abcdefghij'])
      expect(checkForm(filled({ taxCode: bad })).taxCode).toEqual({ code: 'NOT_TAX_CODE' });
    // The same rule as the API's schema.
    for (const code of ['0401234567', '0401234567-001', '0401234567-01', '12345'])
      expect(TAX_CODE.test(code)).toBe(
        CreateOrganisationSchema.safeParse({ ...bodyOf(filled()), taxCode: code }).success,
      );
  });

  it('takes a bank account in full or not at all, with a 6-digit BIN and a plain account number', () => {
    const none = filled({ bank: { bank: '', bin: '', number: '', holder: '' } });
    expect(checkForm(none)).toEqual({});
    expect(bodyOf(none).bankAccount).toBeNull();
    const partial = checkForm(filled({ bank: { bank: 'Vietcombank', bin: '', number: '', holder: '' } }));
    expect(Object.keys(partial).sort()).toEqual(['bankAccount.bin', 'bankAccount.holder', 'bankAccount.number']);
    expect(partial['bankAccount.bin']).toEqual({ local: 'bankPartial' });
    const bad = checkForm(filled({ bank: { ...ORG.bankAccount!, bin: '97049', number: '0123-456' } }));
    expect(bad).toEqual({
      'bankAccount.bin': { local: 'binInvalid' },
      'bankAccount.number': { local: 'numberInvalid' },
    });
    // Spaces typed inside an account number are not part of it.
    expect(bodyOf(filled({ bank: { ...ORG.bankAccount!, number: '0123 4567 89' } })).bankAccount?.number).toBe(
      '0123456789',
    );
    // What the form sends, the API's schema takes.
    expect(CreateOrganisationSchema.safeParse(bodyOf(filled())).success).toBe(true);
    expect(CreateOrganisationSchema.safeParse(bodyOf(none)).success).toBe(true);
  });

  it('says each problem in both languages', () => {
    for (const locale of ['vi', 'en'] as const) {
      const s = speaker(locale);
      for (const p of [
        { code: 'REQUIRED' },
        { code: 'NOT_TAX_CODE' },
        { code: 'NOT_PROVINCE' },
        { local: 'bankPartial' },
        { local: 'binInvalid' },
        { local: 'numberInvalid' },
      ] as FormProblem[]) {
        const text = problemText(s, p);
        expect(text.length).toBeGreaterThan(5);
        expect(text).not.toMatch(/^org\.|^server\./);
      }
    }
    expect(problemText(speaker('vi'), { code: 'NOT_TAX_CODE' })).toContain('10 chữ số');
  });

  it('sends only what changed in an edit', () => {
    expect(changesOf(ORG, filled())).toEqual({});
    expect(changesOf(ORG, filled({ name: ` ${ORG.name} (sửa) ` }))).toEqual({ name: `${ORG.name} (sửa)` });
    expect(changesOf(ORG, filled({ province: 'hue', taxCode: '0401234567-002' }))).toEqual({
      province: 'hue',
      taxCode: '0401234567-002',
    });
    expect(changesOf(ORG, filled({ bank: { bank: '', bin: '', number: '', holder: '' } }))).toEqual({
      bankAccount: null,
    });
    expect(changesOf(ORG, filled({ bank: { ...ORG.bankAccount!, number: '999999' } }))).toEqual({
      bankAccount: { ...ORG.bankAccount!, number: '999999' },
    });
    const without = { ...ORG, bankAccount: null };
    expect(changesOf(without, formOf(without))).toEqual({});
  });

  it('names each box after its API field', () => {
    expect(fieldId('taxCode')).toBe('org-taxCode');
    expect(fieldId('bankAccount.bin')).toBe('org-bank-bin');
  });
});

describe('scopes and names', () => {
  it('reads a regulator scope as the province or the whole country', () => {
    const vi = translator('vi');
    const en = translator('en');
    expect(scopeText(vi, null)).toBe('Toàn quốc');
    expect(scopeText(vi, undefined)).toBe('Toàn quốc');
    expect(scopeText(vi, 'da-nang')).toBe('Đà Nẵng');
    expect(scopeText(en, null)).toBe('Whole country');
  });

  it('finds an organisation name by id', () => {
    const list = [
      { id: 1, name: 'A' },
      { id: 7, name: 'B' },
    ];
    expect(organisationName(list, 7)).toBe('B');
    expect(organisationName(list, 3)).toBeUndefined();
  });
});
