// The least any receiving function does, with no wahook code: node:crypto and node:net loaded, a connection to
// the queue opened while the module loads, the body's HMAC checked, SendMessage signed (SigV4) and written by
// hand, its answer read and its MD5 checked, then 200. No retries, no timeout, one request: a yardstick, not a client.
// Node's modules taken as wahook's bundle takes them (process.getBuiltinModule): an import of `node:crypto` would
// go through its ESM facade, which reads every export and loads parts no receiving function uses.
const { createHash, createHmac, timingSafeEqual } = process.getBuiltinModule('node:crypto');
const { connect } = process.getBuiltinModule('node:net');

const endpoint = new URL(process.env.AWS_ENDPOINT_URL_SQS!);
const queueUrl = process.env.QUEUE_URL!;
const socket = connect(Number(endpoint.port), endpoint.hostname);
socket.setNoDelay(true);
let waiting: ((body: string) => void) | null = null;
let buffered = '';
socket.on('data', (d: Buffer) => {
  buffered += d.toString();
  const end = buffered.indexOf('\r\n\r\n');
  const length = /content-length: (\d+)/i.exec(buffered.slice(0, end));
  if (end < 0 || length === null || buffered.length - end - 4 < Number(length[1])) return;
  const body = buffered.slice(end + 4);
  buffered = '';
  waiting?.(body);
});

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');

export const handler = async (event: { body: string; isBase64Encoded?: boolean; headers: Record<string, string> }): Promise<{ statusCode: number; body?: string }> => {
  const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString() : event.body;
  const given = Buffer.from(event.headers['x-hub-signature-256'] ?? '');
  const expected = Buffer.from(`sha256=${createHmac('sha256', process.env.APP_SECRET!).update(body).digest('hex')}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { statusCode: 401 };
  const payload = JSON.stringify({ QueueUrl: queueUrl, MessageBody: body });
  const date = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = date.slice(0, 8);
  const region = process.env.AWS_REGION!;
  const signed = 'content-type;host;x-amz-date;x-amz-target';
  const canonical = `POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:${endpoint.host}\nx-amz-date:${date}\nx-amz-target:AmazonSQS.SendMessage\n\n${signed}\n${sha256(payload)}`;
  const scope = `${day}/${region}/sqs/aws4_request`;
  const key = hmac(hmac(hmac(hmac(`AWS4${process.env.AWS_SECRET_ACCESS_KEY!}`, day), region), 'sqs'), 'aws4_request');
  const signature = hmac(key, `AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha256(canonical)}`).toString('hex');
  const answer = new Promise<string>((resolve) => (waiting = resolve));
  socket.write(`POST / HTTP/1.1\r\nhost: ${endpoint.host}\r\ncontent-type: application/x-amz-json-1.0\r\nx-amz-date: ${date}\r\nx-amz-target: AmazonSQS.SendMessage\r\nauthorization: AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID!}/${scope}, SignedHeaders=${signed}, Signature=${signature}\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
  const sent = JSON.parse(await answer) as { MD5OfMessageBody?: string };
  if (sent.MD5OfMessageBody !== createHash('md5').update(body).digest('hex')) return { statusCode: 500 };
  socket.unref();
  return { statusCode: 200, body: '{"status":"received"}' };
};
