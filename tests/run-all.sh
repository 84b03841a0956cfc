#!/bin/bash
# Every test tier, from a fresh Debian 12 machine (as root): install what
# the tiers need, build with warnings as errors, then
#   unit    make check (Check suites, valgrind pass, symbol and header checks)
#   sanitize  make check-sanitize (the same suite built with ASan and UBSan)
#   dist    make distcheck (everything built and tested from the tarball)
#   checkpatch  the kernel module against checkpatch.pl --strict
#   vm      make check-vm (vgfb.ko in Debian's own kernels under qemu)
#   xen     make check-xen (real Xen 4.17 with real guests under qemu)
# and print one summary line.  Exit status: 0 only when no tier failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/_build-tests"
log="$build/tiers.log"

"$top/tests/install-deps.sh" --all || exit 1
(cd "$top" && NOCONFIGURE=1 ./autogen.sh >/dev/null 2>&1) || {
	echo "autogen.sh failed" >&2
	exit 1
}
rm -rf "$build"
mkdir -p "$build"
cd "$build" || exit 1
"$top/configure" --enable-tests --enable-tools --enable-werror >configure.log 2>&1 || {
	cat configure.log
	echo "configure failed" >&2
	exit 1
}
: >"$log"

passed=0 failed=0 skipped=0
declare -a summary

# Run one tier; "tally" reads automake's test-suite totals if there are any.
tier() {
	local name=$1
	shift
	local start=$SECONDS rc
	echo "=== tier $name: $*"
	"$@" 2>&1 | tee -a "$log" | sed -n -e '/^# /p' -e '/^\(PASS\|FAIL\|ERROR\|SKIP\|XPASS\):/p' \
		-e '/^VGFB_RESULT/p' -e '/: [0-9]* passed, [0-9]* failed/p' -e '/rror/p'
	rc=${PIPESTATUS[0]}
	case $rc in
	0) passed=$((passed + 1)); summary+=("$name: ok ($((SECONDS - start)) s)") ;;
	77) skipped=$((skipped + 1)); summary+=("$name: skipped ($((SECONDS - start)) s)") ;;
	*) failed=$((failed + 1)); summary+=("$name: FAILED rc=$rc ($((SECONDS - start)) s)") ;;
	esac
}

# (not make -n: it would run the recursive $(MAKE) lines of the target)
has_target() {
	grep -q "^$1:" Makefile
}

tier build make -j"$(nproc)"
tier unit make -j"$(nproc)" check
tier sanitize make -j"$(nproc)" check-sanitize
tier dist make -j"$(nproc)" distcheck
if has_target checkpatch; then
	tier checkpatch make checkpatch
fi
for t in vm xen; do
	if has_target "check-$t"; then
		tier "$t" make "check-$t" XEN_TIER_REQUIRED=1
	else
		echo "=== tier $t: not built yet (no check-$t target)"
	fi
done

# Every test result of every tier: automake's totals (unit, and the unit
# run inside distcheck) and the vm and xen tiers' closing lines.
count() {
	awk -v what="$1" '
		/^# (PASS|FAIL|ERROR|SKIP):/ {
			k = $2; sub(":", "", k)
			if (k == "ERROR") k = "FAIL"
			n[k] += $3
		}
		/^(vm|xen): [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped/ {
			n["PASS"] += $2; n["FAIL"] += $4; n["SKIP"] += $6
		}
		/^xen: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped, [0-9]+ retried/ {
			n["RETRY"] += $8
		}
		END { print n[what] + 0 }' "$log"
}

echo
printf '%s\n' "${summary[@]}"
echo "tiers: $passed passed, $failed failed, $skipped skipped"
echo "tests: $(count PASS) passed, $(count FAIL) failed, $(count SKIP) skipped"
# a domU re-created on the xen tier's one infrastructure signature (a PVH
# kernel's triple fault in early boot under qemu TCG; never a test's FAIL)
echo "infrastructure retries: $(count RETRY) (VGFB_RETRY lines in $log; docs/xen-tier-reliability.md)"
[ "$failed" -eq 0 ]
