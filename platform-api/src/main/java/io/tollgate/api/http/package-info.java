/**
 * The HTTP plumbing every feature's service shares, and nothing feature-specific: JSON writing (Json), RFC 9457
 * problem documents and the one place that maps failures to them (ApiException, ClientFaults, ErrorHandling),
 * request ids, the route table checked against the OpenAPI document, small response and page types, enum wire
 * names, and the OpenAPI document. A class belongs here only when more than one feature uses it and it knows no
 * feature's data; anything about reading client input lives in input, anything about client addresses and
 * listener budgets in net.
 */
package io.tollgate.api.http;
