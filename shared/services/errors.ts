/** The tenant's configuration does not allow this operation yet (a missing SMS opt-out mention…). */
export class TenantConfigurationError extends Error {
  override name = 'TenantConfigurationError';
}
