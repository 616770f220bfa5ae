/**
 * The operator console's read-only views of the fleet, on the admin API with scope {@code read}: what needs attention
 * now (broken connections, silent tenants, dead events, open data requests, the oldest queued job), tenants with
 * their health in one page (search, filters, keyset paging by slug) and one tenant's deliveries and notes per hour
 * (ConsoleService over FleetStore). Reads only: every fix is a route of the feature that owns it.
 */
package io.tollgate.api.console;
