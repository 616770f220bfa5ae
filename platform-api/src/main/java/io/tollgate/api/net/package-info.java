/**
 * The listeners' defences against anonymous clients, independent of any feature: the client's address behind
 * trusted proxies (Peers, AddressRange), the process-wide budget for unauthenticated bytes with per-address turns
 * (BufferBudget), per-address failure counting (FailureLimiter) and socket read timeouts
 * (ReadTimeoutSocketOptions). Depends on nothing else of ours.
 */
package io.tollgate.api.net;
