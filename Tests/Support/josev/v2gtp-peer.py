#!/usr/bin/env python3
"""Josev's own V2GTP and SDP classes (iso15118 on PyPI) as the independent peer of our V2GTP codec.

  v2gtp-peer.py make            Josev builds SDP requests/responses and V2GTP messages; one JSON
                                object per line: {"kind", "hex", ...fields}
  v2gtp-peer.py check < lines   Josev parses each {"kind", "hex"} we encoded and prints what it read,
                                or {"error": ...} where it refuses it

Runs with the Josev venv's python (../shared/tools/josev/setup.sh).
"""
import json
import sys

from iso15118.shared.messages.enums import Protocol, ISOV2PayloadTypes, DINPayloadTypes, ISOV20PayloadTypes
from iso15118.shared.messages.sdp import SDPRequest, SDPResponse, Security, Transport
from iso15118.shared.messages.v2gtp import V2GTPMessage


def v2gtp(payload_type, payload):
    """Josev's own framing of an SDP payload."""
    return V2GTPMessage(Protocol.ISO_15118_2, ISOV2PayloadTypes(payload_type), payload).to_bytes()


def make():
    for security in (Security.NO_TLS, Security.TLS):
        request = SDPRequest(security, Transport.TCP)
        wire = v2gtp(request.payload_type, request.to_payload())
        print(json.dumps({"kind": "sdp-request", "hex": wire.hex(), "security": int(security), "transport": 0}))
    for address, port, security in (("fe800000000000000000ffffffff0001", 61341, Security.NO_TLS),
                                    ("fe80000000000000021122fffe334455", 49152, Security.TLS),
                                    ("fe800000000000000000000000005e01", 65535, Security.NO_TLS)):
        response = SDPResponse(bytes.fromhex(address), port, security, Transport.TCP)
        wire = v2gtp(response.payload_type, response.to_payload())
        print(json.dumps({"kind": "sdp-response", "hex": wire.hex(), "address": address, "port": port,
                          "security": int(security), "transport": 0}))
    for protocol, payload_type in ((Protocol.DIN_SPEC_70121, DINPayloadTypes.EXI_ENCODED),
                                   (Protocol.ISO_15118_2, ISOV2PayloadTypes.EXI_ENCODED),
                                   (Protocol.ISO_15118_20_DC, ISOV20PayloadTypes.DC_MAINSTREAM)):
        for payload in (bytes.fromhex("809a0011d00000"), bytes(range(256)) * 3):
            message = V2GTPMessage(protocol, payload_type, payload)
            print(json.dumps({"kind": "v2gtp", "protocol": protocol.name, "hex": message.to_bytes().hex(),
                              "payload_type": int(payload_type), "payload": payload.hex()}))


def check():
    for line in sys.stdin:
        item = json.loads(line)
        data = bytes.fromhex(item["hex"])
        out = {"kind": item["kind"], "hex": item["hex"]}
        try:
            if item["kind"] == "sdp-request":
                header_ok = V2GTPMessage.is_header_valid(Protocol.ISO_15118_2, data[:8])
                request = SDPRequest.from_payload(data[8:])
                out.update(header_valid=header_ok, security=int(request.security),
                           transport=int(request.transport_protocol))
            elif item["kind"] == "sdp-response":
                header_ok = V2GTPMessage.is_header_valid(Protocol.ISO_15118_2, data[:8])
                response = SDPResponse.from_payload(data[8:])
                out.update(header_valid=header_ok, address=response.ip_address.hex(), port=response.port,
                           security=int(response.security), transport=int(response.transport_protocol))
            else:
                protocol = Protocol[item["protocol"]]
                message = V2GTPMessage.from_bytes(protocol, data)
                out.update(header_valid=V2GTPMessage.is_header_valid(protocol, data[:8]),
                           payload_type=int(message.payload_type), payload=message.payload.hex())
        except Exception as e:  # a refusal is a result, not a crash of the checker
            out["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(out))


if __name__ == "__main__":
    {"make": make, "check": check}[sys.argv[1]]()
