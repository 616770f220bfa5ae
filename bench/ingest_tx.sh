# Sourced by the ingress benchmarks: writes the pgbench script of the minimal transaction one accepted delivery needs,
# as EventWriter commits it alone: its delivery key (the dedup table), its event (the same body and kept headers, a
# time-ordered id, so it lands in today's day partition as the gateway's does) and its job; prepared, autocommit.
#   ingest_sql FILE TENANT SLUG KEY_PREFIX BODY [find]
# TENANT is a tenant id, or a SQL expression in parentheses (with pgbench variables set by $INGEST_SET, e.g.
# "\set t random(1, 10000)"). With "find", a delivery key already taken answers the first copy's event id, as
# ingest's look-up of a duplicate.
ingest_sql() {
  local file=$1 tid=$2 slug=$3 prefix=$4 body=$5 find=${6:-} hex sha hdrs
  case $tid in "("*) ;; *) tid="'$tid'::uuid" ;; esac
  hex=$(xxd -p "$body" | tr -d '\n')
  sha=$(sha256sum "$body" | cut -d' ' -f1)
  hdrs="{\"content-type\": \"application/json\", \"user-agent\": \"wrk\", \"x-shopify-topic\": \"orders/create\", \"x-shopify-shop-domain\": \"$slug.myshopify.com\", \"x-shopify-event-id\": \"1\"}"
  {
    echo '\set n random(1, 9000000000000000)'
    [ -n "${INGEST_SET:-}" ] && echo "$INGEST_SET"
    cat <<SQL
WITH input AS (
  SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7'
          || substr(md5(random()::text), 1, 19))::uuid AS id,
         $tid AS tenant_id,
         'pgb-$prefix-' || :client_id::text || '-' || :n::text AS delivery_key
), keys AS (
  INSERT INTO delivery_keys (tenant_id, provider, delivery_key, event_id)
  SELECT tenant_id, 'shopify', delivery_key, id FROM input
  ON CONFLICT (tenant_id, provider, delivery_key) DO NOTHING
  RETURNING tenant_id, event_id, delivery_key
), ins AS (
  INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body, headers, status)
  SELECT event_id, tenant_id, 'shopify', 'orders/create', delivery_key, '\\x$sha'::bytea, '\\x$hex'::bytea,
         '$hdrs'::jsonb, 'accepted' FROM keys
  RETURNING id, tenant_id
), job AS (
  INSERT INTO jobs (id, tenant_id, event_id, status) SELECT gen_random_uuid(), tenant_id, id, 'queued' FROM ins
)
SQL
    if [ "$find" = find ]; then
      cat <<SQL
SELECT id, true AS inserted FROM ins
UNION ALL
SELECT k.event_id, false AS inserted FROM delivery_keys k, input
 WHERE k.tenant_id = input.tenant_id AND k.provider = 'shopify' AND k.delivery_key = input.delivery_key
   AND NOT EXISTS (SELECT 1 FROM ins);
SQL
    else
      echo "SELECT count(*) FROM ins;"
    fi
  } > "$file"
}
