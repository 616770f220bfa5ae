/**
 * The operators' browser console at {@code /console/}: static files (plain HTML, CSS and JavaScript, no build step)
 * served from the classpath with a strict Content-Security-Policy and fingerprinted asset names. The console holds
 * no privileges of its own: in the browser it calls the admin API on the same origin with the operator token the
 * operator signs in with (kept in sessionStorage only).
 */
package io.tollgate.api.consoleui;
