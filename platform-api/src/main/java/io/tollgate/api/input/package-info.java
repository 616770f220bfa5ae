/**
 * Reading what clients send, strictly and within limits: request bodies (Bodies, against the process-wide buffer
 * budget), strict JSON that refuses duplicate keys, deep nesting and unstorable text (StrictJson), field-by-field
 * reading that reports every mistake at once (Fields), query parameters and opaque page cursors (Queries,
 * Cursor), and the text PostgreSQL can store (StorableText).
 */
package io.tollgate.api.input;
