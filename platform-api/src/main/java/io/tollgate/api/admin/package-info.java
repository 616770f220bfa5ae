/**
 * The operator API's own resources: authentication of operator tokens in front of {@code /admin/**} (AdminFilter,
 * OperatorTokens), tenants and their secrets (TenantAdminService, with their request bodies read and checked into
 * TenantIn, TenantPatch and RotateIn by TenantValidation), operators and the audit log's listing
 * (OperatorAdminService), and master-key rotation. Scopes, the tenant of a path and the audit log itself are in
 * {@code access}; connect and events routes are served by their own features.
 */
package io.tollgate.api.admin;
