#!/bin/sh
# SPDX-License-Identifier: MIT
#
# `make demo`: generate a reg-event NOTIFY capture with reggen, replay it
# through reglane (DPDK net_pcap vdev, 2 lcores, no hugepages, no NIC),
# print the final counters and a few users' stored state with their
# Primary/Secondary device roles.
#
# usage: scripts/demo.sh [BUILD_DIR]        (default: build)

set -eu

BUILD=${1:-build}
BIN=$BUILD/reglane
GEN=$BUILD/tools/reggen/reggen
for f in "$BIN" "$GEN"; do
	if [ ! -x "$f" ]; then
		echo "demo: $f is not built (run: ninja -C $BUILD)" >&2
		exit 1
	fi
done
command -v python3 >/dev/null || { echo "demo: python3 is needed to read the dump" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reglane-demo.XXXXXX")
PREFIX=demo$$
# EAL leaves a runtime directory per --file-prefix behind: remove ours too.
if [ "$(id -u)" = 0 ]; then RUNDIR=/var/run/dpdk/$PREFIX; else RUNDIR=${XDG_RUNTIME_DIR:-/tmp}/dpdk/$PREFIX; fi
trap 'rm -rf "$WORK" "$RUNDIR"' EXIT INT TERM

echo "== 1. A capture: 2,000 users (sip: + tel: IMPUs, 1-4 clients each), a full"
echo "==    reg-event NOTIFY then 2 partial ones per user; some over IPv6 or"
echo "==    802.1Q, fragments shuffled, 3% retransmitted, ARP/ND/ICMP, garbage."
"$GEN" --users 2000 --updates 2 --seed 42 --ipv6-share 0.2 --vlan-share 0.15 \
	--shuffle-fragments --retransmit-share 0.03 --arp 2 --icmp 2 --garbage 16 \
	--out "$WORK/in.pcap" --expect "$WORK/expect.json"

echo
echo "== 2. Replay: reglane answers every NOTIFY into out.pcap, exits when the"
echo "==    capture is drained and dumps its registration table as JSON."
set -x
"$BIN" -l 0-1 --no-huge -m 512 --no-pci --no-shconf --file-prefix="$PREFIX" \
	--log-level lib.eal:error \
	--vdev "net_pcap0,rx_pcap=$WORK/in.pcap,tx_pcap=$WORK/out.pcap" -- \
	--exit-on-drain --dump-state "$WORK/state.json" --idle-sleep-us 50 \
	--max-memory 128M --max-registrations 65536 \
	--addr 198.51.100.10 --addr 2001:db8::10
{ set +x; } 2>/dev/null

echo
echo "== 3. Stored state (from the dump), a few users:"
python3 - "$WORK/state.json" "$WORK/expect.json" "$WORK/out.pcap" <<'EOF'
import json, os, sys

state = json.load(open(sys.argv[1]))["users"]
expect = json.load(open(sys.argv[2]))["users"]
answers = os.path.getsize(sys.argv[3])

shown = 0
for aor in sorted(state):
    u = state[aor]
    cs = u.get("contacts", [])
    # Show users with several clients, where roles matter.
    if not aor.startswith("sip:") or len(cs) < 3 or shown == 3:
        continue
    shown += 1
    print("\n%s  (registration %s, %s, reginfo version %s, subscription %s)"
          % (aor, u["registration_id"], u["state"], u["version"],
             (u.get("subscription") or {}).get("state")))
    for c in sorted(cs, key=lambda c: (c["role"] != "primary", c["id"])):
        print("  %-9s %-44s instance %s" % (c["role"].upper(), c["uri"][:44], c["instance"]))
        print("            services: %s" % (", ".join(c.get("services") or []) or "-"))

same = sum(1 for a in expect if a in state and
           sorted(c["id"] for c in state[a]["contacts"]) ==
           sorted(c["id"] for c in expect[a]["contacts"]))
roles = {}
for u in state.values():
    for c in u["contacts"]:
        roles[c["role"]] = roles.get(c["role"], 0) + 1
print("\n%d AoRs stored (%d expected by reggen; %d with exactly the expected contacts)"
      % (len(state), len(expect), same))
print("contacts by device role: %s" % ", ".join("%s %d" % kv for kv in sorted(roles.items())))
print("out.pcap: %d bytes of answers" % answers)
EOF

cat <<'EOF'

== 4. Suitability: the control API (HTTP, another issue) will answer, for one
==    user and a CPM request type (pager, large-message, session,
==    file-transfer, deferred, system) plus an `interworked` flag, every client
==    of the user with `suitable` true/false and the reasons when false:
==    capability (its feature tags advertise that service: the "services"
==    above), connectivity (contact active and not expired; for interworked
==    SMS/MMS only the PRIMARY device qualifies), operator policy and the
==    user's preferences (OMA CPM 2.1 section 6.6, seed CR).
EOF
