import Handlebars from 'handlebars';
import { NotFoundError } from '../ports/store-errors';
import type { EmailTemplate } from '../ports/template-store';
import { InvalidInputError } from '../schemas/validation';
import type { Caller, Dependencies } from './dependencies';

/**
 * SES v2 email templates, kept per tenant by the gateway and rendered by it with SES's
 * template language (Handlebars), so that the unsubscribe link goes into the rendered parts
 * (R10) as it does into a simple message's. An isolated Handlebars instance: only the
 * built-in helpers (SES allows no custom ones), and no HTML escaping, as SES renders.
 */
const handlebars = Handlebars.create();

type Deps = Pick<Dependencies, 'templates' | 'clock'>;

interface TemplateParts {
  readonly Subject?: string;
  readonly Html?: string;
  readonly Text?: string;
}

function compileProblem(source: string | undefined): string | undefined {
  if (source === undefined) return undefined;
  try {
    handlebars.parse(source);
    return undefined;
  } catch (error) {
    return `is not a valid template: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** A template that cannot be parsed is refused when it is stored, not when it is first sent. */
function checkParts(parts: TemplateParts, field: string): void {
  const issues = (['Subject', 'Html', 'Text'] as const).flatMap((part) => {
    const problem = compileProblem(parts[part]);
    return problem === undefined ? [] : [{ field: `${field}.${part}`, problem }];
  });
  if (issues.length > 0) throw new InvalidInputError(issues);
}

export async function createTemplate(
  deps: Deps,
  caller: Caller,
  input: { TemplateName: string; TemplateContent: TemplateParts; Tags?: { Key: string; Value: string }[] },
): Promise<void> {
  checkParts(input.TemplateContent, 'TemplateContent');
  await deps.templates.createTemplate(caller.tenantId, {
    name: input.TemplateName,
    subject: input.TemplateContent.Subject,
    html: input.TemplateContent.Html,
    text: input.TemplateContent.Text,
    tags: (input.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
    createdAt: deps.clock.now().toISOString(),
  });
}

export async function getTemplate(deps: Deps, caller: Caller, name: string) {
  const template = await deps.templates.getTemplate(caller.tenantId, name);
  if (template === undefined) throw new NotFoundError(`Template ${name} does not exist`);
  return {
    TemplateName: template.name,
    TemplateContent: { Subject: template.subject, Html: template.html, Text: template.text },
    Tags: template.tags.map((t) => ({ Key: t.key, Value: t.value })),
  };
}

export async function updateTemplate(
  deps: Deps,
  caller: Caller,
  name: string,
  content: TemplateParts,
): Promise<void> {
  checkParts(content, 'TemplateContent');
  await deps.templates.updateTemplate(caller.tenantId, name, {
    subject: content.Subject,
    html: content.Html,
    text: content.Text,
  });
}

export function deleteTemplate(deps: Deps, caller: Caller, name: string): Promise<void> {
  return deps.templates.deleteTemplate(caller.tenantId, name);
}

/** ListEmailTemplates: SES pages by NextToken (the name to start after) and PageSize (at most 100). */
export async function listTemplates(
  deps: Deps,
  caller: Caller,
  page: { nextToken?: string; pageSize?: number },
) {
  const size = Math.min(Math.max(page.pageSize ?? 10, 1), 100);
  const all = (await deps.templates.listTemplates(caller.tenantId)).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const from = page.nextToken === undefined ? 0 : all.findIndex((t) => t.name > page.nextToken!);
  const shown = from < 0 ? [] : all.slice(from, from + size);
  const more = from >= 0 && from + size < all.length;
  return {
    // REST-JSON timestamps are epoch seconds.
    TemplatesMetadata: shown.map((t) => ({
      TemplateName: t.name,
      CreatedTimestamp: Date.parse(t.createdAt) / 1000,
    })),
    ...(more ? { NextToken: shown.at(-1)!.name } : {}),
  };
}

/** SES's `Template` content of a send, as the SDK serialises it. */
export interface TemplateRequest {
  readonly TemplateName?: string;
  readonly TemplateArn?: string;
  readonly TemplateContent?: TemplateParts;
  readonly TemplateData?: string;
}

/** TemplateArn names a template by its last part (`arn:aws:ses:…:template/<name>`), in this tenant's store. */
function templateNameOf(request: TemplateRequest, field: string): string {
  if (request.TemplateName !== undefined) return request.TemplateName;
  const match = /:template\/([A-Za-z0-9_-]+)$/.exec(request.TemplateArn ?? '');
  if (match === null) {
    throw new InvalidInputError([
      { field, problem: 'needs TemplateName, TemplateArn (…:template/<name>) or TemplateContent' },
    ]);
  }
  return match[1]!;
}

function parseData(data: string | undefined, field: string): Record<string, unknown> {
  if (data === undefined || data === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    throw new InvalidInputError([{ field, problem: `is not valid JSON (${(error as Error).message})` }]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidInputError([{ field, problem: 'must be a JSON object' }]);
  }
  return parsed as Record<string, unknown>;
}

/** The template's parts, stored or inline, before any data is applied. */
export async function loadTemplate(
  deps: Pick<Dependencies, 'templates'>,
  tenantId: string,
  request: TemplateRequest,
  field: string,
): Promise<TemplateParts> {
  if (
    request.TemplateContent !== undefined &&
    request.TemplateName === undefined &&
    request.TemplateArn === undefined
  ) {
    checkParts(request.TemplateContent, `${field}.TemplateContent`);
    return request.TemplateContent;
  }
  const name = templateNameOf(request, field);
  const stored: EmailTemplate | undefined = await deps.templates.getTemplate(tenantId, name);
  if (stored === undefined) throw new NotFoundError(`Template ${name} does not exist`);
  return { Subject: stored.subject, Html: stored.html, Text: stored.text };
}

/**
 * Renders a template with its data: SES's TemplateData, with a bulk entry's
 * ReplacementTemplateData taking its place when given (SES applies the entry's data instead).
 */
export function renderTemplate(
  parts: TemplateParts,
  data: { value?: string; field: string },
): { subject: string; html?: string; text?: string } {
  const values = parseData(data.value, data.field);
  const render = (source: string | undefined, part: string) => {
    if (source === undefined) return undefined;
    try {
      return handlebars.compile(source, { noEscape: true })(values);
    } catch (error) {
      throw new InvalidInputError([
        { field: data.field, problem: `cannot render the template's ${part}: ${(error as Error).message}` },
      ]);
    }
  };
  return {
    subject: render(parts.Subject, 'Subject') ?? '',
    html: render(parts.Html, 'Html'),
    text: render(parts.Text, 'Text'),
  };
}
