#!/usr/bin/env node
// The CLI runs its TypeScript through tsx's loader, so `npx consent-gate` needs no build
// step (tsx is therefore a runtime dependency, not a dev one).
//
// Node 20 stays supported (Lambda's nodejs20.x, the engines field): the AWS SDK's
// end-of-support warning for Node < 22 would be the first thing a newcomer reads at
// `npm start`, so it is quieted for this process with the SDK's own switch
// (@aws-sdk/core: AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED). Set it to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
