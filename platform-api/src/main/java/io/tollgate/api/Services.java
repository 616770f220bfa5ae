package io.tollgate.api;

import io.tollgate.api.admin.AdminFilter;
import io.tollgate.api.admin.KeyAdminService;
import io.tollgate.api.admin.OperatorAdminService;
import io.tollgate.api.admin.TenantAdminService;
import io.tollgate.api.connect.ConnectService;
import io.tollgate.api.console.ConsoleService;
import io.tollgate.api.consoleui.ConsoleUiService;
import io.tollgate.api.datarequests.DataRequestsService;
import io.tollgate.api.events.EventsService;
import io.tollgate.api.http.OpenApiService;
import io.tollgate.api.ingest.IngestService;
import io.tollgate.api.net.Peers;
import io.tollgate.api.privacy.PrivacyService;

import java.util.Objects;

/**
 * Every HTTP-facing part of the gateway, built once in {@link Tollgate#start}; {@link Tollgate#routing} only
 * registers them. Stateful parts that outlive a request (writers, sweepers, the worker) are built there too and
 * closed by {@link Tollgate#close}.
 */
record Services(Peers peers, AdminFilter adminFilter, TenantAdminService tenantAdmin, ConnectService connect,
                EventsService events, OperatorAdminService operatorAdmin, OpenApiService openApi, IngestService ingest,
                KeyAdminService keyAdmin, DataRequestsService dataRequests,
                PrivacyService privacy, ConsoleService console, ConsoleUiService consoleUi) {
    Services {
        Objects.requireNonNull(peers, "peers");
        Objects.requireNonNull(adminFilter, "adminFilter");
        Objects.requireNonNull(tenantAdmin, "tenantAdmin");
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(operatorAdmin, "operatorAdmin");
        Objects.requireNonNull(openApi, "openApi");
        Objects.requireNonNull(ingest, "ingest");
        Objects.requireNonNull(keyAdmin, "keyAdmin");
        Objects.requireNonNull(dataRequests, "dataRequests");
        Objects.requireNonNull(privacy, "privacy");
        Objects.requireNonNull(console, "console");
        Objects.requireNonNull(consoleUi, "consoleUi");
    }
}
