import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFifoQueue, queueKind, sqsQueueUrl } from './queue-url.js';
import { redisQueueAddress } from './redis-url.js';

test('SQS queue URLs in sqs:// and https://sqs.… form; other schemes are left to their own engines', () => {
  assert.equal(queueKind('sqs://sqs.eu-west-1.amazonaws.com/123456789012/wahook'), 'sqs');
  assert.equal(queueKind('https://sqs.us-east-1.amazonaws.com/123456789012/wahook.fifo'), 'sqs');
  assert.equal(queueKind('https://vpce-0a1b.sqs.us-east-1.vpce.amazonaws.com/123456789012/q'), 'sqs');
  assert.equal(queueKind('sqs://127.0.0.1:9324/000000000000/local'), 'sqs');
  for (const other of ['https://example.com/123456789012/q', 'sqs://sqs.eu-west-1.amazonaws.com/wahook', 'sqs://h/123456789012/q?x=1', 'not a url']) {
    assert.equal(queueKind(other), null, other);
  }
  assert.equal(sqsQueueUrl('sqs://sqs.eu-west-1.amazonaws.com/123456789012/wahook'), 'https://sqs.eu-west-1.amazonaws.com/123456789012/wahook');
  assert.equal(sqsQueueUrl('sqs://127.0.0.1:9324/000000000000/local'), 'http://127.0.0.1:9324/000000000000/local', 'a local test server speaks plain HTTP');
  assert.equal(sqsQueueUrl('https://sqs.us-east-1.amazonaws.com/123456789012/q'), 'https://sqs.us-east-1.amazonaws.com/123456789012/q');
  assert.equal(isFifoQueue('https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo'), true);
});

test('Redis queue URLs: redis:// and rediss://, a database number, and only the key and group parameters', () => {
  assert.equal(queueKind('redis://localhost:6379/0'), 'redis');
  assert.equal(queueKind('rediss://user:pw@redis.example.com?key=acme&group=w'), 'redis');
  // The scheme in any case, as URLs have it.
  assert.equal(queueKind('REDIS://localhost:6379/0'), 'redis');
  assert.equal(queueKind('Rediss://localhost'), 'redis');
  assert.deepEqual(redisQueueAddress('rediss://u:p%40ss@[::1]:6380/3?key=acme&group=edge.1'), {
    host: '::1', port: 6380, db: 3, tls: true, username: 'u', password: 'p@ss', key: 'acme', group: 'edge.1',
  });
  assert.deepEqual(redisQueueAddress('redis://127.0.0.1'), { host: '127.0.0.1', port: 6379, db: 0, tls: false, key: 'wahook', group: 'workers' });
  for (const bad of ['redis://h/abc', 'redis://h/0?stream=x', 'redis://h/0?key=a%20b', 'redis:///0', 'redis://h/0#x']) {
    assert.equal(queueKind(bad), null, bad);
  }
});
