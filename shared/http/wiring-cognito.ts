import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { CognitoUserDirectory } from '../adapters/cognito-user-directory';
import { requestHandler, type Wiring } from './runtime';

/**
 * Cognito: the console's user pool (sign-in, NEW_PASSWORD_REQUIRED, the user looked up again).
 * A module of its own, imported by the Console entry point and the local runner only:
 * aws-jwt-verify's modules have side effects esbuild keeps, and ./wiring.ts is in every bundle.
 */
export const cognito: Wiring = {
  consoleUsers: (config) =>
    new CognitoUserDirectory(new CognitoIdentityProviderClient({ requestHandler, maxAttempts: 2 }), config),
};
