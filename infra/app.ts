import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConsentGatewayStack } from './gateway-stack';

// Only the CDK CLI reads cdk.json; run directly (`npx tsx infra/app.ts`), the app applies its
// context (feature flags) as defaults, so both synthesize the same resources; context the CLI
// passes (cdk.json, -c key=value) still takes precedence.
const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context?: Record<string, unknown>;
};
const app = new App({ context: cdkJson.context });

// Bound to an account and region only when the CLI resolved both from credentials; otherwise
// environment-agnostic, so that synth works offline and without credentials.
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
new ConsentGatewayStack(app, 'ConsentGateway', {
  description: 'consent-gate: marketing email consent gateway',
  env: account !== undefined && region !== undefined ? { account, region } : undefined,
});

// cdk-nag v3 is a policy validation plugin: any unacknowledged finding, error or warning, fails
// the synthesis (and `npm run synth`) with a report naming the rule and the construct.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

app.synth();
