// Reconciliation from the bank: the payment provider's signed notifications (one credit each) and an
// uploaded bank statement (many), both through the same matching (matching.ts). A notification is
// authenticated before its body is read as anything but bytes; a statement is checked whole before
// any line is applied, so a malformed file changes nothing. Each credit is its own transaction
// (locks taken lot first, then the audit log, as everywhere), and each is idempotent by the
// provider's or the bank's transaction id, so a retried notification or a re-uploaded statement
// changes nothing.
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { fieldErrorsOf } from '../shared/field-errors.ts';
import { invalid, ok, refuse, type Result } from '../shared/errors.ts';
import { recordCredit } from './matching.ts';
import {
  NotificationBodySchema,
  type CreditOutcomeView,
  type DebitOutcomeView,
  type StatementSummary,
} from './payment-schemas.ts';
import { recordDebit } from './refunds.ts';
import { parseStatement } from './statement-format.ts';
import { checkSignature, SIGNATURE_TOLERANCE_SECONDS } from './webhook-signature.ts';

/** One notification from the payment provider: authenticated, then matched (a credit to a payment, a debit to a refund). */
export async function receiveNotification(
  ctx: AppContext,
  signatureHeader: string | undefined,
  rawBody: string,
): Promise<Result<CreditOutcomeView | DebitOutcomeView>> {
  const secret = ctx.config.money.webhookSecret;
  if (!secret) return refuse('payments_webhook_off');
  const check = checkSignature(secret, signatureHeader, rawBody, ctx.clock.now());
  if (!check.ok) {
    ctx.log.info({ problem: check.problem }, 'payment notification refused');
    if (check.problem === 'malformed') return refuse('payment_signature_malformed');
    if (check.problem === 'stale')
      return refuse('payment_signature_stale', { toleranceSeconds: SIGNATURE_TOLERANCE_SECONDS });
    if (check.problem === 'future')
      return refuse('payment_signature_future', { toleranceSeconds: SIGNATURE_TOLERANCE_SECONDS });
    return refuse('payment_signature_invalid');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(rawBody);
  } catch {
    return refuse('payment_notification_malformed');
  }
  const parsed = NotificationBodySchema.safeParse(raw);
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error, raw), refuse('payment_notification_malformed'));
  const n = parsed.data;
  if (n.direction === 'debit')
    return ok(
      await recordDebit(ctx, {
        transactionId: n.transactionId,
        memo: n.reference,
        amount: n.amount,
        paidAt: new Date(n.paidAt),
      }),
    );
  return ok(
    await recordCredit(ctx, {
      source: 'webhook',
      transactionId: n.transactionId,
      memo: n.reference,
      amount: n.amount,
      paidAt: new Date(n.paidAt),
      payer: { account: n.payerAccount, name: n.payerName, bank: n.payerBank },
      judgeLateness: true,
    }),
  );
}

/** A bank statement uploaded by a manager or an admin: every credit line matched, one summary line per row. */
export async function importStatement(
  ctx: AppContext,
  person: Person,
  text: string,
): Promise<Result<StatementSummary>> {
  const parsed = parseStatement(text);
  if (!parsed.ok) return refuse('statement_malformed', { line: parsed.line, detail: parsed.detail });
  const summary: StatementSummary = {
    lines: [],
    counts: { accepted: 0, held: 0, late: 0, duplicate: 0, skipped: 0 },
  };
  for (const row of parsed.rows) {
    if (!row.credit) {
      summary.lines.push({
        line: row.line,
        result: 'skipped',
        transactionId: null,
        amount: null,
        holdReason: null,
        reference: null,
      });
      summary.counts.skipped++;
      continue;
    }
    const c = row.credit;
    const outcome = await recordCredit(ctx, {
      source: 'statement',
      transactionId: c.transactionId,
      memo: c.memo,
      amount: c.amount,
      paidAt: c.paidAt,
      payer: c.payer,
      enteredBy: person.pid,
      judgeLateness: true,
      organisations: person.roles.includes('admin') ? undefined : person.organisations,
    });
    const result = outcome.duplicate ? 'duplicate' : outcome.outcome;
    summary.counts[result]++;
    summary.lines.push({
      line: row.line,
      result,
      transactionId: c.transactionId,
      amount: c.amount,
      holdReason: outcome.holdReason,
      reference: outcome.reference,
    });
  }
  const now = ctx.clock.now();
  await ctx.db.transaction((tx) =>
    appendAudit(tx, {
      actorPid: person.pid,
      action: 'statement.imported',
      at: now,
      data: { rows: parsed.rows.length, ...summary.counts },
    }),
  );
  return ok(summary);
}
