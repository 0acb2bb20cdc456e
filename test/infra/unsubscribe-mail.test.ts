import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { entryPoints } from '../../infra/entry-points';
import { ConsentGatewayPropsError } from '../../infra/gateway';
import { ConsentGatewayStack } from '../../infra/gateway-stack';
import { ENV } from '../../shared/config';

/** R10 / RFC 2369: the construct's `unsubscribeMailDomain` (template tests without bundling). */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const DOMAIN = 'unsubscribe.example.com';

function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const stack = new ConsentGatewayStack(app, 'Test');
  return { app, stack, template: Template.fromStack(stack) };
}
const fnId = (template: Template, id: string) => {
  const found = Object.keys(
    template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `Test-${id}` } }),
  );
  expect(found, id).toHaveLength(1);
  return found[0]!;
};
const envOf = (template: Template, id: string): Record<string, string> =>
  (
    (template.toJSON().Resources[fnId(template, id)] as { Properties: Record<string, unknown> }).Properties
      .Environment as { Variables: Record<string, string> }
  ).Variables;

describe('unsubscribeMailDomain', () => {
  it('given: a receipt rule set hands the domain to UnsubscribeMail (async, retried, on-failure queue); senders know the domain', () => {
    const { template } = synth({ unsubscribeMailDomain: DOMAIN });
    const fn = fnId(template, 'UnsubscribeMail');
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({
        Enabled: true,
        ScanEnabled: true,
        Recipients: [DOMAIN],
        Actions: [{ LambdaAction: { FunctionArn: { 'Fn::GetAtt': [fn, 'Arn'] }, InvocationType: 'Event' } }],
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'ses.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    expect(envOf(template, 'UnsubscribeMail')[ENV.unsubscribeMailDomain]).toBe(DOMAIN);
    for (const id of ['SendMessage', 'SesSendEmail', 'BulkSend']) {
      expect(envOf(template, id)[ENV.unsubscribeMailDomain], id).toBe(DOMAIN);
    }
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining(['UnsubscribeMailRuleSetName', 'UnsubscribeMailDeadLetterQueueUrl']),
    );
  });

  it('absent: no rule set, and no function is told a domain (List-Unsubscribe carries the https link only)', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
    template.resourceCountIs('AWS::SES::ReceiptRule', 0);
    for (const entryPoint of entryPoints) {
      expect(envOf(template, entryPoint.id)[ENV.unsubscribeMailDomain], entryPoint.id).toBeUndefined();
    }
  });

  it('refuses a value that is not a domain name', () => {
    expect(() => synth({ unsubscribeMailDomain: 'not a domain' })).toThrow(ConsentGatewayPropsError);
    expect(() => synth({ unsubscribeMailDomain: 'u@example.com' })).toThrow(ConsentGatewayPropsError);
  });

  it('cdk-nag AwsSolutionsChecks finds nothing, neither do CDK annotations', () => {
    const { app, stack } = synth({ unsubscribeMailDomain: DOMAIN });
    app.synth();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });
});
