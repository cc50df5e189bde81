import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/corefile/duration.js';

describe('parseDuration', () => {
  it.each<[string, number | null]>([
    ['0', 0],
    ['+0', 0],
    ['0s', 0],
    ['300ms', 300],
    ['1.5s', 1500],
    ['.5s', 500],
    ['1.s', 1000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1h2m3s4ms', 3_723_004],
    ['1us', 0.001],
    ['1µs', 0.001], // micro sign
    ['1μs', 0.001], // Greek mu
    ['1500ns', 0.0015],
    ['+5s', 5000],
    ['5s5s', 10_000],
    ['', null],
    ['5', null], // no unit
    ['-5s', null],
    ['-0', null],
    ['s', null],
    ['.s', null],
    ['5 s', null],
    ['5sec', null],
    ['5S', null],
    ['1d', null],
    ['1e3s', null],
    ['5s ', null],
    ['abc', null],
    ['3000000h', null], // beyond Go's int64 nanoseconds
  ])('%j -> %j', (input, want) => {
    expect(parseDuration(input)).toBe(want);
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [0.5, '500µs'],
    [300, '300ms'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
  ])('%j -> %s', (ms, want) => {
    expect(formatDuration(ms)).toBe(want);
  });
});
