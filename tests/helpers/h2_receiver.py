"""An HTTP/2 server over TLS on loopback (h2, ALPN ``h2``, a trustme certificate) that records
each request's headers and body and answers with the statuses and bodies queued — the part of
APNs a sender meets on the wire (Apple's own servers cannot be reached from here)."""

from __future__ import annotations

import socket
import ssl
import threading

import h2.config
import h2.connection
import h2.events


class H2Receiver:
    def __init__(self, certificate):  # noqa: ANN001 - a trustme LeafCert
        self.requests: list[dict] = []
        self.answers: list[tuple[int, bytes]] = []
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(self.context)
        self.context.set_alpn_protocols(["h2"])
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.host = f"localhost:{self.listener.getsockname()[1]}"
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            with self.context.wrap_socket(raw, server_side=True) as sock:
                connection = h2.connection.H2Connection(h2.config.H2Configuration(
                    client_side=False, header_encoding="utf-8"))
                connection.initiate_connection()
                sock.sendall(connection.data_to_send())
                streams: dict[int, dict] = {}
                while data := sock.recv(65535):
                    for event in connection.receive_data(data):
                        self._on(connection, event, streams)
                    sock.sendall(connection.data_to_send())
        except (OSError, ssl.SSLError):
            return

    def _on(self, connection: h2.connection.H2Connection, event, streams: dict) -> None:  # noqa: ANN001
        if isinstance(event, h2.events.RequestReceived):
            streams[event.stream_id] = {"headers": dict(event.headers), "body": b""}
        elif isinstance(event, h2.events.DataReceived):
            streams[event.stream_id]["body"] += event.data
            connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            self.requests.append(streams.pop(event.stream_id))
            status, body = self.answers.pop(0) if self.answers else (200, b"")
            connection.send_headers(event.stream_id, [(":status", str(status)),
                                                      ("content-length", str(len(body)))],
                                    end_stream=not body)
            if body:
                connection.send_data(event.stream_id, body, end_stream=True)

    def close(self) -> None:
        self._closed = True
        self.listener.close()
