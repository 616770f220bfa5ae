/**
 * The webhook_events and jobs tables: storing, listing and replaying events (EventStore), the durable job queue
 * the worker claims from (JobQueue, JobOutcome), their statuses as stored and as shown on the wire (EventStatus,
 * JobStatus), and retention (RetentionSweeper: finished events after the event retention, by dropping their day partition
 * (EventPartitions), unfinished ones after the longer dead-event retention). Ingest writes here, the worker reads and completes jobs here, and operators list,
 * read, replay and discard a tenant's events (one, or exactly the counted dead events of an EventFilter) through
 * EventsService. An EventFilter also narrows a listing (provider, topic, time window, and a text the body contains,
 * which EventStore matches by a bounded scan of the tenant's newest events).
 */
package io.tollgate.api.events;
