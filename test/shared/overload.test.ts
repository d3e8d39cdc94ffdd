// The overload door: a growing share of new bids refused while the event loop runs late, and none
// once it has caught up.
import { describe, expect, it } from 'vitest';
import { LoadShedder } from '../../server/shared/overload.ts';

describe('load shedder', () => {
  it('sheds nothing while the event loop keeps up', () => {
    const s = new LoadShedder({ targetLagMs: 200, random: () => 0, manual: true });
    for (let i = 0; i < 50; i++) s.observe(20);
    expect(s.shouldShed()).toBe(false);
    s.close();
  });

  it('sheds a growing share while the delay is over the target, up to 95%, and stops after it falls', () => {
    let r = 0.5;
    const s = new LoadShedder({ targetLagMs: 200, random: () => r, manual: true });
    s.observe(800);
    expect(s.state().shedShare).toBeCloseTo(0.1);
    for (let i = 0; i < 30; i++) s.observe(800);
    expect(s.state().shedShare).toBe(0.95);
    r = 0.94;
    expect(s.shouldShed()).toBe(true);
    r = 0.96;
    expect(s.shouldShed(), 'one bid in twenty still gets through').toBe(false);
    for (let i = 0; i < 60; i++) s.observe(5);
    expect(s.state().shedShare).toBe(0);
    r = 0;
    expect(s.shouldShed()).toBe(false);
    s.close();
  });
});

describe('bid admission', () => {
  it('counts bids in progress until each is answered once, and counts nothing for a bid it admits', async () => {
    const { createBidAdmission } = await import('../../server/bidding/admission.ts');
    const { ShedLog } = await import('../../server/bidding/shed-log.ts');
    const shedLog = new ShedLog();
    const admission = createBidAdmission({ targetLagMs: 200, shedLog });
    const a = admission.admit(7);
    const b = admission.admit(7);
    expect(a && b).toBeTruthy();
    expect(admission.inProgress()).toBe(2);
    a!();
    a!();
    expect(admission.inProgress(), 'answering twice does not count twice').toBe(1);
    b!();
    expect(admission.inProgress()).toBe(0);
    expect(shedLog.stats().pendingKeys).toBe(0);
    admission.close();
  });
});
