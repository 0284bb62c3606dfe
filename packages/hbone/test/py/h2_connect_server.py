"""An HBONE server written with Python's h2: answers each CONNECT with 200 and echoes the stream back, upper-cased.

Usage: h2_connect_server.py CERT KEY CA
Requires a client certificate. Prints "PORT <n>" once listening, then one JSON line per tunnel:
{"authority": ..., "client_sans": [...], "bytes": n}. Serves until killed.
"""
import json
import socket
import ssl
import sys
import threading

import h2.config
import h2.connection
import h2.events


def serve(sock):
    sans = [v for (k, v) in sock.getpeercert().get("subjectAltName", ()) if k == "URI"]
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8",
                                   # h2 4.1 wrongly demands :path on a plain CONNECT (RFC 9113 §8.5 forbids it)
                                   validate_outbound_headers=False, validate_inbound_headers=False))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    authorities, counts = {}, {}
    while True:
        data = sock.recv(65536)
        if not data:
            break
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                headers = dict(event.headers)
                if headers.get(":method") != "CONNECT":
                    conn.send_headers(event.stream_id, [(":status", "400")], end_stream=True)
                    continue
                authorities[event.stream_id] = headers.get(":authority")
                counts[event.stream_id] = 0
                conn.send_headers(event.stream_id, [(":status", "200")])
            elif isinstance(event, h2.events.DataReceived):
                counts[event.stream_id] = counts.get(event.stream_id, 0) + len(event.data)
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                conn.send_data(event.stream_id, event.data.upper())
            elif isinstance(event, h2.events.StreamEnded):
                conn.end_stream(event.stream_id)
                print(json.dumps({"authority": authorities.get(event.stream_id), "client_sans": sans,
                                  "bytes": counts.get(event.stream_id, 0)}), flush=True)
        sock.sendall(conn.data_to_send())
    sock.close()


def main():
    cert, key, ca = sys.argv[1:4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["h2"])
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    while True:
        raw, _ = listener.accept()
        try:
            sock = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as err:
            print(json.dumps({"handshake_error": str(err)}), flush=True)
            continue
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
