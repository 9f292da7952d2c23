import { describe, expect, it } from 'vitest';
import { isGsm7, segmentData, segmentText, septetCount } from '../../../src/sms/index.js';

const MM = 'ModemManager test-sms-part-3gpp.c';

describe('GSM-7 helpers', () => {
  it('counts extension characters and form feed as two septets', () => {
    expect(septetCount('abc')).toBe(3);
    expect(septetCount('€[]{}\\~^|\f')).toBe(20);
    expect(septetCount('Δ@£')).toBe(3);
  });

  it('reports no septet count for text outside the GSM-7 alphabet', () => {
    expect(septetCount('ç')).toBeUndefined();
    expect(septetCount('😀')).toBeUndefined();
    expect(isGsm7('Grüße, Ålesund!')).toBe(true);
    expect(isGsm7('`')).toBe(false);
  });
});

describe('segmentText', () => {
  it(`keeps 160 septets in one GSM-7 part (${MM} max-single-pdu)`, () => {
    const text = '0123456789'.repeat(16);
    expect(segmentText(text)).toEqual({ encoding: 'gsm7', parts: [text], units: 160 });
  });

  it(`splits 161 septets at 153 (${MM} two-pdu)`, () => {
    const text = '0123456789'.repeat(16) + '0';
    const { encoding, parts } = segmentText(text);
    expect(encoding).toBe('gsm7');
    expect(parts).toEqual([text.slice(0, 153), '34567890']);
  });

  it(`keeps 70 UCS2 characters in one part and splits 71 at 67 (${MM} two-pdu-UCS2)`, () => {
    const seventy = '你好'.repeat(35);
    expect(segmentText(seventy).parts).toEqual([seventy]);
    const text = seventy + '好';
    const { encoding, parts } = segmentText(text);
    expect(encoding).toBe('ucs2');
    expect(parts).toEqual([text.slice(0, 67), '好你好好']);
  });

  it('counts extension characters as two septets when deciding to split', () => {
    const text = '€'.repeat(80);
    expect(segmentText(text).parts).toHaveLength(1);
    expect(segmentText(text + 'a').parts).toHaveLength(2);
  });

  it('never splits an escape pair across parts', () => {
    const text = 'a'.repeat(152) + '€' + 'b'.repeat(10);
    const { parts } = segmentText(text);
    expect(parts[0]).toBe('a'.repeat(152));
    expect(parts[1]!.startsWith('€')).toBe(true);
    for (const part of parts) expect(septetCount(part)).toBeLessThanOrEqual(153);
  });

  it('never splits a surrogate pair across parts', () => {
    const text = 'x'.repeat(66) + '😀' + 'y'.repeat(10);
    const { encoding, parts } = segmentText(text);
    expect(encoding).toBe('ucs2');
    expect(parts[0]).toBe('x'.repeat(66));
    expect(parts[1]!.startsWith('😀')).toBe(true);
  });

  it('picks UCS2 as soon as one character is outside GSM-7', () => {
    expect(segmentText('hello ç').encoding).toBe('ucs2');
    expect(segmentText('hello é').encoding).toBe('gsm7');
  });

  it('honours forceUcs2 and the smaller capacity of 16-bit references', () => {
    expect(segmentText('abc', { forceUcs2: true }).encoding).toBe('ucs2');
    const { parts } = segmentText('z'.repeat(161), { referenceBits: 16 });
    expect(parts.map((p) => p.length)).toEqual([152, 9]);
  });

  it('treats an empty text as one empty part', () => {
    expect(segmentText('')).toEqual({ encoding: 'gsm7', parts: [''], units: 0 });
  });
});

describe('segmentData', () => {
  it('keeps 140 octets in one part and splits 141 at 134', () => {
    expect(segmentData(new Uint8Array(140)).parts).toHaveLength(1);
    expect(segmentData(new Uint8Array(141)).parts.map((p) => p.length)).toEqual([134, 7]);
  });
});
