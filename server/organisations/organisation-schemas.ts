// The organisations' request and answer shapes (issue 19; DESIGN.md §8): an auction organisation as
// a tenant (name, licence, tax code, province, the bank account its lots are paid into), its managers,
// and a regulator's scope.
import { z } from '@hono/zod-openapi';
import { PROVINCE_IDS } from '../auctions/provinces.ts';
import { fieldCode } from '../shared/field-errors.ts';
import { Pid } from '../identity/identity-schemas.ts';

const Text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex -- control characters are what it refuses
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), fieldCode('CONTAINS_CONTROL'));
const Province = z.enum(PROVINCE_IDS, { error: fieldCode('NOT_PROVINCE') });

export const BankAccountSchema = z
  .object({
    bank: Text(120).openapi({ description: 'The bank’s name, as payers see it.' }),
    bin: z
      .string()
      .regex(/^\d{6}$/, 'six digits')
      .openapi({ description: 'The bank’s 6-digit BIN (VietQR).' }),
    number: z
      .string()
      .regex(/^[0-9A-Za-z]{4,19}$/, '4 to 19 letters and digits')
      .openapi({ description: 'The account number.' }),
    holder: Text(120).openapi({ description: 'The account holder’s name, as the bank writes it.' }),
  })
  .strict()
  .openapi('BankAccount');

const organisationFields = {
  name: Text(200),
  licenceNumber: Text(60).openapi({ description: 'The operating licence (giấy đăng ký hoạt động) number.' }),
  taxCode: z
    .string()
    .regex(/^\d{10}(-\d{3})?$/, fieldCode('NOT_TAX_CODE'))
    .openapi({ description: 'The tax code: 10 digits, or 10 + "-" + 3 for a branch.' }),
  province: Province.openapi({ description: 'Where the organisation is registered: a province id.' }),
  bankAccount: BankAccountSchema.nullable().optional().openapi({
    description: "The account its lots' deposits and balances are paid into; null: the platform's own settings.",
  }),
};

export const CreateOrganisationSchema = z.object(organisationFields).strict().openapi('CreateOrganisation');
export type CreateOrganisationInput = z.infer<typeof CreateOrganisationSchema>;
export const UpdateOrganisationSchema = z.object(organisationFields).partial().strict().openapi('UpdateOrganisation');
export type UpdateOrganisationInput = z.infer<typeof UpdateOrganisationSchema>;

export const OrganisationSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    licenceNumber: z.string(),
    taxCode: z.string(),
    province: z.enum(PROVINCE_IDS),
    bankAccount: BankAccountSchema.nullable(),
    createdAt: z.string(),
  })
  .openapi('Organisation');
export type Organisation = z.infer<typeof OrganisationSchema>;

export const OrganisationsSchema = z.object({ items: z.array(OrganisationSchema) }).openapi('Organisations');

export const OrganisationManagerSchema = z
  .object({
    pid: Pid,
    name: z.string().nullable(),
    grantedBy: Pid.nullable(),
    grantedAt: z.string(),
    signedIn: z.boolean().openapi({
      description: 'False until the person first signs in: the membership waits against their identification number.',
    }),
  })
  .openapi('OrganisationManager');
export type OrganisationManager = z.infer<typeof OrganisationManagerSchema>;

export const OrganisationManagersSchema = z
  .object({ organisationId: z.number().int(), items: z.array(OrganisationManagerSchema) })
  .openapi('OrganisationManagers');

export const AddManagerSchema = z
  .object({ pid: Pid.openapi({ description: 'The person’s 12-digit identification number.' }) })
  .strict()
  .openapi('AddOrganisationManager');

export const RegulatorScopeSchema = z
  .object({
    province: Province.nullable().openapi({ description: "A province's organisations; null: the whole country." }),
  })
  .strict()
  .openapi('RegulatorScope');
export type RegulatorScopeInput = z.infer<typeof RegulatorScopeSchema>;

export const RegulatorScopeResultSchema = z
  .object({ pid: Pid, province: z.enum(PROVINCE_IDS).nullable() })
  .openapi('RegulatorScopeResult');
