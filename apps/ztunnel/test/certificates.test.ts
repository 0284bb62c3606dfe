// Local workload certificates: prefetch on want, forget on departure, readiness, rotation announcements, dump shape.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Svid } from '@ambient/spiffe';
import { createTestCa } from '@ambient/spiffe/testing';
import { WorkloadCertificates } from '../src/certificates.js';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';

function setup(fail = new Set<string>()) {
  const ca = createTestCa();
  const asked: string[] = [];
  const timers: (() => void)[] = [];
  const certificates = new WorkloadCertificates(
    (identity) => {
      asked.push(identity);
      return fail.has(identity) ? Promise.reject(new Error(`CA refused ${identity}`)) : Promise.resolve(ca.issueSvid(identity, { ttlSeconds: 3600 }));
    },
    { timers: { setTimeout: (callback) => timers.push(callback), clearTimeout: () => undefined } },
  );
  return { certificates, asked, timers };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('WorkloadCertificates', () => {
  it('prefetches wanted identities and is ready once each has a certificate', async () => {
    const { certificates, asked } = setup();
    expect(certificates.allReady()).toBe(true);
    certificates.want([SLEEP_ID, ECHO_ID]);
    expect(certificates.allReady()).toBe(false);
    await settle();
    expect(asked.sort()).toEqual([ECHO_ID, SLEEP_ID]);
    expect(certificates.allReady()).toBe(true);
    expect(certificates.find(SLEEP_ID)?.identity).toBe(SLEEP_ID);
    certificates.close();
  });

  it('forgets identities that left the node and does not fetch twice', async () => {
    const { certificates, asked } = setup();
    certificates.want([SLEEP_ID, ECHO_ID]);
    await settle();
    certificates.want([SLEEP_ID]);
    expect(certificates.find(ECHO_ID)).toBeUndefined();
    expect(certificates.dump().map((d) => d.identity)).toEqual([SLEEP_ID]);
    expect(asked).toHaveLength(2);
    certificates.close();
  });

  it('announces the first issue and every refresh', async () => {
    const { certificates, timers } = setup();
    const issued: Svid[] = [];
    certificates.onIssued((svid) => issued.push(svid));
    certificates.want([SLEEP_ID]);
    await settle();
    expect(issued.map((s) => s.identity)).toEqual([SLEEP_ID]);
    // The half-life refresh timer fires: a new certificate, announced.
    timers.shift()?.();
    await settle();
    expect(issued).toHaveLength(2);
    expect(issued[1]?.certChain[0]?.serialNumber).not.toBe(issued[0]?.certChain[0]?.serialNumber);
    certificates.close();
  });

  it('dumps state, chain and roots as ztunnel does, and the failure of an unavailable one', async () => {
    const { certificates } = setup(new Set([ECHO_ID]));
    certificates.want([SLEEP_ID, ECHO_ID]);
    await settle();
    const [echo, sleep] = certificates.dump();
    expect(echo).toMatchObject({ identity: ECHO_ID, state: 'Unavailable', certChain: [], failures: 1, lastError: `CA refused ${ECHO_ID}` });
    expect(sleep).toMatchObject({ identity: SLEEP_ID, state: 'Available', failures: 0 });
    const leaf = new X509Certificate(Buffer.from(sleep?.certChain[0]?.pem ?? '', 'base64').toString());
    expect(leaf.subjectAltName).toContain(SLEEP_ID);
    expect(sleep?.rootCerts).toHaveLength(1);
    expect(Date.parse(sleep?.certChain[0]?.expirationTime ?? '')).toBeGreaterThan(Date.now());
    expect(certificates.allReady()).toBe(false);
    certificates.close();
  });
});
