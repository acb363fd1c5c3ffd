// The same flow as wahook's receiving function, as teams often build it: Express wrapped for Lambda by
// serverless-http, the raw body kept for the HMAC check, then SendMessage, then 200.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import express from 'express';
import serverless from 'serverless-http';

const sqs = new SQSClient({});
const queueUrl = process.env.QUEUE_URL!;
const secret = process.env.APP_SECRET!;
const app = express();
app.use(express.raw({ type: 'application/json', limit: '4mb' }));
app.post('/webhook', async (req, res) => {
  const body = req.body as Buffer;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return void res.status(401).json({ error: 'signature' });
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ receivedAt: Date.now(), body: body.toString('base64') }) }));
  res.json({ status: 'received' });
});
export const handler = serverless(app);
