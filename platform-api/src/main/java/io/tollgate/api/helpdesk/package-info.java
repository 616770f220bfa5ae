/**
 * A ticket's job end to end: reading the Gorgias ticket event (TicketEvents, TicketEvent), finding the customer's
 * orders, matching, drafting, and posting the internal note exactly once (TicketResponder, NoteLedger,
 * HelpdeskStore), within the job's deadline (Deadline).
 */
package io.tollgate.api.helpdesk;
