import { hashApiKey } from '../../shared/domain/api-key';
import { type PurposeInput, purposeInputSchema } from '../../shared/schemas/tenant';
import type { Dependencies } from '../../shared/services/dependencies';
import { assignEmailIdentity, assignSmsSender } from '../../shared/services/identities';
import { issueOperatorKey } from '../../shared/services/operator';
import { createApiKey, newTenant, newWording } from '../../shared/services/state';

/** The demo tenant `npm start` creates, so that the README's tour and the docs' commands work at once. */
export const DEMO_TENANT = 'demo';
export const DEMO_IDENTITY = 'shop.example';
/** The demo tenant's SMS senders: a short code (replies, the STOP mention) and an alphanumeric id. */
export const DEMO_SHORT_CODE = '36123';
export const DEMO_SENDER_ID = 'DEMOSHOP';

export interface SeededKeys {
  readonly adminKey: string;
  readonly senderKey: string;
  /** The local operator key: creates tenants and assigns identities (/v1/operator/…). */
  readonly operatorKey: string;
  /** A compliance key of the demo tenant: reads only (the console, the admin routes' GETs). */
  readonly complianceKey: string;
}

/**
 * Creates the demo tenant, its purposes and a consent wording, once; reuses the keys
 * from the previous run when they still exist in the store, or issues new ones.
 */
export async function seedDemo(deps: Dependencies, previous?: Partial<SeededKeys>): Promise<SeededKeys> {
  const created = await deps.tenants.createTenant(newTenant(DEMO_TENANT, 'Demo Shop'));
  if (created) {
    // R10: the demo tenant's identities, assigned as the operator assigns every tenant's.
    await assignEmailIdentity(deps, DEMO_TENANT, DEMO_IDENTITY);
    // The demo's own configuration, written as it ships (the admin routes' services would
    // put an admin's changes in the tenant's audit trail: the demo's trail starts empty).
    const purposes: Record<string, PurposeInput> = {
      newsletter: { name: 'Newsletter', category: 'marketing', productFamily: 'books' },
      'personalised-offers': { name: 'Personalised offers', category: 'profiling' },
      'pro-software': { name: 'Software for IT teams', category: 'marketing', topics: ['it', 'software'] },
      'order-updates': { name: 'Order updates', category: 'transactional' },
    };
    for (const [id, input] of Object.entries(purposes))
      await deps.tenants.putPurpose(DEMO_TENANT, { id, ...purposeInputSchema.parse(input) });
    await deps.tenants.putWording(
      DEMO_TENANT,
      newWording(
        'newsletter-v1',
        'Yes, I want to receive the Demo Shop newsletter by email.',
        deps.clock.now().toISOString(),
      ),
    );
    await assignSmsSender(deps, DEMO_TENANT, DEMO_SHORT_CODE, {
      type: 'short_code',
      originationIdentity: 'phone-number/local-36123',
    });
    await assignSmsSender(deps, DEMO_TENANT, DEMO_SENDER_ID, {
      type: 'alphanumeric',
      originationIdentity: 'sender-id/DEMOSHOP/FR',
    });
  }
  const stillValid = async (key: string | undefined) =>
    key !== undefined && (await deps.credentials.getApiKey(hashApiKey(key))) !== undefined;
  const adminKey = (await stillValid(previous?.adminKey))
    ? previous!.adminKey!
    : (await createApiKey(deps, DEMO_TENANT, { role: 'admin', label: 'local admin' })).key;
  const senderKey = (await stillValid(previous?.senderKey))
    ? previous!.senderKey!
    : (await createApiKey(deps, DEMO_TENANT, { role: 'sender', label: 'local sender' })).key;
  const complianceKey = (await stillValid(previous?.complianceKey))
    ? previous!.complianceKey!
    : (await createApiKey(deps, DEMO_TENANT, { role: 'compliance', label: 'local compliance' })).key;
  const operatorKey = (await stillValid(previous?.operatorKey))
    ? previous!.operatorKey!
    : (await issueOperatorKey(deps, 'local operator')).key;
  return { adminKey, senderKey, operatorKey, complianceKey };
}

/** What `.consent-gate/local.json` holds: the URLs actually in use and the demo keys, for scripts. */
export function localDescription(
  stack: {
    apiUrl: string;
    sesUrl: string;
    dynamodbUrl: string;
    smsUrl: string;
    tableName: string;
    smtp?: { port: number; tlsPort: number; certFile: string };
  },
  keys: SeededKeys,
) {
  return {
    apiUrl: stack.apiUrl,
    sesUrl: stack.sesUrl,
    dynamodbUrl: stack.dynamodbUrl,
    smsUrl: stack.smsUrl,
    openapiUrl: `${stack.apiUrl}/openapi.json`,
    eventsUrl: `${stack.apiUrl}/local/events`,
    consoleUrl: `${stack.apiUrl}/console`,
    tableName: stack.tableName,
    tenant: DEMO_TENANT,
    fromIdentity: DEMO_IDENTITY,
    smsShortCode: DEMO_SHORT_CODE,
    smsSenderId: DEMO_SENDER_ID,
    adminKey: keys.adminKey,
    senderKey: keys.senderKey,
    operatorKey: keys.operatorKey,
    // The SMTP relay, when it runs (npm start): its STARTTLS and implicit TLS ports, its certificate.
    ...(stack.smtp === undefined
      ? {}
      : { smtpPort: stack.smtp.port, smtpTlsPort: stack.smtp.tlsPort, smtpCertFile: stack.smtp.certFile }),
    complianceKey: keys.complianceKey,
  };
}
