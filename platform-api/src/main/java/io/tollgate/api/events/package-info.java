/**
 * The webhook_events and jobs tables: storing, listing and replaying events (EventStore), the durable job queue
 * the worker claims from (JobQueue, JobOutcome), their statuses as stored and as shown on the wire (EventStatus,
 * JobStatus), and retention (RetentionSweeper). Ingest writes here, the worker reads and completes jobs here, and
 * operators list, read and replay a tenant's events through EventsService.
 */
package io.tollgate.api.events;
