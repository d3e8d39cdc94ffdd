// The exclusion refusal as a page words it: the entry's source and end, and "until lifted" for an
// entry without an end (web/lib/server-text.ts), in both languages.
import { describe, expect, it } from 'vitest';
import { translator } from '../../web/lib/i18n/index.ts';
import { errorText } from '../../web/lib/server-text.ts';
import type { ApiError } from '../../web/lib/api/types.ts';

const excluded = (endsAt: string | null): ApiError => ({
  code: 'NOT_ELIGIBLE',
  reason: 'excluded',
  params: { endsAt, source: 'QĐ 7/2026' },
  message: '',
});
const text = (locale: 'vi' | 'en', error: ApiError) =>
  errorText({ locale, t: translator(locale) }, error).replace(/\s/g, ' ');

describe('the exclusion refusal’s text', () => {
  it('names the source and the end, or says it holds until lifted', () => {
    expect(text('en', excluded(null))).toBe(
      'You may not register for this lot: you are on the exclusion list (QĐ 7/2026) until it is lifted.',
    );
    expect(text('vi', excluded(null))).toContain('(QĐ 7/2026) đến khi được gỡ khỏi danh sách.');
    expect(text('en', excluded('2027-01-01T00:00:00Z'))).toContain('(QĐ 7/2026) until 01/01/2027');
    expect(text('vi', excluded('2027-01-01T00:00:00Z'))).toContain('01/01/2027');
  });
});
