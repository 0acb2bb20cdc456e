import type { ConsentGrant, RecipientProfile, RecipientState } from '../../shared/schemas/recipient';
import { type Tenant, tenantSettingsSchema } from '../../shared/schemas/tenant';

/** In-memory fixtures for the pure core: plain data, no mocks. */
export const NOW = new Date('2026-06-15T10:00:00Z');

export function daysAgo(days: number, from: Date = NOW): string {
  return new Date(from.getTime() - days * 86_400_000).toISOString();
}

export function tenant(overrides: Partial<Tenant> = {}): Tenant {
  return {
    id: 'acme',
    name: 'Acme',
    controllerNames: ['Acme SAS'],
    emailIdentities: ['acme.example', 'news@mail.acme.example'],
    smsSenders: {
      '36123': { id: '36123', type: 'short_code', originationIdentity: 'phone-number/sc-36123' },
      ACME: { id: 'ACME', type: 'alphanumeric', originationIdentity: 'sender-id/ACME/FR' },
      '+33700000001': { id: '+33700000001', type: 'long_code', originationIdentity: 'phone-number/lc-1' },
    },
    wordings: {
      'newsletter-v1': {
        versionId: 'newsletter-v1',
        text: 'I want the Acme newsletter',
        sha256: 'x',
        createdAt: daysAgo(900),
      },
    },
    settings: tenantSettingsSchema.parse({}),
    purposes: {
      newsletter: {
        id: 'newsletter',
        name: 'Newsletter',
        category: 'marketing',
        productFamily: 'garden',
        topics: [],
        sensitive: false,
      },
      offers: {
        id: 'offers',
        name: 'Personalised offers',
        category: 'profiling',
        topics: [],
        sensitive: false,
      },
      software: {
        id: 'software',
        name: 'Software for IT',
        category: 'marketing',
        topics: ['it', 'software'],
        sensitive: false,
      },
      health: { id: 'health', name: 'Health tips', category: 'marketing', topics: [], sensitive: true },
      receipts: { id: 'receipts', name: 'Receipts', category: 'transactional', topics: [], sensitive: false },
      charity: {
        id: 'charity',
        name: 'Charity news',
        category: 'non_commercial',
        topics: [],
        sensitive: false,
      },
      reperm: {
        id: 'reperm',
        name: 'Stay in touch?',
        category: 'repermission',
        topics: [],
        sensitive: false,
      },
    },
    ...overrides,
  };
}

export function validGrant(overrides: Partial<ConsentGrant> = {}): ConsentGrant {
  return {
    id: 'c-1',
    givenAt: daysAgo(30),
    method: 'web_form',
    wordingVersion: 'newsletter-v1',
    source: 'https://acme.example/signup',
    controllers: ['Acme'],
    explicit: false,
    preTicked: false,
    recordedAt: daysAgo(30),
    ...overrides,
  };
}

export function profile(overrides: Partial<RecipientProfile> = {}): RecipientProfile {
  return {
    channel: 'email',
    address: 'alice@example.org',
    audience: 'consumer',
    purchases: [],
    professionalTopics: [],
    needsRepermission: false,
    updatedAt: daysAgo(10),
    collection: { at: daysAgo(100), source: 'shop', duringSale: false, informed: true, optOutOffered: true },
    ...overrides,
  };
}

export function state(overrides: Partial<RecipientState> = {}): RecipientState {
  return { recipientKey: 'k'.repeat(43), consents: {}, objections: [], suppressions: [], ...overrides };
}

export function withConsent(
  purpose: string,
  grant: Partial<ConsentGrant> = {},
  base: Partial<RecipientState> = {},
) {
  return state({
    profile: profile(),
    ...base,
    consents: { [purpose]: { purpose, grant: validGrant(grant) } },
  });
}
