import {
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import * as z from 'zod';
import { type ConsoleUserStanding, TENANT_ATTRIBUTE } from '../domain/console-user';
import {
  type ConsoleAuthentication,
  type ConsoleUserDirectory,
  UserDirectoryUnavailableError,
  type UserPoolConfig,
} from '../ports/console-user-directory';

/**
 * The console's users in a Cognito user pool: InitiateAuth (USER_PASSWORD_AUTH, an app client
 * without a secret), NEW_PASSWORD_REQUIRED answered with RespondToAuthChallenge, the IdToken
 * verified with aws-jwt-verify (signature from the pool's JWKS, issuer, audience = the app
 * client, `token_use` = `id`, expiry), and a user looked up again with AdminGetUser and
 * AdminListGroupsForUser. The issuer and JWKS address are given, not derived from the pool id,
 * so that a local stand-in (cognito-local, whose issuer is its own address) verifies alike.
 * Nothing of the token is kept: what comes back is the user it names.
 */
/** The ID token's claims the console reads; anything else in it is ignored. */
const idTokenClaims = z.object({
  sub: z.string().min(1),
  'cognito:username': z.string().min(1),
  email: z.string().optional(),
  [TENANT_ATTRIBUTE]: z.string().optional(),
  'cognito:groups': z.array(z.string()).optional(),
});

/** Answers of the pool that mean "not this user and password", whichever it was (no enumeration). */
const REFUSED = new Set([
  'NotAuthorizedException',
  'UserNotFoundException',
  // cognito-local answers a wrong password so; Cognito answers NotAuthorizedException.
  'InvalidPasswordException',
  'UserNotConfirmedException',
  'PasswordResetRequiredException',
]);

const nameOf = (error: unknown): string | undefined =>
  error instanceof Error ? ((error as { name?: string }).name ?? undefined) : undefined;

export function idTokenVerifier(config: UserPoolConfig) {
  const properties = {
    issuer: config.issuer,
    audience: config.clientId,
    jwksUri: config.jwksUri,
    // JwtRsaVerifier checks signature, issuer, audience and expiry; an access token (no `aud`,
    // `token_use: access`) or anything not an ID token is refused here.
    customJwtCheck: ({ payload }: { payload: JwtPayload }) => {
      if (payload.token_use !== 'id') throw new Error(`token_use is ${String(payload.token_use)}, not id`);
    },
  };
  // aws-jwt-verify fetches the JWKS over https only; a local stand-in serves it over http.
  if (config.jwksUri.startsWith('http://'))
    return JwtRsaVerifier.create(properties, {
      jwksCache: new SimpleJwksCache({
        fetcher: {
          fetch: async (uri: string) => {
            const response = await fetch(uri);
            if (!response.ok) throw new Error(`JWKS: ${response.status}`);
            return response.arrayBuffer();
          },
        },
      }),
    });
  return JwtRsaVerifier.create(properties);
}

export class CognitoUserDirectory implements ConsoleUserDirectory {
  private readonly verifier: ReturnType<typeof idTokenVerifier>;

  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly config: UserPoolConfig,
  ) {
    this.verifier = idTokenVerifier(config);
  }

  async authenticate(username: string, password: string): Promise<ConsoleAuthentication> {
    let output: InitiateAuthCommandOutput;
    try {
      output = await this.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: this.config.clientId,
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      );
    } catch (error) {
      if (REFUSED.has(nameOf(error) ?? '')) return { kind: 'refused' };
      throw unavailable(error);
    }
    return this.outcome(username, output);
  }

  async setNewPassword(
    username: string,
    challengeSession: string,
    newPassword: string,
  ): Promise<ConsoleAuthentication> {
    let output: InitiateAuthCommandOutput;
    try {
      output = await this.client.send(
        new RespondToAuthChallengeCommand({
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          ClientId: this.config.clientId,
          Session: challengeSession,
          ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
        }),
      );
    } catch (error) {
      const name = nameOf(error);
      if (name === 'InvalidPasswordException') return { kind: 'weak_password' };
      if (
        name === 'NotAuthorizedException' ||
        name === 'CodeMismatchException' ||
        name === 'ExpiredCodeException' ||
        name === 'UserNotFoundException'
      )
        return { kind: 'challenge_expired' };
      throw unavailable(error);
    }
    return this.outcome(username, output);
  }

  async lookUp(username: string): Promise<ConsoleUserStanding | undefined> {
    try {
      const [user, groups] = await Promise.all([
        this.client.send(new AdminGetUserCommand({ UserPoolId: this.config.userPoolId, Username: username })),
        this.client.send(
          new AdminListGroupsForUserCommand({
            UserPoolId: this.config.userPoolId,
            Username: username,
            Limit: 60,
          }),
        ),
      ]);
      const attribute = (name: string) => user.UserAttributes?.find((a) => a.Name === name)?.Value;
      const sub = attribute('sub');
      if (sub === undefined || user.Username === undefined)
        throw new Error('AdminGetUser: no sub or username');
      return {
        sub,
        username: user.Username,
        // Absent means enabled only if the pool says nothing: fail closed on anything but true.
        enabled: user.Enabled === true,
        tenantId: attribute(TENANT_ATTRIBUTE),
        groups: (groups.Groups ?? []).flatMap((g) => (g.GroupName === undefined ? [] : [g.GroupName])),
      };
    } catch (error) {
      if (nameOf(error) === 'UserNotFoundException') return undefined;
      throw unavailable(error);
    }
  }

  private async outcome(username: string, output: InitiateAuthCommandOutput): Promise<ConsoleAuthentication> {
    if (output.ChallengeName === 'NEW_PASSWORD_REQUIRED' && output.Session !== undefined)
      return { kind: 'new_password_required', username, challengeSession: output.Session };
    const token = (output.AuthenticationResult as AuthenticationResultType | undefined)?.IdToken;
    // Another challenge (MFA, which the console's pool does not ask for): not a way in.
    if (token === undefined) return { kind: 'refused' };
    return { kind: 'authenticated', user: await this.userOf(token) };
  }

  /** The user an ID token names, once verified; a token that does not verify opens nothing (503, logged). */
  private async userOf(token: string): Promise<ConsoleUserStanding> {
    let claims: z.infer<typeof idTokenClaims>;
    try {
      claims = idTokenClaims.parse(await this.verifier.verify(token));
    } catch (error) {
      throw new UserDirectoryUnavailableError(
        `The user pool's ID token did not verify: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return {
      sub: claims.sub,
      username: claims['cognito:username'],
      ...(claims.email === undefined ? {} : { email: claims.email }),
      enabled: true,
      tenantId: claims[TENANT_ATTRIBUTE],
      groups: claims['cognito:groups'] ?? [],
    };
  }
}

function unavailable(error: unknown): UserDirectoryUnavailableError {
  return new UserDirectoryUnavailableError(
    `The user pool cannot be reached: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
}
