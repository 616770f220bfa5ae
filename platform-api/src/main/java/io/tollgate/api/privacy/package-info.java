/**
 * Shopify's privacy erasures (customers/redact, shop/redact) across every table Tollgate keeps: the stored webhook
 * bodies of both providers that concern the customer become tombstones (ids, hashes, times and sizes stay, so
 * deduplication holds), tickets, messages, Shopify and Gorgias customer rows and cached orders are deleted, note texts
 * are cleared; each erasure is recorded (privacy_erasures, with counts and the Gorgias note ids Tollgate posted) and
 * audited by the system actor. Operators read the records through {@code GET /admin/tenants/{slug}/privacy}
 * (PrivacyService).
 */
package io.tollgate.api.privacy;
