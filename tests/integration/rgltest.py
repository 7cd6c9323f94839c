# SPDX-License-Identifier: MIT
"""Replay test kit for reglane: pcap files, frames, checksums, SIP responses.

Only the Python standard library: a classic-pcap reader/writer, builders for
Ethernet / 802.1Q / IPv4 / IPv6 / UDP / ICMP / ARP frames (with IP
fragmentation), an independent RFC 1071 checksum to verify what reglane
writes, a SIP message splitter, and a runner that replays a capture through
the reglane binary with the net_pcap vdev and returns its answers and its
state dump.

Every reglane run gets its own --file-prefix and temporary directory, runs
with the idle sleep (2-CPU CI machines), and is killed after a timeout.
"""

import ipaddress
import itertools
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

OUR_MAC = bytes.fromhex("020000000002")
PEER_MAC = bytes.fromhex("020000000001")
# The net_pcap PMD's own MAC ("\x02pcap" + port index): what ARP and
# neighbour advertisements announce. SIP answers swap the request's MACs.
PCAP_PMD_MAC = b"\x02pcap\x00"
OUR_IP4 = "198.51.100.10"
OUR_IP6 = "2001:db8::10"
SIP_PORT = 5060

# ---------------------------------------------------------------- pcap files


def read_pcap(path):
    """Frames of a classic pcap file (either byte order, us or ns stamps)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file (%d bytes)" % (path, len(data)))
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("%s: bad pcap magic %s" % (path, magic.hex()))
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("%s: link type %d is not Ethernet" % (path, linktype))
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise ValueError("%s: truncated record" % path)
        frames.append(data[off:off + incl])
        off += incl
    return frames


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i // 1000000, i % 1000000,
                                len(fr), len(fr)))
            f.write(fr)


# ---------------------------------------------------------------- checksums


def csum_add(data, acc=0):
    if len(data) % 2:
        data = data + b"\x00"
    for (w,) in struct.iter_unpack("!H", data):
        acc += w
    return acc


def csum_fold(acc):
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return acc


def inet_csum(data, acc=0):
    return (~csum_fold(csum_add(data, acc))) & 0xFFFF


def ip_bytes(addr):
    return ipaddress.ip_address(addr).packed


def ip_str(b):
    return str(ipaddress.ip_address(bytes(b)))


def pseudo_sum(src, dst, proto, length):
    acc = csum_add(src)
    acc = csum_add(dst, acc)
    if len(src) == 4:
        return csum_add(struct.pack("!BBH", 0, proto, length), acc)
    return csum_add(struct.pack("!IxxxB", length, proto), acc)


# ---------------------------------------------------------------- builders


def eth(payload, ethertype, vlan=None, src=PEER_MAC, dst=OUR_MAC):
    if vlan is not None:
        return dst + src + struct.pack("!HHH", 0x8100, vlan, ethertype) + payload
    return dst + src + struct.pack("!H", ethertype) + payload


def udp_segment(src, dst, sport, dport, payload, bad_csum=False, zero_csum=False):
    """UDP header + payload with its checksum over the pseudo-header."""
    s, d = ip_bytes(src), ip_bytes(dst)
    length = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    c = inet_csum(hdr + payload, pseudo_sum(s, d, 17, length))
    if c == 0:
        c = 0xFFFF
    if zero_csum:
        c = 0
    elif bad_csum:
        c ^= 0x5A5A
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def ipv4_header(src, dst, proto, l4len, ident=1, frag_off=0, mf=False, df=False,
                bad_csum=False, ttl=64):
    fo = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off // 8)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + l4len, ident, fo, ttl, proto, 0,
                    ip_bytes(src), ip_bytes(dst))
    c = inet_csum(h)
    if bad_csum:
        c ^= 0x1234
    return h[:10] + struct.pack("!H", c) + h[12:]


def ipv6_header(src, dst, nh, plen, hop=64):
    return struct.pack("!IHBB16s16s", 6 << 28, plen, nh, hop, ip_bytes(src), ip_bytes(dst))


def is_v6(addr):
    return ":" in addr


def udp_frames(src, sport, payload, dst=None, dport=SIP_PORT, vlan=None, mtu=1500,
               order=None, drop=(), ident=None, bad_udp_csum=False, zero_udp_csum=False,
               bad_ip_csum=False):
    """Frames carrying one UDP datagram, IP-fragmented above @mtu.

    order: None (in order), "reverse", "shuffle", or a list of fragment
    indexes; drop: fragment indexes left out.
    """
    v6 = is_v6(src)
    if dst is None:
        dst = OUR_IP6 if v6 else OUR_IP4
    seg = udp_segment(src, dst, sport, dport, payload, bad_udp_csum, zero_udp_csum)
    if ident is None:
        ident = random.randrange(1, 0xFFFF)
    frames = []
    if not v6:
        if 20 + len(seg) <= mtu:
            return [eth(ipv4_header(src, dst, 17, len(seg), ident, bad_csum=bad_ip_csum) + seg,
                        0x0800, vlan)]
        per = (mtu - 20) & ~7
        for off in range(0, len(seg), per):
            chunk = seg[off:off + per]
            mf = off + per < len(seg)
            frames.append(eth(ipv4_header(src, dst, 17, len(chunk), ident, off, mf,
                                          bad_csum=bad_ip_csum) + chunk, 0x0800, vlan))
    else:
        if 40 + len(seg) <= mtu:
            return [eth(ipv6_header(src, dst, 17, len(seg)) + seg, 0x86DD, vlan)]
        per = (mtu - 40 - 8) & ~7
        for off in range(0, len(seg), per):
            chunk = seg[off:off + per]
            mf = off + per < len(seg)
            fh = struct.pack("!BBHI", 17, 0, off | (1 if mf else 0), ident)
            frames.append(eth(ipv6_header(src, dst, 44, 8 + len(chunk)) + fh + chunk,
                              0x86DD, vlan))
    idx = list(range(len(frames)))
    if order == "reverse":
        idx.reverse()
    elif order == "shuffle":
        rnd = random.Random(ident)
        while len(idx) > 1 and idx == sorted(idx):
            rnd.shuffle(idx)
    elif isinstance(order, list):
        idx = order
    return [frames[i] for i in idx if i not in drop]


def arp_request(sender_ip, target_ip=OUR_IP4, vlan=None):
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC, ip_bytes(sender_ip),
                       b"\x00" * 6, ip_bytes(target_ip))
    return eth(body, 0x0806, vlan, dst=b"\xff" * 6)


def icmp_echo(src, ident=0x77, seq=1, data=b"reglane-ping", dst=OUR_IP4, bad_csum=False):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    c = inet_csum(msg) ^ (0x0F0F if bad_csum else 0)
    msg = msg[:2] + struct.pack("!H", c) + msg[4:]
    return eth(ipv4_header(src, dst, 1, len(msg)) + msg, 0x0800)


def icmp6_msg(src, dst, typ, code, body, ip_dst=None, hop=64):
    ip_dst = ip_dst or dst
    msg = struct.pack("!BBH", typ, code, 0) + body
    c = inet_csum(msg, pseudo_sum(ip_bytes(src), ip_bytes(ip_dst), 58, len(msg)))
    msg = msg[:2] + struct.pack("!H", c) + msg[4:]
    return ipv6_header(src, ip_dst, 58, len(msg), hop) + msg


def icmp6_echo(src, ident=0x66, seq=1, data=b"reglane-ping6", dst=OUR_IP6):
    return eth(icmp6_msg(src, dst, 128, 0, struct.pack("!HH", ident, seq) + data), 0x86DD)


def neighbour_solicitation(src, target=OUR_IP6):
    t = ip_bytes(target)
    sol = bytes.fromhex("ff0200000000000000000001ff") + t[13:]
    body = b"\x00" * 4 + t + struct.pack("!BB6s", 1, 1, PEER_MAC)
    mac = b"\x33\x33" + sol[12:]
    return eth(icmp6_msg(src, target, 135, 0, body, ip_dst=ip_str(sol), hop=255), 0x86DD,
               dst=mac)


# ---------------------------------------------------------------- parsing


class Frame:
    """One parsed output frame (fields None when absent)."""

    def __init__(self, raw):
        self.raw = raw
        self.eth_dst, self.eth_src = raw[0:6], raw[6:12]
        self.vlan = None
        self.family = None
        if len(raw) < 18:
            self.ethertype, self.l3 = None, b""
            return
        et = struct.unpack("!H", raw[12:14])[0]
        off = 14
        if et == 0x8100:
            self.vlan = struct.unpack("!H", raw[14:16])[0] & 0x0FFF
            et = struct.unpack("!H", raw[16:18])[0]
            off = 18
        self.ethertype = et
        self.l3 = raw[off:]
        self.family = None
        self.src = self.dst = None
        self.proto = None
        self.frag = None  # (ident, offset, more) when a fragment
        self.ip_csum_ok = True
        self.l4 = None
        try:
            if et == 0x0800:
                self._ipv4()
            elif et == 0x86DD:
                self._ipv6()
        except (struct.error, IndexError, ValueError):
            # Garbage on purpose (truncated headers): not an IP packet.
            self.family = None

    def _ipv4(self):
        h = self.l3
        ihl = (h[0] & 0x0F) * 4
        total = struct.unpack("!H", h[2:4])[0]
        self.family = 4
        self.ip_hdr = h[:ihl]
        self.ip_csum_ok = inet_csum(h[:ihl]) == 0
        self.ttl = h[8]
        self.proto = h[9]
        self.src, self.dst = ip_str(h[12:16]), ip_str(h[16:20])
        ident = struct.unpack("!H", h[4:6])[0]
        fo = struct.unpack("!H", h[6:8])[0]
        self.df = bool(fo & 0x4000)
        if fo & 0x3FFF:
            self.frag = (ident, (fo & 0x1FFF) * 8, bool(fo & 0x2000))
        self.l4 = h[ihl:total]

    def _ipv6(self):
        h = self.l3
        plen = struct.unpack("!H", h[4:6])[0]
        nh = h[6]
        self.family = 6
        self.ttl = h[7]
        self.src, self.dst = ip_str(h[8:24]), ip_str(h[24:40])
        off = 40
        if nh == 44:
            fo, ident = struct.unpack("!HI", h[42:48])
            self.frag = (ident, fo & 0xFFF8, bool(fo & 1))
            nh = h[40]
            off = 48
        self.proto = nh
        self.l4 = h[off:40 + plen]

    def udp(self):
        """(sport, dport, payload, checksum_ok) of an unfragmented UDP frame."""
        if self.proto != 17 or self.frag is not None:
            return None
        return parse_udp(self.family, self.src, self.dst, self.l4)


def parse_udp(family, src, dst, seg):
    sport, dport, length, c = struct.unpack("!HHHH", seg[:8])
    payload = seg[8:length]
    if c == 0:
        ok = family == 4
    else:
        ok = inet_csum(seg[:length], pseudo_sum(ip_bytes(src), ip_bytes(dst), 17, length)) == 0
    return sport, dport, payload, ok


class Datagram:
    """A UDP datagram reglane sent (reassembled when it was fragmented)."""

    def __init__(self, frame, sport, dport, payload, csum_ok, n_frags=1):
        self.frame = frame
        self.family, self.src, self.dst = frame.family, frame.src, frame.dst
        self.sport, self.dport, self.payload = sport, dport, payload
        self.csum_ok = csum_ok
        self.n_frags = n_frags


def output_datagrams(frames, strict=True):
    """(datagrams in order of their first frame, other frames).

    strict: every fragment set must complete (reglane's output); otherwise
    incomplete sets are left out (an input capture with a fragment missing).
    """
    out, other, pending = [], [], {}
    for raw in frames:
        f = Frame(raw)
        if f.family is None or (f.proto != 17 and f.frag is None):
            other.append(f)
            continue
        if f.frag is None:
            u = f.udp()
            if u is None:
                other.append(f)
            else:
                out.append(Datagram(f, *u))
            continue
        key = (f.src, f.dst, f.frag[0])
        slot = pending.get(key)
        if slot is None:
            slot = pending[key] = {"frames": [], "index": len(out)}
            out.append(None)
        slot["frames"].append(f)
        parts = sorted(slot["frames"], key=lambda x: x.frag[1])
        if not parts[-1].frag[2] and parts[0].frag[1] == 0:
            data, pos = b"", 0
            for p in parts:
                if p.frag[1] != pos:
                    break
                data += p.l4
                pos += len(p.l4)
            else:
                u = parse_udp(f.family, f.src, f.dst, data)
                out[slot["index"]] = Datagram(parts[0], *u, n_frags=len(parts))
                del pending[key]
    if pending and strict:
        raise AssertionError("incomplete fragmented reply in the output: %r" % list(pending))
    return [d for d in out if d is not None], other


HEADER_LONG = {"v": "via", "f": "from", "t": "to", "i": "call-id", "l": "content-length",
               "c": "content-type", "m": "contact", "e": "content-encoding", "k": "supported",
               "s": "subject", "o": "event", "u": "allow-events"}


class SipMessage:
    def __init__(self, data):
        if isinstance(data, bytes):
            data = data.decode("utf-8", "surrogateescape")
        head, sep, body = data.partition("\r\n\r\n")
        if not sep:
            raise AssertionError("no end of header block in %r" % data[:200])
        lines = head.split("\r\n")
        self.start = lines[0]
        self.headers = []  # (canonical lower name, value)
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + line.strip())
                continue
            name, colon, value = line.partition(":")
            if not colon:
                raise AssertionError("header line without colon: %r" % line)
            name = name.strip().lower()
            self.headers.append((HEADER_LONG.get(name, name), value.strip()))
        self.body = body
        m = re.match(r"SIP/2\.0 (\d{3}) (.*)$", self.start)
        self.status = int(m.group(1)) if m else None
        self.reason = m.group(2) if m else None

    def all(self, name):
        return [v for n, v in self.headers if n == name]

    def one(self, name):
        v = self.all(name)
        if len(v) != 1:
            raise AssertionError("%d %s headers in %r" % (len(v), name, self.start))
        return v[0]

    def vias(self):
        return [x for v in self.all("via") for x in split_commas(v)]


def split_commas(value):
    """Split a header value on commas outside quotes and angle brackets."""
    out, cur, q, ang = [], "", False, 0
    for ch in value:
        if ch == '"':
            q = not q
        elif not q and ch == "<":
            ang += 1
        elif not q and ch == ">":
            ang -= 1
        if ch == "," and not q and ang == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [x for x in out if x]


def via_params(via):
    """(sent-protocol + sent-by, [(name, value or None)]) of one via-parm."""
    parts = via.split(";")
    params = []
    for p in parts[1:]:
        n, eq, v = p.strip().partition("=")
        params.append((n.strip().lower(), v.strip() if eq else None))
    return parts[0].strip(), params


def tag_of(nameaddr):
    m = re.search(r";\s*tag\s*=\s*([^;\s]+)", nameaddr, re.I)
    return m.group(1) if m else None


# ---------------------------------------------------------------- runner


class Failure(AssertionError):
    pass


class Checker:
    """Collects failed checks so one run reports all of them."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.checks = 0

    def check(self, cond, what, *args):
        """Record one check; @what is formatted with @args only on failure."""
        self.checks += 1
        if not cond:
            self.failures.append(what % args if args else what)
        return cond

    def eq(self, got, want, what, *args):
        self.checks += 1
        if got != want:
            self.failures.append("%s: got %r, want %r" % (what % args if args else what,
                                                          got, want))
            return False
        return True

    def done(self):
        if self.failures:
            print("FAIL %s: %d of %d checks failed" % (self.name, len(self.failures), self.checks))
            for f in self.failures[:60]:
                print("  - " + f)
            if len(self.failures) > 60:
                print("  ... %d more" % (len(self.failures) - 60))
        else:
            print("ok   %s: %d checks" % (self.name, self.checks))
        return not self.failures


_run_seq = itertools.count()


def remove_runtime_dir(prefix):
    """EAL leaves an (empty) runtime directory per --file-prefix: remove ours."""
    if os.geteuid() == 0:
        base = "/var/run/dpdk"
    else:
        base = os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    shutil.rmtree(os.path.join(base, prefix), ignore_errors=True)

DEFAULT_APP = ["--idle-sleep-us", "50", "--max-memory", "64M", "--max-registrations", "65536",
               "--txn-cache-size", "4096", "--frag-max-entries", "1024",
               "--addr", OUR_IP4, "--addr", OUR_IP6, "--log-level", "notice"]


class Result:
    def __init__(self, rc, stdout, stderr, frames, state, workdir, elapsed):
        self.rc, self.stdout, self.stderr = rc, stdout, stderr
        self.frames, self.state, self.workdir = frames, state, workdir
        self.elapsed = elapsed

    def tolerance_s(self):
        """Seconds a stored expiry may have run down between apply and dump."""
        return int(self.elapsed) + 2

    def counters(self):
        c = {}
        for line in self.stdout.splitlines():
            m = re.match(r"^([a-z0-9_]+) (\d+)$", line)
            if m:
                c[m.group(1)] = int(m.group(2))
        return c


SANITIZER_MARKS = ("runtime error:", "AddressSanitizer", "LeakSanitizer",
                   "UndefinedBehaviorSanitizer")


def check_sanitizers(stderr):
    """A sanitizer report fails the run even when it did not halt the process."""
    bad = [ln for ln in stderr.splitlines() if any(m in ln for m in SANITIZER_MARKS)]
    if bad:
        raise Failure("sanitizer report from reglane:\n  " + "\n  ".join(bad[:20]))


class Reglane:
    def __init__(self, binary, lcores="0-1", timeout=120):
        self.binary = os.path.abspath(binary)
        self.lcores = lcores
        self.timeout = timeout

    def eal(self, prefix, extra=(), lcores=None):
        cores = ["-l", self.lcores] if lcores is None else ["--lcores", lcores]
        return [self.binary, *cores, "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
                "--file-prefix=" + prefix, "--log-level", "lib.eal:error", *extra]

    def run_raw(self, eal_extra, app_args, timeout=None, lcores=None):
        prefix = "rgli%d_%d" % (os.getpid(), next(_run_seq))
        cmd = self.eal(prefix, eal_extra, lcores) + ["--"] + list(app_args)
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=timeout or self.timeout)
        finally:
            remove_runtime_dir(prefix)
        return p.returncode, p.stdout, p.stderr

    def replay(self, frames=None, pcap=None, app_args=(), defaults=True, dump=True,
               queues=None, lcores=None):
        """Replay @frames (or the file @pcap) with --exit-on-drain.

        queues: several input pcap files, one rx/tx queue pair each (the
        net_pcap vdev makes one queue per rx_pcap); with --lcores @lcores
        giving one worker per queue, they are processed concurrently.
        Result.frames holds every queue's output, queue by queue.
        """
        work = tempfile.mkdtemp(prefix="rgl-integ-")
        if queues is None:
            inp = pcap or os.path.join(work, "in.pcap")
            if pcap is None:
                write_pcap(inp, frames)
            queues = [inp]
        outs = [os.path.join(work, "out%d.pcap" % i) for i in range(len(queues))]
        statep = os.path.join(work, "state.json")
        args = ["--exit-on-drain"] + (["--dump-state", statep] if dump else [])
        args += (DEFAULT_APP if defaults else []) + list(app_args)
        vdev = "net_pcap0," + ",".join(["rx_pcap=" + q for q in queues] +
                                       ["tx_pcap=" + o for o in outs])
        t0 = time.monotonic()
        rc, out, err = self.run_raw(["--vdev", vdev], args, lcores=lcores)
        elapsed = time.monotonic() - t0
        if rc != 0:
            raise Failure("reglane exited %d\nstdout:\n%s\nstderr:\n%s" % (rc, out, err))
        check_sanitizers(err)
        state = None
        if dump:
            with open(statep) as f:
                state = json.load(f)
        frames_out = [fr for o in outs for fr in read_pcap(o)]
        res = Result(rc, out, err, frames_out, state, work, elapsed)
        shutil.rmtree(work, ignore_errors=True)
        return res


def scenario(name, fn, *args):
    """Run one scenario; a failed reglane run fails it, not the whole script."""
    try:
        return fn(*args)
    except (Failure, subprocess.TimeoutExpired) as e:
        print("FAIL %s: %s" % (name, e))
        return False


def arg_parser(desc):
    import argparse
    ap = argparse.ArgumentParser(description=desc)
    ap.add_argument("--reglane", required=True)
    ap.add_argument("--reggen")
    ap.add_argument("--corpus", default="../data/corpus")
    return ap


def main_exit(ok):
    sys.stdout.flush()
    sys.exit(0 if ok else 1)


# ---------------------------------------------------------------- state


def compare_user(chk, aor, got, want, tol_s=5):
    """Compare one dumped user object with an expected one (corpus/reggen schema).

    expires and duration_registered run on between the apply and the dump:
    they may differ by up to @tol_s seconds in their direction of travel.
    """
    for k in ("state", "registration_id", "wildcarded_identity", "version", "resource",
              "refresh_needed"):
        if k in want:
            chk.eq(got.get(k), want[k], "user %s: %s", aor, k)
    gc = {c["id"]: c for c in got.get("contacts", [])}
    wc = {c["id"]: c for c in want.get("contacts", [])}
    chk.eq(sorted(gc), sorted(wc), "user %s: contact ids", aor)
    for cid in sorted(set(gc) & set(wc)):
        g, w = gc[cid], wc[cid]
        for k, v in w.items():
            gv = g.get(k)
            if k in ("expires", "duration_registered") and v is not None and gv is not None:
                lo, hi = (v - tol_s, v) if k == "expires" else (v, v + tol_s)
                chk.check(lo <= gv <= hi, "user %s contact %s: %s %r, want %r (+-%ds)",
                          aor, cid, k, gv, v, tol_s)
            elif k == "role":
                # The corpus marks "no signal either way" as unknown; reglane
                # reports those secondary (SEMANTICS.md section 7).
                chk.eq(gv, "secondary" if v == "unknown" else v, "user %s contact %s: role",
                       aor, cid)
            elif k in g or v is not None:
                chk.eq(gv, v, "user %s contact %s: %s", aor, cid, k)
