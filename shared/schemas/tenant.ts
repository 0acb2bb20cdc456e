import { z } from 'zod';
import { purposeCategorySchema } from './vocabulary';

const idSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 characters: lower-case letters, digits, "-" or "_"');

export const purposeIdSchema = idSchema.meta({ description: 'Purpose id, declared by the tenant' });
export const tenantIdSchema = idSchema.meta({ description: 'Tenant id' });

export const purposeInputSchema = z
  .object({
    name: z.string().min(1).max(200).meta({ description: 'Shown to recipients (unsubscribe page)' }),
    category: purposeCategorySchema,
    productFamily: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'R2: soft opt-in only covers products of the family the customer bought' }),
    topics: z
      .array(z.string().min(1).max(100))
      .max(50)
      .default([])
      .meta({ description: "R4: professional topics; must meet the recipient's professional topics" }),
    sensitive: z
      .boolean()
      .default(false)
      .meta({ description: 'R12: built on special-category data; needs explicit consent' }),
  })
  .strict()
  .meta({ id: 'PurposeInput' });
export type PurposeInput = z.input<typeof purposeInputSchema>;

export const purposeSchema = purposeInputSchema.extend({ id: purposeIdSchema }).meta({ id: 'Purpose' });
export type Purpose = z.infer<typeof purposeSchema>;

export const wordingSchema = z
  .object({
    versionId: z.string(),
    text: z.string(),
    sha256: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Wording' });
export type Wording = z.infer<typeof wordingSchema>;

/** Per-tenant parameters of RULES.md, with its defaults. */
export const tenantSettingsSchema = z
  .object({
    prospectRetentionDays: z
      .number()
      .int()
      .positive()
      .default(3 * 365),
    customerRetentionDays: z
      .number()
      .int()
      .positive()
      .default(3 * 365),
    suppressionRetentionDays: z
      .number()
      .int()
      .positive()
      .default(3 * 365),
    /** R13: prospects within this many days of the end of their retention may get a repermission message. */
    repermissionWindowDays: z.number().int().positive().default(90),
    /** The SES v2 endpoint reads the purpose from the `EmailTags` entry of this name. */
    purposeTagName: z.string().min(1).max(256).default('purpose'),
  })
  .meta({ id: 'TenantSettings' });
export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

export const tenantSchema = z
  .object({
    id: tenantIdSchema,
    name: z.string().meta({ description: 'Brand shown to recipients' }),
    /** Names under which consents may have been given to this controller (R3: controllers named). */
    controllerNames: z.array(z.string()),
    purposes: z.record(z.string(), purposeSchema),
    emailIdentities: z.array(z.string()).meta({ description: 'R10: domains or addresses allowed as From' }),
    wordings: z.record(z.string(), wordingSchema),
    settings: tenantSettingsSchema,
  })
  .meta({ id: 'Tenant' });
export type Tenant = z.infer<typeof tenantSchema>;
