#!/usr/bin/env python3
"""startup-bench.py CHARGERD [RUNS] — issue 18's startup and footprint benchmark.

For `chargerd --board sim` (give the release build) and, in the same run, Josev's SECC
(iso15118 0.31.2, the independent peer), measured the same way:
  * ready: time from exec to the process saying it can take a car — chargerd's
    "ready for plug-in" log line, Josev's "UDP server started" (its SDP server is up);
  * idle RSS: resident memory right after that, before any car (chargerd's simulated car
    plugs in 0.5 s after the board opens; sampled 0.2 s after ready). For Josev the
    Python process and its EXI JVM child are given separately and summed.
Median and max over RUNS (default 5). Josev runs in a network namespace of its own
(root; a veth pair with link-local IPv6, as run-pair.sh sets up) and is skipped with a
printed reason without root or without the venv ($JOSEV_VENV, default
/var/tmp/chargekit-josev-venv). Also prints which shared libraries chargerd maps (what
links Foundation) from /proc/PID/maps.
"""
import os
import select
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
JOSEV = os.path.join(os.path.dirname(ROOT), "shared", "tools", "josev")


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children(p):
            found.append(c)
            todo.append(c)
    return found


def wait_for_line(proc, pattern, timeout):
    """Reads the process's merged output until a line contains pattern; returns the time or None."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            if proc.poll() is not None:
                return None, buf
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return None, buf
        buf += chunk
        if pattern.encode() in buf:
            return time.monotonic(), buf
    return None, buf


def stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def measure_chargerd(binary, runs):
    ready, rss, libs = [], [], None
    for _ in range(runs):
        t0 = time.monotonic()
        p = subprocess.Popen([binary, "--board", "sim"], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
        t, out = wait_for_line(p, "ready for plug-in", 30)
        if t is None:
            stop(p)
            sys.exit("chargerd did not say 'ready for plug-in':\n" + out.decode(errors="replace")[-2000:])
        ready.append((t - t0) * 1000)
        time.sleep(0.2)
        rss.append(rss_kib(p.pid))
        if libs is None:
            with open(f"/proc/{p.pid}/maps") as f:
                libs = sorted({line.split()[-1] for line in f if ".so" in line.split()[-1]})
        stop(p)
    return ready, rss, libs


def measure_josev(runs):
    py = os.path.join(os.environ.get("JOSEV_VENV", "/var/tmp/chargekit-josev-venv"), "bin", "python")
    if os.geteuid() != 0:
        return None, "skipped: Josev's SECC needs a network namespace (root)"
    if not os.access(py, os.X_OK):
        return None, f"skipped: no Josev venv at {py}"
    ns = f"ckbench-{os.getpid()}"
    ready, rss_py, rss_jvm = [], [], []
    sh = lambda *a: subprocess.run(a, check=True, capture_output=True)
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
           "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "link", "add", "veth-secc", "type", "veth", "peer", "name", "veth-ev")
        sh("ip", "-n", ns, "link", "set", "veth-secc", "up")
        sh("ip", "-n", ns, "link", "set", "veth-ev", "up")
        time.sleep(0.3)
        env = ["env", "-i", f"PATH={os.environ['PATH']}", "HOME=/root", "LANG=C.UTF-8", "PYTHONUNBUFFERED=1",
               "LOG_LEVEL=INFO", "NETWORK_INTERFACE=veth-secc", "PROTOCOLS=ISO_15118_2", "AUTH_MODES=EIM",
               "SECC_ENFORCE_TLS=false", "FREE_CHARGING_SERVICE=false", "JOSEV_WARMUP="]
        for _ in range(runs):
            t0 = time.monotonic()
            p = subprocess.Popen(["ip", "netns", "exec", ns] + env + [py, os.path.join(JOSEV, "josev-launch.py"), "secc"],
                                 cwd="/tmp", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
            t, out = wait_for_line(p, "UDP server started", 60)
            if t is None:
                stop(p)
                return None, "Josev's SECC did not start:\n" + out.decode(errors="replace")[-1500:]
            ready.append((t - t0) * 1000)
            time.sleep(0.2)
            procs = [p.pid] + descendants(p.pid)
            py_rss = jvm_rss = 0
            for q in procs:
                try:
                    exe = os.readlink(f"/proc/{q}/exe")
                except OSError:
                    continue
                if "java" in exe:
                    jvm_rss += rss_kib(q)
                elif "python" in exe:
                    py_rss += rss_kib(q)
            rss_py.append(py_rss)
            rss_jvm.append(jvm_rss)
            stop(p)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    return (ready, rss_py, rss_jvm), None


def fmt(values, unit):
    return f"median {statistics.median(values):7.1f} {unit}, max {max(values):7.1f} {unit}"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    ready, rss, libs = measure_chargerd(binary, runs)
    print(f"chargerd --board sim ({binary}), {runs} runs")
    print(f"  ready for plug-in:  {fmt(ready, 'ms')}   (goal < 200 ms)")
    print(f"  idle RSS:           {fmt([r / 1024 for r in rss], 'MiB')}   (goal <= 10 MiB)")
    print("  shared libraries mapped: " + ", ".join(os.path.basename(l) for l in libs))
    josev, reason = measure_josev(runs)
    if josev is None:
        print(f"Josev SECC: {reason}")
        return
    jready, jpy, jjvm = josev
    total = [a + b for a, b in zip(jpy, jjvm)]
    print(f"Josev SECC (iso15118 0.31.2, ISO_15118_2, no codec warm-up), {runs} runs")
    print(f"  ready (UDP server started): {fmt(jready, 'ms')}")
    print(f"  idle RSS python {fmt([r / 1024 for r in jpy], 'MiB')}; JVM {fmt([r / 1024 for r in jjvm], 'MiB')}; "
          f"total {fmt([r / 1024 for r in total], 'MiB')}")
    print(f"ratios (Josev / chargerd, medians): ready {statistics.median(jready) / statistics.median(ready):.1f}x, "
          f"RSS {statistics.median(total) / statistics.median(rss):.1f}x")


if __name__ == "__main__":
    main()
