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
for t in python3 curl; do
	command -v $t >/dev/null || { echo "demo: $t is needed" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reglane-demo.XXXXXX")
PREFIX=demo$$
# A free loopback port for the control API.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PID=
# EAL leaves a runtime directory per --file-prefix behind: remove ours too.
if [ "$(id -u)" = 0 ]; then RUNDIR=/var/run/dpdk/$PREFIX; else RUNDIR=${XDG_RUNTIME_DIR:-/tmp}/dpdk/$PREFIX; fi
trap '[ -z "$PID" ] || kill $PID 2>/dev/null; rm -rf "$WORK" "$RUNDIR"' EXIT INT TERM

echo "== 1. A capture: 2,000 users (sip: + tel: IMPUs, 1-4 clients each), a full"
echo "==    reg-event NOTIFY then 2 partial ones per user; some over IPv6 or"
echo "==    802.1Q, fragments shuffled, 3% retransmitted, ARP/ND/ICMP, garbage."
"$GEN" --users 2000 --updates 2 --seed 42 --ipv6-share 0.2 --vlan-share 0.15 \
	--shuffle-fragments --retransmit-share 0.03 --arp 2 --icmp 2 --garbage 16 \
	--out "$WORK/in.pcap" --expect "$WORK/expect.json"

echo
echo "== 2. Replay: reglane answers every NOTIFY into out.pcap, dumps its"
echo "==    registration table as JSON once the capture is drained, and keeps"
echo "==    serving its control API (127.0.0.1:$PORT) for the queries of step 4."
cat > "$WORK/policy.json" <<'JSON'
{"rules": [{"request": "file-transfer", "role": "secondary", "action": "deny",
            "comment": "operator: no file transfer to secondary devices"}]}
JSON
set -x
"$BIN" -l 0-1 --no-huge -m 512 --no-pci --no-shconf --file-prefix="$PREFIX" \
	--log-level lib.eal:error \
	--vdev "net_pcap0,rx_pcap=$WORK/in.pcap,tx_pcap=$WORK/out.pcap" -- \
	--keep-serving --http "127.0.0.1:$PORT" --policy "$WORK/policy.json" \
	--dump-state "$WORK/state.json" --idle-sleep-us 50 \
	--max-memory 128M --max-registrations 65536 \
	--addr 198.51.100.10 --addr 2001:db8::10 > "$WORK/reglane.log" 2>&1 &
{ set +x; } 2>/dev/null
PID=$!
B="http://127.0.0.1:$PORT"
# Ready once the capture is drained and the dump is written (30 s at most).
n=0
until curl -sf "$B/v1/ready" 2>/dev/null | grep -q '"drained":true' && [ -s "$WORK/state.json" ]; do
	n=$((n + 1))
	if [ $n -gt 150 ] || ! kill -0 $PID 2>/dev/null; then
		echo "demo: reglane did not drain the capture; its log:" >&2
		cat "$WORK/reglane.log" >&2
		exit 1
	fi
	sleep 0.2
done
echo "capture drained; counters (GET /v1/stats):"
curl -sf "$B/v1/stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
c = s.get("counters", s)
for k in sorted(c):
    if isinstance(c[k], int) and c[k] and any(w in k for w in ("rx_", "tx_", "table_", "frag_reassembled", "retrans")):
        print("  %-28s %d" % (k, c[k]))
'

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

echo
echo "== 4. Suitability queries (OMA CPM 2.1 6.6) over the control API, for the"
echo "==    first user above: which of its clients may get each CPM request?"
USER_AOR=$(python3 - "$WORK/state.json" <<'EOF'
import json, sys
users = json.load(open(sys.argv[1]))["users"]
print(next(a for a in sorted(users) if a.startswith("sip:") and len(users[a]["contacts"]) >= 3))
EOF
)
query() {
	echo
	echo "\$ curl '$B/v1/users/$USER_AOR/suitability?request=$1$2'"
	curl -sf "$B/v1/users/$USER_AOR/suitability?request=$1$2" | python3 -c '
import json, sys
r = json.load(sys.stdin)
for c in r["clients"]:
    why = "" if c["suitable"] else "  (not: %s)" % ", ".join(c["reasons"])
    print("  %-9s %-8s %s%s" % (c["role"], "SUITABLE" if c["suitable"] else "-", c["instance"], why))
'
}
query pager ""
query file-transfer ""
query pager "&interworked=true"
echo
echo "(file-transfer: the operator policy above denies secondaries; interworked"
echo " SMS/MMS: only the Primary Device's client can be suitable)"

kill -TERM $PID
wait $PID || true
PID=
echo
echo "== 5. reglane stopped on SIGTERM; its final report:"
grep -E "^reglane: (table|worker time|processing rate)" "$WORK/reglane.log" || tail -5 "$WORK/reglane.log"
