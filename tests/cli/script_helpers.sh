# Shared by the shell tests of this folder (sourced): set TEST_NAME and D (the work folder) first.
# fail MESSAGE: prints "TEST_NAME: MESSAGE" and fails the test.
fail() { echo "$TEST_NAME: $*"; exit 1; }
# run RC COMMAND...: runs it, stdout in $D/out, stderr in $D/err; fails unless it exits RC.
run() {
    want=$1; shift
    rc=0; "$@" > "$D/out" 2> "$D/err" || rc=$?
    [ "$rc" = "$want" ] || fail "exit $rc, not $want: $*: $(cat "$D/out" "$D/err")"
}
