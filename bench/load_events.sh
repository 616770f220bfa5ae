# Sourced by the benchmarks that need millions of stored events (retention.sh, scale.sh): creates the past days'
# partitions of webhook_events (the gateway creates only today's and the coming days'), then stores N events of one
# tenant spread evenly over the last H hours, one INSERT ... SELECT generate_series per million: each with a
# time-ordered id of its received_at (so it lands in its day's partition, as the gateway's do) and its delivery key,
# the first B bytes of the body file as body; every 1000th dead with a dead job, the rest processed (no job: a job
# row is deleted when its job is done).
#   load_events "PSQL_ARGS" DB TENANT_ID N H BODY_FILE B
load_events() {
  local pg=$1 db=$2 tid=$3 n=$4 hours=$5 body=$6 bytes=$7 hex t0 lo hi
  hex=$(head -c "$bytes" "$body" | xxd -p | tr -d '\n')
  # shellcheck disable=SC2086
  psql $pg -d "$db" -qv ON_ERROR_STOP=1 <<SQL
DO \$\$
DECLARE d date := ((now() - make_interval(hours => $hours)) AT TIME ZONE 'UTC')::date;
BEGIN
  WHILE d < (now() AT TIME ZONE 'UTC')::date LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF webhook_events FOR VALUES FROM (%L) TO (%L)',
                   'webhook_events_p' || to_char(d, 'YYYYMMDD'),
                   (lpad(to_hex((extract(epoch FROM d::timestamp AT TIME ZONE 'UTC') * 1000)::bigint), 12, '0')
                    || repeat('0', 20))::uuid,
                   (lpad(to_hex((extract(epoch FROM (d + 1)::timestamp AT TIME ZONE 'UTC') * 1000)::bigint), 12, '0')
                    || repeat('0', 20))::uuid);
    d := d + 1;
  END LOOP;
END \$\$;
SQL
  t0=$(date +%s)
  for lo in $(seq 1 1000000 "$n"); do
    hi=$((lo + 999999)); [ "$hi" -gt "$n" ] && hi=$n
    # shellcheck disable=SC2086
    psql $pg -d "$db" -qv ON_ERROR_STOP=1 <<SQL
WITH e AS (
  INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers, status,
                              received_at, processed_at)
  SELECT (lpad(to_hex((extract(epoch FROM t.at) * 1000)::bigint), 12, '0') || '7' || substr(md5(g::text), 1, 19))::uuid,
         '$tid', 'shopify', 'orders/create', 'gen-' || g, b.sha, b.body,
         '{"x-shopify-topic": "orders/create"}'::jsonb, CASE WHEN g % 1000 = 0 THEN 'dead' ELSE 'processed' END,
         t.at, t.at + interval '2 seconds'
    FROM generate_series($lo, $hi) g,
         LATERAL (SELECT now() - interval '1 minute' - make_interval(secs => $hours * 3600.0 * ($n - g) / $n) AS at) t,
         (SELECT '\\x$hex'::bytea AS body, sha256('\\x$hex'::bytea) AS sha) b
  RETURNING id, tenant_id, provider, delivery_key, status, received_at),
k AS (
  INSERT INTO delivery_keys (tenant_id, provider, delivery_key, event_id, received_at)
  SELECT tenant_id, provider, delivery_key, id, received_at FROM e)
INSERT INTO jobs (id, tenant_id, event_id, status, attempts)
SELECT gen_random_uuid(), tenant_id, id, 'dead', 1 FROM e WHERE status = 'dead';
SQL
    echo "   $hi stored ($(( $(date +%s) - t0 )) s)"
  done
}
