import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUSY_CODES,
  cmeErrorName,
  cmsErrorName,
  huaweiProfile,
  isBusyResult,
  parseFinalResult,
} from '../../../src/at/index.js';

describe('final result codes', () => {
  it('recognises OK, ERROR and the V.250 failure codes', () => {
    expect(parseFinalResult('OK')).toEqual({ kind: 'ok', line: 'OK' });
    for (const line of [
      'ERROR',
      'NO CARRIER',
      'BUSY',
      'NO ANSWER',
      'NO DIALTONE',
      'COMMAND NOT SUPPORT',
    ]) {
      expect(parseFinalResult(line)).toEqual({ kind: 'error', line });
    }
    expect(parseFinalResult('+CSQ: 20,99')).toBeUndefined();
    expect(parseFinalResult('OK then')).toBeUndefined();
  });

  it('parses numeric +CME and +CMS errors with their names', () => {
    expect(parseFinalResult('+CME ERROR: 14')).toEqual({
      kind: 'cme_error',
      line: '+CME ERROR: 14',
      number: 14,
      name: 'sim_busy',
      text: '14',
    });
    expect(parseFinalResult('+CMS ERROR: 322')).toMatchObject({
      kind: 'cms_error',
      number: 322,
      name: 'memory_full',
    });
    expect(parseFinalResult('+CMS ERROR: 999')).toMatchObject({ number: 999, name: null });
  });

  it('recovers the number of a verbose (CMEE=2) error text', () => {
    expect(parseFinalResult('+CME ERROR: SIM PIN required')).toMatchObject({
      number: 11,
      name: 'sim_pin_required',
    });
    expect(parseFinalResult('+CME ERROR: something odd')).toMatchObject({
      number: null,
      name: null,
      text: 'something odd',
    });
  });

  it('names the common numbers of MODEMS.md', () => {
    expect([10, 11, 13, 14, 30].map(cmeErrorName)).toEqual([
      'sim_not_inserted',
      'sim_pin_required',
      'sim_failure',
      'sim_busy',
      'no_network',
    ]);
    expect([321, 322, 330, 500].map(cmsErrorName)).toEqual([
      'invalid_index',
      'memory_full',
      'smsc_unknown',
      'unknown',
    ]);
  });

  it('accepts a profile’s extra final codes', () => {
    expect(parseFinalResult('TOO MANY PARAMETERS')).toBeUndefined();
    expect(parseFinalResult('TOO MANY PARAMETERS', huaweiProfile.extraFinalCodes)).toEqual({
      kind: 'error',
      line: 'TOO MANY PARAMETERS',
    });
  });

  it('treats SIM busy and unknown SMS errors as busy, other errors not', () => {
    const busy = (line: string) => isBusyResult(parseFinalResult(line)!, DEFAULT_BUSY_CODES);
    expect(busy('+CME ERROR: 14')).toBe(true);
    expect(busy('+CMS ERROR: 500')).toBe(true);
    expect(busy('+CME ERROR: 10')).toBe(false);
    expect(busy('ERROR')).toBe(false);
  });
});
