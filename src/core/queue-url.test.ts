import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFifoQueue, queueKind, sqsQueueUrl } from './queue-url.js';

test('SQS queue URLs in sqs:// and https://sqs.… form; other schemes are left to their own engines', () => {
  assert.equal(queueKind('sqs://sqs.eu-west-1.amazonaws.com/123456789012/wahook'), 'sqs');
  assert.equal(queueKind('https://sqs.us-east-1.amazonaws.com/123456789012/wahook.fifo'), 'sqs');
  assert.equal(queueKind('https://vpce-0a1b.sqs.us-east-1.vpce.amazonaws.com/123456789012/q'), 'sqs');
  assert.equal(queueKind('sqs://127.0.0.1:9324/000000000000/local'), 'sqs');
  for (const other of ['redis://localhost:6379/0', 'https://example.com/123456789012/q', 'sqs://sqs.eu-west-1.amazonaws.com/wahook', 'sqs://h/123456789012/q?x=1', 'not a url']) {
    assert.equal(queueKind(other), null, other);
  }
  assert.equal(sqsQueueUrl('sqs://sqs.eu-west-1.amazonaws.com/123456789012/wahook'), 'https://sqs.eu-west-1.amazonaws.com/123456789012/wahook');
  assert.equal(sqsQueueUrl('sqs://127.0.0.1:9324/000000000000/local'), 'http://127.0.0.1:9324/000000000000/local', 'a local test server speaks plain HTTP');
  assert.equal(sqsQueueUrl('https://sqs.us-east-1.amazonaws.com/123456789012/q'), 'https://sqs.us-east-1.amazonaws.com/123456789012/q');
  assert.equal(isFifoQueue('https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo'), true);
});
