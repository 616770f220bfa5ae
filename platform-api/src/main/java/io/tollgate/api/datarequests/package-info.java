/**
 * Shopify's customers/data_request, answered by an operator: when the worker processes the request, everything
 * Tollgate holds on that customer is assembled into one JSON document (CustomerDocument) and kept with the request
 * (DataRequests, one per event and per Shopify request id); operators list and read the requests, and mark one
 * delivered, through {@code /admin/tenants/{slug}/data-requests/**} (DataRequestsService); the open ones are
 * gauged from the database (DataRequestWatch). Knows no provider client: the shopify package reads the request's
 * body, the worker hands it here.
 */
package io.tollgate.api.datarequests;
