// The whole path in a running platform with SMTP_URL set: the person gives an address over the API, a
// notice is written by notify, the platform's own sender loop e-mails it, and the in-app list says so.
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notify } from '../../server/notifications/outbox.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { eventually, person } from '../auctions/factories.ts';
import { startTestSmtp, type TestSmtp } from './smtp.ts';

let smtp: TestSmtp;
let tp: TestPlatform;

beforeAll(async () => {
  smtp = await startTestSmtp();
  tp = await startTestPlatform({ env: { SMTP_URL: smtp.url, SMTP_FROM: 'Đấu giá <no-reply@auction.example.vn>' } });
});
afterAll(async () => {
  await tp?.stop();
  await smtp?.close();
});

describe('e-mail from a running platform', () => {
  it('e-mails a notice to the address the person gave, from SMTP_FROM, and the list shows it sent', async () => {
    const an = await person(tp.idp, undefined);
    expect(
      (await tp.call('PUT', '/api/me/email', { token: an.token, body: { email: 'an.platform@example.vn' } })).status,
    ).toBe(200);
    await tp.database.db.transaction((tx) =>
      notify(tx, {
        pid: personKey(an.pid),
        kind: 'payment_held',
        data: { amount: 7_500_000, reference: 'DGHELD1' },
        at: new Date(),
      }),
    );
    const mail = await eventually(async () => smtp.messages[0], 'the e-mail', 15_000);
    expect(mail.to).toEqual(['an.platform@example.vn']);
    expect(mail.from).toBe('no-reply@auction.example.vn');
    expect(mail.text).toContain('7.500.000 đồng');
    expect(mail.text).toContain('DGHELD1');
    // Marked sent once the SMTP server has accepted it.
    const item = await eventually(async () => {
      const [first] = (await tp.call('GET', '/api/me/notifications', { token: an.token })).json.items;
      return first.email === 'sent' ? first : undefined;
    }, 'the notice marked sent');
    expect(item).toMatchObject({ kind: 'payment_held', readAt: null });
    expect(smtp.messages).toHaveLength(1);
  });
});
