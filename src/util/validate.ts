/**
 * Argument checks shared by the modules. Each message names the argument, what was expected and
 * what was received, in the spirit of PyTorch's messages, so that a user of either library
 * recognises the problem.
 */

import { describe } from './describe';

/** Checks that `value` is an integer >= `min` (PyTorch: "hidden_size must be greater than zero"). */
export function checkInteger(owner: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${owner}: ${name} should be an integer, got ${describe(value)}`);
  }
  if (value < min) {
    const expected = min === 1 ? 'greater than zero' : `at least ${min}`;
    throw new RangeError(`${owner}: ${name} must be ${expected}, got ${value}`);
  }
  return value;
}

export function checkBoolean(owner: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${owner}: ${name} should be a boolean, got ${describe(value)}`);
  }
  return value;
}
