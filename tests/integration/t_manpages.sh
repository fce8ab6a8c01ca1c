# Man pages cannot drift from the commands: every option vnetd --help,
# vnet-bench's usage and each `vnetctl OBJECT VERB --help` print is in the
# man page (in that command's section for vnetctl), every command of
# `vnetctl --help` has its section (vnet-vmm's --help too, when built),
# and every option a man page names is
# one the command has (vnetctl: its --help; vnetd and vnet-bench: getopt
# takes it).  The pages also render without groff warnings.
. "$(dirname "$0")/lib.sh"
MAN=${MAN_DIR:-docs/man}
VNETBENCH=$(readlink -f "$BUILD/vnet-bench")
[ -x "$VNETBENCH" ] || fail "no $BUILD/vnet-bench"
command -v python3 >/dev/null || skip "python3 not installed"

"$VNETD" --help >"$T/vnetd.help" || fail "vnetd --help exited non-zero"
"$VNETBENCH" >"$T/bench.help" 2>&1
"$VNETCTL_BIN" --help >"$T/vnetctl.help" || fail "vnetctl --help exited non-zero"
# One help text per vnetctl command, named "OBJECT VERB".
mkdir "$T/cmd"
# "  OBJECT   VERB     summary": the verb starts in column 12, or the
# command has none (the summary starts later).
grep -E '^  [a-z]' "$T/vnetctl.help" |
	awk '{ v = substr($0, 12, 1) == " " ? "" : $2; print $1, v }' >"$T/cmds"
while read -r obj verb; do
	# shellcheck disable=SC2086
	"$VNETCTL_BIN" $obj $verb --help >"$T/cmd/$obj $verb" 2>&1 ||
		fail "vnetctl $obj $verb --help exited non-zero"
done <"$T/cmds"
[ "$(ls "$T/cmd" | wc -l)" -ge 10 ] || fail "found only $(ls "$T/cmd" | wc -l) vnetctl commands in --help"

python3 - "$T" "$MAN" "$VNETD" "$VNETBENCH" <<'PY' || fail "man pages and --help disagree"
import os, re, subprocess, sys
T, MAN, VNETD, BENCH = sys.argv[1:5]
bad = []

def opts(text):
    """Long options in help text or roff source (where - is written \\-)."""
    text = text.replace("\\-", "-")
    return set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", text))

def accepted(cmd, opt, tail):
    """Whether getopt takes --opt; @tail is a bad option after it, so the
    command stops at argument parsing whatever it makes of --opt."""
    r = subprocess.run(cmd + ["--" + opt] + tail, capture_output=True,
                       text=True, timeout=10)
    return "unrecognized option" not in r.stderr

# vnetd
page = open(f"{MAN}/vnetd.8").read()
helpo = opts(open(f"{T}/vnetd.help").read())
mano = opts(page)
for o in sorted(helpo - mano):
    bad.append(f"vnetd.8 lacks --{o} (in vnetd --help)")
for o in sorted(mano - helpo):
    if not accepted([VNETD], o, ["--threads", "0"]):
        bad.append(f"vnetd.8 names --{o}, which vnetd does not take")

# vnet-bench: its usage text, and what getopt takes
page = open(f"{MAN}/vnet-bench.1").read()
helpo = opts(open(f"{T}/bench.help").read())
mano = opts(page)
for o in sorted(helpo - mano):
    bad.append(f"vnet-bench.1 lacks --{o} (in vnet-bench's usage)")
for o in sorted(mano - helpo):
    # "--size 1" twice: an option that takes an argument eats the first
    # "--size" (vnet-bench bridge --label --size 1 ran a 5 s benchmark).
    if not accepted([BENCH, "bridge"], o, ["--size", "1", "--size", "1"]):
        bad.append(f"vnet-bench.1 names --{o}, which vnet-bench does not take")
for sub in re.findall(r"vnet-bench (\w+)", open(f"{T}/bench.help").read()):
    if not re.search(r"^\.B vnet\\-bench " + sub + r"\b", page, re.M):
        bad.append(f"vnet-bench.1 has no synopsis for 'vnet-bench {sub}'")

# vnet-vmm (when it is built): its --help, and what getopt takes
VMM = os.path.join(os.path.dirname(BENCH), "vnet-vmm")
if os.path.exists(VMM):
    page = open(f"{MAN}/vnet-vmm.1").read()
    helpo = opts(subprocess.run([VMM, "--help"], capture_output=True,
                                text=True).stdout)
    mano = opts(page)
    for o in sorted(helpo - mano):
        bad.append(f"vnet-vmm.1 lacks --{o} (in vnet-vmm --help)")
    for o in sorted(mano - helpo):
        if not accepted([VMM, "run"], o, ["--mem", "1"]):
            bad.append(f"vnet-vmm.1 names --{o}, which vnet-vmm does not take")

# vnetctl: sections per command
page = open(f"{MAN}/vnetctl.8").read()
sections, cur = {}, "_global"
for line in page.splitlines():
    if line.startswith(".SS "):
        words = re.sub(r"\\f[BIRP]", "", line[4:]).replace("\\-", "-").split()
        words = [w for w in words if re.fullmatch(r"[a-z][a-z-]*", w)]
        cur = " ".join(words[:2]) if len(words) > 1 else words[0]
        sections[cur] = ""
    elif line.startswith(".SH "):
        cur = "_global" if cur == "_global" else "_after"
    else:
        sections[cur] = sections.get(cur, "") + line + "\n"
cmds = sorted(os.listdir(f"{T}/cmd"))
for c in cmds:
    key = c.strip()
    sec = sections.get(key)
    if sec is None:
        bad.append(f"vnetctl.8 has no section '.SS {key}'")
        continue
    helpo = opts(open(f"{T}/cmd/{c}").read().split("\n", 2)[-1]) - {"help"}
    # options in the summary line ("--force: with its ports") count too
    mano = opts(sec)
    for o in sorted(helpo - mano):
        bad.append(f"vnetctl.8 '{key}' lacks --{o} (in vnetctl {key} --help)")
    for o in sorted(mano - helpo):
        bad.append(f"vnetctl.8 '{key}' names --{o}, not in vnetctl {key} --help")
for key in sections:
    if not key.startswith("_") and key not in [c.strip() for c in cmds]:
        bad.append(f"vnetctl.8 has a section '{key}', a command vnetctl --help does not list")
glob = opts(open(f"{T}/vnetctl.help").read().splitlines()[0])
for o in sorted(glob - opts(sections.get("_global", ""))):
    bad.append(f"vnetctl.8 lacks the global option --{o}")

for b in bad:
    print("  " + b)
print(f"  checked {len(cmds)} vnetctl commands, vnetd, vnet-bench"
      + (" and vnet-vmm" if os.path.exists(VMM) else ""))
sys.exit(1 if bad else 0)
PY

# Every per-port drop reason (the X-macros port counters are made of) is in
# vnetctl.md's list of drop reasons.
python3 - <<'PY' || fail "docs/vnetctl.md's drop reasons and the X-macros disagree"
import re, sys
names = []
for hdr, macro in (("vswitch/vswitch.h", "VSW_DROPS"),
                   ("vnic/vnic.h", "VNIC_DROPS"),
                   ("lib/vnet_hdr.h", "VNET_HDR_DROPS")):
    text = open(hdr).read()
    m = re.search(r"#define " + macro + r"\(X\)((?:.*\\\n)*.*)", text)
    if not m:
        sys.exit(f"  no {macro} in {hdr}")
    names += re.findall(r"X\(\w+,\s*\"(\w+)\"", m.group(1))
doc = open("docs/vnetctl.md").read()
m = re.search(r"^Drop reasons:(.*?)\n\n", doc, re.S | re.M)
if not m:
    sys.exit("  docs/vnetctl.md has no 'Drop reasons:' paragraph")
listed = set(re.findall(r"`(\w+)`", m.group(1)))
missing = [n for n in names if n not in listed]
for n in missing:
    print(f"  docs/vnetctl.md's drop reasons lack `{n}`")
print(f"  checked {len(names)} drop reasons")
sys.exit(1 if missing or len(names) < 20 else 0)
PY

# The pages render cleanly.
if command -v groff >/dev/null; then
	for p in "$MAN"/*.[18]; do
		w=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$p" 2>&1)
		[ -z "$w" ] || fail "$p: groff: $w"
	done
	log "groff renders every page without warnings"
else
	skip_part groff "groff not installed"
fi
pass
