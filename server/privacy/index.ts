// Personal data at rest, wired into the platform (issue 20, part 3): the daily crypto-shredding sweep
// and the rewrap after a key rotation as durable jobs, and the admins' view of the keys.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access } from '../identity/auth-middleware.ts';
import { registerJobHandler } from '../jobs/index.ts';
import { personalDataRing } from './personal-data.ts';
import { dataKeyCounts, REWRAP_JOB, runRewrapJob, scheduleRewrapIfNeeded } from './rotation.ts';
import { runShredJob, scheduleShredding, SHRED_JOB } from './shredding.ts';

const PersonalDataKeysSchema = z
  .object({
    currentKey: z.string().openapi({ description: 'The id of the key that wraps new data keys (PERSONAL_DATA_KEY).' }),
    configuredKeys: z.array(z.string()).openapi({ description: 'Every configured key id, current first.' }),
    dataKeysByKey: z.record(z.string(), z.number().int()).openapi({
      description:
        'How many people’s data keys each key wraps. A retired key may be removed from PERSONAL_DATA_RETIRED_KEYS once it wraps none.',
    }),
    shredded: z.number().int().openapi({ description: 'People whose data key was destroyed at the end of retention.' }),
  })
  .openapi('PersonalDataKeys');

export async function createPrivacy(ctx: AppContext): Promise<{ router: { path: string; app: ApiApp } }> {
  registerJobHandler(SHRED_JOB, runShredJob);
  registerJobHandler(REWRAP_JOB, runRewrapJob);
  await scheduleShredding(ctx.db, ctx.clock.now());
  if (await scheduleRewrapIfNeeded(ctx.db))
    ctx.log.info({ key: personalDataRing().current.id }, 'data keys wrapped by a retired key: rewrapping');
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/personal-data',
      ...access({ roles: ['admin'] }),
      tags: ['admin'],
      security: [{ eid: [] }],
      summary: 'The keys of personal data at rest, and how many data keys each wraps (admin)',
      description:
        'Personal identification numbers and names are stored sealed under a data key per person, wrapped by PERSONAL_DATA_KEY. After a rotation the rewrap job moves every data key to the new key; this shows how far it got.',
      responses: {
        200: json(PersonalDataKeysSchema, 'The keys'),
        ...errorResponses(401, 403, 429),
      },
    }),
    async (c) => {
      const ring = personalDataRing();
      const counts = await dataKeyCounts(ctx.db);
      c.header('cache-control', 'no-store');
      return c.json(
        {
          currentKey: ring.current.id,
          configuredKeys: ring.ids,
          dataKeysByKey: counts.byKey,
          shredded: counts.shredded,
        },
        200,
      );
    },
  );
  return { router: { path: '/', app } };
}
