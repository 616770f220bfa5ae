package io.tollgate.api.http;

import java.util.List;

/** One page of a list, with the cursor of the next page when there is one. */
public record Page<T>(List<T> items, String nextCursor) {
}
