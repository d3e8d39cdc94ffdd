// Factories for records tests: people with roles, and ended lots written straight through Drizzle
// with their ledger hash-chained by the shared functions (exactly as the bid writer chains it) and
// their audit events appended through the real audit writer, with the facts registration and closing
// chain (server/audit/chained-facts.ts).
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { ledgerEntries, lots, people, registrations, roleGrants, type LotStatus, type Role } from '../../db/schema.ts';
import { appendAudit } from '../../server/audit/audit-log.ts';
import { registrationFacts, type CloseFacts } from '../../server/audit/chained-facts.ts';
import { personKey, sealPerson } from '../../server/privacy/personal-data.ts';
import { GENESIS_HASH, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import { newPid } from '../support/eid.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';

/** Every Vietnamese letter with a diacritic, lower and upper case, to prove nothing is lost in print. */
export const VIETNAMESE_LETTERS =
  'ạ ả ấ ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ ẹ ẻ ẽ ế ề ể ễ ệ ỉ ị ọ ỏ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ụ ủ ứ ừ ử ữ ự ỳ ỵ ỷ ỹ đ Đ';

/**
 * A person row (their number and name sealed under their person key) with optional roles; returns the
 * clear 12-digit pid (the token's subject). The database holds `personKey(pid)`.
 */
export async function addPerson(
  db: Db,
  options: { pid?: string; name?: string | null; level?: 1 | 2; roles?: Role[] } = {},
): Promise<string> {
  const pid = options.pid ?? newPid();
  const key = personKey(pid);
  await db
    .insert(people)
    .values({ ...sealPerson({ pid, name: options.name ?? null }), level: options.level ?? 2 })
    .onConflictDoNothing();
  for (const role of options.roles ?? []) await db.insert(roleGrants).values({ pid: key, role }).onConflictDoNothing();
  return pid;
}

export interface SeedBid {
  /** Index into the bidders. */
  by: number;
  amount: number;
  /** Withdraws the bid with this seq instead of bidding. */
  withdraws?: number;
}

export interface SeededLot {
  lotId: number;
  /** The manager's clear 12-digit pid (what records show); `managerKey` is what the database holds. */
  managerPid: string;
  managerKey: string;
  /** Each bidder's clear pid and their person key (the registrations' pid column). */
  bidders: { pid: string; key: string; name: string; code: string; registrationId: number }[];
  finalHash: string;
  finalPrice: number | null;
}

const DAY = 86_400_000;

/**
 * An ended lot with registrations and a hash-chained ledger. The winner is the top standing bid when
 * the status is 'closed'. Times are placed `endedDaysAgo` days before `now`.
 */
export async function seedEndedLot(
  db: Db,
  options: {
    status?: LotStatus;
    bids?: SeedBid[];
    bidderNames?: string[];
    title?: string;
    description?: string;
    now?: Date;
    extend?: boolean;
    cancelReason?: string;
  } = {},
): Promise<SeededLot> {
  const now = options.now ?? new Date();
  const status = options.status ?? 'closed';
  const managerPid = await addPerson(db, { name: 'Lê Thị Quản Lý', roles: ['manager'] });
  const managerKey = personKey(managerPid);
  const ended = status === 'closed' || status === 'failed' || status === 'cancelled';
  // A lot still running ends tomorrow, so the real closing scheduler leaves it alone.
  const startsAt = new Date(now.getTime() - DAY);
  const scheduledEndsAt = new Date(now.getTime() + (ended ? -DAY / 2 : DAY));
  const endsAt = options.extend ? new Date(scheduledEndsAt.getTime() + 120_000) : scheduledEndsAt;
  const [lot] = await db
    .insert(lots)
    .values({
      organisationId: DEFAULT_ORGANISATION_ID,
      title: options.title ?? 'Biển số xe 30K-999.99 (Hà Nội)',
      description: options.description ?? `Quyền sử dụng biển số ô tô đẹp. Kiểm tra chữ: ${VIETNAMESE_LETTERS}`,
      category: 'licence-plate',
      // Inserted with its final status, so the real closing scheduler never races the factory.
      status,
      startingPrice: 40_000_000,
      priceStep: 5_000_000,
      deposit: 8_000_000,
      registrationOpensAt: new Date(startsAt.getTime() - 3 * DAY),
      registrationClosesAt: new Date(startsAt.getTime() - DAY),
      startsAt,
      endsAt,
      scheduledEndsAt,
      softCloseWindowSeconds: options.extend ? 60 : null,
      softCloseExtendSeconds: options.extend ? 120 : null,
      rules: 'Quy chế cuộc đấu giá: trả giá lên, bước giá 5.000.000 đồng.',
      managerPid: managerKey,
    })
    .returning();
  await db.transaction((tx) =>
    appendAudit(tx, {
      actorPid: managerKey,
      action: 'lot.created',
      lotId: lot.id,
      at: new Date(startsAt.getTime() - 4 * DAY),
      data: { title: lot.title },
    }),
  );

  const names = options.bidderNames ?? ['Nguyễn Thị Ngọc Ánh', 'Trần Văn Đức', 'Phạm Hữu Lộc'];
  const bidders: SeededLot['bidders'] = [];
  for (let i = 0; i < names.length; i++) {
    const pid = await addPerson(db, { name: names[i] });
    const key = personKey(pid);
    const code = `B-${String(i + 1).padStart(3, '0')}`;
    const registeredAt = new Date(startsAt.getTime() - 2 * DAY - (names.length - i) * 60_000);
    const [reg] = await db
      .insert(registrations)
      .values({
        lotId: lot.id,
        pid: key,
        bidderCode: code,
        status: 'approved',
        depositState: 'received',
        rulesVersion: 1,
        rulesAcceptedAt: registeredAt,
        createdAt: registeredAt,
        approvedBy: managerKey,
        approvedAt: new Date(startsAt.getTime() - 2 * DAY),
      })
      .returning();
    const facts = registrationFacts({
      bidderCode: code,
      personHash: key,
      rulesVersion: 1,
      rulesAcceptedAt: registeredAt,
    });
    await db.transaction((tx) =>
      appendAudit(tx, {
        actorPid: key,
        action: 'registration.created',
        lotId: lot.id,
        subject: String(reg.id),
        at: registeredAt,
        data: facts,
      }),
    );
    bidders.push({ pid, key, name: names[i], code, registrationId: reg.id });
  }

  let prev = GENESIS_HASH;
  const standing: { seq: number; by: number; amount: number }[] = [];
  const bids = options.bids ?? [];
  for (let i = 0; i < bids.length; i++) {
    const b = bids[i];
    const seq = i + 1;
    const bidder = bidders[b.by];
    const placedAt = new Date(startsAt.getTime() + seq * 1000);
    const kind = b.withdraws ? 'withdrawal' : 'bid';
    const fields = {
      lotId: lot.id,
      seq,
      kind,
      amount: b.amount,
      bidderCode: bidder.code,
      placedAt: placedAt.toISOString(),
      withdrawsSeq: b.withdraws ?? null,
    } as const;
    const hash = ledgerEntryHash(prev, fields);
    await db.insert(ledgerEntries).values({
      lotId: lot.id,
      seq,
      kind,
      registrationId: bidder.registrationId,
      bidderCode: bidder.code,
      amount: b.amount,
      withdrawsSeq: b.withdraws ?? null,
      placedAt,
      prevHash: prev,
      hash,
    });
    prev = hash;
    if (b.withdraws)
      standing.splice(
        standing.findIndex((s) => s.seq === b.withdraws),
        1,
      );
    else standing.push({ seq, by: b.by, amount: b.amount });
  }
  if (options.extend) {
    await db.transaction((tx) =>
      appendAudit(tx, {
        actorPid: null,
        action: 'lot.extended',
        lotId: lot.id,
        at: new Date(scheduledEndsAt.getTime() - 30_000),
        data: { from: scheduledEndsAt.toISOString(), to: endsAt.toISOString(), seq: bids.length },
      }),
    );
  }
  const top = standing.at(-1);
  const won = status === 'closed' && top !== undefined;
  const finalPrice = won ? top.amount : null;
  await db
    .update(lots)
    .set({
      status,
      seq: bids.length,
      bidCount: bids.filter((b) => !b.withdraws).length,
      currentPrice: top?.amount ?? null,
      lastHash: bids.length ? prev : null,
      closedAt: ended ? endsAt : null,
      finalPrice,
      winnerRegistrationId: won ? bidders[top.by].registrationId : null,
      cancelReason: status === 'cancelled' ? (options.cancelReason ?? 'Có dấu hiệu thông đồng, dìm giá') : null,
    })
    .where(sql`${lots.id} = ${lot.id}`);
  // Deposits as the close leaves them: the winner's kept, a withdrawer's forfeited, the rest refundable.
  for (const [i, b] of bidders.entries()) {
    const withdrew = bids.some((x) => x.withdraws && x.by === i);
    const depositState = withdrew ? 'forfeited' : won && bidders[top.by] === b ? 'retained' : 'refundable';
    await db
      .update(registrations)
      .set({ depositState, status: withdrew ? 'barred' : 'approved' })
      .where(sql`${registrations.id} = ${b.registrationId}`);
  }
  if (ended) {
    const winner = won ? bidders[top.by] : undefined;
    const facts: CloseFacts = {
      finalPrice,
      winnerRegistrationId: winner?.registrationId ?? null,
      winnerBidderCode: winner?.code ?? null,
      winnerPersonHash: winner ? winner.key : null,
    };
    const data = status === 'cancelled' ? { reason: options.cancelReason ?? 'Có dấu hiệu thông đồng, dìm giá' } : facts;
    await db.transaction((tx) =>
      appendAudit(tx, {
        actorPid: status === 'cancelled' ? managerKey : null,
        action: status === 'closed' ? 'lot.closed' : status === 'failed' ? 'lot.failed' : 'lot.cancelled',
        lotId: lot.id,
        at: endsAt,
        data,
      }),
    );
  }
  return { lotId: lot.id, managerPid, managerKey, bidders, finalHash: prev, finalPrice };
}

/** A typical contested lot: three bidders, a withdrawal, a soft-close extension, won at 65.000.000. */
export const CONTESTED_BIDS: SeedBid[] = [
  { by: 0, amount: 40_000_000 },
  { by: 1, amount: 45_000_000 },
  { by: 0, amount: 50_000_000 },
  { by: 2, amount: 60_000_000 },
  { by: 2, amount: 60_000_000, withdraws: 4 },
  { by: 1, amount: 55_000_000 },
  { by: 0, amount: 65_000_000 },
];
