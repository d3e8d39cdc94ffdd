// What the manager's and the regulator's lot pages read about a lot after the hammer (issue 18),
// alongside their other data: its attendance (from bidding on), the winner's signed confirmation and
// the manager's countersignature (404 until issued), and its published result notices (once ended).
// Each is read with `tryGet`, so a failure of one never ends the page: its panel says so instead.
import type { ServerApi } from '../../api/server.ts';
import type { Attendance, Lot, LotResultNotice } from '../../api/types.ts';
import { jwsPayload, type ConfirmationFact, type CountersignatureFact } from '../../award.ts';

export interface AfterClose {
  attendance: Attendance | null;
  confirmation: ConfirmationFact | null;
  countersignature: CountersignatureFact | null;
  notices: LotResultNotice[];
}

export async function loadAfterClose(api: ServerApi, lot: Lot): Promise<AfterClose> {
  const id = lot.id;
  const signed = lot.award?.state === 'awarded' || lot.award?.state === 'defaulted';
  const [attendance, confirmation, countersignature, notices] = await Promise.all([
    lot.status === 'draft' || lot.status === 'scheduled'
      ? null
      : api.tryGet((c) => c.GET('/lots/{id}/attendance', { params: { path: { id } } })),
    signed ? api.tryGet((c) => c.GET('/lots/{id}/confirmation', { params: { path: { id } } })) : null,
    signed ? api.tryGet((c) => c.GET('/lots/{id}/countersignature', { params: { path: { id } } })) : null,
    lot.ended ? api.tryGet((c) => c.GET('/results/{lotId}', { params: { path: { lotId: id } } })) : null,
  ]);
  return {
    attendance: attendance?.ok ? attendance.data : null,
    confirmation: confirmation?.ok ? jwsPayload<ConfirmationFact>(confirmation.data) : null,
    countersignature: countersignature?.ok ? jwsPayload<CountersignatureFact>(countersignature.data) : null,
    notices: notices?.ok ? notices.data.notices : [],
  };
}
