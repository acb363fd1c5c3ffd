/**
 * Helpers for the planner's tests: the shipped price list, read from the
 * project root (found by walking up to package.json), and short-hands for
 * building profiles and catching planner errors.
 */
import assert from 'node:assert/strict';
import { defaultPrices } from './shipped-prices.js';
import { GatewayError } from '../core/errors.js';
import { parseCostArgs } from './args.js';
import type { PriceBook } from './prices.js';
import { loadPrices } from './prices.js';
import { buildProfile } from './profile.js';
import type { MeasuredTraffic, TrafficProfile } from './types.js';

export { packageRoot as projectRoot } from './shipped-prices.js';

/**
 * A fresh parse of the shipped price list (safe to mutate).
 * @example
 * const json = defaultPricesJson() as { lambda: { requests: { value: number } } };
 */
export const defaultPricesJson = defaultPrices;

/** The shipped price list, validated. */
export const book: PriceBook = loadPrices(defaultPricesJson());

/**
 * A profile from command-line flags.
 * @example
 * profileOf(['--volume', '1e7', '--front-door', 'none']);
 */
export function profileOf(argv: string[], measured: MeasuredTraffic | null = null): TrafficProfile {
  return buildProfile(parseCostArgs(argv), measured);
}

/**
 * Runs `fn`, asserts it throws a planner-input GatewayError, and returns it.
 * @example
 * assert.match(plannerError(() => parseCostArgs(['--nope'])).message, /--nope/);
 */
export function plannerError(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GatewayError, `expected a GatewayError, got ${String(e)}`);
    assert.equal(e.code, 'WAHOOK_ERR_PLANNER_INPUT');
    return e;
  }
  return assert.fail('expected a planner input error');
}

/** Money to the cent, as the tests compare it. */
export const cents = (x: number): number => Math.round(x * 100) / 100;
