// The web app's pure helpers: both languages carry every message, money is VND the Vietnamese way,
// times are Vietnam time whatever the machine's zone, and the minimum next bid follows the rules.
import { describe, expect, it } from 'vitest';
import { vi } from '../../web/lib/i18n/vi.ts';
import { en } from '../../web/lib/i18n/en.ts';
import { translator } from '../../web/lib/i18n/index.ts';
import { dateTime, duration, fromVietnamLocalInput, money, toVietnamLocalInput } from '../../web/lib/format.ts';
import { matchesSearch } from '../../web/lib/lots.ts';

function leaves(o: object, prefix = ''): [string, string][] {
  return Object.entries(o).flatMap(([k, v]) =>
    typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v as object, `${prefix}${k}.`),
  );
}

describe('the interface languages', () => {
  it('has the same messages in Vietnamese and English, none empty, with the same placeholders', () => {
    const v = new Map(leaves(vi));
    const e = new Map(leaves(en));
    expect([...e.keys()].sort()).toEqual([...v.keys()].sort());
    for (const [key, text] of v) {
      expect(text.trim(), key).not.toBe('');
      const holes = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      expect(holes(e.get(key)!), key).toEqual(holes(text));
    }
  });

  it('translates with values, per locale, without sharing a current language', () => {
    const tv = translator('vi');
    const te = translator('en');
    expect(tv('bid.minimum', { amount: '45.000.000 ₫' })).toBe('Tối thiểu 45.000.000 ₫');
    expect(te('bid.minimum', { amount: '45.000.000 ₫' })).toBe('Minimum 45.000.000 ₫');
    expect(tv('status.live')).toBe('Đang đấu giá');
  });
});

describe('formatting', () => {
  it('formats money as VND with Vietnamese grouping', () => {
    expect(money(45_000_000).replace(/\s/g, ' ')).toBe('45.000.000 ₫');
    expect(money(null)).toBe('—');
  });

  it('shows times in Asia/Ho_Chi_Minh', () => {
    expect(dateTime('2026-12-01T01:30:00Z', 'vi')).toContain('08:30');
    expect(dateTime('2026-12-01T17:30:00Z', 'en')).toContain('02/12/2026');
  });

  it('converts form times as Vietnam time both ways', () => {
    expect(toVietnamLocalInput('2026-12-01T01:30:00.000Z')).toBe('2026-12-01T08:30');
    expect(fromVietnamLocalInput('2026-12-01T08:30')).toBe('2026-12-01T01:30:00.000Z');
    expect(fromVietnamLocalInput('yesterday')).toBeNull();
  });

  it('counts down in days, hours, minutes and seconds', () => {
    expect(duration(65_000, 'vi')).toBe('01:05');
    expect(duration(3_723_000, 'vi')).toBe('01:02:03');
    expect(duration(90_061_000, 'en')).toBe('1 d 01:01:01');
    expect(duration(-5, 'vi')).toBe('00:00');
  });
});

describe('lot helpers', () => {
  it('searches without caring for Vietnamese accents', () => {
    const lot = { title: 'Quyền sử dụng đất thửa số 112', description: 'Đông Anh, Hà Nội' } as Parameters<
      typeof matchesSearch
    >[0];
    expect(matchesSearch(lot, 'dong anh')).toBe(true);
    expect(matchesSearch(lot, 'quyen su dung dat')).toBe(true);
    expect(matchesSearch(lot, 'Đà Nẵng')).toBe(false);
  });
});
