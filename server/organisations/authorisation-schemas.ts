// Authorisation documents' request and answer shapes (issue 19): the document an organisation's
// representative uploads when their e-ID does not say they act for it, the lot's manager's audited
// read of it, and the manager's decision. Also the stated reason that decisions on registrations carry.
import { z } from '@hono/zod-openapi';
import { ORGANISATION_ROLES } from '../../db/schema.ts';
import { fieldCode } from '../shared/field-errors.ts';
import { RegistrationSchema } from '../auctions/registration-schemas.ts';

/** The document types accepted, and the most bytes. */
export const AUTHORISATION_DOCUMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export type AuthorisationDocumentType = (typeof AUTHORISATION_DOCUMENT_TYPES)[number];
export const MAX_AUTHORISATION_DOCUMENT_BYTES = 5 * 1024 * 1024;

/**
 * A reason stated for a decision on a registration (rejecting a document or a registration, deciding
 * a relatedness flag): 10–500 characters without control characters, as it goes into the audit log.
 */
export const StatedReason = () =>
  z
    .string()
    .trim()
    .min(10)
    .max(500)
    // eslint-disable-next-line no-control-regex -- control characters are what it refuses
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), fieldCode('CONTAINS_CONTROL'));

/** A document as its registrant and the lot's manager see it (without its bytes). */
export const AuthorisationDocumentSchema = z
  .object({
    sha256: z.string().openapi({ description: 'SHA-256 of the bytes, hex: what the audit log records.' }),
    contentType: z.enum(AUTHORISATION_DOCUMENT_TYPES),
    size: z.number().int().openapi({ description: 'Bytes.' }),
    uploadedAt: z.string(),
    decision: z.enum(['approved', 'rejected']).nullable().openapi({ description: 'Null while pending review.' }),
    reason: z
      .string()
      .nullable()
      .openapi({ description: 'The manager’s reason, when given (always for a rejection).' }),
  })
  .openapi('AuthorisationDocument');
export type AuthorisationDocumentView = z.infer<typeof AuthorisationDocumentSchema>;

/** PUT …/registrations/:rid/authorisation, and the decision: the registration (with its organisation) and the document. */
export const AuthorisationStateSchema = RegistrationSchema.extend({
  document: AuthorisationDocumentSchema,
}).openapi('RegistrationAuthorisation');
export type AuthorisationStateView = z.infer<typeof AuthorisationStateSchema>;

/** GET …/registrations/:rid/authorisation: the document with its bytes, and who it authorises. */
export const AuthorisationReadSchema = z
  .object({
    registrationId: z.number().int(),
    lotId: z.number().int(),
    bidderCode: z.string(),
    pid: z.string().openapi({ description: 'The registrant, whom the document must name.' }),
    name: z.string().nullable(),
    organisation: z.object({ identifier: z.string(), name: z.string() }),
    role: z.enum(ORGANISATION_ROLES),
    document: AuthorisationDocumentSchema.extend({
      contentBase64: z.string().openapi({ description: 'The document’s bytes, base64.' }),
    }),
    purpose: z
      .string()
      .nullable()
      .openapi({ description: 'The manager’s purpose, as audited; null for the registrant’s read of their own.' }),
    viewedAt: z.string(),
  })
  .openapi('AuthorisationRead');
export type AuthorisationReadView = z.infer<typeof AuthorisationReadSchema>;

export const AuthorisationDecisionSchema = z
  .object({
    decision: z.enum(['approved', 'rejected']),
    reason: StatedReason()
      .optional()
      .openapi({ description: 'Why (10–500 characters): required to reject, told to the registrant.' }),
  })
  .strict()
  .openapi('AuthorisationDecision');
export type AuthorisationDecisionInput = z.infer<typeof AuthorisationDecisionSchema>;
