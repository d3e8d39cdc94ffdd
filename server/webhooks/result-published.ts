// The `result.published` event (issue 20): every result notice as issued, told to the external systems
// that take it. Called by issueLotDocument (server/records/lot-documents.ts) in the transaction that
// stores the notice, so the event exists exactly when the notice committed. The event carries the
// signed notice byte for byte (`document`, a flattened JWS whose SHA-256 is `digest`), which holds no
// personal data: the outcome, the price and the times (DESIGN.md §8).
import type { Tx } from '../../db/client.ts';
import type { ResultNotice } from '../records/lot-fact-format.ts';
import { enqueueWebhookEvent } from './events.ts';

export async function enqueueResultPublished(
  tx: Tx,
  notice: ResultNotice,
  stored: { document: string; digest: string; createdAt: Date },
): Promise<void> {
  await enqueueWebhookEvent(tx, {
    type: 'result.published',
    id: `result-notice:${notice.lot.id}:${notice.sequence}`,
    occurredAt: stored.createdAt,
    data: {
      lotId: notice.lot.id,
      sequence: notice.sequence,
      status: notice.status,
      digest: stored.digest,
      document: stored.document,
    },
  });
}
