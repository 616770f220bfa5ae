/**
 * The durable worker: claims jobs from the events package's queue with per-tenant fairness and leases (Worker),
 * runs one job to a sealed outcome within its deadline (JobRunner), and decides when a failed job is tried again
 * (RetrySchedule, WorkerSettings).
 */
package io.tollgate.api.worker;
