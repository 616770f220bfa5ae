/**
 * Writing the reply a ticket gets: the request (DraftRequest), the template writer and the model writer, the
 * shared text helpers both use (DraftText), the per-tenant drafting budget (DraftBudget) and the choice between
 * writers (Drafting).
 */
package io.tollgate.api.draft;
