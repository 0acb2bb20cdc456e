import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { ConsoleRole } from '../shared/domain/console-session';
import { TENANT_ATTRIBUTE } from '../shared/domain/console-user';
import type { TenantStore } from '../shared/ports/tenant-store';

/**
 * A person for the console, in its user pool: AdminCreateUser with their email as username
 * (verified: the administrator vouches for it) and the tenant attribute, which the app client
 * may not write, then AdminAddUserToGroup (`admin` or `compliance`). Cognito sends them a
 * temporary password (or `temporaryPassword` is used, without a message); their first sign-in
 * asks for a new one. Refused before anything is created when the tenant does not exist. Run by
 * `consent-gate console-user add`.
 */
export class UnknownTenantError extends Error {
  override name = 'UnknownTenantError';
}

export async function addConsoleUser(
  deps: { readonly tenants: Pick<TenantStore, 'getTenant'>; readonly cognito: CognitoIdentityProviderClient },
  user: {
    readonly userPoolId: string;
    readonly tenantId: string;
    readonly email: string;
    readonly role: ConsoleRole;
    /** Given: no invitation is sent (MessageAction SUPPRESS); the caller hands it over. */
    readonly temporaryPassword?: string;
  },
): Promise<{ username: string; sub: string; tenant: string; role: ConsoleRole }> {
  if ((await deps.tenants.getTenant(user.tenantId)) === undefined)
    throw new UnknownTenantError(`No tenant ${user.tenantId}: create it first (consent-gate create-tenant).`);
  const created = await deps.cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: user.userPoolId,
      Username: user.email,
      UserAttributes: [
        { Name: 'email', Value: user.email },
        { Name: 'email_verified', Value: 'true' },
        { Name: TENANT_ATTRIBUTE, Value: user.tenantId },
      ],
      DesiredDeliveryMediums: ['EMAIL'],
      ...(user.temporaryPassword === undefined
        ? {}
        : { TemporaryPassword: user.temporaryPassword, MessageAction: 'SUPPRESS' as const }),
    }),
  );
  const username = created.User?.Username ?? user.email;
  await deps.cognito.send(
    new AdminAddUserToGroupCommand({ UserPoolId: user.userPoolId, Username: username, GroupName: user.role }),
  );
  const sub = created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value ?? '';
  return { username, sub, tenant: user.tenantId, role: user.role };
}
