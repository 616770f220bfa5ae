package io.tollgate.api.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bound on request bodies held in memory at once, taken before a byte of a body is read, so that bodies nobody has
 * authenticated yet cannot fill the heap:
 * <ul>
 *   <li>the whole process holds at most {@code capacity} bytes of bodies (a declared {@code Content-Length} is
 *       reserved in full before reading; a chunked body's reservation grows as its bytes arrive);</li>
 *   <li>one owner (a tenant) holds at most half of it, so one attacked webhook URL leaves room for the others;</li>
 *   <li>one client address reads at most {@code perAddress} bodies at once; more wait for a turn (a slow sender
 *       holds its turn until its body is in, a fast one for microseconds).</li>
 * </ul>
 * A {@link Lease} is given back exactly once ({@link Lease#close()}), whatever happened to its request; its address
 * turn as soon as the body is read ({@link Lease#bodyRead()}). A lease is used by its request's thread only.
 */
public final class BufferBudget {
    /** Why a body was refused. */
    public enum Refusal {
        /** the process's budget (or the owner's half of it) has no room for the body */
        BUFFER_FULL,
        /** the client address had its most bodies being read for as long as the request could wait */
        ADDRESS_BUSY;

        public String kind() {
            return this == BUFFER_FULL ? "buffer-full" : "address-busy";
        }
    }

    /** Thrown when a body cannot be admitted; the caller answers 503 and closes the connection. */
    public static final class Refused extends RuntimeException {
        private final Refusal reason;

        Refused(Refusal reason) {
            super(reason.kind(), null, false, false);
            this.reason = reason;
        }

        public Refusal reason() {
            return reason;
        }
    }

    private final long capacity;
    private final long ownerCapacity;
    private final int perAddress;
    private final AtomicLong used = new AtomicLong();
    private final ConcurrentHashMap<Object, Long> owners = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Address> addresses = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger reading = new java.util.concurrent.atomic.AtomicInteger();
    private final LongAdder refusedFull = new LongAdder();
    private final LongAdder refusedAddress = new LongAdder();

    /**
     * @param capacity   most body bytes held at once by the whole process
     * @param perAddress most bodies one client address may have being read at once
     */
    public BufferBudget(long capacity, int perAddress) {
        if (capacity < 1 || perAddress < 1) {
            throw new IllegalArgumentException("capacity and perAddress must be positive");
        }
        this.capacity = capacity;
        this.ownerCapacity = Math.max(1, capacity / 2);
        this.perAddress = perAddress;
    }

    /** The default capacity: a quarter of the heap the JVM may use. */
    public static long defaultCapacity() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    /** One address's turns; {@code users} (holders and waiters) is changed only inside the map's compute. */
    private static final class Address {
        private final Semaphore turns;
        private int users;

        Address(int perAddress) {
            this.turns = new Semaphore(perAddress);
        }
    }

    /**
     * A turn to read one body of {@code owner} from {@code address}, waiting at most {@code wait}; no bytes held yet.
     *
     * @throws Refused ({@link Refusal#ADDRESS_BUSY}) when the address had its most bodies being read all that time
     */
    public Lease open(String client, Object owner, Duration wait) throws InterruptedException {
        Objects.requireNonNull(owner);
        String address = turnsKey(client);
        Address a = addresses.compute(address, (k, v) -> {
            Address now = v == null ? new Address(perAddress) : v;
            now.users++;
            return now;
        });
        boolean turn;
        try {
            turn = a.turns.tryAcquire(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            leave(address);
            throw e;
        }
        if (!turn) {
            leave(address);
            refusedAddress.increment();
            throw new Refused(Refusal.ADDRESS_BUSY);
        }
        reading.incrementAndGet();
        return new Lease(address, a, owner);
    }

    /**
     * Whose turns a client address takes: an IPv4 address its own; an IPv6 address its /64, since one host is
     * handed a whole /64 and could otherwise take a fresh address for every body.
     */
    static String turnsKey(String address) {
        if (address.indexOf(':') < 0) {
            return address;
        }
        String literal = address.startsWith("[") && address.endsWith("]")
                ? address.substring(1, address.length() - 1) : address;
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone);
        }
        try {
            // a literal (it has a colon) is parsed, never looked up
            InetAddress parsed = InetAddress.getByName(literal);
            if (parsed instanceof Inet6Address v6) {
                byte[] b = v6.getAddress();
                StringBuilder prefix = new StringBuilder(24);
                for (int i = 0; i < 8; i += 2) {
                    prefix.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
                }
                return prefix.append(":/64").toString();
            }
            return parsed.getHostAddress(); // an IPv4-mapped address is its IPv4 address

        } catch (UnknownHostException e) {
            return address;
        }
    }

    private void leave(String address) {
        addresses.computeIfPresent(address, (k, v) -> --v.users == 0 ? null : v);
    }

    /** Bytes held right now. */
    public long used() {
        return used.get();
    }

    /** Bodies being read right now (each holding its address's turn). */
    public int reading() {
        return reading.get();
    }

    public long capacity() {
        return capacity;
    }

    public int perAddress() {
        return perAddress;
    }

    /** Bodies refused so far for this reason. */
    public long refused(Refusal reason) {
        return (reason == Refusal.BUFFER_FULL ? refusedFull : refusedAddress).sum();
    }

    /** Client addresses with a body being read (or waiting for a turn) right now. */
    int addressesReading() {
        return addresses.size();
    }

    /** One body's share of the budget: its address turn and the bytes reserved for it so far. */
    public final class Lease implements AutoCloseable {
        private final String address;
        private final Address turns;
        private final Object owner;
        private long held;
        private boolean turnHeld = true;
        private boolean closed;

        private Lease(String address, Address turns, Object owner) {
            this.address = address;
            this.turns = turns;
            this.owner = owner;
        }

        /**
         * Reserves {@code bytes} more for this body.
         *
         * @throws Refused ({@link Refusal#BUFFER_FULL}) when the process or the owner has no room left; nothing is
         *                 reserved then (what was reserved before stays until {@link #close()})
         */
        public void reserve(long bytes) {
            if (bytes <= 0) {
                return;
            }
            if (closed) {
                throw new IllegalStateException("lease closed");
            }
            boolean[] room = {false};
            owners.compute(owner, (k, v) -> {
                long now = v == null ? 0 : v;
                if (now + bytes > ownerCapacity) {
                    return v;
                }
                room[0] = true;
                return now + bytes;
            });
            if (!room[0]) {
                refusedFull.increment();
                throw new Refused(Refusal.BUFFER_FULL);
            }
            if (!add(used, bytes, capacity)) {
                giveBack(owner, bytes);
                refusedFull.increment();
                throw new Refused(Refusal.BUFFER_FULL);
            }
            held += bytes;
        }

        /** Bytes this body holds. */
        public long held() {
            return held;
        }

        /** The body is in (or will never be): the address's turn goes to the next body; the bytes stay held. */
        public void bodyRead() {
            if (turnHeld) {
                turnHeld = false;
                reading.decrementAndGet();
                turns.turns.release();
                leave(address);
            }
        }

        /** Gives back every byte and the address's turn; a second call does nothing. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            bodyRead();
            if (held > 0) {
                used.addAndGet(-held);
                giveBack(owner, held);
                held = 0;
            }
        }
    }

    private void giveBack(Object owner, long bytes) {
        owners.computeIfPresent(owner, (k, v) -> v - bytes <= 0 ? null : v - bytes);
    }

    private static boolean add(AtomicLong counter, long bytes, long limit) {
        while (true) {
            long now = counter.get();
            if (now + bytes > limit) {
                return false;
            }
            if (counter.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }
}
