#!/usr/bin/python3
"""The independent peer for ChargeKit's YAML composer (Sources/YAMLDocument): PyYAML's pure-Python
composer (yaml.SafeLoader, not the libyaml binding) prints each file's node tree in the canonical form
YAMLDocumentPeerTests prints ours in, one file per block:

  FILE <path>
  OK                                   (or: ERR <line>:<column> <problem>, or EMPTY)
  M <line>:<column> <pairs>            a mapping, then its keys and values in order
  Q <line>:<column> <items>            a sequence, then its items
  S <style> <line>:<column> <value>    a scalar; style p ' " | >; value JSON-escaped

Lines and columns are 1-based. Usage: compose.py FILE...
"""
import json
import sys

import yaml

STYLE = {None: "p", "": "p", "'": "'", '"': '"', "|": "|", ">": ">"}


def dump(node, out):
    mark = f"{node.start_mark.line + 1}:{node.start_mark.column + 1}"
    if isinstance(node, yaml.MappingNode):
        out.append(f"M {mark} {len(node.value)}")
        for k, v in node.value:
            dump(k, out)
            dump(v, out)
    elif isinstance(node, yaml.SequenceNode):
        out.append(f"Q {mark} {len(node.value)}")
        for v in node.value:
            dump(v, out)
    else:
        out.append(f"S {STYLE.get(node.style, node.style)} {mark} {json.dumps(node.value, ensure_ascii=True)}")


def main():
    for path in sys.argv[1:]:
        print(f"FILE {path}")
        try:
            with open(path, encoding="utf-8") as f:
                node = yaml.compose(f.read(), Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as e:
            m = e.problem_mark
            print(f"ERR {m.line + 1}:{m.column + 1} {e.problem}" if m else f"ERR ? {e.problem}")
            continue
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            print(f"ERR ? {str(e).splitlines()[0] if str(e) else type(e).__name__}")
            continue
        if node is None:
            print("EMPTY")
            continue
        print("OK")
        out = []
        dump(node, out)
        print("\n".join(out))


if __name__ == "__main__":
    main()
