import type { ConsoleRole } from './console-session';

/**
 * The console's users of a Cognito user pool (the construct's own, or one brought with
 * `consoleUserPool`): the tenant is the user's `custom:tenant` attribute, which only an
 * administrator sets (the app client may not write it); the role is the user's group,
 * `admin` or `compliance`. A user in neither, or in both, opens no session: which of the
 * two they meant is not for the console to guess.
 */
export const TENANT_ATTRIBUTE = 'custom:tenant';
export const CONSOLE_GROUPS = ['admin', 'compliance'] as const satisfies readonly ConsoleRole[];

/** A user as the directory knows them now (AdminGetUser and their groups, or a verified ID token). */
export interface ConsoleUserStanding {
  /** The user's immutable id (`sub`): the audit trail's actor id. */
  readonly sub: string;
  /** The pool's username (what AdminGetUser takes). */
  readonly username: string;
  /** The user's email address, shown in the console's header (the username may be an opaque id). */
  readonly email?: string;
  readonly enabled: boolean;
  /** `custom:tenant`, absent when not set. */
  readonly tenantId: string | undefined;
  readonly groups: readonly string[];
}

/** Why a user who did authenticate opens no session (each is named on the sign-in page). */
export type ConsoleUserRefusal = 'no_group' | 'both_groups' | 'no_tenant' | 'unknown_tenant';

/** The console role of these groups: exactly one of admin and compliance (other groups are not the console's). */
export function consoleRoleOf(
  groups: readonly string[],
): { readonly role: ConsoleRole } | { readonly refusal: 'no_group' | 'both_groups' } {
  const roles = CONSOLE_GROUPS.filter((g) => groups.includes(g));
  if (roles.length === 0) return { refusal: 'no_group' };
  if (roles.length > 1) return { refusal: 'both_groups' };
  return { role: roles[0]! };
}

/**
 * Whether a session signed in as this user still stands: the user exists (undefined: deleted),
 * is enabled, is the same user (a username given again to someone else is another `sub`), and
 * has the tenant and role the session was opened with. Any change ends the session; the user
 * signs in again, with what they are now.
 */
export function userSessionStands(
  session: { readonly sub: string; readonly tenantId: string; readonly role: ConsoleRole },
  now: ConsoleUserStanding | undefined,
): boolean {
  if (now === undefined || !now.enabled || now.sub !== session.sub) return false;
  if (now.tenantId !== session.tenantId) return false;
  const role = consoleRoleOf(now.groups);
  return 'role' in role && role.role === session.role;
}

/** The AWS issuer of a user pool's tokens (its region is the id's prefix: `eu-west-3_AbC…`). */
export function cognitoIssuer(userPoolId: string): string {
  const region = userPoolId.split('_')[0];
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}
