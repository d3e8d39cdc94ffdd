// The award after the hammer as the pages read it (web/lib/award.ts): what the award is to the person
// looking (to sign, an offer, signed, no longer theirs), the deposit counted and the balance, the way
// through a fresh e-ID sign-in and back, a signed document's payload; and the award's refusals in the
// person's words (its state and deadline as the page shows them, never the server's raw values).
import { describe, expect, it } from 'vitest';
import {
  awaitsBidder,
  awardRole,
  freshSignInHref,
  jwsPayload,
  nextBidderHolds,
  priceSplit,
  type Award,
} from '../../web/lib/award.ts';
import { translator } from '../../web/lib/i18n/index.ts';
import { errorText } from '../../web/lib/server-text.ts';
import type { ApiError } from '../../web/lib/api/types.ts';
import { AWARD_STATES } from '../../server/auctions/award-vocabulary.ts';
import { vi } from '../../web/lib/i18n/vi.ts';
import { en } from '../../web/lib/i18n/en.ts';

const award = (state: Award['state'], bidderCode: string | null): Award => ({
  state,
  bidderCode,
  price: 45_000_000,
  deadline: '2026-12-04T01:00:00.000Z',
});
const lotWith = (a: Award | null, winner = 'B-AN') => ({ award: a, winnerBidderCode: winner });

describe('what the award is to the person looking', () => {
  it('asks the winner to sign while it awaits their signature', () => {
    expect(awardRole(lotWith(award('awaiting_confirmation', 'B-AN')), 'B-AN')).toBe('sign');
    expect(awardRole(lotWith(award('awaiting_confirmation', 'B-AN')), 'B-CUC')).toBe('none');
  });

  it('offers the lot to the next bidder it names, and nothing to the winner who refused', () => {
    const lot = lotWith(award('offered_to_next', 'B-CUC'));
    expect(awardRole(lot, 'B-CUC')).toBe('offer');
    expect(awardRole(lot, 'B-AN')).toBe('former');
    expect(awardRole(lot, 'B-DUC')).toBe('none');
    expect(nextBidderHolds(lot)).toBe(true);
  });

  it('asks the next bidder who accepted to sign, as a winner', () => {
    const lot = lotWith(award('awaiting_confirmation', 'B-CUC'));
    expect(awardRole(lot, 'B-CUC')).toBe('sign');
    expect(awardRole(lot, 'B-AN')).toBe('former');
  });

  it('shows the signer their signed record, also once defaulted, and a failed award to nobody as theirs', () => {
    expect(awardRole(lotWith(award('awarded', 'B-AN')), 'B-AN')).toBe('signed');
    expect(awardRole(lotWith(award('defaulted', 'B-AN')), 'B-AN')).toBe('signed');
    expect(awardRole(lotWith(award('failed', 'B-AN')), 'B-AN')).toBe('former');
    expect(awardRole(lotWith(award('failed', 'B-CUC')), 'B-CUC')).toBe('former');
    expect(awardRole(lotWith(award('failed', 'B-CUC')), 'B-DUC')).toBe('none');
  });

  it('is nothing without an award or a bidder code', () => {
    expect(awardRole(lotWith(null), 'B-AN')).toBe('none');
    expect(awardRole(lotWith(award('awaiting_confirmation', 'B-AN')), null)).toBe('none');
    expect(nextBidderHolds(lotWith(null))).toBe(false);
    expect(nextBidderHolds(lotWith(award('awaiting_confirmation', 'B-AN')))).toBe(false);
  });

  it('waits for a bidder only while awaiting a signature or an answer', () => {
    expect(AWARD_STATES.filter((s) => awaitsBidder(award(s, 'B-AN')))).toEqual([
      'awaiting_confirmation',
      'offered_to_next',
    ]);
    expect(awaitsBidder(null)).toBe(false);
  });
});

describe('the price, the deposit counted and the balance', () => {
  it('takes the balance instruction’s word once there is one', () => {
    expect(priceSplit(45_000_000, { amount: 37_000_000 }, { received: 8_000_000, lotDeposit: 8_000_000 })).toEqual({
      depositCounted: 8_000_000,
      balance: 37_000_000,
    });
  });

  it('counts the deposit received before the offer is accepted, else the lot’s deposit', () => {
    expect(priceSplit(40_000_000, null, { received: 9_000_000, lotDeposit: 8_000_000 })).toEqual({
      depositCounted: 9_000_000,
      balance: 31_000_000,
    });
    expect(priceSplit(40_000_000, null, { received: 0, lotDeposit: 8_000_000 })).toEqual({
      depositCounted: 8_000_000,
      balance: 32_000_000,
    });
  });

  it('never counts more deposit than the price', () => {
    expect(priceSplit(5_000_000, null, { received: 8_000_000, lotDeposit: 8_000_000 })).toEqual({
      depositCounted: 5_000_000,
      balance: 0,
    });
  });
});

describe('a fresh e-ID sign-in', () => {
  it('goes through the provider asking again and comes back to the page to resume the act', () => {
    const href = freshSignInHref(new URL('http://x/lots/7/award?tab=1&resume=old'), 'sign');
    const url = new URL(href, 'http://x');
    expect(url.pathname).toBe('/auth/signin');
    expect(url.searchParams.get('fresh')).toBe('1');
    const back = new URL(url.searchParams.get('returnTo')!, 'http://x');
    expect(back.pathname).toBe('/lots/7/award');
    expect(back.searchParams.get('tab')).toBe('1');
    expect(back.searchParams.getAll('resume')).toEqual(['sign']);
    // The sign-in route takes only a path on this site (server/identity/signin-routes.ts RETURN_TO).
    expect(url.searchParams.get('returnTo')).toMatch(/^\/(?![/\\])[^\s\\]{0,500}$/);
  });
});

describe('a signed document’s payload', () => {
  it('reads the JSON under a flattened JWS, Vietnamese included, and nothing from garbage', () => {
    const payload = Buffer.from(JSON.stringify({ type: 'confirmation', lot: { title: 'Biển số 88A' } })).toString(
      'base64url',
    );
    expect(jwsPayload<{ lot: { title: string } }>({ payload })?.lot.title).toBe('Biển số 88A');
    expect(jwsPayload({ payload: '%%%' })).toBeNull();
    expect(jwsPayload(null)).toBeNull();
  });
});

describe('the award in words', () => {
  it('has every award state in both languages', () => {
    for (const state of AWARD_STATES) {
      expect(vi.award.state[state]).toBeTruthy();
      expect(en.award.state[state]).toBeTruthy();
    }
  });

  it('says a refusal’s award state and deadline in the person’s words and Vietnam time', () => {
    const t = translator('vi');
    const notAwaiting: ApiError = {
      code: 'INVALID_STATE',
      reason: 'award_not_awaiting',
      params: { award: 'offered_to_next' },
      message: 'The award is offered_to_next.',
    };
    expect(errorText({ t, locale: 'vi' }, notAwaiting)).toContain('“Đã đề nghị người trả giá liền kề”');
    const late: ApiError = {
      code: 'INVALID_STATE',
      reason: 'award_deadline_passed',
      params: { deadline: '2026-12-04T01:00:00.000Z' },
      message: 'Past the deadline.',
    };
    // 01:00 UTC is 08:00 in Vietnam.
    expect(errorText({ t, locale: 'vi' }, late)).toContain('08:00 04/12/2026');
    expect(errorText({ t: translator('en'), locale: 'en' }, notAwaiting)).toContain('Offered to the next bidder');
  });
});
