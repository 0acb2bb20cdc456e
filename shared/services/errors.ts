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
