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
