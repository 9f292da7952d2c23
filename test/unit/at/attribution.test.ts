import { describe, expect, it } from 'vitest';
import {
  DEFAULT_URCS,
  UrcRegistry,
  classifyLine,
  defaultTimeoutFor,
  expectedPrefixes,
  bodyOwnership,
  ownsCallResults,
  type PendingContext,
} from '../../../src/at/index.js';

const urcs = new UrcRegistry(DEFAULT_URCS);
const tables = { finals: [], urcs };
const pending = (command: string, extra: Partial<PendingContext> = {}): PendingContext => ({
  command,
  echoPossible: true,
  payload: null,
  expectedPrefixes: expectedPrefixes(command, urcs),
  awaitingEcho: false,
  ownsCallResults: ownsCallResults(command),
  body: bodyOwnership(command),
  ...extra,
});

describe('expected prefixes', () => {
  it('derives the answer prefix from the command name', () => {
    expect(expectedPrefixes('AT+CMGR=3', urcs)).toEqual(['+CMGR:']);
    expect(expectedPrefixes('AT^ICCID?', urcs)).toEqual(['^ICCID:']);
    expect(expectedPrefixes('AT+csq', urcs)).toEqual(['+CSQ:']);
    expect(expectedPrefixes('ATI', urcs)).toEqual([]);
  });

  it('gives one prefix per part of a chained command', () => {
    expect(expectedPrefixes('AT+CMEE=1;+CREG?', urcs)).toEqual(['+CMEE:', '+CREG:']);
    expect(expectedPrefixes('AT+CUSD=1,"*100#;x",15', urcs)).toEqual([]);
  });

  it('expects +CREG: only from the read and test forms, so AT+CREG=2 leaves it to the URC', () => {
    expect(expectedPrefixes('AT+CREG?', urcs)).toEqual(['+CREG:']);
    expect(expectedPrefixes('AT+CREG=?', urcs)).toEqual(['+CREG:']);
    expect(expectedPrefixes('AT+CREG=2', urcs)).toEqual([]);
  });
});

describe('line attribution', () => {
  it('checks echo, final, expected prefix, URC, body in that order', () => {
    const ctx = pending('AT+CREG?');
    expect(classifyLine('AT+CREG?', ctx, tables).role).toBe('echo');
    expect(classifyLine('OK', ctx, tables).role).toBe('final');
    expect(classifyLine('+CREG: 2,1', ctx, tables).role).toBe('answer');
    expect(classifyLine('+CMTI: "SM",1', ctx, tables).role).toBe('urc');
    expect(classifyLine('whatever', pending('ATI'), tables).role).toBe('body');
  });

  it('takes a +CREG line as URC when no read of it is pending', () => {
    expect(classifyLine('+CREG: 1', pending('AT+CSQ'), tables).role).toBe('urc');
    expect(classifyLine('+CREG: 1', undefined, tables).role).toBe('urc');
  });

  it('calls a line with nothing pending unsolicited unless it is a URC', () => {
    expect(classifyLine('OK', undefined, tables).role).toBe('unsolicited');
    expect(classifyLine('RING', undefined, tables).role).toBe('urc');
  });

  it('drops the echo of a prompt payload, also when cut into pieces', () => {
    const ctx = pending('AT+CMGS=3', { echoPossible: false, payload: '0011AABB' });
    expect(classifyLine('0011AABB', ctx, tables).role).toBe('payload_echo');
    expect(classifyLine('0011', ctx, tables).role).toBe('payload_echo');
    expect(classifyLine('+CMGS: 4', ctx, tables).role).toBe('answer');
  });

  it('gives AT+CMGS two minutes and plain commands ten seconds', () => {
    expect(defaultTimeoutFor('AT+CMGS=23')).toBe(120_000);
    expect(defaultTimeoutFor('AT+CSQ')).toBe(10_000);
    expect(defaultTimeoutFor('AT+CSQ', 5_000)).toBe(5_000);
  });
});
