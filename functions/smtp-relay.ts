// placeholder: replaced by the relay
// Only so that the CDK construct's SMTP relay image has an entry to bundle: it listens on
// SMTP_PORT and SMTP_TLS_PORT (the load balancer's TCP health check) and answers every
// connection that the service is not available.
import { createServer } from 'node:net';

if (process.env.SMTP_RELAY_MAIN === '1') {
  for (const variable of ['SMTP_PORT', 'SMTP_TLS_PORT'] as const) {
    createServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.end('421 4.3.2 consent-gate: the SMTP relay is not built into this image\r\n');
    }).listen(Number(process.env[variable]));
  }
}
