// The two preconditions of --capture iptables, each with the sentence an operator gets.
import { describe, expect, it } from 'vitest';
import { hasCode } from '@ambient/core';
import { requireNodeNamespace, requireOriginalDst } from '../../src/capture/support.js';

describe('requireOriginalDst', () => {
  it('names the missing addon and why', () => {
    const attempt = () => requireOriginalDst({ available: false, reason: 'build failed: g++: not found' });
    expect(attempt).toThrow('--capture iptables needs the SO_ORIGINAL_DST addon: build failed: g++: not found');
    try {
      attempt();
    } catch (err) {
      expect(hasCode(err, 'ZTUNNEL_ERR_CAPTURE')).toBe(true);
    }
  });
  it('passes when the addon is there (it is built here by npm ci)', () => {
    expect(() => requireOriginalDst()).not.toThrow();
  });
});

describe('requireNodeNamespace', () => {
  it('accepts a namespace named by ip netns', () => {
    expect(() => requireNodeNamespace('net:[4026532999]', [4026532001, 4026532999], 'net:[4026532999]')).not.toThrow();
  });
  it('accepts an unnamed namespace that is not PID 1\'s', () => {
    expect(() => requireNodeNamespace('net:[4026532999]', [], 'net:[4026531840]')).not.toThrow();
  });
  it.each([
    ['PID 1\'s namespace', 'net:[4026531840]', 'net:[4026531840]', /no namespace under \/run\/netns and is PID 1's/],
    ['an unnamed namespace when PID 1\'s cannot be read', 'net:[4026532999]', undefined, /this process is in net:\[4026532999\], which is no namespace under \/run\/netns$/],
  ])('refuses %s', (_what, own, init, message) => {
    expect(() => requireNodeNamespace(own, [4026532001], init)).toThrow(message);
  });
  it('refuses this test process, which runs in the machine\'s namespace', () => {
    expect(() => requireNodeNamespace()).toThrow(/runs only in a node namespace/);
  });
});
