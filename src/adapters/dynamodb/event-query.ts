import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { WahookEvent } from '../../core/events.js';
import { START } from '../../ports/delivery-log.js';
import type { ContactView, EventFilter, EventQuery, EventStats, MessageView } from '../../ports/event-query.js';
import { N, num, S, str, type Ddb } from './ddb.js';
import { fromJsonAttr } from './json-attr.js';
import { CHECKPOINT_KEY } from './event-store.js';
import type { TableNames } from './tables.js';

/** A filter expression from optional conditions, each applied only when its value is given. */
function filterOf(conditions: readonly [string, string, AttributeValue | undefined][]) {
  const used = conditions.filter(([, , v]) => v !== undefined);
  if (used.length === 0) return {};
  return {
    FilterExpression: used.map(([name, op], i) => `#f${i} ${op} :f${i}`).join(' AND '),
    ExpressionAttributeNames: Object.fromEntries(used.map(([name], i) => [`#f${i}`, name])),
    ExpressionAttributeValues: Object.fromEntries(used.map(([, , v], i) => [`:f${i}`, v!])),
  };
}

/** Reads for the CLI and the dashboard, through the `byOrder` index: events by sequence, messages by time, contacts by last inbound message. */
export class DynamoEventQuery implements EventQuery {
  constructor(private readonly ddb: Ddb, private readonly t: TableNames) {}

  private listed(gpk: string, newestFirst: boolean, limit: number, filter: ReturnType<typeof filterOf> = {}) {
    return this.ddb.query({
      TableName: this.t.events, IndexName: 'byOrder', KeyConditionExpression: '#gpk = :gpk', ScanIndexForward: !newestFirst,
      ...filter,
      ExpressionAttributeNames: { '#gpk': 'gpk', ...filter.ExpressionAttributeNames },
      ExpressionAttributeValues: { ':gpk': S(gpk), ...filter.ExpressionAttributeValues },
    }, limit);
  }

  async events(f: EventFilter): Promise<WahookEvent[]> {
    const filter = filterOf([['kind', '=', f.kind === undefined ? undefined : S(f.kind)], ['type', '=', f.type === undefined ? undefined : S(f.type)], ['ts', '>=', f.since === undefined ? undefined : N(f.since)], ['tenant', '=', f.tenant === undefined ? undefined : S(f.tenant)]]);
    return Promise.all((await this.listed('E', f.newestFirst === true, f.limit ?? 1000, filter)).map((e) => fromJsonAttr<WahookEvent>(e.json)));
  }

  async messages(limit: number): Promise<MessageView[]> {
    const rows = await this.listed('M', true, limit);
    return Promise.all(rows.map(async (r) => {
      const history = await this.ddb.query({ TableName: this.t.events, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)', ExpressionAttributeValues: { ':pk': r.pk!, ':h': S('H#') }, ConsistentRead: true });
      history.sort((a, b) => num(a, 'ts')! - num(b, 'ts')! || str(a, 'status')!.localeCompare(str(b, 'status')!));
      const failed = str(r, 'failed');
      return {
        tenant: str(r, 'tenant')!, messageId: str(r, 'messageId')!, provider: str(r, 'provider') ?? '', type: str(r, 'type') ?? null,
        contact: str(r, 'contact') ?? null, timestamp: num(r, 'ts') ?? null, status: str(r, 'status') ?? null, failed: failed ? JSON.parse(failed) : null,
        statusHistory: history.map((h) => ({
          status: str(h, 'status')!, timestamp: num(h, 'ts')!,
          ...(str(h, 'recipient') ? { recipient: str(h, 'recipient')! } : {}),
          ...(str(h, 'errors') ? { errors: JSON.parse(str(h, 'errors')!) } : {}),
        })),
      };
    }));
  }

  async contacts(limit: number, tenant?: string): Promise<ContactView[]> {
    const rows = await this.listed('C', true, limit, filterOf([['tenant', '=', tenant === undefined ? undefined : S(tenant)]]));
    return rows.map((r) => ({ tenant: str(r, 'tenant')!, contact: str(r, 'contact')!, profileName: str(r, 'profileName') ?? null, lastInboundAt: num(r, 'lastInboundAt') ?? null, windowOpenUntil: num(r, 'windowOpenUntil') ?? null }));
  }

  async stats(): Promise<EventStats> {
    const counters = await this.ddb.query({ TableName: this.t.events, KeyConditionExpression: 'pk = :c', ExpressionAttributeValues: { ':c': S('COUNTERS') }, ConsistentRead: true });
    const eventsByKind: Record<string, number> = {};
    let events = 0;
    let duplicates = 0;
    for (const c of counters) {
      const name = str(c, 'sk')!;
      const value = num(c, 'value') ?? 0;
      if (name.startsWith('events.')) {
        eventsByKind[name.slice(7)] = value;
        events += value;
      } else if (name === 'duplicates') duplicates = value;
    }
    return { eventsByKind, events, duplicates, checkpoint: str(await this.ddb.get(this.t.events, CHECKPOINT_KEY), 'position') ?? START };
  }

  async close(): Promise<void> {}
}
