/**
 * Property helpers for the suites: `gradientProperty` runs a fast-check property whose body is a
 * gradcheck, and `expectOpError` asserts that a call throws the op's own error.
 */
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { OpError } from '../shape.ts';

/**
 * Assert that `fn` throws an OpError from `op` (the message starts with `op:`), optionally also
 * matching `pattern`. A wrongly shaped result or another kind of error fails.
 */
export function expectOpError(fn: () => unknown, op: string, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof OpError, `expected an OpError from ${op}, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${op}: `), `expected the message to start with "${op}: ", got "${e.message}"`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

/** Run a property (with the suite's global seed and run count unless overridden). */
export const check = <T>(arb: fc.Arbitrary<T>, body: (value: T) => void, params: fc.Parameters<[T]> = {}): void =>
  fc.assert(fc.property(arb, body), params);
