#!/usr/bin/env python3
"""Syscall numbers and errno values for every architecture, from the kernel's own tables.

Two steps, both by this script:

  python3 ci/gen-tables.py import <linux source tree>
      copies the kernel's tables into arch/tbl/: for each architecture its syscall table
      (`<arch>.tbl`, only the lines of the ABIs that architecture's `unistd` header is built
      from) and the errno values of its uapi headers (`errno-<family>.h`), each headed by
      where it came from. Then generates, as below.

  python3 ci/gen-tables.py [--check]
      reads arch/tbl/ and writes arch/gen/<arch>_nr.rs (the `nr` constants and the name
      tables of `nr::name`/`nr::number`) and arch/gen/errno_<family>.rs (the `Errno`
      constants and names). With --check it writes nothing and fails if a checked-in file
      differs from what it would write (ci/test.sh runs this).

The generated files also assert, at compile time, every constant against the table it came
from (`crate::table::check_syscalls`/`check_errnos`), so a hand edit that changes a number
does not build.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = "ci/gen-tables.py"

# What `import` copies for each architecture (generating needs none of this: it reads
# whatever arch/tbl/ holds): its syscall table in the kernel tree, the ABIs its unistd header takes
# (None: read from arch/<karch>/kernel/Makefile.syscalls on top of scripts/
# Makefile.asm-headers' `common,64`), the number base (MIPS' __NR_Linux in
# arch/mips/include/uapi/asm/unistd.h) and its errno family.
ARCHES = {
    # arch/x86/entry/syscalls/Makefile: unistd_32.h from abis i386, unistd_64.h from common,64.
    "x86": ("arch/x86/entry/syscalls/syscall_32.tbl", ["i386"], 0, "generic"),
    "x86_64": ("arch/x86/entry/syscalls/syscall_64.tbl", ["common", "64"], 0, "generic"),
    # arch/arm/tools/Makefile: unistd-eabi.h from common,eabi.
    "arm": ("arch/arm/tools/syscall.tbl", ["common", "eabi"], 0, "generic"),
    "aarch64": ("scripts/syscall.tbl", ("arm64", "64"), 0, "generic"),
    "loongarch64": ("scripts/syscall.tbl", ("loongarch", "64"), 0, "generic"),
    "riscv64": ("scripts/syscall.tbl", ("riscv", "64"), 0, "generic"),
    # arch/mips/kernel/syscalls/Makefile: unistd_o32.h/unistd_n64.h take every line of
    # their table (no --abis), offset by __NR_Linux: 4000 for o32, 5000 for n64.
    "mips": ("arch/mips/kernel/syscalls/syscall_o32.tbl", None, 4000, "mips"),
    "mips64": ("arch/mips/kernel/syscalls/syscall_n64.tbl", None, 5000, "mips"),
    # arch/powerpc/kernel/syscalls/Makefile: unistd_64.h from common,nospu,64.
    "powerpc64": ("arch/powerpc/kernel/syscalls/syscall.tbl", ["common", "nospu", "64"], 0, "powerpc"),
    # arch/s390/kernel/syscalls/Makefile: unistd_64.h from common,64.
    "s390x": ("arch/s390/kernel/syscalls/syscall.tbl", ["common", "64"], 0, "generic"),
}

# Each errno family: the uapi headers, in include order. A later #define of a name
# replaces the earlier one (powerpc's #undef EDEADLOCK / #define EDEADLOCK 58).
ERRNO_FAMILIES = {
    "generic": ["include/uapi/asm-generic/errno-base.h", "include/uapi/asm-generic/errno.h"],
    "mips": ["include/uapi/asm-generic/errno-base.h", "arch/mips/include/uapi/asm/errno.h"],
    "powerpc": [
        "include/uapi/asm-generic/errno-base.h",
        "include/uapi/asm-generic/errno.h",
        "arch/powerpc/include/uapi/asm/errno.h",
    ],
}

# Errno constants and names are u16 (errors are 1..=4095).
MAX_ERRNO = 4095


def die(msg):
    sys.stderr.write(f"gen-tables: {msg}\n")
    sys.exit(1)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# --- import: kernel tree -> arch/tbl ----------------------------------------------------

def kernel_release(src):
    mk = read(os.path.join(src, "Makefile"))
    fields = {}
    for key in ("VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"):
        m = re.search(rf"^{key}[ \t]*=[ \t]*(.*)$", mk, re.M)
        fields[key] = m.group(1).strip() if m else ""
    rel = f"{fields['VERSION']}.{fields['PATCHLEVEL']}"
    if fields["SUBLEVEL"] not in ("", "0"):
        rel += f".{fields['SUBLEVEL']}"
    return rel + fields["EXTRAVERSION"]


def generic_abis(src, karch, bits):
    """scripts/Makefile.asm-headers' syscall_abis_<bits> (common,<bits>) plus what the
    architecture's kernel/Makefile.syscalls adds."""
    abis = ["common", bits]
    mk = read(os.path.join(src, f"arch/{karch}/kernel/Makefile.syscalls"))
    for m in re.finditer(rf"^syscall_abis_{bits}\s*\+=(.*)$", mk, re.M):
        abis += m.group(1).split()
    return abis


def import_kernel(src, origin):
    release = kernel_release(src)
    tbl_dir = os.path.join(ROOT, "arch", "tbl")
    for arch, (path, abis, base, _family) in ARCHES.items():
        if isinstance(abis, tuple):
            karch, bits = abis
            abis = generic_abis(src, karch, bits)
            abi_source = f"common,{bits} (scripts/Makefile.asm-headers) plus arch/{karch}/kernel/Makefile.syscalls"
        else:
            abi_source = None
        lines, seen_abis = [], set()
        for line in read(os.path.join(src, path)).splitlines():
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            seen_abis.add(fields[1])
            if abis is None or fields[1] in abis:
                lines.append("\t".join(fields))
        if abis is None:
            abi_text = "every line (the table has ABIs " + ", ".join(sorted(seen_abis)) + ")"
        else:
            abi_text = "ABIs " + ",".join(abis)
            if abi_source:
                abi_text += f" ({abi_source})"
            left = sorted(seen_abis - set(abis))
            if left:
                abi_text += "; omitted: " + ",".join(left)
        head = [
            f"# {path}, Linux {release} ({origin})",
            f"# {abi_text}",
        ]
        if base:
            head.append(f"# base: {base} (__NR_Linux); the numbers below are without it")
        head.append("# whitespace between fields normalised to one TAB; kernel comment lines dropped;"
                    f" written by {SCRIPT} import")
        with open(os.path.join(tbl_dir, f"{arch}.tbl"), "w", encoding="utf-8") as f:
            f.write("\n".join(head + lines) + "\n")

    for family, headers in ERRNO_FAMILIES.items():
        defs = {}  # name -> (value text, comment); dict keeps first-definition order
        for h in headers:
            for m in re.finditer(r"^#\s*(define|undef)\s+(E[A-Z0-9]+)\b[ \t]*([^ \t\n/]*)[ \t]*(/\*.*?\*/)?",
                                 read(os.path.join(src, h)), re.M):
                kind, name, value, comment = m.groups()
                if kind == "undef":
                    defs.pop(name, None)
                else:
                    defs[name] = (value, (comment or "")[2:-2].strip())
        head = [
            f"# errno values: {' then '.join(headers)}, Linux {release} ({origin})",
            "# one #define per name, in include order (a later #define of a name replaces an earlier one);"
            f" written by {SCRIPT} import",
        ]
        body = []
        for name, (value, comment) in defs.items():
            body.append(f"#define\t{name}\t{value}" + (f"\t/* {comment} */" if comment else ""))
        with open(os.path.join(tbl_dir, f"errno-{family}.h"), "w", encoding="utf-8") as f:
            f.write("\n".join(head + body) + "\n")


# --- generate: arch/tbl -> arch/gen -----------------------------------------------------

def parse_tbl(arch):
    """(number, name, entry) per line of arch/tbl/<arch>.tbl, its comment lines and the
    base its `# base: N` line gives (0 without one)."""
    rows, comments, base = [], [], 0
    for line in read(os.path.join(ROOT, "arch", "tbl", f"{arch}.tbl")).splitlines():
        fields = line.split()
        if not fields:
            continue
        if fields[0].startswith("#"):
            comments.append(line)
            m = re.match(r"# base: (\d+)", line)
            if m:
                base = int(m.group(1))
            continue
        if len(fields) < 3 or not fields[0].isdigit() or not re.fullmatch(r"[a-z_][a-z0-9_]*", fields[2]):
            die(f"arch/tbl/{arch}.tbl: cannot read line {line!r}")
        rows.append((int(fields[0]), fields[2], fields[3] if len(fields) > 3 else None))
    names = [r[1] for r in rows]
    if len(set(names)) != len(names):
        die(f"arch/tbl/{arch}.tbl: a name appears twice")
    if any(a[0] >= b[0] for a, b in zip(rows, rows[1:])):
        die(f"arch/tbl/{arch}.tbl: numbers not strictly increasing")
    return rows, comments, base


def parse_errno(family):
    """(name, value, alias of, comment) per #define of arch/tbl/errno-<family>.h."""
    rows, comments, values = [], [], {}
    for line in read(os.path.join(ROOT, "arch", "tbl", f"errno-{family}.h")).splitlines():
        if not line.strip():
            continue
        m = re.fullmatch(r"#define\s+(E[A-Z0-9]+)\s+(\w+)\s*(?:/\*\s*(.*?)\s*\*/)?\s*", line)
        if not m:
            if line.startswith("# "):
                comments.append(line)
                continue
            die(f"arch/tbl/errno-{family}.h: cannot read line {line!r}")
        name, value, comment = m.groups()
        if value.isdigit():
            v, alias = int(value), None
        elif value in values:
            v, alias = values[value], value
        else:
            die(f"arch/tbl/errno-{family}.h: {name} is {value}, not defined before it")
        if not 1 <= v <= MAX_ERRNO or name in values:
            die(f"arch/tbl/errno-{family}.h: {name} = {v} out of range or defined twice")
        values[name] = v
        rows.append((name, v, alias, comment or ""))
    return rows, comments


def header(sources, comments):
    out = [f"// @generated by {SCRIPT} from {sources}; do not edit.", "// That file's header:"]
    out += ["//  " + c[1:] for c in comments]
    return out


def gen_nr(arch):
    rows, comments, base = parse_tbl(arch)
    n = len(rows)
    out = header(f"arch/tbl/{arch}.tbl", comments)
    out.append("")
    for number, name, entry in rows:
        doc = f"`{name}`" + (f" (`{entry}`)" if entry else "")
        if base:
            doc += f": {base} + {number}"
        out.append(f"/// {doc}.")
        out.append(f"pub const {name.upper()}: usize = {base + number};")
    out.append("")
    out.append("/// Every number of the table with its name, by number (for `nr::name`).")
    out.append(f"pub(crate) static BY_NUMBER: [(usize, &str); {n}] = [")
    for _number, name, _entry in rows:
        out.append(f"    ({name.upper()}, \"{name}\"),")
    out.append("];")
    out.append("")
    out.append("/// `BY_NUMBER`'s indices sorted by name (for `nr::number`).")
    order = sorted(range(n), key=lambda i: rows[i][1])
    out.append("#[rustfmt::skip]")
    out.append(f"pub(crate) static BY_NAME: [u16; {n}] = [")
    out += wrap([str(i) for i in order])
    out.append("];")
    out.append("")
    out.append("// Every constant (through BY_NUMBER) and both lookup tables against arch/tbl, in one")
    out.append("// pass at compile time; the messages name the constant that differs.")
    out.append("#[rustfmt::skip]")
    out.append("const _: () = crate::table::check_syscalls(")
    out.append("    super::SYSCALL_TABLE,")
    out.append("    super::SYSCALL_BASE,")
    out.append("    &BY_NUMBER,")
    out.append("    &BY_NAME,")
    out.append("    &[")
    for _number, name, _entry in rows:
        out.append(f"        \"syscall number {name.upper()} differs from arch/tbl\",")
    out.append("    ],")
    out.append(");")
    return "\n".join(out) + "\n"


def wrap(items, indent="    ", width=100):
    lines, cur = [], indent
    for it in items:
        piece = it + ","
        if len(cur) + len(piece) + 1 > width and cur.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += piece + " "
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


def gen_errno(family):
    rows, comments = parse_errno(family)
    out = header(f"arch/tbl/errno-{family}.h", comments)
    out.append("")
    out.append("impl crate::Errno {")
    for name, v, alias, comment in rows:
        text = comment.rstrip(".") if comment else name
        if alias:
            out.append(f"    /// {text}: another name for [`{alias}`](Self::{alias}) ({v}).")
            out.append(f"    pub const {name}: Self = Self::{alias};")
        else:
            out.append(f"    /// {text} ({v}).")
            out.append(f"    pub const {name}: Self = Self::from_table({v});")
    out.append("}")
    out.append("")
    canon = sorted((v, name) for name, v, alias, _c in rows if alias is None)
    if len({v for v, _ in canon}) != len(canon):
        die(f"errno-{family}: two names with a number share a value")
    out.append("/// Each value's name, by value: the name defined with the number, not an alias.")
    out.append(f"pub(crate) static NAMES: [(u16, &str); {len(canon)}] = [")
    for v, name in canon:
        out.append(f"    ({v}, \"{name}\"),")
    out.append("];")
    out.append("")
    out.append("// Every constant and NAMES against arch/tbl, in one pass at compile time.")
    out.append("#[rustfmt::skip]")
    out.append("const _: () = crate::table::check_errnos(")
    out.append("    super::ERRNO_HEADER,")
    out.append("    &NAMES,")
    out.append("    &[")
    for name, _v, _alias, _c in rows:
        out.append(f"        (crate::Errno::{name}, \"{name}\", \"errno {name} differs from arch/tbl\"),")
    out.append("    ],")
    out.append(");")
    return "\n".join(out) + "\n"


def generated():
    """Every arch/tbl/<arch>.tbl and errno-<family>.h, whether `import` wrote it or not."""
    files = {}
    tbl = sorted(os.listdir(os.path.join(ROOT, "arch", "tbl")))
    for f in tbl:
        if f.endswith(".tbl"):
            files[f"arch/gen/{f[:-4]}_nr.rs"] = gen_nr(f[:-4])
    for f in tbl:
        if f.startswith("errno-") and f.endswith(".h"):
            files[f"arch/gen/errno_{f[6:-2]}.rs"] = gen_errno(f[6:-2])
    return files


def main(argv):
    check = False
    if argv[:1] == ["import"]:
        if len(argv) not in (2, 3):
            die("usage: gen-tables.py import <linux source tree> [<where it came from>]")
        import_kernel(argv[1], argv[2] if len(argv) == 3 else os.path.abspath(argv[1]))
        argv = []
    if argv == ["--check"]:
        check = True
    elif argv:
        die("usage: gen-tables.py [--check] | import <linux source tree> [<origin>]")
    stale = []
    files = generated()
    os.makedirs(os.path.join(ROOT, "arch", "gen"), exist_ok=True)
    for rel, text in files.items():
        path = os.path.join(ROOT, rel)
        old = read(path) if os.path.exists(path) else None
        if old == text:
            continue
        if check:
            stale.append(rel)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote {rel}")
    gen_dir = os.path.join(ROOT, "arch", "gen")
    extra = sorted(f"arch/gen/{f}" for f in os.listdir(gen_dir) if f"arch/gen/{f}" not in files)
    if check and (stale or extra):
        for rel in stale:
            print(f"{rel}: differs from what {SCRIPT} writes from arch/tbl")
        for rel in extra:
            print(f"{rel}: not written by {SCRIPT}")
        print(f"run: python3 {SCRIPT}")
        return 1
    if check:
        print(f"arch/gen: {len(files)} files, as {SCRIPT} writes them from arch/tbl")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
