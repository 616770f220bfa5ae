/**
 * Running the gateway on a laptop: an embedded PostgreSQL with its data directory, lock, password and
 * leftover-process handling (LocalMode and helpers), used only when DATABASE_URL is unset.
 */
package io.tollgate.api.local;
