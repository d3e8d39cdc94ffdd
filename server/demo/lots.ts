// Creating demo lots through the auctions services (the same rules as any manager's lot): create,
// picture, publish, register bidders and confirm their deposits.
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { createLot, publishLot } from '../auctions/lot-service.ts';
import { approve, register } from '../auctions/registration-service.ts';
import { addImage } from '../media/media-service.ts';
import type { DemoAsset } from './catalogue.ts';

export interface DemoSchedule {
  registrationOpensAt: Date;
  registrationClosesAt: Date;
  startsAt: Date;
  endsAt: Date;
}

/** Creates, pictures and publishes a lot; returns its id, or undefined (logged) if a rule refused it. */
export async function createDemoLot(
  ctx: AppContext,
  manager: Person,
  asset: DemoAsset,
  s: DemoSchedule,
): Promise<number | undefined> {
  const created = await createLot(ctx, manager, {
    title: asset.title,
    description: asset.description,
    category: asset.category,
    province: asset.province,
    startingPrice: asset.startingPrice,
    priceStep: asset.priceStep,
    deposit: Math.round((asset.startingPrice * asset.depositPct) / 100),
    ...s,
    // A descending lot ends when its price schedule does.
    ...(asset.terms?.method === 'descending' ? { endsAt: undefined } : {}),
    softClose: asset.category === 'licence-plate' && !asset.terms ? { windowSeconds: 30, extendSeconds: 60 } : null,
    ...asset.terms,
  });
  if (!created.ok) {
    ctx.log.warn({ code: created.code, fields: created.fields, title: asset.title }, 'demo: lot refused');
    return undefined;
  }
  const id = created.value.id;
  await addImage(ctx, {
    actorPid: manager.pid,
    lotId: id,
    type: 'image/svg+xml',
    bytes: new TextEncoder().encode(asset.picture()),
  });
  const published = await publishLot(ctx, manager, id);
  if (!published.ok) {
    ctx.log.warn({ code: published.code, lotId: id }, 'demo: publish refused');
    return undefined;
  }
  return id;
}

/** Registers people for a lot and confirms their deposits (as the demo organiser). */
export async function registerAndApprove(
  ctx: AppContext,
  manager: Person,
  lotId: number,
  people: Person[],
  options: { approve: boolean } = { approve: true },
): Promise<number> {
  let approved = 0;
  for (const person of people) {
    const reg = await register(ctx, person, lotId, {});
    if (!reg.ok) {
      if (reg.code !== 'ALREADY_REGISTERED') ctx.log.warn({ code: reg.code, lotId }, 'demo: registration refused');
      continue;
    }
    if (!options.approve) continue;
    const ok = await approve(ctx, manager, lotId, reg.value.id);
    if (ok.ok) approved++;
  }
  return approved;
}
