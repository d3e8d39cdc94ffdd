// The provinces the catalogue filter offers are the API's own (server/auctions/provinces.ts): the
// same 34 ids, and on the Vietnamese pages the same names the search text is built from.
import { describe, expect, it } from 'vitest';
import { PROVINCES } from '../../server/auctions/provinces.ts';
import { PROVINCE_IDS } from '../../web/lib/lots.ts';
import { vi } from '../../web/lib/i18n/vi.ts';
import { en } from '../../web/lib/i18n/en.ts';

describe('province names on the pages', () => {
  it('list the API province ids in order, with the API names in Vietnamese and a name in English', () => {
    expect(PROVINCES).toHaveLength(34);
    expect(PROVINCE_IDS).toEqual(PROVINCES.map((p) => p.id));
    expect(Object.entries(vi.province)).toEqual(PROVINCES.map((p) => [p.id, p.name]));
    expect(Object.keys(en.province)).toEqual(PROVINCE_IDS);
    expect(Object.values(en.province).every((name) => /^[A-Za-z ]+$/.test(name))).toBe(true);
  });
});
