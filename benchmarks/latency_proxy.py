"""A TCP proxy on 127.0.0.1 that makes a loopback server look far away.

Every chunk of bytes, in either direction, is held back for half the configured round-trip time
(RTT) before it is passed on, in order, so a request/response exchange costs one RTT, as over a real
network. It proxies raw TCP, so TLS goes through it unchanged and its handshake pays its round trips
too.

A new TCP connection also costs one RTT on a real network (SYN, SYN-ACK) before the client can send
anything. On loopback the kernel completes the handshake with the proxy at once, so the proxy
charges that RTT itself (`model_connect=True`): bytes the client sends on a fresh connection reach
the server no earlier than 1.5 RTT after the connection was accepted, just as they would after a
real handshake. Without it a new connection would look one RTT cheaper than it is.

Each connection is served by its own coroutines, so independent connections are never serialised.
The proxy runs its event loop in a background thread, and stops by itself after `max_lifetime`
seconds if nobody stops it.

    with LatencyProxy('127.0.0.1', server.port, rtt_ms=50) as proxy:
        ...  # connect to 127.0.0.1:proxy.port
"""
import asyncio
import socket
import threading


class LatencyProxy:
    """Forward 127.0.0.1:<port> to target_host:target_port with an injected round-trip time."""

    def __init__(self, target_host, target_port, rtt_ms=50.0, model_connect=True,
                 max_lifetime=900.0, listen_host='127.0.0.1'):
        self.target = (target_host, target_port)
        self.rtt = rtt_ms / 1000.0
        self.model_connect = model_connect
        self.max_lifetime = max_lifetime
        self.listen_host = listen_host
        self.port = None
        #: Connections accepted, and the most open at once (to see that they overlap).
        self.connections = 0
        self.peak_connections = 0
        self._open = 0
        self._loop = None
        self._thread = None
        self._ready = threading.Event()
        self._startup_error = None
        self._stopping = None  # asyncio.Event, made inside the loop

    # --- life cycle (called from the benchmark's thread) ------------------------------------

    def start(self):
        """Start listening on an ephemeral port in a background thread; returns self."""
        self._thread = threading.Thread(target=self._run, name='latency-proxy', daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error
        return self

    def stop(self):
        """Stop accepting, close every proxied connection, and wait for the thread to end."""
        if self._thread is None:
            return
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stopping.set)
            except RuntimeError:  # the loop already ended by itself (max_lifetime)
                pass
        self._thread.join()
        self._thread = None

    def __enter__(self):
        return self.start() if self._thread is None else self

    def __exit__(self, *exc):
        self.stop()

    @property
    def address(self):
        return (self.listen_host, self.port)

    # --- inside the event loop --------------------------------------------------------------

    def _run(self):
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self):
        self._stopping = asyncio.Event()
        tasks = set()

        async def on_connect(reader, writer):
            # Keep a handle on every connection so stop() can close the ones still open. The work
            # runs in an inner task: cancelling asyncio's own connection task makes Python 3.11
            # print a spurious traceback.
            task = asyncio.ensure_future(self._proxy(reader, writer))
            tasks.add(task)
            try:
                await task
            except asyncio.CancelledError:
                pass
            finally:
                tasks.discard(task)

        try:
            server = await asyncio.start_server(on_connect, self.listen_host, 0, backlog=256)
        except OSError as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            # Stop when asked, or after max_lifetime at the latest: a forgotten proxy must go
            await asyncio.wait_for(self._stopping.wait(), self.max_lifetime)
        except asyncio.TimeoutError:
            pass
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()

    async def _proxy(self, client_reader, client_writer):
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        self.connections += 1
        self._open += 1
        self.peak_connections = max(self.peak_connections, self._open)
        upstream_writer = None
        try:
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
            except OSError:
                return  # target gone: the client sees the connection close
            for w in (client_writer, upstream_writer):
                _nodelay(w)
            # On a real network the client could not send before the TCP handshake's RTT is over.
            established = accepted + (self.rtt if self.model_connect else 0.0)
            pipes = [
                asyncio.ensure_future(self._pipe(client_reader, upstream_writer, established)),
                asyncio.ensure_future(self._pipe(upstream_reader, client_writer, accepted)),
            ]
            try:
                done, _ = await asyncio.wait(pipes, return_when=asyncio.FIRST_EXCEPTION)
                if any(t.exception() is not None for t in done):
                    # One side reset: end the connection both ways, as TCP would.
                    client_writer.close()
                    upstream_writer.close()
            finally:
                for t in pipes:
                    t.cancel()
                await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            self._open -= 1
            for w in (client_writer, upstream_writer):
                if w is not None:
                    w.close()

    async def _pipe(self, reader, writer, not_before):
        """Copy reader to writer, each chunk held back RTT/2 from when it was read, in order.

        Reading and delivering are separate coroutines so that a chunk waiting out its delay does
        not stop the next one from being read (and timed) meanwhile: the delay is latency, not a
        bandwidth limit.
        """
        loop = asyncio.get_running_loop()
        half = self.rtt / 2.0
        queue = asyncio.Queue()

        async def deliver():
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:  # the sender closed its side: pass the half-close on
                    if writer.can_write_eof() and not writer.is_closing():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()

        delivery = asyncio.ensure_future(deliver())
        try:
            while not delivery.done():  # done early only if delivering failed
                data = await reader.read(65536)
                # Due times only grow, so the queue is always in delivery order.
                due = max(loop.time(), not_before) + half
                queue.put_nowait((due, data or None))
                if not data:
                    break
            await delivery  # re-raises a delivery error, so the caller ends the connection
        finally:
            if not delivery.done():
                delivery.cancel()
                await asyncio.gather(delivery, return_exceptions=True)


def _nodelay(writer):
    # Small writes must go out at once: Nagle's algorithm would add delay we did not ask for.
    sock = writer.get_extra_info('socket')
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def start_proxy(target_host, target_port, rtt_ms=50.0, **options):
    """Start a :class:`LatencyProxy` in front of target_host:target_port; returns it, started."""
    return LatencyProxy(target_host, target_port, rtt_ms=rtt_ms, **options).start()
