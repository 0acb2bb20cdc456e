import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { EntryPoint } from '../entry-points';

/** The Lambda context the local runner hands a handler: the function named as the construct names it. */
export function lambdaContext(entryId: EntryPoint['id']): Context {
  const functionName = `consent-gate-local-${entryId}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
