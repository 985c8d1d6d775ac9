"""The emulator's HTTP server: moto's WSGI application served the way AWS endpoints answer.

- HTTP/1.1, by werkzeug's threaded server (what moto's own server runs).
- HTTP/2 in cleartext with prior knowledge, on the same port: the AWS SDK for JavaScript v3
  speaks it to an `http://` endpoint for Bedrock Runtime (its default request handler is
  NodeHttp2Handler). A connection is told apart by its first 24 bytes, the HTTP/2 preface.
- With a TLS port, HTTPS on it: HTTP/2 or HTTP/1.1 as ALPN settles, with a certificate
  issued by a CA generated into the emulator's directory (tls.py).

HTTP/2 streams of one connection are carried out concurrently, each in its own thread; one
thread per connection does all of the connection's I/O, as HTTP/2 needs (flow control,
frame order).
"""

import io
import queue
import select
import selectors
import socket
import ssl
import threading
import time
from urllib.parse import unquote_to_bytes

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import ThreadedWSGIServer

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# Headers HTTP/2 forbids (RFC 9113, 8.2.2): the WSGI application may still set them.
_HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}


def _starts_with_preface(sock) -> bool:
    """Peek at the first bytes without taking them: the HTTP/2 preface, or anything else."""
    deadline = time.monotonic() + 30
    seen = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            # Wait for bytes beyond those already seen (a peek leaves them readable).
            readable, _, _ = select.select([sock], [], [], remaining)
            if not readable:
                return False
            head = sock.recv(len(PREFACE), socket.MSG_PEEK)
        except (OSError, ValueError):
            return False
        if not head or not PREFACE.startswith(head):
            return False
        if len(head) >= len(PREFACE):
            return True
        if len(head) == seen:
            time.sleep(0.001)  # the same partial preface: more is on its way
        seen = len(head)


class Server(ThreadedWSGIServer):
    """werkzeug's threaded server, handing HTTP/2 connections to Http2Connection and, on a
    TLS port, doing the TLS handshake in the connection's own thread (a silent client never
    holds up the others)."""

    def __init__(self, host, port, app, tls_context=None):
        super().__init__(host, port, app, handler=MotoRequestHandler)
        self.tls_context = tls_context
        # werkzeug reads ssl_context only to name the URL scheme in the WSGI environ.
        self.ssl_context = tls_context

    def finish_request(self, request, client_address):
        if self.tls_context is not None:
            try:
                request.settimeout(30)
                request = self.tls_context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (OSError, ssl.SSLError):
                return
            if request.selected_alpn_protocol() == "h2":
                Http2Connection(request, client_address, self, "https").serve()
                return
        elif _starts_with_preface(request):
            Http2Connection(request, client_address, self, "http").serve()
            return
        super().finish_request(request, client_address)

    def shutdown_request(self, request):
        try:
            super().shutdown_request(request)
        except (OSError, ValueError):
            pass


class Http2Connection:
    def __init__(self, sock, client_address, server, scheme):
        self.sock = sock
        self.client_address = client_address
        self.server = server
        self.scheme = scheme
        self.conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=False, header_encoding=None, validate_inbound_headers=True)
        )
        self.requests = {}  # stream id -> (headers, body)
        self.done = queue.Queue()  # (stream id, status, headers, body) from the workers
        self.wake_r, self.wake_w = socket.socketpair()
        self.open = True

    def send(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def serve(self):
        try:
            self.conn.initiate_connection()
            # Request bodies of any size, as HTTP/1.1 takes them.
            self.conn.increment_flow_control_window(2**30)
            self.send()
            selector = selectors.DefaultSelector()
            selector.register(self.sock, selectors.EVENT_READ, "socket")
            selector.register(self.wake_r, selectors.EVENT_READ, "wake")
            while self.open:
                # TLS may hold decrypted bytes the selector cannot see.
                pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0
                ready = [("socket", None)] if pending else [(key.data, None) for key, _ in selector.select(timeout=60)]
                if not ready and not self.requests:
                    break  # idle for a minute with nothing in flight
                for what, _ in ready:
                    if what == "socket":
                        self.read()
                    else:
                        self.wake_r.recv(4096)
                self.answer_finished()
        except (OSError, h2.exceptions.ProtocolError, ssl.SSLError):
            pass
        finally:
            for s in (self.wake_r, self.wake_w):
                s.close()

    def read(self):
        data = self.sock.recv(65536)
        if not data:
            self.open = False
            return
        for event in self.conn.receive_data(data):
            self.handle(event)
        self.send()

    def handle(self, event):
        if isinstance(event, h2.events.RequestReceived):
            self.requests[event.stream_id] = (event.headers, bytearray())
            if event.stream_ended is not None:
                self.start(event.stream_id)
        elif isinstance(event, h2.events.DataReceived):
            if event.stream_id in self.requests:
                self.requests[event.stream_id][1].extend(event.data)
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            self.start(event.stream_id)
        elif isinstance(event, h2.events.StreamReset):
            self.requests.pop(event.stream_id, None)
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.open = False

    def start(self, stream_id):
        if stream_id not in self.requests:
            return
        headers, body = self.requests[stream_id]
        threading.Thread(target=self.work, args=(stream_id, headers, bytes(body)), daemon=True).start()

    def environ(self, headers, body):
        pseudo = {k: v for k, v in headers if k.startswith(b":")}
        path, _, query = pseudo.get(b":path", b"/").partition(b"?")
        authority = pseudo.get(b":authority", b"").decode("latin-1")
        host, _, port = authority.rpartition(":") if authority.count(":") == 1 else (authority, "", "")
        environ = {
            "REQUEST_METHOD": pseudo.get(b":method", b"GET").decode("latin-1"),
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query.decode("latin-1"),
            "RAW_URI": pseudo.get(b":path", b"/").decode("latin-1"),
            "REQUEST_URI": pseudo.get(b":path", b"/").decode("latin-1"),
            "SERVER_NAME": host or self.server.server_address[0],
            "SERVER_PORT": port or str(self.server.server_address[1]),
            "SERVER_PROTOCOL": "HTTP/2",
            "REMOTE_ADDR": self.client_address[0] if self.client_address else "",
            "REMOTE_PORT": self.client_address[1] if self.client_address else 0,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "werkzeug.socket": None,
        }
        if authority:
            environ["HTTP_HOST"] = authority
        for name, value in headers:
            if name.startswith(b":"):
                continue
            key = name.decode("latin-1").upper().replace("-", "_")
            value = value.decode("latin-1")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key == "CONTENT_LENGTH":
                continue
            elif f"HTTP_{key}" in environ:
                environ[f"HTTP_{key}"] += ("; " if key == "COOKIE" else ",") + value
            else:
                environ[f"HTTP_{key}"] = value
        return environ

    def work(self, stream_id, headers, body):
        """Run the WSGI application for one stream; the connection thread sends the answer."""
        answer = {}

        def start_response(status, response_headers, exc_info=None):
            answer["status"] = status.split(" ", 1)[0]
            answer["headers"] = response_headers
            return lambda data: answer.setdefault("early", []).append(data)

        try:
            result = self.server.app(self.environ(headers, body), start_response)
            try:
                data = b"".join(answer.get("early", []) + [bytes(chunk) for chunk in result])
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception as error:  # the application failed: a 500, as werkzeug answers
            answer = {"status": "500", "headers": [("Content-Type", "text/plain")]}
            data = f"Internal error in the emulator: {error}".encode()
        self.done.put((stream_id, answer, data))
        try:
            self.wake_w.send(b"x")
        except OSError:
            pass

    def answer_finished(self):
        while True:
            try:
                stream_id, answer, data = self.done.get_nowait()
            except queue.Empty:
                return
            self.requests.pop(stream_id, None)
            try:
                if "status" not in answer:
                    # The application dropped the request (an injected "drop" fault).
                    self.conn.reset_stream(stream_id, error_code=h2.errors.ErrorCodes.INTERNAL_ERROR)
                    self.send()
                    continue
                headers = [(b":status", answer["status"].encode())]
                for name, value in answer["headers"]:
                    lower = name.lower().encode("latin-1")
                    if lower in _HOP_BY_HOP or lower == b"content-length":
                        continue
                    headers.append((lower, str(value).encode("latin-1")))
                headers.append((b"content-length", str(len(data)).encode()))
                self.conn.send_headers(stream_id, headers, end_stream=not data)
                self.send()
                if data:
                    self.send_body(stream_id, data)
            except h2.exceptions.StreamClosedError:
                continue

    def send_body(self, stream_id, data):
        view = memoryview(data)
        while view:
            window = min(self.conn.local_flow_control_window(stream_id), self.conn.max_outbound_frame_size)
            if window <= 0:
                # Wait for the client's WINDOW_UPDATE, handling whatever else arrives.
                self.read()
                if not self.open:
                    return
                continue
            self.conn.send_data(stream_id, view[:window].tobytes())
            view = view[window:]
            self.send()
        self.conn.end_stream(stream_id)
        self.send()


def make(host, port, app, tls_context=None):
    return Server(host, port, app, tls_context=tls_context)

