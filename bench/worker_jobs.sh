# Sourced by the worker benchmarks (worker.sh, worker-cpu.sh, and through it scale.sh worker-*): queues Gorgias ticket
# jobs in one statement, as ingest stores them: per ticket its delivery key, its event (a time-ordered id, so it lands
# in today's day partition of webhook_events as the gateway's do, not in the DEFAULT one) and its queued job.
#   enqueue_jobs "PSQL_ARGS" DB PREFIX NTEN COUNT FIRST_TICKET CUSTOMERS [DUE_SECONDS]
# Tickets FIRST_TICKET+1 .. FIRST_TICKET+COUNT; ticket t goes to the tenant (t mod NTEN) of those whose slug starts with
# PREFIX (ordered by slug), so consecutive calls go round the tenants. CUSTOMERS 0: each ticket's customer is new
# (its id is the ticket's); N > 0: ticket t's customer is 7000000 + (t mod N), as bench/upstream_stub.py answers with
# BENCH_REPEAT_CUSTOMERS=N (with N dividing NTEN each tenant has one customer, whose order is cached after its first
# job). The jobs are due DUE_SECONDS (0) from now.
TIME_ORDERED_ID="(lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7'
                 || substr(md5(random()::text), 1, 19))::uuid"
enqueue_jobs() {
  local pg=$1 db=$2 prefix=$3 nten=$4 count=$5 first=$6 customers=$7 due=${8:-0}
  [ "$count" -gt 0 ] || return 0
  # shellcheck disable=SC2086
  psql $pg -d "$db" -v ON_ERROR_STOP=1 -qtAc "
    WITH t AS (SELECT id, row_number() OVER (ORDER BY slug) - 1 AS k FROM tenants WHERE slug LIKE '$prefix%'),
    g AS (SELECT ticket, CASE WHEN $customers > 0 THEN 7000000 + ticket % $customers ELSE ticket END AS cust
            FROM generate_series($first::bigint + 1, $first::bigint + $count) ticket),
    b AS (SELECT ticket, $TIME_ORDERED_ID AS id, 'id:sql-' || ticket AS key,
                 convert_to(format('{\"ticket\": {\"id\": %s, \"subject\": \"Order status\", \"channel\": \"email\", \"status\": \"open\", \"customer\": {\"id\": %s, \"email\": \"cust-%s@example.com\", \"firstname\": \"Bob\", \"lastname\": \"Norman\", \"name\": \"Bob Norman\"}, \"messages\": [{\"id\": %s, \"channel\": \"email\", \"via\": \"email\", \"from_agent\": false, \"sender\": {\"id\": %s, \"email\": \"cust-%s@example.com\"}, \"body_text\": \"Hi, where is my order #1001?\", \"body_html\": \"<p>Hi, where is my order #1001?</p>\", \"created_datetime\": \"2024-01-15T10:30:00+00:00\", \"external_id\": null}]}}',
                                   ticket, cust, cust, ticket * 10, cust, cust), 'UTF8') AS body FROM g),
    k AS (INSERT INTO delivery_keys (tenant_id, provider, delivery_key, event_id)
          SELECT t.id, 'gorgias', b.key, b.id FROM b JOIN t ON t.k = b.ticket % $nten),
    ev AS (INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers,
                                       status)
           SELECT b.id, t.id, 'gorgias', 'ticket', b.key, sha256(b.body), b.body,
                  jsonb_build_object('content-type', 'application/json', 'x-gorgias-webhook-id', 'sql-' || b.ticket,
                                     'x-tollgate-verified-by', 'token'), 'accepted'
             FROM b JOIN t ON t.k = b.ticket % $nten RETURNING id, tenant_id)
    INSERT INTO jobs (id, tenant_id, event_id, status, run_at)
    SELECT gen_random_uuid(), tenant_id, id, 'queued', now() + make_interval(secs => $due) FROM ev"
}
