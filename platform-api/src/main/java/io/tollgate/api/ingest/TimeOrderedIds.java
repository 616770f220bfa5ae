package io.tollgate.api.ingest;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * UUIDs laid out as RFC 9562 version 7: 48 bits of Unix milliseconds, then random bits. Ids made close in time sort
 * close together, so a primary-key index takes new events and jobs at its right edge instead of on random pages.
 * (They are identifiers, not secrets: every lookup by event id is scoped to a tenant and authenticated.)
 */
final class TimeOrderedIds {
    private TimeOrderedIds() {
    }

    static UUID next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (System.currentTimeMillis() << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
        long lsb = (r.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}
