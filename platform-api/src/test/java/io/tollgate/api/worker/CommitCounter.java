package io.tollgate.api.worker;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A PostgreSQL wire-protocol forwarder in front of the test database that records every transaction its clients
 * end, with the SQL of its statements: the database's own view of a commit (a {@code ReadyForQuery} saying "idle"
 * after a statement ran: an autocommit statement, or a {@code COMMIT}), taken at the connection, below the driver and
 * the pool. Protocol 3 only, no TLS (the embedded server refuses it, which the driver accepts).
 */
final class CommitCounter implements AutoCloseable {
    /** One ended transaction: the SQL of its statements, in order, and whether it committed. */
    record Tx(List<String> statements, boolean committed) {
        boolean any(String fragment) {
            return statements.stream().anyMatch(s -> s.contains(fragment));
        }

        /** Every statement but BEGIN and COMMIT contains {@code fragment}. */
        boolean all(String fragment) {
            return statements.stream().filter(s -> !s.equals("BEGIN") && !s.equals("COMMIT"))
                    .allMatch(s -> s.contains(fragment));
        }
    }

    private final String host;
    private final int port;
    private final ServerSocket server;
    private final List<Tx> ended = new ArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;

    CommitCounter(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("commit-counter-accept").start(this::acceptLoop);
    }

    /** A JDBC URL of database {@code name} through this forwarder. */
    String jdbcUrl(String name) {
        return "jdbc:postgresql://127.0.0.1:" + server.getLocalPort() + "/" + name + "?sslmode=disable";
    }

    /** How many transactions have ended so far. */
    synchronized int mark() {
        return ended.size();
    }

    /** The transactions ended since {@code mark}. */
    synchronized List<Tx> since(int mark) {
        return List.copyOf(ended.subList(mark, ended.size()));
    }

    private synchronized void record(Tx tx) {
        ended.add(tx);
    }

    private void acceptLoop() {
        while (running) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread.ofVirtual().start(() -> handle(client));
            } catch (IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    /** What one connection's two directions share: prepared statements by name, and the open transaction's SQL. */
    private static final class Session {
        final Map<String, String> prepared = new HashMap<>();
        final List<String> current = new ArrayList<>();
        boolean ran;
        String lastTag = "";
    }

    private void handle(Socket client) {
        try {
            Socket upstream = new Socket();
            upstream.connect(new InetSocketAddress(host, port), 2_000);
            sockets.add(upstream);
            Session session = new Session();
            Thread.ofVirtual().start(() -> frontend(client, upstream, session));
            backend(upstream, client, session);
        } catch (IOException e) {
            close(client);
        }
    }

    /** Client to server: the start-up packets, then typed messages; Parse, Bind and Query tell the SQL run. */
    private void frontend(Socket from, Socket to, Session session) {
        try (DataInputStream in = new DataInputStream(from.getInputStream());
             DataOutputStream out = new DataOutputStream(to.getOutputStream())) {
            boolean startup = true;
            while (true) {
                if (startup) {
                    int len = in.readInt();
                    byte[] body = in.readNBytes(len - 4);
                    out.writeInt(len);
                    out.write(body);
                    out.flush();
                    int code = ((body[0] & 0xff) << 24) | ((body[1] & 0xff) << 16) | ((body[2] & 0xff) << 8)
                            | (body[3] & 0xff);
                    startup = code == 80877103 || code == 80877104; // SSLRequest, GSSENCRequest: start-up goes on
                    continue;
                }
                int type = in.readUnsignedByte();
                int len = in.readInt();
                byte[] body = in.readNBytes(len - 4);
                synchronized (session) {
                    switch (type) {
                        case 'P' -> {
                            int a = zero(body, 0);
                            int b = zero(body, a + 1);
                            session.prepared.put(str(body, 0, a), str(body, a + 1, b));
                        }
                        case 'B' -> {
                            int a = zero(body, 0);
                            int b = zero(body, a + 1);
                            session.current.add(session.prepared.getOrDefault(str(body, a + 1, b), "?"));
                        }
                        case 'Q' -> session.current.add(str(body, 0, zero(body, 0)));
                        default -> {
                        }
                    }
                }
                out.writeByte(type);
                out.writeInt(len);
                out.write(body);
                out.flush();
            }
        } catch (IOException ignored) {
            // either side went away
        } finally {
            close(from);
            close(to);
        }
    }

    /** Server to client: CommandComplete marks a statement run; ReadyForQuery "idle" after one ends a transaction. */
    private void backend(Socket from, Socket to, Session session) {
        try (DataInputStream in = new DataInputStream(from.getInputStream());
             DataOutputStream out = new DataOutputStream(to.getOutputStream())) {
            boolean authenticated = false;
            while (true) {
                int type = in.readUnsignedByte();
                if (!authenticated && type == 'N') { // the one-byte refusal of an SSL or GSS request
                    out.writeByte(type);
                    out.flush();
                    continue;
                }
                authenticated = true;
                int len = in.readInt();
                byte[] body = in.readNBytes(len - 4);
                synchronized (session) {
                    if (type == 'C') {
                        session.ran = true;
                        session.lastTag = str(body, 0, zero(body, 0));
                    } else if (type == 'Z' && body[0] == 'I') {
                        if (session.ran) {
                            record(new Tx(List.copyOf(session.current), !session.lastTag.startsWith("ROLLBACK")));
                        }
                        session.current.clear();
                        session.ran = false;
                    }
                }
                out.writeByte(type);
                out.writeInt(len);
                out.write(body);
                out.flush();
            }
        } catch (EOFException ignored) {
            // closed
        } catch (IOException ignored) {
            // either side went away
        } finally {
            close(from);
            close(to);
        }
    }

    private static int zero(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return b.length;
    }

    private static String str(byte[] b, int from, int to) {
        return new String(b, from, Math.max(0, to - from), StandardCharsets.UTF_8);
    }

    private void close(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        running = false;
        for (Socket s : sockets) {
            close(s);
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
