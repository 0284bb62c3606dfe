// Access-log records: the fields of ztunnel's "connection opened/complete/failed" lines, for pino.
import { describe, expect, it } from 'vitest';
import { accessLogRecord, earlyDenyRecord, formatSocketAddress, tcpConnectionLabels } from '../src/index.js';
import { echo, echoService, sleep } from './fixtures.js';

const outbound = tcpConnectionLabels({ reporter: 'source', source: sleep, destination: echo, destinationService: echoService, securityPolicy: 'mutual_tls' });

describe('accessLogRecord', () => {
  it('outbound over mTLS: pod names, identities, bytes as the source proxy sent and received them', () => {
    const labels = { ...outbound, source_principal: sleep.identity };
    expect(
      accessLogRecord({
        labels,
        src: { address: '127.0.10.1', port: 40000 },
        dst: { address: '127.0.20.1', port: 15008 },
        hbone: { address: '127.0.20.1', port: 8080 },
        srcWorkload: sleep.name,
        dstWorkload: echo.name,
        bytes: { request: 120, response: 4096 },
        durationMs: 12.9,
      }),
    ).toEqual({
      'src.addr': '127.0.10.1:40000',
      'src.workload': 'sleep-7d9f8b-abcde',
      'src.namespace': 'default',
      'src.identity': 'spiffe://cluster.local/ns/default/sa/sleep',
      'src.cluster': 'Kubernetes',
      'dst.addr': '127.0.20.1:15008',
      'dst.hbone_addr': '127.0.20.1:8080',
      'dst.service': 'echo.apps.svc.cluster.local',
      'dst.workload': 'echo-5c6d7e-fghij',
      'dst.namespace': 'apps',
      'dst.identity': 'spiffe://cluster.local/ns/apps/sa/echo',
      'dst.cluster': 'Kubernetes',
      direction: 'outbound',
      bytes_sent: 120,
      bytes_recv: 4096,
      duration: '12ms',
    });
  });

  it('inbound: bytes_sent is what went back to the client; an error is carried through', () => {
    const labels = tcpConnectionLabels({ reporter: 'destination', destination: echo, securityPolicy: 'mutual_tls' });
    const record = accessLogRecord({
      labels,
      src: { address: '127.0.10.1', port: 40000 },
      dst: { address: '127.0.20.1', port: 15008 },
      bytes: { request: 120, response: 4096 },
      durationMs: 0,
      error: 'connection reset by upstream',
    });
    expect(record).toMatchObject({ direction: 'inbound', bytes_sent: 4096, bytes_recv: 120, duration: '0ms', error: 'connection reset by upstream' });
    // Falls back to the canonical service when no pod name is given; unknown source fields are left out.
    expect(record['dst.workload']).toBe('echo');
    expect(Object.keys(record).filter((k) => k.startsWith('src.'))).toEqual(['src.addr']);
  });

  it('names no identity without mutual TLS', () => {
    const plaintext = tcpConnectionLabels({ reporter: 'source', source: sleep, destination: echo, securityPolicy: 'unknown' });
    const record = accessLogRecord({ labels: plaintext, src: { address: '127.0.10.1', port: 1 }, dst: { address: '127.0.20.1', port: 80 } });
    expect(record['dst.identity']).toBeUndefined();
    expect(record['dst.workload']).toBe('echo');
    expect(record).not.toHaveProperty('bytes_sent');
    expect(record).not.toHaveProperty('duration');
  });

  it('brackets IPv6 addresses as ztunnel prints them', () => {
    expect(formatSocketAddress({ address: '::1', port: 15008 })).toBe('[::1]:15008');
    expect(formatSocketAddress({ address: '127.0.0.1', port: 0 })).toBe('127.0.0.1:0');
  });

  it('earlyDenyRecord has only addresses, direction and the error', () => {
    expect(earlyDenyRecord('destination', { address: '127.0.10.1', port: 5 }, { address: '127.0.20.1', port: 15008 }, 'unknown destination')).toEqual({
      'src.addr': '127.0.10.1:5',
      'dst.addr': '127.0.20.1:15008',
      direction: 'inbound',
      error: 'unknown destination',
    });
  });
});
