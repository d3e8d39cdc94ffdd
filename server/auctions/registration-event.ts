// The personal event that tells a person their registration changed (approved, reversed, refunded,
// cancelled with the lot): one shape, published once the change has committed.
import type { registrations } from '../../db/schema.ts';
import type { PersonalEvent } from '../shared/events.ts';

type Row = Pick<typeof registrations.$inferSelect, 'id' | 'pid' | 'lotId' | 'status' | 'depositState'>;

export function registrationChanged(r: Row): { pid: string; event: PersonalEvent } {
  return {
    pid: r.pid,
    event: {
      type: 'registration',
      lotId: r.lotId,
      registrationId: r.id,
      status: r.status,
      depositState: r.depositState,
    },
  };
}
