/**
 * Writing the reply a ticket gets: the request (DraftRequest), the template writer and the model writer
 * (LlmDraftWriter: its prompt, LlmPrompt, sent by the model's client on the upstream caller, LlmClient), the shared
 * text helpers both writers use (DraftText), the per-tenant drafting budget (DraftBudget) and the choice between
 * writers (Drafting).
 */
package io.tollgate.api.draft;
