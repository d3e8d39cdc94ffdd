// The identity domain's answers as zod schemas: the one definition of each shape. The routes
// document them (/api/openapi.json) and the roles module's TypeScript types are inferred from them.
import { z } from '@hono/zod-openapi';
import { ORGANISATION_ROLES, ROLES } from '../../db/schema.ts';
import { PROVINCE_IDS } from '../auctions/provinces.ts';
import { fieldCode } from '../shared/field-errors.ts';

/** A personal id: 12 digits. */
export const Pid = z.string().regex(/^\d{12}$/, fieldCode('NOT_PID'));
export const Role = z.enum(ROLES);

/** GET /api/me: the signed-in person. */
export const MeSchema = z
  .object({
    pid: Pid,
    name: z.string().nullable(),
    level: z.union([z.literal(1), z.literal(2)]),
    roles: z.array(Role),
    organisations: z
      .array(z.object({ id: z.number().int(), name: z.string(), province: z.enum(PROVINCE_IDS) }))
      .openapi({
        description: 'The auction organisations whose lots the person manages (issue 19); empty for bidders.',
      }),
    regulatorScope: z
      .object({ province: z.enum(PROVINCE_IDS).nullable() })
      .nullable()
      .openapi({
        description:
          "A regulator's scope: a province's organisations, or the whole country (province null); null for anyone not a regulator.",
      }),
    email: z
      .string()
      .nullable()
      .openapi({ description: 'Where money notices are e-mailed (PUT /api/me/email); null: in-app only.' }),
    representing: z
      .object({
        identifier: z.string().openapi({ description: "The organisation's e-ID identifier or tax code." }),
        name: z.string(),
        role: z.enum(ORGANISATION_ROLES),
      })
      .nullable()
      .openapi({
        description:
          "The organisation the person's e-ID says they act for, and their role in it (issue 19): the claims of the Bearer token, or of the ID token the browser session began with. Null when it names none, or below level 2.",
      }),
    csrfToken: z.string().optional().openapi({
      description: 'Only for browser sessions: send it back as the x-csrf-token header on every non-GET request.',
    }),
  })
  .openapi('Me');

/** Someone holding at least one role, with who granted each role and when. */
export const RoleHolderSchema = z
  .object({
    pid: Pid,
    name: z.string().nullable(),
    level: z.number().int(),
    roles: z.array(Role),
    signedIn: z.boolean().openapi({
      description: 'False for someone granted a role before their first sign-in (issue 19): the grant waits for it.',
    }),
    regulatorScope: z
      .object({ province: z.enum(PROVINCE_IDS).nullable() })
      .nullable()
      .openapi({ description: "A regulator's scope (province null: the whole country); null for others." }),
    grants: z.array(
      z.object({
        role: Role,
        grantedBy: Pid.nullable().openapi({ description: 'null: granted at start (ADMIN_PIDS or a demo persona)' }),
        grantedAt: z.string(),
      }),
    ),
  })
  .openapi('RoleHolder');
export type RoleHolder = z.infer<typeof RoleHolderSchema>;

export const RoleHoldersSchema = z.object({ items: z.array(RoleHolderSchema) }).openapi('RoleHolders');

/** PUT /api/admin/roles/:pid: the roles the person now holds, and what changed. */
export const RolesResultSchema = z
  .object({
    pid: Pid,
    name: z.string().nullable(),
    roles: z.array(Role),
    granted: z.array(Role),
    revoked: z.array(Role),
  })
  .openapi('RolesResult');
export type RoleChange = z.infer<typeof RolesResultSchema>;
