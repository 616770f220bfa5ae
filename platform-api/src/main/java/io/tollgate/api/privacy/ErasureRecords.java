package io.tollgate.api.privacy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.helidon.dbclient.DbRow;
import io.tollgate.api.http.Json;
import io.tollgate.tenant.TenantId;
import io.tollgate.tenant.db.Database;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tollgate.tenant.db.Rows.instant;
import static io.tollgate.tenant.db.Rows.param;
import static io.tollgate.tenant.db.Rows.string;
import static io.tollgate.tenant.db.Rows.uuid;

/** The erasure records of {@code privacy_erasures}, newest first, for the admin API. */
public final class ErasureRecords {
    private final Database db;

    public ErasureRecords(Database db) {
        this.db = db;
    }

    /** One erasure as recorded. */
    public record Entry(UUID id, Instant erasedAt, String topic, UUID eventId, Map<String, Long> rows,
                        List<Erasure.PostedNote> notes) {
    }

    /** Newest first, after the cursor's (erased_at, id), at most {@code limit}. */
    public List<Entry> list(TenantId tenant, int limit, Optional<Map.Entry<Instant, UUID>> after) {
        return db.call(() -> {
            try (Stream<DbRow> rows = db.client().execute().query("""
                    SELECT id, erased_at, topic, event_id, erased_rows::text AS erased_rows,
                           gorgias_notes::text AS gorgias_notes
                      FROM privacy_erasures
                     WHERE tenant_id = ? AND (?::timestamptz IS NULL OR (erased_at, id) < (?::timestamptz, ?::uuid))
                     ORDER BY erased_at DESC, id DESC LIMIT ?""",
                    tenant.value(), after.map(a -> param(a.getKey())).orElse(null),
                    after.map(a -> param(a.getKey())).orElse(null), after.map(Map.Entry::getValue).orElse(null),
                    limit)) {
                return rows.map(ErasureRecords::entry).toList();
            }
        });
    }

    private static Entry entry(DbRow r) {
        try {
            Map<String, Long> counts = Json.MAPPER.readValue(string(r, "erased_rows"),
                                                             new TypeReference<LinkedHashMap<String, Long>>() { });
            List<Map<String, Long>> notes = Json.MAPPER.readValue(string(r, "gorgias_notes"),
                                                                  new TypeReference<List<Map<String, Long>>>() { });
            return new Entry(uuid(r, "id"), instant(r, "erased_at"), string(r, "topic"), uuid(r, "event_id"), counts,
                             notes.stream().map(n -> new Erasure.PostedNote(n.get("ticket_id"), n.get("message_id")))
                                     .toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an erasure record holds JSON that cannot be read", e);
        }
    }
}
