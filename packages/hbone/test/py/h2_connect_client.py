"""An HBONE client written with Python's h2 (an HTTP/2 implementation that is not Node's): one CONNECT over mTLS.

Usage: h2_connect_client.py HOST PORT CERT KEY CA AUTHORITY PAYLOAD
Prints one JSON line: {"status": ..., "headers": {non-pseudo response headers}, "body": ..., "server_sans": [...]}.
"""
import json
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events


def main():
    host, port, cert, key, ca, authority, payload = sys.argv[1:8]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["h2"])
    sock = ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=10))
    assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()
    sans = [v for (k, v) in sock.getpeercert().get("subjectAltName", ()) if k == "URI"]

    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                   # h2 4.1 wrongly demands :path on a plain CONNECT (RFC 9113 §8.5 forbids it)
                                   validate_outbound_headers=False, validate_inbound_headers=False))
    conn.initiate_connection()
    stream_id = conn.get_next_available_stream_id()
    conn.send_headers(stream_id, [(":method", "CONNECT"), (":authority", authority)])
    sock.sendall(conn.data_to_send())

    status, headers, body, sent = None, {}, b"", False
    while True:
        data = sock.recv(65536)
        if not data:
            break
        done = False
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                status = int(dict(event.headers)[":status"])
                headers = {k: v for (k, v) in event.headers if not k.startswith(":")}
                if status == 200 and not sent:
                    conn.send_data(stream_id, payload.encode(), end_stream=True)
                    sent = True
            elif isinstance(event, h2.events.DataReceived):
                body += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, stream_id)
            elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)):
                done = True
        sock.sendall(conn.data_to_send())
        if done:
            break
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()
    print(json.dumps({"status": status, "headers": headers, "body": body.decode(errors="replace"), "server_sans": sans}))


if __name__ == "__main__":
    main()
