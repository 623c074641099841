#!/usr/bin/env python3
"""Load order of kernel modules and everything they need, from depmod's files.

    tools/module_order.py --dep-dir D NAME...

D holds depmod's output for one kernel (modules.dep, and if present
modules.softdep, modules.alias, modules.builtin). Prints one path per line,
relative to the kernel's lib/modules/<version>, dependencies before the
modules that need them, each once, so a loader can finit_module(2) them in
that order. NAME is a module name (`-` and `_` are the same, as for modprobe)
or an alias. Followed: modules.dep (hard dependencies; depmod already lists
the whole closure, in the order modprobe loads them backwards) and `softdep
... pre:` entries (ext4 names crc32c that way: without it, mounting a
metadata_csum ext4 fails). A name built into the kernel (modules.builtin) is
skipped and reported on stderr; a name found nowhere is an error naming the
module and D. `post:` soft dependencies are not needed to boot and are left out.
"""
import argparse
import os
import sys


def norm(name):
    return name.replace("-", "_")


def mod_name(path):
    base = os.path.basename(path)
    for ext in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
        if base.endswith(ext):
            return norm(base[: -len(ext)])
    return norm(base)


class Depmod:
    def __init__(self, dep_dir):
        self.dir = dep_dir
        self.deps = {}   # name -> (path, [dep paths])
        self.by_path = {}
        path = os.path.join(dep_dir, "modules.dep")
        try:
            with open(path) as f:
                for lineno, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    if ":" not in line:
                        sys.exit(f"module_order.py: {path}:{lineno}: no ':' in a modules.dep line")
                    mod, rest = line.split(":", 1)
                    self.deps[mod_name(mod)] = (mod, rest.split())
                    self.by_path[mod] = mod_name(mod)
        except OSError as e:
            sys.exit(f"module_order.py: {path}: {e.strerror} (run depmod first)")
        self.softpre = self._softdeps()
        self.aliases = self._aliases()
        self.builtin = self._builtin()

    def _read(self, name):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [l.split() for l in f if l.strip() and not l.startswith("#")]

    def _softdeps(self):
        pre = {}
        for words in self._read("modules.softdep"):
            if len(words) < 2 or words[0] != "softdep":
                continue
            names, mode = [], None
            for w in words[2:]:
                if w.endswith(":"):
                    mode = w[:-1]
                elif mode == "pre":
                    names.append(w)
            pre[norm(words[1])] = names
        return pre

    def _aliases(self):
        return {w[1]: norm(w[2]) for w in self._read("modules.alias") if len(w) == 3 and w[0] == "alias"}

    def _builtin(self):
        return {mod_name(w[0]) for w in self._read("modules.builtin") if w}

    def resolve(self, name):
        """Module name for NAME, None if built in; exits when unknown."""
        n = norm(name)
        if n in self.deps:
            return n
        if name in self.aliases and self.aliases[name] in self.deps:
            return self.aliases[name]
        if n in self.builtin or self.aliases.get(name) in self.builtin:
            return None
        sys.exit(f"module_order.py: module {name!r}: not in {self.dir}/modules.dep, "
                 "not an alias of one, not built in")

    def order(self, names):
        out, state = [], {}

        def visit(n, chain):
            if state.get(n) == "done":
                return
            if state.get(n) == "busy":
                sys.exit("module_order.py: dependency cycle: " + " -> ".join(chain + [n]))
            state[n] = "busy"
            path, deps = self.deps[n]
            for soft in self.softpre.get(n, []):
                s = self.resolve(soft)
                if s is not None:
                    visit(s, chain + [n])
            # modules.dep lists the closure with the deepest dependency last.
            for d in reversed(deps):
                visit(self.by_path.get(d) or sys.exit(f"module_order.py: {d} (needed by {path}) "
                                                      "has no line in modules.dep"), chain + [n])
            state[n] = "done"
            out.append(path)

        for name in names:
            n = self.resolve(name)
            if n is None:
                print(f"module_order.py: {name} is built into the kernel", file=sys.stderr)
                continue
            visit(n, [])
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dep-dir", required=True)
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    for path in Depmod(args.dep_dir).order(args.names):
        print(path)


if __name__ == "__main__":
    main()
