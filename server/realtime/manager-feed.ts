// Live registrations for a lot's manager (issue 14, item 6): when someone registers or a deposit is
// confirmed (the post-commit personal `registration` event), the managers of the lot's organisation
// (issue 19) hear it as `lotRegistration` in the organisation's room, which only its managers' sockets
// join, through the adapter on every process.
// The registration goes out as the manager's list shows it before the lot has ended (bidder code,
// status, deposit state, times, the deposit's payment; never pid or name): registrations change only before the end.
// Events are handled one at a time, so each manager hears a registration's changes in commit order.
import { eq } from 'drizzle-orm';
import { lots, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { hiddenRegistrationItem } from '../auctions/registration-reads.ts';
import { depositPaymentsOf } from '../payments/instructions.ts';
import type { GatewayServer, GatewaySocket } from './gateway.ts';
import { organisationRoom } from './rooms.ts';

/** Starts the feed; returns the function that stops it. */
export function startManagerFeed(ctx: AppContext, io: GatewayServer): () => void {
  // Sockets of people who manage organisations when they connect; a change of roles or membership
  // disconnects a person's sockets (./socket-people.ts), so the rooms follow them.
  const onConnection = (socket: GatewaySocket): void => {
    const person = socket.data.person;
    if (person?.roles.includes('manager'))
      for (const organisationId of person.organisations) void socket.join(organisationRoom(organisationId));
  };
  io.on('connection', onConnection);

  let queue = Promise.resolve();
  const off = ctx.events.on('personal', ({ event }) => {
    if (event.type !== 'registration') return;
    queue = queue.then(async () => {
      try {
        const [row] = await ctx.db
          .select({ r: registrations, organisationId: lots.organisationId })
          .from(registrations)
          .innerJoin(lots, eq(lots.id, registrations.lotId))
          .where(eq(registrations.id, event.registrationId));
        if (!row) return;
        // The state the event was published with, not a later one read here: each event says what changed.
        const payment = (await depositPaymentsOf(ctx.db, [row.r.id])).get(row.r.id);
        const item = hiddenRegistrationItem(row.r, payment);
        const status = event.status as typeof item.status;
        const registration = {
          ...item,
          status,
          depositState: event.depositState as typeof item.depositState,
          approvedAt: status === 'pending_deposit' ? null : item.approvedAt,
        };
        io.to(organisationRoom(row.organisationId)).emit('lotRegistration', { lotId: event.lotId, registration });
      } catch (err) {
        // The manager's page reads the list again when it reconnects; nothing else depends on this.
        ctx.log.warn(
          { err, registrationId: event.registrationId },
          'realtime: could not tell the manager of a registration',
        );
      }
    });
  });
  return () => {
    off();
    io.off('connection', onConnection);
  };
}
