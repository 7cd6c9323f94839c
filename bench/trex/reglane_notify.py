# SPDX-License-Identifier: MIT
"""TRex stateless profile: replay reggen NOTIFY captures at a chosen rate.

Each frame of the capture becomes one single-packet stream chained to the
next (STLProfile.load_pcap), so the capture goes out in its own order --
a user's full document before its partial ones, a datagram's fragments in
the order reggen wrote them -- at a constant rate set by a tunable.

Tunables (TRex >= 2.89 argparse style: `start -f reglane_notify.py -t
--pcap ... --rate ...`; older consoles: `-t pcap=...,rate=...`):

  --pcap FILE      capture to replay (default: build/trex-captures/
                   replay-10k.pcap of this tree, made by make-captures.sh)
  --rate N         NOTIFY datagrams per second (default 10000); the frame
                   rate is N times the capture's frames per datagram
  --pps N          frames per second instead of --rate
  --loop N         passes over the capture (default 1; 0 = forever).
                   Passes after the first re-send the same transactions:
                   within 32 s (Timer J) reglane answers them from its
                   transaction cache, later with 500 (CSeq lower than the
                   one accepted), so only the first pass measures real
                   NOTIFY processing. Use bigger or more captures instead.
  --max-frames N   refuse captures with more frames (default 100000):
                   one stream per frame; use `push --force` of the
                   console for bigger files (README.md)

The source and destination MACs are TRex's (its port MAC, the DUT MAC of
trex_cfg.yaml), not the capture's; IPs and ports are the capture's, so
reglane must own the capture's destination address: run it with
`--addr 198.51.100.10` (reggen's default) on the port TRex sends to. Its
answers go back to 192.0.2.x, at TRex's MAC, and count as TRex rx packets.

Without TRex, `python3 reglane_notify.py --check FILE [--rate N] [--expect
reggen.json]` reads the capture and prints what the profile would send:
frames, datagrams, NOTIFYs, sizes, IPG, duration of a pass; with --expect
the counts must match what reggen says it wrote. The bench-smoke suite
runs that on a capture made with an integration test's reggen arguments.
"""

import argparse
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PCAP = os.path.join(HERE, "..", "..", "build", "trex-captures", "replay-10k.pcap")


def read_pcap(path):
    """[(frame bytes)] of a classic little/big-endian pcap (Ethernet)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file" % path)
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise ValueError("%s: not a pcap file (pcapng is not supported)" % path)
    if struct.unpack(end + "I", data[20:24])[0] != 1:
        raise ValueError("%s: link type is not Ethernet" % path)
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        off += 16
        frames.append(data[off:off + incl])
        off += incl
    return frames


def describe(frames, sip_port=5060):
    """Counts of what a capture holds, as reglane will see it."""
    st = {"frames": len(frames), "bytes": 0, "datagrams": 0, "fragments": 0,
          "notifies": 0, "other": 0}
    for fr in frames:
        st["bytes"] += len(fr)
        off = 12
        et = struct.unpack("!H", fr[off:off + 2])[0] if len(fr) >= 14 else 0
        if et == 0x8100 and len(fr) >= 18:
            off += 4
            et = struct.unpack("!H", fr[off:off + 2])[0]
        l3 = off + 2
        if et == 0x0800 and len(fr) >= l3 + 20:
            ihl = (fr[l3] & 15) * 4
            frag = struct.unpack("!H", fr[l3 + 6:l3 + 8])[0]
            proto, l4 = fr[l3 + 9], l3 + ihl
            if frag & 0x2000 == 0:          # last (or only) piece: a datagram
                st["datagrams"] += proto == 17
            if frag & 0x3FFF:
                st["fragments"] += 1
                if frag & 0x1FFF:           # not the first fragment: no UDP header
                    continue
        elif et == 0x86DD and len(fr) >= l3 + 40:
            proto, l4 = fr[l3 + 6], l3 + 40
            if proto == 44:                 # fragment header
                foff = struct.unpack("!H", fr[l4 + 2:l4 + 4])[0]
                st["fragments"] += 1
                if foff & 1 == 0:
                    st["datagrams"] += fr[l4] == 17
                if foff & 0xFFF8:
                    continue
                proto, l4 = fr[l4], l4 + 8
            else:
                st["datagrams"] += proto == 17
        else:
            st["other"] += 1
            continue
        if proto != 17 or len(fr) < l4 + 8:
            st["other"] += 1
            continue
        dport = struct.unpack("!H", fr[l4 + 2:l4 + 4])[0]
        if dport == sip_port and fr[l4 + 8:l4 + 15] == b"NOTIFY ":
            st["notifies"] += 1
    return st


def plan(frames, rate=None, pps=None):
    """(frames per second, inter-packet gap in us) for a NOTIFY rate or a frame rate."""
    st = describe(frames)
    if pps is None:
        per = float(st["frames"]) / max(1, st["notifies"])
        pps = (rate if rate is not None else 10000) * per
    if pps <= 0:
        raise ValueError("rate must be positive")
    return st, pps, 1e6 / pps


def parse_tunables(argv):
    ap = argparse.ArgumentParser(prog="reglane_notify.py",
                                 description="replay a reggen NOTIFY capture")
    ap.add_argument("--pcap", default=DEFAULT_PCAP)
    ap.add_argument("--rate", type=float, default=None, help="NOTIFY datagrams per second")
    ap.add_argument("--pps", type=float, default=None, help="frames per second")
    ap.add_argument("--loop", type=int, default=1)
    ap.add_argument("--max-frames", type=int, default=100000)
    return ap.parse_args(argv)


class ReglaneNotify(object):
    """The TRex profile object (register() returns one)."""

    def get_streams(self, direction=0, port_id=0, tunables=None, **kwargs):
        from trex.stl.api import STLProfile  # TRex only; --check does not need it

        if isinstance(tunables, list):
            t = parse_tunables(tunables)
        else:                               # old consoles: key=value pairs
            argv = []
            for k, v in kwargs.items():
                argv += ["--" + k.replace("_", "-"), str(v)]
            t = parse_tunables(argv)
        frames = read_pcap(t.pcap)
        if len(frames) > t.max_frames:
            raise ValueError("%s has %d frames, more than --max-frames %d: use the console's "
                             "push command (README.md)" % (t.pcap, len(frames), t.max_frames))
        st, pps, ipg = plan(frames, t.rate, t.pps)
        profile = STLProfile.load_pcap(t.pcap, ipg_usec=ipg, loop_count=t.loop)
        return profile.get_streams()


def register():
    return ReglaneNotify()


def main():
    ap = argparse.ArgumentParser(description="check a capture without TRex")
    ap.add_argument("--check", metavar="PCAP", required=True)
    ap.add_argument("--rate", type=float, default=None)
    ap.add_argument("--pps", type=float, default=None)
    ap.add_argument("--expect", metavar="JSON", default=None,
                    help="reggen --expect file: the NOTIFY datagrams and frames must match")
    a = ap.parse_args()
    frames = read_pcap(a.check)
    st, pps, ipg = plan(frames, a.rate, a.pps)
    print("%s: %d frames (%d bytes, %.0f B/frame), %d UDP datagrams, %d fragments, "
          "%d NOTIFYs, %d other" % (a.check, st["frames"], st["bytes"],
                                    st["bytes"] / max(1, st["frames"]), st["datagrams"],
                                    st["fragments"], st["notifies"], st["other"]))
    print("rate %.0f frames/s (%.0f NOTIFYs/s, %.3f Gb/s L2): ipg %.3f us, one pass %.3f s"
          % (pps, pps * st["notifies"] / max(1, st["frames"]),
             pps * st["bytes"] / max(1, st["frames"]) * 8e-9, ipg, st["frames"] / pps))
    if a.expect is not None:
        import json
        with open(a.expect) as f:
            pk = json.load(f)["packets"]
        want = (pk["notifies"] + pk["retransmits"], pk["frames"])
        if (st["notifies"], st["frames"]) != want:
            print("reggen wrote %d NOTIFY datagrams in %d frames" % want)
            sys.exit(1)
    if st["notifies"] == 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
