// LiveRevocation over stand-in sessions carrying real certificates (a test CA) and real lists (openssl ca -gencrl):
// which sessions a new list closes, what it counts and logs, sessions it cannot track, and InboundTracker.closeFrom,
// through which an inbound session's tunnels learn why they end.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Http2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ambient/core';
import { MeshState } from '@ambient/mesh-state';
import { RevocationLists, type Svid } from '@ambient/spiffe';
import { createTestCa } from '@ambient/spiffe/testing';
import type { Reporter, ResponseFlag } from '@ambient/telemetry';
import { InboundTracker } from '../src/inbound-tracker.js';
import { handshakeRevoked, LiveRevocation, REVOKED_CLOSE_REASON, revokedOutcome, type SessionEnds } from '../src/live-revocation.js';
import { writeCrl } from './support/crl.js';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';

const ca = createTestCa();
const sleep = ca.issueSvid(SLEEP_ID);
const echo = ca.issueSvid(ECHO_ID);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-live-revocation-'));
  writeFileSync(join(dir, 'ca-cert.pem'), ca.material.caCertPem);
  writeFileSync(join(dir, 'ca-key.pem'), ca.material.caKeyPem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The lists openssl makes revoking these SVIDs' leaves. */
function listRevoking(...svids: Svid[]): RevocationLists {
  const out = join(dir, 'crl.pem');
  writeCrl(dir, svids.map((s) => leafOf(s).serialNumber), out);
  return RevocationLists.fromPem(readFileSync(out, 'utf8'));
}

/** What Node's TLSSocket.getPeerCertificate(true) gives: leaf → issuer → the self-signed root pointing at itself. */
function peerCertificate(svid: Svid): object {
  const root: Record<string, unknown> = { raw: ca.caCertificate.raw };
  root['issuerCertificate'] = root;
  return { raw: leafOf(svid).raw, issuerCertificate: root };
}

function leafOf(svid: Svid): Svid['certChain'][number] {
  const leaf = svid.certChain[0];
  if (!leaf) throw new Error(`SVID ${svid.identity} has no certificate`);
  return leaf;
}

class FakeSession extends EventEmitter {
  destroyed = false;
  readonly socket: object;
  constructor(peer: object, ends: SessionEnds = { remoteAddress: '127.0.18.1', remotePort: 40000, localAddress: '127.0.28.1' }) {
    super();
    this.socket = { ...ends, getPeerCertificate: () => peer };
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

function setup(lists: { current: RevocationLists }) {
  const counted: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const closing: SessionEnds[] = [];
  const log = createLogger({ name: 'test', destination: new Writable({ write: (chunk, _e, done) => void (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) }) });
  const revocation = new LiveRevocation({
    lists: () => lists.current,
    metrics: { rejected: (r: Reporter) => counted.push(`rejected ${r}`), untracked: (r: Reporter) => counted.push(`untracked ${r}`) },
    log,
    closingInbound: (ends, reason) => {
      expect(reason).toBe(REVOKED_CLOSE_REASON);
      closing.push(ends);
    },
  });
  return { revocation, counted, lines, closing };
}

const asSession = (s: FakeSession): Http2Session => s as unknown as Http2Session;

describe('LiveRevocation', () => {
  it('closes, counts once and logs the sessions whose peer a new list revokes, and leaves the others', () => {
    const lists = { current: listRevoking() };
    const { revocation, counted, lines, closing } = setup(lists);
    const fromSleep = new FakeSession(peerCertificate(sleep));
    const toEcho = new FakeSession(peerCertificate(echo), { remoteAddress: '127.0.28.1', remotePort: 15008, localAddress: '127.0.18.1' });
    const toSleep = new FakeSession(peerCertificate(sleep), { remoteAddress: '127.0.18.1', remotePort: 15008, localAddress: '127.0.38.1' });
    revocation.track(asSession(fromSleep), 'destination', 'echo-uid');
    revocation.track(asSession(toEcho), 'source', 'sleep-uid');
    revocation.track(asSession(toSleep), 'source', 'other-uid');
    expect(revocation.size).toBe(3);
    expect(revocation.recheck()).toBe(0);

    lists.current = listRevoking(sleep);
    expect(revocation.recheck()).toBe(2);
    expect([fromSleep.destroyed, toEcho.destroyed, toSleep.destroyed]).toEqual([true, false, true]);
    expect(counted).toEqual(['rejected destination', 'rejected source']);
    // Only the inbound session's tunnels are told first, by its TCP ends.
    expect(closing).toEqual([{ remoteAddress: '127.0.18.1', remotePort: 40000, localAddress: '127.0.28.1' }]);
    const logged = lines.filter((l) => l['msg'] === 'closing HBONE connection: peer certificate revoked by CRL update');
    expect(logged.map((l) => [l['direction'], l['workload'], l['peer'], l['revoked']])).toEqual([
      ['inbound', 'echo-uid', SLEEP_ID, 'leaf'],
      ['outbound', 'other-uid', SLEEP_ID, 'leaf'],
    ]);
    expect(revocation.closedForRevocation(asSession(fromSleep))).toBe(true);
    expect(revocation.closedForRevocation(asSession(toEcho))).toBe(false);
    expect(revokedOutcome(revocation, asSession(toSleep))).toEqual({ error: REVOKED_CLOSE_REASON, responseFlags: 'CERT_REVOKED' });
    expect(revokedOutcome(revocation, undefined)).toBeUndefined();

    // The same list again (or a later one still naming sleep) closes and counts nothing more.
    expect(revocation.recheck()).toBe(0);
    expect(counted).toHaveLength(2);
    expect(revocation.size).toBe(1);
  });

  it('closes at once a session whose peer the list in force already revokes (a list that landed mid-handshake)', () => {
    const { revocation, counted } = setup({ current: listRevoking(echo) });
    const session = new FakeSession(peerCertificate(echo));
    revocation.track(asSession(session), 'source', 'sleep-uid');
    expect(session.destroyed).toBe(true);
    expect(counted).toEqual(['rejected source']);
    expect(revocation.size).toBe(0);
  });

  it('forgets a session when it closes on its own', () => {
    const { revocation } = setup({ current: listRevoking() });
    const session = new FakeSession(peerCertificate(sleep));
    revocation.track(asSession(session), 'destination', 'echo-uid');
    session.emit('close');
    expect(revocation.size).toBe(0);
  });

  it.each([
    ['no peer certificate', {}],
    ['a peer certificate that is not DER', { raw: Buffer.from('not a certificate') }],
  ])('counts a session with %s as untracked and leaves it alone', (_name, peer) => {
    const { revocation, counted, lines } = setup({ current: listRevoking(sleep) });
    const session = new FakeSession(peer);
    revocation.track(asSession(session), 'source', 'sleep-uid');
    expect(counted).toEqual(['untracked source']);
    expect(session.destroyed).toBe(false);
    expect(revocation.size).toBe(0);
    expect(lines.some((l) => l['msg'] === 'crl: peer certificate chain unreadable; connection not tracked for revocation' && l['level'] === 'warn')).toBe(true);
  });

  it('counts a handshake this side refused for a revoked chain', () => {
    const { revocation, counted } = setup({ current: listRevoking() });
    revocation.refused('destination');
    expect(counted).toEqual(['rejected destination']);
    expect(handshakeRevoked(Object.assign(new Error('TLS failed'), { cause: Object.assign(new Error('certificate revoked'), { code: 'CERT_REVOKED' }) }))).toBe(true);
    expect(handshakeRevoked(Object.assign(new Error('TLS failed'), { cause: Object.assign(new Error('expired'), { code: 'CERT_HAS_EXPIRED' }) }))).toBe(false);
    expect(handshakeRevoked(undefined)).toBe(false);
  });
});

describe('InboundTracker.closeFrom', () => {
  it('closes the HBONE connections of one session with CERT_REVOKED, and no other', () => {
    const log = createLogger({ name: 'test', destination: new Writable({ write: (_c, _e, done) => done() }) });
    const tracker = new InboundTracker(new MeshState(), [], log);
    const closed: [string, string, ResponseFlag | undefined][] = [];
    const add = (name: string, srcPort: number, hbone: boolean, srcIp = '127.0.18.1'): void => {
      tracker.add({
        request: { dialledIp: '127.0.28.1', authority: { host: '127.0.28.1', port: 8080 }, srcIp, network: '', ...(hbone ? { hbone, peerIdentity: SLEEP_ID } : {}) },
        srcPort,
        close: (reason, flag) => closed.push([name, reason, flag]),
      });
    };
    add('a', 40000, true);
    add('b', 40000, true);
    add('other port', 40001, true);
    add('other address', 40000, true, '127.0.38.1');
    add('plaintext', 40000, false);
    expect(tracker.closeFrom({ remoteAddress: '127.0.18.1', remotePort: 40000, localAddress: '127.0.28.1' }, REVOKED_CLOSE_REASON)).toBe(2);
    expect(closed).toEqual([
      ['a', REVOKED_CLOSE_REASON, 'CERT_REVOKED'],
      ['b', REVOKED_CLOSE_REASON, 'CERT_REVOKED'],
    ]);
    expect(tracker.size).toBe(3);
    tracker.close();
  });
});
