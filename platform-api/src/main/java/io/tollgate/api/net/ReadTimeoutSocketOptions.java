package io.tollgate.api.net;

import io.helidon.common.socket.SocketOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The web server's options for each accepted connection, plus a read timeout on its socket. Helidon 4.5 keeps
 * {@link SocketOptions#readTimeout()} for its client only; its server blocks on a read for as long as the client
 * likes (a chunk whose CRLF never comes, a half-sent header), and its idle-connection check never interrupts a request
 * that is being read. With {@code SO_TIMEOUT} set on the accepted socket, every blocking read of that connection
 * (request line, headers, body, the next request on a kept-alive connection) fails after {@code readTimeout}: the
 * body reader then answers 408 and the server closes the connection.
 */
public record ReadTimeoutSocketOptions(SocketOptions base, Duration readTimeout) implements SocketOptions {
    public ReadTimeoutSocketOptions {
        if (readTimeout.isNegative() || readTimeout.isZero() || readTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("read timeout must be positive: " + readTimeout);
        }
    }

    /** Helidon's defaults with {@code readTimeout} on every accepted connection. */
    public static ReadTimeoutSocketOptions of(Duration readTimeout) {
        return new ReadTimeoutSocketOptions(SocketOptions.builder().readTimeout(readTimeout).build(), readTimeout);
    }

    @Override
    public void configureSocket(SocketChannel channel) {
        base.configureSocket(channel);
        // SocketChannel.socket() is the adaptor the server reads through; SO_TIMEOUT applies to its blocking reads
        timeout(channel.socket());
    }

    @Override
    public void configureSocket(Socket socket) {
        base.configureSocket(socket);
        timeout(socket);
    }

    private void timeout(Socket socket) {
        try {
            socket.setSoTimeout((int) readTimeout.toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<SocketOption<?>, Object> socketOptions() {
        return base.socketOptions();
    }

    @Override
    public Duration connectTimeout() {
        return base.connectTimeout();
    }

    @Override
    public Optional<Integer> socketReceiveBufferSize() {
        return base.socketReceiveBufferSize();
    }

    @Override
    public Optional<Integer> socketSendBufferSize() {
        return base.socketSendBufferSize();
    }

    @Override
    public boolean socketReuseAddress() {
        return base.socketReuseAddress();
    }

    @Override
    public boolean socketKeepAlive() {
        return base.socketKeepAlive();
    }

    @Override
    public boolean tcpNoDelay() {
        return base.tcpNoDelay();
    }
}
