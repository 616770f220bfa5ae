package io.tollgate.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Finds out, before anything else starts, whether the web server will be able to listen where it is told to. */
final class ListenPort {
    private ListenPort() {
    }

    /**
     * Binds {@code host:port} for a moment and lets it go.
     *
     * @throws StartupException {@code PORT 8080 is already in use}, or why else it cannot listen there
     */
    static void requireFree(String host, int port) {
        requireFree(host, port, "PORT", "TOLLGATE_HOST, PORT");
    }

    /** The same for the admin listener: {@code TOLLGATE_ADMIN_PORT 9090 is already in use}, ... */
    static void requireFreeAdmin(String host, int port) {
        requireFree(host, port, "TOLLGATE_ADMIN_PORT", "TOLLGATE_ADMIN_HOST, TOLLGATE_ADMIN_PORT");
    }

    private static void requireFree(String host, int port, String portSetting, String settings) {
        if (port == 0) {
            return; // any free port
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as the web server binds: a port with only closing connections is free
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw unusable(host, port, e, portSetting, settings);
        }
    }

    private static StartupException unusable(String host, int port, IOException e, String portSetting,
                                             String settings) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (why.contains("Address already in use")) {
            return new StartupException(portSetting + " " + port + " is already in use", e);
        }
        return new StartupException("cannot listen on " + host + ":" + port + " (" + settings + "): " + why, e);
    }
}
