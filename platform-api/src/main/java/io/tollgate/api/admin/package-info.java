/**
 * The operator API's own resources and its guard: authentication and scopes of operator tokens (AdminFilter,
 * OperatorTokens, Scope, AdminRoutes), tenants and their secrets, operators, master-key rotation, and the audit
 * log. Connect and events routes live in their own features and are mounted through AdminRoutes.
 */
package io.tollgate.api.admin;
