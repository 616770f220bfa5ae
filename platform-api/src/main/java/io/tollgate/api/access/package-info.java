/**
 * Who the operator is, what they may do, and the audit trail of what they did: the operator of a call (Operator) and
 * its token's scopes (Scope), admin routes mounted with the scope each needs (AdminRoutes), the tenant a
 * {@code /admin/tenants/{slug}/**} route is about, resolved once per request after the scope check (TenantLookup),
 * and the audit log (AuditLog). Every feature serving admin routes (admin, connect, events) builds on it.
 */
package io.tollgate.api.access;
