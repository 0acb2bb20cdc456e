import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import {
  CredentialDecryptionError,
  decryptSecret,
  encryptSecret,
  generateAccessKeyId,
} from '../../shared/domain/sender-credential';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';
import { signSesPost } from '../support/ses-signing';

/**
 * SES credential secrets are stored encrypted under the credential key (KMS deployed; the
 * key file's `credentials` key locally), not under the recipient hash key that every
 * function holds; credentials stored before still work.
 */
let gw: LocalGateway;
let doc: ReturnType<typeof createDocumentClient>;
let hashKey: Buffer;
const to = 'credential-secrets@example.org';
beforeAll(async () => {
  gw = await startLocalGateway();
  doc = createDocumentClient(
    new DynamoDBClient({
      endpoint: gw.dynamodbUrl,
      region: 'eu-west-3',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  hashKey = Buffer.from(
    (JSON.parse(readFileSync(join(gw.dir, 'keys.json'), 'utf8')) as { hash: { key: string } }).hash.key,
    'utf8',
  );
  expect(
    (await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(to) })).status,
  ).toBe(201);
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

async function sesSend(creds: { accessKeyId: string; secretAccessKey: string }) {
  const url = new URL('/v2/email/outbound-emails', gw.apiUrl);
  const payload = JSON.stringify({
    FromEmailAddress: 'Demo Shop <news@shop.example>',
    Destination: { ToAddresses: [to] },
    EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
    Content: { Simple: { Subject: { Data: 'Sealed' }, Body: { Text: { Data: 'Hello.' } } } },
  });
  const r = await fetch(url, {
    method: 'POST',
    headers: await signSesPost(url, payload, creds),
    body: payload,
  });
  return { status: r.status, text: await r.text() };
}

describe('SES credential secrets at rest', () => {
  it('the stored item holds no secret in clear, nor one the recipient hash key opens; the SES endpoint verifies with it', async () => {
    const created = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'sealed' } });
    expect(created.status, created.text).toBe(201);
    const { accessKeyId, secretAccessKey } = created.body as { accessKeyId: string; secretAccessKey: string };
    const { Item } = await doc.send(
      new GetCommand({ TableName: gw.tableName, Key: { pk: `CREDENTIAL#${accessKeyId}`, sk: 'CREDENTIAL' } }),
    );
    const raw = JSON.stringify(Item);
    expect(raw).not.toContain(secretAccessKey);
    expect(raw).not.toContain(Buffer.from(secretAccessKey).toString('base64'));
    expect(Item).toBeDefined();
    const sealed = (Item!.data as { secretCiphertext: string }).secretCiphertext;
    expect(sealed.startsWith('local:v1:')).toBe(true);
    // A function that holds only the hash key (every function that hashes addresses) cannot open it.
    expect(() => decryptSecret(hashKey, accessKeyId, sealed.slice('local:v1:'.length))).toThrow(
      CredentialDecryptionError,
    );
    expect(() => decryptSecret(hashKey, accessKeyId, sealed)).toThrow(CredentialDecryptionError);
    const sent = await sesSend({ accessKeyId, secretAccessKey });
    expect(sent.status, sent.text).toBe(200);
  });

  it('credentials stored before (secret under the hash key) still authenticate', async () => {
    const accessKeyId = generateAccessKeyId();
    const secretAccessKey = 'OldSecretOldSecretOldSecretOldSecretOldS';
    await doc.send(
      new PutCommand({
        TableName: gw.tableName,
        Item: {
          pk: `CREDENTIAL#${accessKeyId}`,
          sk: 'CREDENTIAL',
          entity: 'credential',
          v: 1,
          data: {
            accessKeyId,
            tenantId: 'demo',
            keyId: '22222222-3333-4444-8555-666666666666',
            secretCiphertext: encryptSecret(hashKey, accessKeyId, secretAccessKey),
            createdAt: '2026-01-05T10:00:00.000Z',
          },
          gsi1pk: 'TENANT#demo#KEYS',
          gsi1sk: 'CREDENTIAL#22222222-3333-4444-8555-666666666666',
        },
      }),
    );
    const sent = await sesSend({ accessKeyId, secretAccessKey });
    expect(sent.status, sent.text).toBe(200);
    const wrong = await sesSend({ accessKeyId, secretAccessKey: `${secretAccessKey.slice(0, -1)}X` });
    expect(wrong.status).toBe(403);
  });
});
