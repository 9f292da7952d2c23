/** Input checks shared by the services: each failure is `validation_failed` naming the field. */
import { SimpoolError } from '../shared/index.js';

export function validationError(field: string, issue: string): SimpoolError {
  return new SimpoolError('validation_failed', `${field}: ${issue}`, {
    details: { field, issue },
  });
}

export function requireInteger(field: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw validationError(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function requireText(field: string, value: string, maxLength = 200): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '' || text.length > maxLength) {
    throw validationError(field, `must be 1 to ${maxLength} characters`);
  }
  return text;
}

/** Page sizes: API.md allows up to 200; 50 when not given. */
export function pageLimit(limit: number | undefined): number {
  return limit === undefined ? 50 : requireInteger('limit', limit, 1, 200);
}

/** Service patterns are compiled before they are stored: a typo must not reach the matcher. */
export function requirePattern(field: string, source: string): string {
  try {
    new RegExp(source, 'u');
  } catch {
    try {
      new RegExp(source);
    } catch {
      throw validationError(field, 'not a valid regular expression');
    }
  }
  return source;
}
