#!/usr/bin/env bash
# Writes the captures the TRex profile replays (into build/trex-captures/,
# or the folder given second):
# exactly the reggen runs of tests/integration/test_replay.py (same seeds,
# same arguments), which that test replays through reglane and proves
# correct (one 200 per NOTIFY, each to the right place, the final state
# equal to reggen's --expect). Each capture gets its .json beside it.
#
#   bench/trex/make-captures.sh [path/to/reggen [out-dir]]
#   (defaults: build/tools/reggen/reggen, build/trex-captures)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
reggen=${1:-$here/../../build/tools/reggen/reggen}
out=${2:-$here/../../build/trex-captures}
mkdir -p "$out"
gen() {
	local name=$1
	shift
	"$reggen" --out "$out/$name.pcap" --expect "$out/$name.json" "$@"
}
# "replay 10k": 10,000 users, a full document and one partial each.
gen replay-10k --users 10000 --updates 1 --seed 12
# "replay mixed": IPv6 and 802.1Q users, shuffled fragments, retransmissions,
# ARP / ND / ICMP / ICMPv6 and garbage of every kind.
gen replay-mixed --users 2000 --updates 2 --seed 11 --ipv6-share 0.25 --vlan-share 0.2 \
	--shuffle-fragments --retransmit-share 0.05 --arp 3 --icmp 3 --garbage 24
# "replay 2 workers": two S-CSCF populations (one per TRex port or stream).
gen replay-2w-a --users 1500 --updates 2 --seed 13 --domain a.example.net --retransmit-share 0.02
gen replay-2w-b --users 1500 --updates 2 --seed 14 --domain b.example.net --ipv6-share 0.5
for p in "$out"/*.pcap; do
	python3 "$here/reglane_notify.py" --check "$p" --expect "${p%.pcap}.json"
done
