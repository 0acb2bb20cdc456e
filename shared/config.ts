/**
 * Environment, read once at module load by whoever imports a getter. Only the CDK
 * construct (and the local runner, which plays its part) writes these variables.
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export const ENV = {
  tableName: 'TABLE_NAME',
  hashKeySecretArn: 'HASH_KEY_SECRET_ARN',
  tokenKeysSecretArn: 'TOKEN_KEYS_SECRET_ARN',
  /** Local runner only: the key ring as JSON instead of Secrets Manager. */
  keyRingJson: 'KEY_RING_JSON',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  /** EventBridge bus for outcome events. */
  eventBusName: 'EVENT_BUS_NAME',
  /** Local runner only: keep events in memory instead of EventBridge. */
  localEvents: 'LOCAL_EVENTS',
} as const;

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`Environment variable ${name} is required but not set`);
  }
  return value;
}

export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}
