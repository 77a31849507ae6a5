#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks packaging/docker/ without docker: what can be checked where no image can be built.

    check_compose.py [--deb edgempc-gateway_*.deb] [--run]

1. compose.yaml parses (python3-yaml) and has the group it promises: `setup`, three gateways with
   the static addresses setup writes into the configs, in the network's subnet, and `devices`,
   each starting after `setup` has finished; every service runs the image the Dockerfile builds.
2. Every program a service runs is in the image: a /usr/bin program of the edgempc-gateway
   package (--deb: its file list; else this machine's PATH) or a helper the Dockerfile copies
   from packaging/docker/ (which must exist).
3. --run: the services' commands run here, as the containers would, with the installed programs
   (on PATH): setup into a temporary directory (the gateways on 127.0.0.1 and free ports, rounds
   of 2 s), the three gateways, then the devices, until gateway 0 prints a published round with
   every device in it (or 30 s pass). Everything started is stopped at the end.
Exit status 0 if all passed.
"""
import argparse
import ipaddress
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GATEWAYS = ("gw0", "gw1", "gw2")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def copied_helpers():
    """Image path -> source file, from the Dockerfile's COPY lines of packaging/docker/ files."""
    helpers = {}
    for line in (HERE / "Dockerfile").read_text().splitlines():
        m = re.match(r"^COPY\s+(packaging/docker/\S+)\s+(/\S+)$", line.strip())
        if m:
            helpers[m.group(2)] = ROOT / m.group(1)
    return helpers


def image_programs(deb):
    if deb:
        listing = subprocess.run(["dpkg-deb", "-c", deb], check=True, capture_output=True, text=True).stdout
        return {Path(l.split()[-1]).name for l in listing.splitlines()
                if re.search(r"/usr/bin/[^/]+$", l.split()[-1])}
    return {p for p in ("edgempc-gateway", "edgempc-device", "edgempc-circuit") if shutil.which(p)}


def check_compose(compose, deb):
    services = compose.get("services", {})
    check(set(services) == {"setup", *GATEWAYS, "devices"}, f"services are {sorted(services)}")
    image = services.get("setup", {}).get("image")
    build = services.get("setup", {}).get("build", {})
    check((HERE / build.get("context", "?") / build.get("dockerfile", "?")).resolve() == HERE / "Dockerfile",
          f"setup does not build packaging/docker/Dockerfile: {build}")
    for name, s in services.items():
        check(s.get("image") == image, f"{name} runs image {s.get('image')}, not {image}")
        check(isinstance(s.get("command"), list) and s["command"], f"{name} has no command list")
        if name != "setup":
            check(s.get("depends_on", {}).get("setup", {}).get("condition") == "service_completed_successfully",
                  f"{name} does not wait for setup to finish")
            check("group:/group" in s.get("volumes", []), f"{name} does not mount the group volume")
    subnet = ipaddress.ip_network(compose["networks"]["edgempc"]["ipam"]["config"][0]["subnet"])
    hosts = services["setup"]["environment"]["GATEWAY_HOSTS"].split()
    for i, gw in enumerate(GATEWAYS):
        s = services[gw]
        address = s["networks"]["edgempc"]["ipv4_address"]
        check(address == hosts[i], f"{gw} has address {address}, setup gives it {hosts[i]}")
        check(ipaddress.ip_address(address) in subnet, f"{gw}'s {address} is not in {subnet}")
        check(s["command"] == ["edgempc-gateway", "--config", f"/group/gateway-{gw}.toml"], f"{gw}: {s['command']}")
        check(f"{gw}:/var/lib/edgempc" in s["volumes"], f"{gw} keeps no store volume")
    check(services["devices"]["environment"]["DEVICES"] == services["setup"]["environment"]["DEVICES"],
          "devices and setup disagree on DEVICES")

    helpers = copied_helpers()
    for path, source in helpers.items():
        check(source.is_file() and os.access(source, os.X_OK), f"the Dockerfile copies {source}, which is missing or not executable")
    programs = image_programs(deb)
    for p in ("edgempc-gateway", "edgempc-device"):
        check(p in programs, f"{p} is not in the gateway package")
    for name, s in services.items():
        program = s["command"][0]
        in_image = program in programs or any(Path(h).name == program for h in helpers)
        check(in_image, f"{name} runs {program}, which the image does not have")
    print(f"compose.yaml: {len(services)} services checked; programs: {sorted(programs)}, "
          f"helpers: {sorted(Path(h).name for h in helpers)}")
    return helpers


def free_base(count):
    for _ in range(100):
        base = random.randrange(20000, 60000)
        ok = True
        for port in range(base, base + count):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free ports")


def run_locally(compose, helpers):
    services = compose["services"]
    local = {Path(h).name: str(src) for h, src in helpers.items()}
    work = Path(tempfile.mkdtemp(prefix="edgempc-compose."))
    group = work / "group"
    env = dict(os.environ)
    env.update({k: str(v) for k, v in services["setup"]["environment"].items()})
    base = free_base(106)
    env.update(GATEWAY_HOSTS="127.0.0.1 127.0.0.1 127.0.0.1", ROUND_MS="2000", STORE_DIR=str(work),
               PEER_PORT=str(base), INGEST_PORT=str(base + 100))

    def argv(service):
        cmd = [str(group) + a[len("/group"):] if a.startswith("/group") else a for a in services[service]["command"]]
        return [local.get(cmd[0], cmd[0])] + cmd[1:]

    procs, ok = [], False
    try:
        subprocess.run(argv("setup"), env=env, check=True)
        logs = {}
        for gw in GATEWAYS:
            logs[gw] = open(work / f"{gw}.out", "w+")
            procs.append(subprocess.Popen(argv(gw), env=env, stdout=logs[gw], stderr=open(work / f"{gw}.err", "w"),
                                          start_new_session=True))
        dev_env = dict(env, **{k: str(v) for k, v in services["devices"]["environment"].items()})
        procs.append(subprocess.Popen(argv("devices"), env=dev_env, stdout=open(work / "devices.out", "w"),
                                      stderr=subprocess.STDOUT, start_new_session=True))
        devices = int(dev_env["DEVICES"])
        deadline = time.time() + 30
        while time.time() < deadline and not ok:
            time.sleep(0.5)
            for line in (work / "gw0.out").read_text().splitlines():
                if '"status":"published"' in line and f'"contributors":{devices},' in line:
                    print(f"gateway 0 published: {line[:160]}...")
                    ok = True
            for p in procs:
                check(p.poll() is None, f"{p.args[0]} exited with {p.returncode}")
            if failures:
                break
        check(ok, f"gateway 0 published no round with all {devices} devices in 30 s")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if ok and not failures:
            shutil.rmtree(work)
        else:
            for f in sorted(work.glob("*.out")) + sorted(work.glob("*.err")):
                print(f"--- {f}\n{f.read_text()[-3000:]}", file=sys.stderr)
            print(f"files kept in {work}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deb", help="the edgempc-gateway .deb whose programs the image has")
    parser.add_argument("--run", action="store_true", help="run the services' commands here")
    args = parser.parse_args()
    with open(HERE / "compose.yaml") as f:
        compose = yaml.safe_load(f)
    helpers = check_compose(compose, args.deb)
    if args.run and not failures:
        run_locally(compose, helpers)
    print("check_compose.py: " + ("FAILED" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
