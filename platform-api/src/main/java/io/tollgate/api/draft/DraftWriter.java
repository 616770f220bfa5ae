package io.tollgate.api.draft;

/** Writes the suggested reply that Tollgate posts to the ticket as an internal note for an agent. */
public interface DraftWriter {
    Draft write(DraftRequest request);
}
