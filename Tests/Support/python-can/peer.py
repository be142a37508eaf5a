#!/usr/bin/env python3
"""python-can's udp_multicast bus as the independent peer of ChargeKit's UDPMulticastCANBus.

  peer.py send FRAME...              send each frame once (candump style: 18FF50E5#0102, 123#R)
  peer.py receive N TIMEOUT READY    touch READY once joined, print the first N frames received
  peer.py pack FRAME...              print python-can's record (pack_message) of each frame, hex

Frames print as `ID#DATA` with the flags: `x` extended, `r` remote, `f` FD.
"""
import sys
import can
from can.interfaces.udp_multicast.utils import pack_message


def parse(text):
    ident, _, data = text.partition("#")
    fd = data.startswith("#")
    data = data.lstrip("#")
    remote = data.startswith("R")
    payload = b"" if remote else bytes.fromhex(data)
    return can.Message(arbitration_id=int(ident, 16), is_extended_id=len(ident) > 3, is_remote_frame=remote,
                       is_fd=fd, data=payload, dlc=len(payload) if not remote else 0)


def show(msg):
    flags = ("x" if msg.is_extended_id else "") + ("r" if msg.is_remote_frame else "") + ("f" if msg.is_fd else "")
    return f"{msg.arbitration_id:X}#{bytes(msg.data).hex().upper()} {flags or '-'} {msg.dlc}"


def main():
    mode = sys.argv[1]
    if mode == "pack":
        for text in sys.argv[2:]:
            msg = parse(text)
            msg.timestamp = 0.0
            print(pack_message(msg).hex())
        return
    with can.Bus(interface="udp_multicast") as bus:
        if mode == "send":
            for text in sys.argv[2:]:
                bus.send(parse(text))
        elif mode == "receive":
            want, timeout, ready = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
            open(ready, "w").close()
            got = 0
            while got < want:
                msg = bus.recv(timeout)
                if msg is None:
                    print(f"timeout after {got} frames", file=sys.stderr)
                    sys.exit(1)
                print(show(msg), flush=True)
                got += 1


if __name__ == "__main__":
    main()
