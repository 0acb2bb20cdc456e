import { ConflictError } from '../ports/store-errors';
import type { InputIssue } from '../schemas/validation';

/** The tenant's configuration does not allow this operation yet (a missing SMS opt-out mention…). */
export class TenantConfigurationError extends Error {
  override name = 'TenantConfigurationError';
}

/** The key's scopes do not cover this send (domain/key-scope.ts): a 403 naming the scope, nothing sent. */
export class OutOfScopeError extends Error {
  override name = 'OutOfScopeError';
  constructor(
    readonly scope: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A tenant asked to use a sending identity the operator did not assign to it (docs/rules.md,
 * Vocabulary "Tenant"; R10). The same answer whether the identity is free or another
 * tenant's, so that a tenant learns nothing of the others.
 */
export class IdentityNotAssignedError extends Error {
  override name = 'IdentityNotAssignedError';
  constructor(readonly identity: string) {
    super(
      `"${identity}" is not assigned to this tenant: the deployment's operator assigns sending identities (npx consent-gate assign-identity, or PUT /v1/operator/tenants/{tenantId}/…)`,
    );
  }
}

/** The operator tried to create a tenant that exists. */
export class TenantExistsError extends Error {
  override name = 'TenantExistsError';
}

/**
 * R3: a wording version is stored once; consents point at its text and SHA-256, so another
 * text under the same version would change the proof under them. A 409 naming `text`.
 */
export class WordingExistsError extends ConflictError {
  override name = 'WordingExistsError';
  readonly issues: readonly InputIssue[];
  constructor(readonly versionId: string) {
    super(
      `Wording version "${versionId}" is stored with another text: a version never changes (consents point at it); store the new text under a new version`,
    );
    this.issues = [
      {
        field: 'text',
        problem: `differs from the text stored as version "${versionId}", which never changes: use a new version id`,
      },
    ];
  }
}
