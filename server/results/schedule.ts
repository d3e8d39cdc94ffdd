// Asking for a result notice (issue 18, publication): whatever ends a lot or changes its award calls
// this inside its own transaction; a durable job then issues a signed notice of the lot as it stands
// (server/results), superseding the previous one, and tells the participants. A notice is issued only
// when something a notice states has changed, so asking twice is harmless.
import { randomUUID } from 'node:crypto';
import type { Tx } from '../../db/client.ts';
import { scheduleJob } from '../jobs/index.ts';

export const RESULT_NOTICE_JOB = 'results.notice';

export async function scheduleResultNotice(tx: Tx, lotId: number, at: Date): Promise<void> {
  await scheduleJob(tx, {
    kind: RESULT_NOTICE_JOB,
    key: `result-notice:${lotId}:${randomUUID()}`,
    runAt: at,
    payload: { lotId },
    at,
  });
}
