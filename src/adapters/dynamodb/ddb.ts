import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The few DynamoDB calls the stores make, on the low-level client with
 * attribute values built by hand (no document client: it is not a
 * dependency). The SDK module is loaded when the first store opens, so a
 * function that never opens one (the receiving Lambda) does not pay for it
 * at cold start. Region, endpoint and credentials come from the SDK's own
 * settings (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, the role).
 */

export type Item = Record<string, AttributeValue>;
type Sdk = typeof import('@aws-sdk/client-dynamodb');

let sdk: Promise<Sdk> | undefined;
let shared: Promise<Ddb> | undefined;

export const S = (s: string): AttributeValue => ({ S: s });
export const N = (n: number): AttributeValue => ({ N: String(n) });
export const str = (item: Item | undefined, name: string): string | undefined => item?.[name]?.S;
export const num = (item: Item | undefined, name: string): number | undefined => (item?.[name]?.N === undefined ? undefined : Number(item[name]!.N));
/** Sort keys that compare as strings in number order: 15 digits hold ms times and sequence numbers. */
export const pad = (n: number): string => String(Math.max(0, Math.floor(n))).padStart(15, '0');

export function isConditionFailure(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** `SET #a = :a, …` (and `REMOVE` of undefined values) with every name aliased: DynamoDB reserves words like status, type and key. */
export function updateOf(set: Record<string, AttributeValue | undefined>, extra: { add?: Record<string, number>; ifNotExists?: Record<string, AttributeValue> } = {}) {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  let i = 0;
  for (const [k, v] of Object.entries(set)) {
    const id = i++;
    names[`#u${id}`] = k;
    if (v === undefined) removes.push(`#u${id}`);
    else {
      values[`:u${id}`] = v;
      sets.push(`#u${id} = :u${id}`);
    }
  }
  for (const [k, v] of Object.entries(extra.ifNotExists ?? {})) {
    const id = i++;
    names[`#u${id}`] = k;
    values[`:u${id}`] = v;
    sets.push(`#u${id} = if_not_exists(#u${id}, :u${id})`);
  }
  const adds: string[] = [];
  for (const [k, v] of Object.entries(extra.add ?? {})) {
    const id = i++;
    names[`#u${id}`] = k;
    values[`:u${id}`] = N(v);
    adds.push(`#u${id} :u${id}`);
  }
  const parts = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '', adds.length ? `ADD ${adds.join(', ')}` : ''].filter(Boolean);
  return { UpdateExpression: parts.join(' '), ExpressionAttributeNames: names, ExpressionAttributeValues: Object.keys(values).length ? values : undefined };
}

export class Ddb {
  private constructor(private readonly client: DynamoDBClient, private readonly m: Sdk) {}

  /** One client per process, shared by every store opened. */
  static open(): Promise<Ddb> {
    sdk ??= import('@aws-sdk/client-dynamodb');
    shared ??= sdk.then((m) => new Ddb(new m.DynamoDBClient({}), m));
    return shared;
  }

  get(TableName: string, Key: Item): Promise<Item | undefined> {
    return this.client.send(new this.m.GetItemCommand({ TableName, Key, ConsistentRead: true })).then((r) => r.Item);
  }

  /** Puts an item; with `ifAbsent`, only when no item has its key, and answers whether it did. */
  async put(TableName: string, Item: Item, ifAbsent = false): Promise<boolean> {
    try {
      await this.client.send(new this.m.PutItemCommand({ TableName, Item, ...(ifAbsent ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}) }));
      return true;
    } catch (e) {
      if (ifAbsent && isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** An update, false when its condition did not hold. */
  async update(TableName: string, Key: Item, u: ReturnType<typeof updateOf>, condition?: { expr: string; names?: Record<string, string>; values?: Record<string, AttributeValue> }): Promise<Item | false> {
    try {
      const r = await this.client.send(new this.m.UpdateItemCommand({
        TableName, Key, UpdateExpression: u.UpdateExpression, ReturnValues: 'ALL_NEW',
        ExpressionAttributeNames: { ...u.ExpressionAttributeNames, ...condition?.names },
        ...(u.ExpressionAttributeValues || condition?.values ? { ExpressionAttributeValues: { ...u.ExpressionAttributeValues, ...condition?.values } } : {}),
        ...(condition ? { ConditionExpression: condition.expr } : {}),
      }));
      return r.Attributes ?? {};
    } catch (e) {
      if (condition && isConditionFailure(e)) return false;
      throw e;
    }
  }

  async delete(TableName: string, Key: Item, condition?: { expr: string; names?: Record<string, string>; values?: Record<string, AttributeValue> }): Promise<boolean> {
    try {
      await this.client.send(new this.m.DeleteItemCommand({ TableName, Key, ...(condition ? { ConditionExpression: condition.expr, ExpressionAttributeNames: condition.names, ExpressionAttributeValues: condition.values } : {}) }));
      return true;
    } catch (e) {
      if (condition && isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** Pages of a query, until `want` items passed the filter or the results end. */
  async query(input: Omit<import('@aws-sdk/client-dynamodb').QueryCommandInput, 'ExclusiveStartKey'>, want = Number.POSITIVE_INFINITY): Promise<Item[]> {
    const out: Item[] = [];
    let start: Item | undefined;
    do {
      const r = await this.client.send(new this.m.QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
      out.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start !== undefined && out.length < want);
    return out.slice(0, want);
  }

  /** Any other command, made from the loaded SDK module. */
  send<T = unknown>(fn: (m: Sdk) => object): Promise<T> {
    return (this.client.send as (c: object) => Promise<unknown>)(fn(this.m)) as Promise<T>;
  }
}
