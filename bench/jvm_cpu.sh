# Sourced by bench/ingress-cpu.sh and bench/worker-cpu.sh: a process's CPU from /proc, in clock ticks.
# ticks PID: user + system; sys_ticks PID: system only; threads PID: "tid<TAB>ticks" lines, one per live thread;
# pg_total X: the last sample bench/pg_cpu.py wrote to $OUT/pgticks-X (after a pause of more than its 0.2 s period).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sys_ticks() { awk '{print $15}' "/proc/$1/stat"; }
threads() {
  for t in /proc/$1/task/*; do
    printf '%s\t%s\n' "${t##*/}" "$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')"
  done | awk -F'\t' '$2 != ""' | sort
}
pg_total() { sleep 0.4; cat "$OUT/pgticks-$1"; }
