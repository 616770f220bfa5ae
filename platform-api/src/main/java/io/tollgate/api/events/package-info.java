/**
 * The webhook_events and jobs tables: storing, listing and replaying events (EventStore), the durable job queue
 * the worker claims from (JobQueue, JobOutcome), their statuses as stored and as shown on the wire (EventStatus,
 * JobStatus), and retention (RetentionSweeper). Ingest writes here, the worker reads and completes jobs here, the
 * admin API lists and replays here.
 */
package io.tollgate.api.events;
