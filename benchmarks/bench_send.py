#!/usr/bin/env python
"""Benchmark: smsframework_clickatell against the 2014 design, on loopback with a simulated RTT.

Starts a fake Clickatell over TLS on 127.0.0.1 and a latency proxy in front of it, then prints:

  figure 1  sequential single sends through the proxy (msg/s): provider.send() vs the 2014 baseline
            (a new urlopen connection, TCP + TLS handshake, per message); target ratio >= 2.8
  figure 2  one message to N recipients through the proxy (msg/s): provider.send_bulk() vs the
            baseline's per-message loop, which is measured on a sample and extrapolated to N;
            target ratio >= 5000 (17 requests: all in flight at once)
  figure 3  library overhead straight to the server, no proxy (ms/msg): provider.send() vs a bare
            keep-alive requests.Session.post of the same form; interleaved blocks, medians;
            target ratio <= 1.1
  figure 4  One API: N messages with distinct texts through send_bulk (msg/s) vs the same baseline
            rate (one request per message); target ratio >= 3000
  figure 5  One API under a rate limit: the server's token bucket (default 2,000 msg/s, a second's
            worth of burst) refuses what exceeds it (code 43 per message in a 207, HTTP 429 with
            Retry-After when empty); N distinct-text messages through send_bulk; the ratio is the
            share of what the bucket allowed in the time taken (burst + rate x time) that was sent;
            target >= 0.9

It also checks, through the server's counters, that every message arrived exactly once.

Exit status: 0 when every figure was measured and every check passed, whether or not the targets
were met (this is a measurement, not a test); 1 when a check failed or a figure could not be
measured; 2 when smsframework_clickatell could not be imported (only the baseline parts ran).

    python benchmarks/bench_send.py [--rtt-ms 50] [--messages 200] [--recipients 10000]
                                    [--baseline-sample 200] [--one-messages 10000]
                                    [--limited-messages 20000] [--rate 2000] [--no-tls]
"""
import argparse
import gc
import os
import platform
import statistics
import sys
import time
import traceback

import requests

from baseline_2014 import BaselineSender, send_many
from fake_clickatell import start_server
from latency_proxy import LatencyProxy

try:
    from smsframework import Gateway, OutgoingMessage
    from smsframework_clickatell import ClickatellProvider
    LIBRARY_ERROR = None
except ImportError as exc:  # the library is written in parallel; measure what can be measured
    LIBRARY_ERROR = exc

API_ID, USER, PASSWORD = '1', 'u', 'p'
API_KEY = 'bench-k3y-0ne-API'
TEXT = 'Benchmark message: hello from smsframework-clickatell'


class CheckFailed(Exception):
    """The server's counters disagree with what was sent."""


# --- helpers ------------------------------------------------------------------------------------

def numbers(series, count):
    """`count` distinct international numbers (digits only), distinct between series too."""
    return ['27{:02d}{:07d}'.format(series, i) for i in range(count)]


def make_provider(api_url, verify):
    """A Clickatell provider on a new Gateway, configured exactly as an application would."""
    gateway = Gateway()
    return gateway.add_provider('clickatell', ClickatellProvider, api_id=API_ID, user=USER,
                                password=PASSWORD, api_url=api_url, timeout=10, verify=verify)


def make_key_provider(api_url, verify):
    """A One API provider on a new Gateway, configured exactly as an application would."""
    gateway = Gateway()
    return gateway.add_provider('clickatell', ClickatellProvider, api_key=API_KEY, api_url=api_url, timeout=10,
                                verify=verify)


def distinct_texts(series, count):
    """`count` messages, each to its own number with its own text."""
    return [OutgoingMessage('+' + n, 'Message {} of the One API benchmark: hello'.format(i))
            for i, n in enumerate(numbers(series, count))]


def check_each_once(server, expected, what):
    """Every number in `expected` reached the server exactly once (since the last reset)."""
    wrong = [(n, server.recipients[n]) for n in expected if server.recipients[n] != 1]
    if wrong:
        raise CheckFailed('{}: {} of {} recipients not received exactly once, e.g. {}'.format(
            what, len(wrong), len(expected), wrong[:3]))
    extra = sum(server.recipients.values()) - len(expected)
    if extra:
        raise CheckFailed('{}: the server received {} messages more than sent'.format(what, extra))


def check_msgids(messages, what):
    missing = sum(1 for m in messages if not m.msgid)
    if missing:
        raise CheckFailed('{}: {} of {} messages got no msgid'.format(what, missing, len(messages)))


def timed(fn, *args):
    gc.collect()  # a collection in the middle of a timed block would be charged to whoever ran
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


class Figure:
    """One line of the report: ours, the baseline, their ratio, and the target."""

    def __init__(self, number, title, unit, ours, baseline, ratio, target, higher_is_better,
                 notes=()):
        self.number, self.title, self.unit = number, title, unit
        self.ours, self.baseline, self.ratio = ours, baseline, ratio
        self.target, self.higher_is_better = target, higher_is_better
        self.notes = list(notes)

    @property
    def ok(self):
        if self.ratio is None:
            return None
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    def line(self):
        def fmt(v, small='{:.3g}'):
            return 'n/a' if v is None else (small if v < 100 else '{:.0f}').format(v)
        verdict = {True: 'OK', False: 'MISS', None: 'NOT MEASURED'}[self.ok]
        return 'figure {}: {}: ours {} {}, {} {} {}, ratio {} (target {} {}) {}'.format(
            self.number, self.title, fmt(self.ours), self.unit, self.baseline_name,
            fmt(self.baseline), self.unit, fmt(self.ratio, '{:.2f}'),
            '>=' if self.higher_is_better else '<=', self.target, verdict)

    baseline_name = 'baseline'


# --- figure 1: sequential single sends ----------------------------------------------------------

def figure_sequential(server, proxied_url, verify, ssl_context, count, rounds=4):
    """Send `count` messages one after the other, ours and the baseline in alternating blocks.

    Alternating blocks spread any slow phase of a shared machine over both sides alike.
    """
    baseline = BaselineSender(proxied_url, API_ID, USER, PASSWORD, ssl_context=ssl_context)
    ours_numbers, base_numbers = numbers(10, count), numbers(11, count)
    provider = make_provider(proxied_url, verify) if LIBRARY_ERROR is None else None

    # Warm-up, not timed: imports, the provider's first connection, the CA file's first load.
    if provider is not None:
        provider.send(OutgoingMessage('+' + numbers(19, 1)[0], TEXT))
    baseline.send(numbers(19, 2)[1], TEXT)
    server.reset()

    blocks = [(i * count // rounds, (i + 1) * count // rounds) for i in range(rounds)]
    ours_time = base_time = 0.0
    ours_conn = base_conn = 0
    sent = []
    for lo, hi in blocks:
        if provider is not None:
            msgs = [OutgoingMessage('+' + n, TEXT) for n in ours_numbers[lo:hi]]
            before = server.stats()['connections']
            _, t = timed(lambda: [provider.send(m) for m in msgs])
            ours_time += t
            ours_conn += server.stats()['connections'] - before
            sent += msgs
        before = server.stats()['connections']
        _, t = timed(send_many, baseline, base_numbers[lo:hi], TEXT)
        base_time += t
        base_conn += server.stats()['connections'] - before

    expected = base_numbers + (ours_numbers if provider is not None else [])
    check_each_once(server, expected, 'figure 1')
    notes = ['baseline: {} messages over {} new TCP+TLS connections'.format(count, base_conn)]
    ours = None
    if provider is not None:
        check_msgids(sent, 'figure 1')
        ours = count / ours_time
        notes.insert(0, 'ours: {} messages over {} new connection(s) after the warm-up send '
                        '(keep-alive)'.format(count, ours_conn))
    base = count / base_time
    return Figure(1, 'sequential sends', 'msg/s', ours, base,
                  None if ours is None else ours / base, 2.8, True, notes)


# --- figure 2: one message to many recipients ---------------------------------------------------

def figure_bulk(server, proxied_url, verify, recipients, baseline, repeats=3):
    """send_bulk() to `recipients` numbers vs the baseline loop, sampled and extrapolated."""
    notes = []
    ours = None
    if LIBRARY_ERROR is None:
        targets = numbers(20, recipients)
        times = []
        for _ in range(repeats):
            # A new provider each time: a bulk job pays for its own connection(s), as a cold start.
            provider = make_provider(proxied_url, verify)
            msgs = [OutgoingMessage('+' + n, TEXT) for n in targets]
            server.reset()
            _, t = timed(provider.send_bulk, msgs)
            times.append(t)
            check_each_once(server, targets, 'figure 2 send_bulk')
            check_msgids(msgs, 'figure 2 send_bulk')
            stats = server.stats()
            if stats['oversize_requests']:
                raise CheckFailed('figure 2: {} sendmsg requests carried more than 600 '
                                  'recipients'.format(stats['oversize_requests']))
        ours = recipients / statistics.median(times)
        notes.append('ours: send_bulk of {} recipients, median of {} cold runs {:.3f} s '
                     '(runs: {}); last run: {} sendmsg requests over {} connection(s); '
                     'each recipient received exactly once'.format(
                         recipients, repeats, statistics.median(times),
                         ', '.join('{:.3f}'.format(t) for t in times),
                         stats['requests'].get('sendmsg', 0), stats['connections']))

    base, base_notes = baseline
    notes += base_notes
    return Figure(2, '{} recipients'.format(recipients), 'msg/s', ours, base,
                  None if ours is None else ours / base, 5000, True, notes)


def measure_baseline(server, proxied_url, ssl_context, sample, recipients):
    """The baseline's rate (msg/s) on `sample` sends, and how it is extrapolated to `recipients`."""
    baseline = BaselineSender(proxied_url, API_ID, USER, PASSWORD, ssl_context=ssl_context)
    sample_numbers = numbers(21, sample)
    server.reset()
    _, t = send_many(baseline, sample_numbers, TEXT)
    check_each_once(server, sample_numbers, 'baseline sample')
    base = sample / t
    return base, ['baseline: EXTRAPOLATED from a sample of {} sends in {:.1f} s: {} messages '
                  'would take about {:.0f} s'.format(sample, t, recipients, recipients / base)]


# --- figure 4: One API, distinct texts -----------------------------------------------------------

def figure_one_api(server, proxied_url, verify, count, baseline, repeats=3):
    """send_bulk() of `count` messages with distinct texts over One API vs the baseline's rate."""
    notes = []
    ours = None
    if LIBRARY_ERROR is None:
        times = []
        for _ in range(repeats):
            provider = make_key_provider(proxied_url, verify)  # cold: its own connections
            msgs = distinct_texts(40, count)
            server.reset()
            _, t = timed(provider.send_bulk, msgs)
            times.append(t)
            check_each_once(server, [m.dst for m in msgs], 'figure 4 send_bulk')
            check_msgids(msgs, 'figure 4 send_bulk')
            stats = server.stats()
            if len(server.texts) != count or stats['oversize_requests']:
                raise CheckFailed('figure 4: {} distinct texts arrived, {} requests over 200 messages'.format(
                    len(server.texts), stats['oversize_requests']))
        ours = count / statistics.median(times)
        notes.append('ours: send_bulk of {} distinct texts, median of {} cold runs {:.3f} s (runs: {}); last '
                     'run: {} POST /v1/message over {} connection(s); each message received exactly '
                     'once'.format(count, repeats, statistics.median(times),
                                   ', '.join('{:.3f}'.format(t) for t in times),
                                   stats['requests'].get('v1/message', 0), stats['connections']))
    base, base_notes = baseline
    notes += [base_notes[0].replace('baseline:', 'baseline (figure 2\'s, one request per message, the '
                                    'text does not matter):')]
    return Figure(4, 'One API, {} distinct texts'.format(count), 'msg/s', ours, base,
                  None if ours is None else ours / base, 3000, True, notes)


# --- figure 5: One API under a rate limit ----------------------------------------------------------

def figure_rate_limited(server, proxied_url, verify, count, rate):
    """send_bulk() of `count` distinct-text messages against a token bucket of `rate` msg/s."""
    if LIBRARY_ERROR is not None:
        return Figure(5, 'One API, {} messages, limit {} msg/s'.format(count, rate), 'msg/s', None, rate,
                      None, 0.9, True)
    provider = make_key_provider(proxied_url, verify)
    msgs = distinct_texts(50, count)
    server.reset()
    server.set_rate(rate)  # full bucket: a second's worth
    try:
        _, t = timed(provider.send_bulk, msgs)
    finally:
        server.set_rate(None)
    check_each_once(server, [m.dst for m in msgs], 'figure 5 send_bulk')
    check_msgids(msgs, 'figure 5 send_bulk')
    stats = server.stats()
    allowed = rate + rate * t  # the burst, and what the bucket gave back meanwhile
    achieved = count / t
    notes = ['ours: {} distinct-text messages in {:.2f} s: {:.0f} msg/s, {:.2f}x the bucket\'s rate (its '
             'burst included); sent {:.1%} of the {:.0f} the bucket allowed in that time'.format(
                 count, t, achieved, achieved / rate, count / allowed, allowed),
             'server: {} POST /v1/message, {} messages refused for the rate and sent again, {} whole '
             'requests refused (429); each message accepted exactly once'.format(
                 stats['requests'].get('v1/message', 0), stats['rate_refused'], stats['rate_limited_requests'])]
    fig = Figure(5, 'One API, {} messages, limit {} msg/s'.format(count, rate), 'msg/s', achieved, rate,
                 count / allowed, 0.9, True, notes)
    fig.baseline_name = 'bucket'
    return fig


# --- figure 3: library overhead -----------------------------------------------------------------

def figure_overhead(server, verify, rounds, block, warmup=50):
    """provider.send() vs a bare keep-alive requests.Session.post, straight to the server.

    Blocks of `block` sends alternate between the two, their order swapped every round, and
    each side's per-message time is the median over rounds: robust to a noisy shared machine.
    """
    url = server.url
    session = requests.Session()
    form_for = lambda n: {'api_id': API_ID, 'user': USER, 'password': PASSWORD, 'to': n,
                          'text': TEXT}

    def bare(n):
        r = session.post(url + '/http/sendmsg', data=form_for(n), timeout=10, verify=verify)
        r.raise_for_status()
        if not r.text.startswith('ID: '):
            raise CheckFailed('bare post: ' + r.text)
        return r.text

    provider = make_provider(url, verify) if LIBRARY_ERROR is None else None
    number = numbers(30, 1)[0]

    def run_bare():
        for _ in range(block):
            bare(number)

    def run_ours():
        for _ in range(block):
            provider.send(OutgoingMessage('+' + number, TEXT))

    for _ in range(warmup):  # connections, caches, the CPU's clock up to speed
        bare(number)
        if provider is not None:
            provider.send(OutgoingMessage('+' + number, TEXT))
    server.reset()

    ours_ms, bare_ms = [], []
    for r in range(rounds):
        order = [('bare', run_bare), ('ours', run_ours)]
        if provider is None:
            order = order[:1]
        if r % 2:
            order.reverse()
        for name, fn in order:
            _, t = timed(fn)
            (ours_ms if name == 'ours' else bare_ms).append(t / block * 1000)

    sides = 2 if provider is not None else 1
    received = server.stats()['messages']
    if received != rounds * block * sides:
        raise CheckFailed('figure 3: server received {} messages, {} sent'.format(
            received, rounds * block * sides))
    bare_med = statistics.median(bare_ms)
    notes = ['bare requests: median of {} blocks of {}: {:.3f} ms/msg (blocks {:.3f}..{:.3f})'
             .format(rounds, block, bare_med, min(bare_ms), max(bare_ms))]
    ours_med = ratio = None
    if provider is not None:
        ours_med = statistics.median(ours_ms)
        ratio = ours_med / bare_med
        paired = [o / b for o, b in zip(ours_ms, bare_ms)]
        notes.insert(0, 'ours: median of {} blocks of {}: {:.3f} ms/msg (blocks {:.3f}..{:.3f})'
                     .format(rounds, block, ours_med, min(ours_ms), max(ours_ms)))
        notes.append('per-round ratios: median {:.3f}, range {:.3f}..{:.3f}'.format(
            statistics.median(paired), min(paired), max(paired)))
    fig = Figure(3, 'library overhead, direct (no proxy)', 'ms/msg', ours_med, bare_med,
                 ratio, 1.1, False, notes)
    fig.baseline_name = 'bare requests'
    return fig


# --- main ---------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--rtt-ms', type=float, default=50.0,
                   help='simulated round-trip time of the proxy, ms (default 50)')
    p.add_argument('--messages', type=int, default=200,
                   help='figure 1: sequential messages for each side (default 200)')
    p.add_argument('--recipients', type=int, default=10000,
                   help='figure 2: recipients of the bulk send (default 10000)')
    p.add_argument('--baseline-sample', type=int, default=200,
                   help='figure 2: baseline sends actually made, then extrapolated (default 200)')
    p.add_argument('--overhead-rounds', type=int, default=30,
                   help='figure 3: interleaved rounds (default 30)')
    p.add_argument('--overhead-block', type=int, default=50,
                   help='figure 3: sends per block (default 50)')
    p.add_argument('--one-messages', type=int, default=10000,
                   help='figure 4: One API messages with distinct texts (default 10000)')
    p.add_argument('--limited-messages', type=int, default=20000,
                   help='figure 5: One API messages under the rate limit (default 20000)')
    p.add_argument('--rate', type=int, default=2000,
                   help='figure 5: the token bucket, messages per second (default 2000)')
    p.add_argument('--no-tls', action='store_true', help='plain HTTP instead of HTTPS')
    return p.parse_args(argv)


def describe_environment(args, tls):
    print('smsframework-clickatell send benchmark')
    print('  python {} on {} ({} CPUs, load average {})'.format(
        platform.python_version(), platform.platform(), os.cpu_count(),
        ' '.join('{:.2f}'.format(x) for x in os.getloadavg())))
    print('  transport: {}, simulated RTT {:g} ms (proxy charges a new connection one RTT '
          'for its TCP handshake)'.format('HTTPS (TLS verified against a run-time CA)' if tls
                                          else 'plain HTTP', args.rtt_ms))
    if LIBRARY_ERROR is None:
        import smsframework_clickatell
        print('  library: smsframework_clickatell {} from {}'.format(
            getattr(smsframework_clickatell, '__version__', '?'),
            os.path.dirname(smsframework_clickatell.__file__)))
    else:
        print('  library: NOT IMPORTABLE ({}): figures show the baseline side only'.format(
            LIBRARY_ERROR))
    print(flush=True)


def main(argv=None):
    args = parse_args(argv)
    tls = not args.no_tls
    certs = None
    if tls:
        from certs import make_certs  # needs `cryptography`, which --no-tls can do without
        certs = make_certs()
    verify = certs.ca_path if tls else True
    ssl_context = certs.client_context() if tls else None

    describe_environment(args, tls)
    figures, failures = [], []
    server = start_server(tls_context=certs.server_context() if tls else None,
                          api_id=API_ID, user=USER, password=PASSWORD, api_key=API_KEY)
    proxy = LatencyProxy('127.0.0.1', server.port, rtt_ms=args.rtt_ms, max_lifetime=1800)
    try:
        proxy.start()
        proxied_url = '{}://127.0.0.1:{}'.format('https' if tls else 'http', proxy.port)
        baseline = []  # measured once (for figure 2), compared with by figures 2 and 4

        def base():
            if not baseline:
                baseline.append(measure_baseline(server, proxied_url, ssl_context, args.baseline_sample,
                                                 args.recipients))
            return baseline[0]
        runs = [
            lambda: figure_sequential(server, proxied_url, verify, ssl_context, args.messages),
            lambda: figure_bulk(server, proxied_url, verify, args.recipients, base()),
            lambda: figure_overhead(server, verify, args.overhead_rounds, args.overhead_block),
            lambda: figure_one_api(server, proxied_url, verify, args.one_messages, base()),
            lambda: figure_rate_limited(server, proxied_url, verify, args.limited_messages, args.rate),
        ]
        for number, run in enumerate(runs, 1):
            started = time.perf_counter()
            try:
                fig = run()
            except Exception as exc:  # report and go on: the other figures are still worth having
                failures.append('figure {}: {}: {}'.format(number, type(exc).__name__, exc))
                print('figure {}: FAILED: {}: {}'.format(number, type(exc).__name__, exc))
                if not isinstance(exc, CheckFailed):
                    traceback.print_exc()
                continue
            figures.append(fig)
            print(fig.line())
            for note in fig.notes:
                print('    ' + note)
            print('    ({:.1f} s)'.format(time.perf_counter() - started), flush=True)
    finally:
        proxy.stop()
        server.stop()
        if certs is not None:
            certs.cleanup()

    print()
    print('summary:')
    for fig in figures:
        print('  ' + fig.line())
    for failure in failures:
        print('  FAILED ' + failure)
    met = sum(1 for f in figures if f.ok)
    print('  targets met: {} of {}; correctness checks: {}'.format(
        met, len(runs), 'FAILED' if failures else 'passed'))
    if failures:
        return 1
    if LIBRARY_ERROR is not None:
        print('  INCOMPLETE: smsframework_clickatell not importable, "ours" was not measured')
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
