package io.tollgate.api.datarequests;

import io.tollgate.api.http.WireName;

import java.util.Optional;

/** Where a data request is (the {@code data_requests.state} column). */
public enum DataRequestState implements WireName {
    /** Assembled; the operator has not handed the document over yet. */
    OPEN,
    /** An operator marked it delivered (to the merchant, who answers the customer). */
    DELIVERED;

    public static Optional<DataRequestState> fromWire(String value) {
        return WireName.fromWire(DataRequestState.class, value);
    }
}
