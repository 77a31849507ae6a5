#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's "Running a gateway group", run from copies of the sample files in examples/config/
# (the only change: free ports instead of 7000-7002 and 7100-7102). The README's commands are
# the lines marked "# README" below, in the same order (the test adds redirections of their
# output, and checks); keep the two the same.
#
#   usage: test_sample_config.sh check|round EDGEMPC_GATEWAY EDGEMPC_DEVICE WORKDIR
#
# check: edgempc-gateway check and edgempc-device check on the samples as shipped (they must
#        fail, naming every problem), then after the README's set-up (they must pass), then on
#        broken copies (a foreign key, group_file beside a group table, a missing group file, no
#        enrolment, a store directory missing), and edgempc-device keygen refusing to overwrite.
# round: the set-up, then three gateways and three devices as the README starts them, until
#        gateway 0 prints a published round with 3 contributors; then the README's stop.
#
# On failure the files are kept in WORKDIR and every output is printed.
set -u

mode=$1
gw_bin=$(realpath "$2") || exit 1
dev_bin=$(realpath "$3") || exit 1
work=${4:-${TMPDIR:-/tmp}}
self=$(realpath "$0") || exit 1
src=$(cd "$(dirname "$self")/.." && pwd) || exit 1
samples=$src/examples/config
dir=$(mktemp -d "$work/tool_sample_config.XXXXXX") || exit 1
ok=0

# The README calls the programs by name: put them on PATH under those names.
mkdir "$dir/bin" && ln -s "$gw_bin" "$dir/bin/edgempc-gateway" && ln -s "$dev_bin" "$dir/bin/edgempc-device" || exit 1
PATH="$dir/bin:$PATH"

cleanup() {
  local p
  for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "$ok" -eq 1 ]; then rm -rf "$dir"; else echo "files kept in $dir" >&2; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$dir"/demo/*.out "$dir"/demo/*.log "$dir"/demo/*.err; do
    [ -e "$f" ] || continue
    echo "--- $f" >&2
    cat "$f" >&2
  done
  exit 1
}

now_ms() { date +%s%3N; }

# Six consecutive free ports from a random base: nothing answers on them.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
base=0
for _ in $(seq 1 50); do
  # Below 32768, outside Linux's ephemeral range (32768-60999): a port found free there is not
  # taken a moment later as the local end of some test's outgoing connection.
  candidate=$(( 10000 + RANDOM % 22000 ))
  all_free=1
  for k in 0 1 2 3 4 5; do port_free $(( candidate + k )) || { all_free=0; break; }; done
  if [ "$all_free" -eq 1 ]; then base=$candidate; break; fi
done
[ "$base" -ne 0 ] || fail "no free ports found"

# --- the samples as shipped: check refuses them, naming every problem -------------------------
# The README runs from the source tree: give the test directory the samples at the same place.
mkdir "$dir/examples" && ln -s "$samples" "$dir/examples/config" && cd "$dir" || exit 1
mkdir demo && cp examples/config/*.toml demo/ && cd demo || fail "cannot copy the samples"  # README
if [ "$mode" = check ]; then
  # Every command of the README's block is one this script runs (a "# README" line).
  readme_block=$(awk '/^## Running a gateway group/ {s = 1} s && /^```sh/ {b = 1; next} b && /^```/ {exit} b' \
    "$src/README.md")
  [ "$(echo "$readme_block" | grep -c .)" -ge 15 ] || fail "no command block under the README's 'Running a gateway group'"
  while IFS= read -r line; do
    case "$line" in "#"* | "") continue ;; esac
    grep -F -- "$line" "$self" | grep -q '# README$' || fail "the README's command is not in this test: $line"
  done <<< "$readme_block"
  edgempc-gateway check --config gateway0.toml > check.out 2> check.err
  [ $? -eq 1 ] || fail "check passed the samples as shipped (no keys yet)"
  grep -q 'group.toml: gateways\[0\].public_key: the public key of gateway 0 is not 64 hex digits (line ' check.err ||
    fail "check did not name the placeholder public key with its file and line"
  grep -q 'gateway0.key' check.err || fail "check did not name the missing secret key"
  grep -q 'enrolment.txt' check.err || fail "check did not name the missing enrolment"
  grep -q 'edgempc-gateway: check: gateway0.toml: 3 problems$' check.err || fail "check did not count 3 problems"
  [ ! -s check.out ] || fail "check printed a summary for a configuration with problems"
  edgempc-device check --config device.toml > check.out 2> check.err
  [ $? -eq 1 ] || fail "device check passed the samples as shipped"
  grep -q 'device0.key' check.err || fail "device check did not name the missing secret key"
fi

# The test's one change: free ports.
sed -i "s/port = 7000\b/port = $base/; s/port = 7001\b/port = $(( base + 1 ))/; s/port = 7002\b/port = $(( base + 2 ))/;
        s/port = 7100\b/port = $(( base + 3 ))/; s/port = 7101\b/port = $(( base + 4 ))/; s/port = 7102\b/port = $(( base + 5 ))/" \
  group.toml
[ "$(grep -c "port = \($base\|$(( base + 5 ))\)\b" group.toml)" -eq 2 ] || fail "the ports were not rewritten"

# --- the README's set-up --------------------------------------------------------------------
# 1. A key pair per gateway; its public key into group.toml.
for i in 0 1 2; do  # README
  sed -i "s/GATEWAY_${i}_PUBLIC_KEY/$(edgempc-gateway keygen --secret gateway$i.key --public gateway$i.pub)/" group.toml  # README
done  # README
grep -q '_PUBLIC_KEY' group.toml && fail "a public key placeholder is left in group.toml"
# 2. A key pair per device, enrolled at the gateways, and a file per device from device.toml.
for i in 0 1 2; do  # README
  edgempc-device keygen --secret device$i.key --public device$i.pub  # README
  edgempc-gateway enrol --enrolment enrolment.txt --public-key device$i.pub  # README
  sed "s/client_id = 0/client_id = $i/; s/device0.key/device$i.key/" device.toml > device$i.toml  # README
done > setup.out 2> setup.err || fail "the set-up failed"  # README
[ "$(sed -n 4p setup.out)" = 1 ] || fail "the second device was not enrolled as client 1"
# 3. Check every file.
for i in 0 1 2; do edgempc-gateway check --config gateway$i.toml; done > check.out 2> check.err ||  # README
  fail "check refused a gateway's file after the set-up"
for i in 0 1 2; do edgempc-device check --config device$i.toml; done >> check.out 2>> check.err ||  # README
  fail "check refused a device's file after the set-up"
[ "$(grep -c ': OK: ' check.out)" -eq 6 ] || fail "check did not print 6 summaries"
grep -q "^gateway0.toml: OK: gateway 0 of group 'sample' (group.toml): 3 gateways, shamir t=1, 2 channels, round_ms 5000 from the default epoch (2026-01-01), now round [0-9]*, 3 devices enrolled, ingest 127.0.0.1:$(( base + 3 )), peers port $base, store gateway0.db, until SIGTERM$" check.out ||
  fail "gateway 0's summary is not as expected"
grep -q "^device2.toml: OK: device 2 of group 'sample' (group.toml): .*, uplink tcp, public key $(sed -n 2p device2.pub), until SIGTERM$" check.out ||
  fail "device 2's summary is not as expected"
[ ! -s check.err ] || fail "check wrote to stderr for good files"

if [ "$mode" = check ]; then
  # keygen never overwrites: exit 1, the files as they were.
  cp device0.key before.key
  edgempc-device keygen --secret device0.key --public new.pub > /dev/null 2> keygen.err
  [ $? -eq 1 ] || fail "edgempc-device keygen overwrote a key"
  grep -q 'device0.key exists; not overwriting it' keygen.err || fail "keygen did not say why"
  cmp -s device0.key before.key && [ ! -e new.pub ] || fail "keygen touched the files"
  # Each broken copy must fail check with the problem named.
  expect_problem() {  # file needle
    edgempc-gateway check --config "$1" > bad.out 2> bad.err
    [ $? -eq 1 ] || fail "check passed $1"
    grep -qF -- "$2" bad.err || fail "check of $1 did not say: $2"
  }
  sed 's/gateway0.key/gateway1.key/' gateway0.toml > foreign.toml
  expect_problem foreign.toml "gateway.secret_key gateway1.key: its public key $(sed -n 2p gateway1.pub) is not gateway 0's public_key in group.toml"
  { cat gateway0.toml; printf '\n[policy]\nmin_clients = 1\n'; } > both.toml
  expect_problem both.toml "both.toml: group_file (line 6) and the group table policy both given"
  sed 's/"group.toml"/"nowhere.toml"/' gateway0.toml > lost.toml
  expect_problem lost.toml 'lost.toml: group_file "nowhere.toml" (line 6): cannot read config file nowhere.toml'
  sed 's/enrolment.txt/nobody.txt/; s/gateway0.db/no-such-dir\/gateway0.db/' gateway0.toml > two.toml
  expect_problem two.toml 'cannot open nobody.txt'
  expect_problem two.toml 'gateway.store no-such-dir/gateway0.db: its directory no-such-dir does not exist'
  expect_problem two.toml 'two.toml: 2 problems'
  # Too few devices enrolled for min_clients: no round could ever be published.
  edgempc-gateway unenrol --enrolment enrolment.txt --id 2 2> bad.err || fail "unenrol"
  expect_problem gateway1.toml 'gateway.enrolment enrolment.txt: 2 devices enrolled, fewer than policy.min_clients = 3'
  ok=1
  echo "PASS"
  exit 0
fi

# --- the README's round ---------------------------------------------------------------------
# 4. Start the three gateways (each would run on its own machine).
for i in 0 1 2; do edgempc-gateway --config gateway$i.toml > gateway$i.out 2> gateway$i.log & done  # README
# Not in the README: the devices start in the first half of a round, so that all three submit in
# the same one (a device started within about a second of a round's close waits for the next).
until=$(( $(now_ms) + 6000 ))
while [ $(( ($(now_ms) - 1767225600000) % 5000 )) -gt 2000 ]; do
  [ "$(now_ms)" -lt "$until" ] || fail "the clock did not reach the first half of a round"
  sleep 0.05
done
# 5. Three devices, each submitting one round and exiting.
(for i in 0 1 2; do edgempc-device --config device$i.toml --source sim --once & done; wait) > devices.out 2> devices.err  # README
[ "$(grep -c '^round [0-9]*: held by gateways \[0,1,2\] (codes accepted, accepted, accepted)$' devices.out)" -eq 3 ] ||
  fail "the devices' output is not three held rounds"
round=$(sed -n 's/^round \([0-9]*\):.*/\1/p' devices.out | sort -u)
[ "$(echo "$round" | wc -l)" -eq 1 ] || fail "the devices submitted in different rounds: $round"
# 6. The result: gateway 0 prints the round once it is finished, after the round closes.
until=$(( $(now_ms) + 20000 ))
until grep -q "\"round\":$round,\"status\":\"published\"" gateway0.out; do
  [ "$(now_ms)" -lt "$until" ] || fail "gateway 0 printed no published round $round"
  sleep 0.1
done
grep '"status":"published"' gateway0.out > result.out  # README
grep -q "\"round\":$round,\"status\":\"published\",\"live\":\[0,1,2\],\"contributors\":3," result.out ||
  fail "round $round was not published with 3 contributors by 3 live gateways"
grep -q '"channels":{"temperature":{"count":3,"mean":' result.out || fail "gateway 0's result has no temperature mean"
# 7. Stop the gateways.
kill $(jobs -p)  # README
for p in $(jobs -p); do
  wait "$p"
  status=$?
  [ "$status" -eq 0 ] || fail "a gateway exited with status $status after SIGTERM"
done
ok=1
echo "PASS"
