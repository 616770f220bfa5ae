#!/usr/bin/env python3
"""CPU of one database's PostgreSQL backends: pg_cpu.py DB OUT_FILE. Every 0.2 s it reads /proc for the processes
titled "postgres: ... <user> DB ..." and keeps the last utime+stime (clock ticks) seen of each, so backends that
exit (pgbench's) keep counting; OUT_FILE is rewritten each time with one number, the sum. Runs until killed."""
import os, sys, time

db, out = sys.argv[1], sys.argv[2]
needle = (" " + db + " ").encode()
last = {}
while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            if not cmd.startswith(b"postgres: ") or needle not in cmd:
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            last[(pid, fields[19])] = int(fields[11]) + int(fields[12])  # (pid, start time): a reused pid is another backend
        except OSError:
            continue
    with open(out + ".tmp", "w") as f:
        f.write(str(sum(last.values())))
    os.replace(out + ".tmp", out)
    time.sleep(0.2)
