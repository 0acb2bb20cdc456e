/**
 * SES v2 email templates of a tenant (CreateEmailTemplate and the rest): kept by the gateway,
 * not in SES, because the gateway renders them itself to put the unsubscribe link into the
 * rendered parts (R10). Names are the tenant's own: two tenants may both have "welcome".
 */
export interface EmailTemplate {
  readonly name: string;
  readonly subject?: string;
  readonly html?: string;
  readonly text?: string;
  readonly tags: readonly { key: string; value: string }[];
  /** ISO 8601. */
  readonly createdAt: string;
}

/** A template of that name exists already (SES's AlreadyExistsException). */
export class TemplateExistsError extends Error {
  override name = 'TemplateExistsError';
}

export interface TemplateStore {
  getTemplate(tenantId: string, name: string): Promise<EmailTemplate | undefined>;
  /** Written only if absent: TemplateExistsError otherwise. */
  createTemplate(tenantId: string, template: EmailTemplate): Promise<void>;
  /** Replaces the content of an existing template: NotFoundError when there is none. */
  updateTemplate(
    tenantId: string,
    name: string,
    content: Pick<EmailTemplate, 'subject' | 'html' | 'text'>,
  ): Promise<void>;
  /** NotFoundError when there is none. */
  deleteTemplate(tenantId: string, name: string): Promise<void>;
  /** Names and creation times, by name. */
  listTemplates(tenantId: string): Promise<Pick<EmailTemplate, 'name' | 'createdAt'>[]>;
}
