// Whom the bid panel bids for (issue 19): the registrations offered (rejected ones never), in the order
// shown (the person's own first, then organisations by name), the one chosen first (the organisation's
// when it is the only organisation, the person's own otherwise, none when several organisations leave
// it unclear), what the bid is sent with, and how each choice and its lead are worded in both languages.
import { describe, expect, it } from 'vitest';
import {
  authorisationText,
  bidTargets,
  defaultTarget,
  leadingText,
  onBehalfOfParam,
  primaryRegistration,
  targetLabel,
} from '../../web/lib/bid-target.ts';
import { translator } from '../../web/lib/i18n/index.ts';
import type { Registration } from '../../web/lib/api/types.ts';

const base = {
  lotId: 1,
  depositState: 'received',
  rulesVersion: 1,
  rulesAcceptedAt: '2026-12-01T02:00:00.000Z',
} as const;

function own(id: number, status: Registration['status'] = 'approved'): Registration {
  return { ...base, id, bidderCode: `B-OWN${id}`, status };
}

function org(
  id: number,
  name: string,
  identifier: string,
  status: Registration['status'] = 'approved',
  authority: 'eid' | 'document' = 'eid',
): Registration {
  return {
    ...base,
    id,
    bidderCode: `B-ORG${id}`,
    status,
    onBehalfOf: {
      identifier,
      name,
      role: 'legal_representative',
      authority,
      authorisation: authority === 'eid' ? 'verified' : 'approved',
    },
  };
}

const SONG_HONG = org(2, 'Công ty Cổ phần Vận tải Sông Hồng', '0101234567');
const PHU_AN = org(3, 'Công ty TNHH Thương mại Phú An', '0312345678');

describe('the registrations a person may bid for', () => {
  it('offers their own first, then organisations by name, never a rejected one', () => {
    expect(bidTargets([PHU_AN, SONG_HONG, own(1)]).map((r) => r.id)).toEqual([1, 2, 3]);
    expect(bidTargets([own(1, 'rejected'), SONG_HONG]).map((r) => r.id)).toEqual([2]);
  });

  it('chooses the organisation’s when it is the only organisation, beside their own', () => {
    expect(defaultTarget([own(1), SONG_HONG])?.id).toBe(2);
    expect(defaultTarget([SONG_HONG])?.id).toBe(2);
    expect(defaultTarget([own(1)])?.id).toBe(1);
  });

  it('chooses their own when several organisations leave it unclear, and none without one of their own', () => {
    expect(defaultTarget([own(1), SONG_HONG, PHU_AN])?.id).toBe(1);
    expect(defaultTarget([SONG_HONG, PHU_AN])).toBeUndefined();
  });

  it('chooses among those that can bid now: an organisation awaiting its document does not take the place of their own', () => {
    const waiting = org(4, 'Công ty TNHH Thương mại Phú An', '0312345678', 'pending_authorisation', 'document');
    expect(defaultTarget([own(1), waiting])?.id).toBe(1);
    // Nothing can bid yet: the same rule over all of them.
    expect(defaultTarget([own(1, 'pending_deposit'), waiting])?.id).toBe(4);
    expect(defaultTarget([])).toBeUndefined();
  });

  it('sends the organisation’s identifier as onBehalfOf, and nothing for their own', () => {
    expect(onBehalfOfParam(SONG_HONG)).toBe('0101234567');
    expect(onBehalfOfParam(own(1))).toBeUndefined();
  });

  it('speaks of their own registration on the lot’s other panels when they hold one', () => {
    expect(primaryRegistration([SONG_HONG, own(1)])?.id).toBe(1);
    expect(primaryRegistration([SONG_HONG])?.id).toBe(2);
    expect(primaryRegistration([])).toBeNull();
  });
});

describe('the words of the choice', () => {
  const vi = translator('vi');
  const en = translator('en');

  it('names each choice and says which of theirs leads', () => {
    expect(targetLabel(vi, own(1))).toBe('Bản thân');
    expect(targetLabel(en, own(1))).toBe('Myself');
    expect(targetLabel(vi, SONG_HONG)).toBe('Công ty Cổ phần Vận tải Sông Hồng');
    expect(leadingText(vi, SONG_HONG)).toBe('Bạn (Công ty Cổ phần Vận tải Sông Hồng) đang dẫn đầu.');
    expect(leadingText(en, SONG_HONG)).toBe('You (Công ty Cổ phần Vận tải Sông Hồng) hold the highest bid.');
    expect(leadingText(vi, own(1))).toBe('Bạn đang là người trả giá cao nhất.');
  });

  it('names an organisation by its identifier when its name is withheld', () => {
    const withheld: Registration = { ...SONG_HONG, onBehalfOf: { ...SONG_HONG.onBehalfOf!, name: undefined } };
    expect(targetLabel(vi, withheld)).toBe('0101234567');
  });

  it('words the authority: e-ID verified, or the document’s state', () => {
    expect(authorisationText(vi, { authority: 'eid', authorisation: 'verified' })).toBe(
      'Đã xác minh qua định danh điện tử',
    );
    expect(authorisationText(vi, { authority: 'document', authorisation: 'pending_review' })).toBe(
      'Giấy ủy quyền chờ duyệt',
    );
    expect(authorisationText(en, { authority: 'document', authorisation: 'rejected' })).toBe(
      'Authorisation document rejected',
    );
  });
});
