import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mergeStatus, reduceStatuses, STATUS_RANK, type StatusObservation } from './status.js';

const EMPTY = reduceStatuses([]);

describe('status reducer', () => {
  it('orders statuses pending < sent < failed < delivered < read < played', () => {
    const order = Object.entries(STATUS_RANK).sort((a, b) => a[1] - b[1]).map(([s]) => s);
    assert.deepEqual(order, ['pending', 'sent', 'failed', 'delivered', 'read', 'played']);
  });

  it('starts empty', () => {
    assert.deepEqual(EMPTY, { status: null, failed: null });
  });

  it('takes the highest rank regardless of arrival order', () => {
    assert.deepEqual(
      reduceStatuses([
        { status: 'read', timestamp: 3 },
        { status: 'sent', timestamp: 1 },
        { status: 'delivered', timestamp: 2 },
      ]),
      { status: 'read', failed: null },
    );
  });

  it('lets failed beat sent and keeps its errors', () => {
    const errors = [{ code: 131047, title: 'Re-engagement message' }];
    assert.deepEqual(
      reduceStatuses([
        { status: 'failed', timestamp: 2000, errors },
        { status: 'sent', timestamp: 1000 },
      ]),
      { status: 'failed', failed: { timestamp: 2000, errors } },
    );
  });

  it('lets a later delivered/read win over failed but still reports the failure', () => {
    const state = reduceStatuses([
      { status: 'sent', timestamp: 1 },
      { status: 'failed', timestamp: 2, errors: [{ code: 131026 }] },
      { status: 'read', timestamp: 3 },
    ]);
    assert.equal(state.status, 'read');
    assert.deepEqual(state.failed, { timestamp: 2, errors: [{ code: 131026 }] });
  });

  it('keeps the earliest failure, breaking ties by the errors content', () => {
    const late = { status: 'failed', timestamp: 9, errors: [{ code: 1 }] };
    const early = { status: 'failed', timestamp: 5, errors: [{ code: 2 }] };
    assert.deepEqual(reduceStatuses([late, early]).failed, { timestamp: 5, errors: [{ code: 2 }] });
    const tieA = { status: 'failed', timestamp: 5, errors: { b: 1, a: 2 } };
    const tieB = { status: 'failed', timestamp: 5, errors: { c: 0 } };
    assert.deepEqual(reduceStatuses([tieA, tieB]), reduceStatuses([tieB, tieA]));
    assert.deepEqual(reduceStatuses([tieA, tieB]).failed?.errors, { b: 1, a: 2 }, '{"a":2,"b":1} sorts before {"c":0}');
  });

  it('records a failure without errors as null errors', () => {
    assert.deepEqual(reduceStatuses([{ status: 'failed', timestamp: 1 }]).failed, { timestamp: 1, errors: null });
  });

  it('ignores unknown status strings', () => {
    assert.deepEqual(reduceStatuses([{ status: 'deleted', timestamp: 1 }, { status: 'RINGING', timestamp: 2 }]), EMPTY);
    assert.equal(reduceStatuses([{ status: 'mystery', timestamp: 9 }, { status: 'sent', timestamp: 1 }]).status, 'sent');
  });

  it('accepts upper-case values from providers that send them', () => {
    assert.equal(reduceStatuses([{ status: 'DELIVERED', timestamp: 1 }]).status, 'delivered');
  });

  const observation: fc.Arbitrary<StatusObservation> = fc.record(
    {
      status: fc.constantFrom('pending', 'sent', 'failed', 'delivered', 'read', 'played', 'deleted', 'RINGING', ''),
      timestamp: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 })),
      errors: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    },
    { requiredKeys: ['status', 'timestamp'] },
  );

  /** A multiset with repeats (provider retries) and one shuffle of it. */
  const withPermutation = fc
    .array(observation, { maxLength: 12 })
    .chain((base) =>
      fc.tuple(
        fc.constant(base),
        fc.array(fc.nat({ max: Math.max(base.length - 1, 0) }), { maxLength: 6 }),
      ),
    )
    .map(([base, repeats]) => (base.length ? [...base, ...repeats.flatMap((i) => (base[i] ? [base[i]] : []))] : base))
    .chain((all) => fc.tuple(fc.constant(all), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length })));

  it('property: any permutation of the same observations, with duplicates, yields the same state', () => {
    fc.assert(
      fc.property(withPermutation, ([obs, shuffled]) => {
        assert.deepStrictEqual(reduceStatuses(shuffled), reduceStatuses(obs));
      }),
      { numRuns: 500 },
    );
  });

  it('property: folding mergeStatus in any order equals reduceStatuses', () => {
    fc.assert(
      fc.property(withPermutation, ([obs, shuffled]) => {
        const folded = shuffled.reduce((state, o) => mergeStatus(state, o), EMPTY);
        assert.deepStrictEqual(folded, reduceStatuses(obs));
      }),
      { numRuns: 500 },
    );
  });

  it('property: merging a duplicate changes nothing', () => {
    fc.assert(
      fc.property(fc.array(observation, { minLength: 1, maxLength: 8 }), fc.nat(), (obs, pick) => {
        const state = reduceStatuses(obs);
        const again = obs[pick % obs.length];
        assert.ok(again);
        assert.deepStrictEqual(mergeStatus(state, again), state);
      }),
      { numRuns: 300 },
    );
  });

  it('property: the current status is the highest-ranked known observation', () => {
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 10 }), (obs) => {
        const ranks = obs.map((o) => STATUS_RANK[o.status.toLowerCase() as keyof typeof STATUS_RANK]).filter((r) => r !== undefined);
        const state = reduceStatuses(obs);
        if (ranks.length === 0) assert.equal(state.status, null);
        else assert.equal(STATUS_RANK[state.status ?? 'pending'], Math.max(...ranks));
        assert.equal(state.failed === null, !obs.some((o) => o.status === 'failed'));
      }),
      { numRuns: 300 },
    );
  });
});
