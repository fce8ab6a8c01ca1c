# SPDX-License-Identifier: GPL-2.0-or-later
# copy_bins.sh - sourced by guest builders and tests that put host programs
# into a guest's initramfs.
#
# copy_bins ROOT PROGRAM...: copy each PROGRAM to ROOT/bin and the shared
# libraries it loads (as ldd lists them) to the same paths under ROOT.
copy_bins() {
	_root=$1
	shift
	mkdir -p "$_root/bin"
	for _b in "$@"; do
		cp -L "$_b" "$_root/bin/" || return 1
		ldd "$_b" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' |
			while read -r _l; do
				mkdir -p "$_root$(dirname "$_l")"
				cp -L "$_l" "$_root$_l"
			done
	done
}
