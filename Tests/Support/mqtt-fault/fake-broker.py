#!/usr/bin/env python3
"""A misbehaving MQTT 3.1.1 broker on loopback for the CMosquitto shim's fault-injection tests
(MQTTClientFaultTests). It speaks just enough of the protocol (OASIS MQTT 3.1.1 §3: CONNECT/CONNACK,
SUBSCRIBE/SUBACK, PUBLISH/PUBACK, PINGREQ/PINGRESP, DISCONNECT) to play one fault per connection:

  refuse    CONNACK with return code 5 (not authorised), then close
  garbage   an HTTP error instead of a CONNACK, then silence
  reset     CONNACK, SUBACK, then an abortive close (RST) 300 ms later
  oversize  CONNACK, SUBACK, then a PUBLISH with a 4096-byte payload, one with a 300-character topic,
            then `ok` on a normal topic
  flood     CONNACK, SUBACK, then 600 PUBLISHes back to back (more than the shim's queue holds)
  halfpacket CONNACK, SUBACK, then the first half of a PUBLISH and silence (the keep-alive must end it)

Prints `listening PORT` when ready and `connection N` per accepted client; runs until killed.
  fake-broker.py --script NAME [--port N]
"""
import argparse, socket, struct, sys, threading, time


def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def publish(topic, payload, retain=False):
    t = topic.encode()
    body = struct.pack("!H", len(t)) + t + payload
    return bytes([0x30 | (1 if retain else 0)]) + varint(len(body)) + body


def read_packet(conn):
    """(first byte, body) of the next packet, or None when the client closed."""
    head = conn.recv(1)
    if not head:
        return None
    length, shift = 0, 0
    while True:
        b = conn.recv(1)
        if not b:
            return None
        length |= (b[0] & 0x7F) << shift
        shift += 7
        if not b[0] & 0x80:
            break
    body = b""
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            return None
        body += chunk
    return head[0], body


def serve(conn, script):
    try:
        while True:
            p = read_packet(conn)
            if p is None:
                return
            kind, body = p[0] >> 4, p[1]
            if kind == 1:  # CONNECT
                if script == "refuse":
                    conn.sendall(bytes([0x20, 0x02, 0x00, 0x05]))
                    time.sleep(0.2)
                    return
                if script == "garbage":
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    continue
                conn.sendall(bytes([0x20, 0x02, 0x00, 0x00]))
            elif kind == 8:  # SUBSCRIBE
                conn.sendall(bytes([0x90, 0x03]) + body[:2] + bytes([0x01]))
                if script == "reset":
                    time.sleep(0.3)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    conn.close()
                    return
                if script == "oversize":
                    conn.sendall(publish("fault/big", b"x" * 4096))
                    conn.sendall(publish("fault/" + "t" * 300, b"long topic"))
                    conn.sendall(publish("fault/ok", b"ok"))
                if script == "flood":
                    conn.sendall(b"".join(publish("fault/n", str(i).encode()) for i in range(600)))
                if script == "halfpacket":
                    whole = publish("fault/half", b"y" * 64)
                    conn.sendall(whole[: len(whole) // 2])
            elif kind == 3:  # PUBLISH from the client: PUBACK for QoS 1
                if p[0] & 0x06:
                    topic_length = struct.unpack("!H", body[:2])[0]
                    conn.sendall(bytes([0x40, 0x02]) + body[2 + topic_length: 4 + topic_length])
            elif kind == 12:  # PINGREQ
                if script != "halfpacket":
                    conn.sendall(bytes([0xD0, 0x00]))
            elif kind == 14:  # DISCONNECT
                return
    except OSError:
        return
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True,
                    choices=["refuse", "garbage", "reset", "oversize", "flood", "halfpacket"])
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", a.port))
    server.listen(8)
    print(f"listening {server.getsockname()[1]}", flush=True)
    n = 0
    while True:
        conn, _ = server.accept()
        n += 1
        print(f"connection {n}", flush=True)
        threading.Thread(target=serve, args=(conn, a.script), daemon=True).start()


if __name__ == "__main__":
    main()
