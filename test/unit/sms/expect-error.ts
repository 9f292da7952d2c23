import { expect } from 'vitest';
import { SimpoolError, type ErrorCode } from '../../../src/shared/index.js';

/** Runs `fn`, asserts it throws a SimpoolError with `code`, and returns that error. */
export function expectSimpoolError(fn: () => unknown, code: ErrorCode): SimpoolError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SimpoolError);
  expect((caught as SimpoolError).code).toBe(code);
  return caught as SimpoolError;
}
