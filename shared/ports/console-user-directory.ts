import type { ConsoleUserStanding } from '../domain/console-user';
import { StoreUnavailableError } from './store-errors';

/**
 * The console's user directory (a Cognito user pool): a username and password checked, the
 * first sign-in's new password, and a user looked up again while their session lasts. The
 * password is passed on, never kept; what comes back is the user as a verified ID token says
 * (never the token itself).
 */
export type ConsoleAuthentication =
  | { readonly kind: 'authenticated'; readonly user: ConsoleUserStanding }
  /** The user's first sign-in (an administrator created them): a new password is due. */
  | {
      readonly kind: 'new_password_required';
      readonly username: string;
      /** The challenge's `Session` value: carried by the second form, sent back with the new password. */
      readonly challengeSession: string;
    }
  /** Wrong password, unknown user, disabled user: one answer, so that nobody learns which. */
  | { readonly kind: 'refused' }
  /** Only after NEW_PASSWORD_REQUIRED: the pool's password policy refused the new one. */
  | { readonly kind: 'weak_password' }
  /** Only after NEW_PASSWORD_REQUIRED: the challenge's session has expired (a few minutes) or is not the pool's. */
  | { readonly kind: 'challenge_expired' };

/** Where the pool is: the construct writes the ids; the issuer and JWKS address follow (ENV). */
export interface UserPoolConfig {
  readonly userPoolId: string;
  readonly clientId: string;
  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>` in AWS (domain/console-user.ts, cognitoIssuer). */
  readonly issuer: string;
  /** `<issuer>/.well-known/jwks.json` in AWS. */
  readonly jwksUri: string;
}

export interface ConsoleUserDirectory {
  authenticate(username: string, password: string): Promise<ConsoleAuthentication>;
  setNewPassword(
    username: string,
    challengeSession: string,
    newPassword: string,
  ): Promise<ConsoleAuthentication>;
  /** The user now, by username; undefined when no such user exists (deleted). */
  lookUp(username: string): Promise<ConsoleUserStanding | undefined>;
}

/** The directory could not be reached or refused to serve: the console fails closed (503). */
export class UserDirectoryUnavailableError extends StoreUnavailableError {
  override name = 'UserDirectoryUnavailableError';
}
