package io.tollgate.api.helpdesk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.api.draft.DraftRequest;
import io.tollgate.api.draft.Drafted;
import io.tollgate.api.draft.Drafting;
import io.tollgate.api.gorgias.GorgiasClient;
import io.tollgate.api.orders.OrderCache;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.orders.OrderMatch;
import io.tollgate.api.orders.OrderMatcher;
import io.tollgate.api.shopify.ShopifyClient;
import io.tollgate.api.upstream.UpstreamResult;
import io.tollgate.tenant.EventId;
import io.tollgate.tenant.ResolvedTenant;
import io.tollgate.tenant.TenantId;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;

/**
 * The merchant's job for one Gorgias ticket event (CONTRACT §2): read the ticket and its messages from the Gorgias API
 * (the delivery only points at them; a ticket Gorgias no longer has is skipped), record the customer, ticket and
 * messages as the API returned them; decide
 * which customer message it asks to answer; find the customer's orders (the tenant's order cache first, Shopify's
 * GraphQL API when the cache has none or lacks the order the customer names); pick the order; draft a reply; and post
 * it as an internal note, exactly once per answered message.
 *
 * <p>For a draft-only tenant ({@link io.tollgate.tenant.Tenant#draftOnly}) the note is drafted as usual and kept in
 * the ledger, state {@code drafted}, and nothing is posted: the ticket is read from Gorgias, never written to.
 *
 * <p>Exactly once rests on the {@link NoteLedger}: the note is reserved (intent recorded) before Gorgias is called,
 * and marked posted with the upstream message id after. An attempt that finds an earlier attempt's outcome uncertain
 * ({@link NoteLedger.Reservation.Pending}) first looks for the note's external id on the ticket and only posts when it
 * is not there. The note is held for a job lease from the renewal just before the post, and the worker's heartbeat
 * extends that hold while the post runs ({@link Deadline#holding}); an attempt that cannot be sure it still holds the
 * note when it is about to send (its last renewal is older than half the hold: a pause, a slow database) posts
 * nothing and tries again.
 */
public final class TicketResponder {
    /** Orders asked of Shopify per customer. */
    static final int ORDERS_FIRST = 10;
    /** How soon an event whose note another attempt holds looks again. */
    static final Duration IN_FLIGHT_RECHECK = Duration.ofSeconds(1);

    private final HelpdeskStore store;
    private final NoteLedger ledger;
    private final OrderCache cache;
    private final ShopifyClient shopify;
    private final GorgiasClient gorgias;
    private final OrderMatcher matcher;
    private final Drafting drafting;
    private final Duration freshness;
    /** The monotonic clock a note hold's age is read on. */
    private final java.util.function.LongSupplier ticker;

    /**
     * @param freshness how long ago Shopify may have last confirmed a cached order whose status or tracking a draft
     *                  states; an older copy is read again first
     */
    public TicketResponder(HelpdeskStore store, NoteLedger ledger, OrderCache cache, ShopifyClient shopify,
                           GorgiasClient gorgias, OrderMatcher matcher, Drafting drafting, Duration freshness) {
        this(store, ledger, cache, shopify, gorgias, matcher, drafting, freshness, System::nanoTime);
    }

    /** {@code ticker}: the monotonic clock (nanoseconds) a note hold's age is read on. */
    TicketResponder(HelpdeskStore store, NoteLedger ledger, OrderCache cache, ShopifyClient shopify,
                    GorgiasClient gorgias, OrderMatcher matcher, Drafting drafting, Duration freshness,
                    java.util.function.LongSupplier ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.store = Objects.requireNonNull(store, "store");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.shopify = Objects.requireNonNull(shopify, "shopify");
        this.gorgias = Objects.requireNonNull(gorgias, "gorgias");
        this.matcher = Objects.requireNonNull(matcher, "matcher");
        this.drafting = Objects.requireNonNull(drafting, "drafting");
        this.freshness = Objects.requireNonNull(freshness, "freshness");
    }

    /**
     * Handles the stored Gorgias event {@code eventId} of {@code tenant}, whose raw body is {@code body}, within
     * {@code deadline}: no note is posted once it has passed (or the worker gave the run up), and the note's lease is
     * renewed just before the post, so a run given up while posting is covered by it. A run given up (its thread
     * interrupted) while it reads the customer's text stops between steps with a {@link CancellationException}.
     */
    public Handled respond(ResolvedTenant tenant, EventId eventId, byte[] body, Deadline deadline) {
        TicketEvent delivered;
        try {
            delivered = TicketEvents.parse(body);
        } catch (IllegalArgumentException e) {
            return new Handled.Failed(e.getMessage()); // authentic JSON, but not a ticket event: retrying cannot help
        }
        TenantId id = tenant.id();
        if (delivered.ticketId() == null) {
            store.save(id, delivered);
            return new Handled.Skipped(describe(Reply.Reason.NO_TICKET_ID));
        }
        // the delivery is a pointer: draft from the ticket as Gorgias has it now
        UpstreamResult<Optional<ObjectNode>> read = gorgias.ticket(tenant, delivered.ticketId());
        TicketEvent event;
        switch (read) {
            case UpstreamResult.Ok<Optional<ObjectNode>>(Optional<ObjectNode> found) when found.isEmpty() -> {
                return new Handled.Skipped("skipped: ticket " + delivered.ticketId()
                                                   + " no longer exists in Gorgias (404)");
            }
            case UpstreamResult.Ok<Optional<ObjectNode>>(Optional<ObjectNode> found) ->
                    event = TicketEvents.current(delivered, found.get());
            case UpstreamResult.RetryLater<Optional<ObjectNode>> r -> {
                return new Handled.Later(r.after(), "reading the ticket: " + r.reason(), r.sent());
            }
            case UpstreamResult.Failed<Optional<ObjectNode>> f -> {
                return new Handled.Failed("reading the ticket: " + f.reason());
            }
        }
        stopIfGivenUp();
        Reply reply = Replies.decide(event);
        if (reply instanceof Reply.Skip skip) {
            store.save(id, event);
            return new Handled.Skipped(describe(skip.reason()));
        }
        Reply.Answer answer = (Reply.Answer) reply;
        stopIfGivenUp();
        // One commit: the ticket as read stored, the customer's cached orders read, the note reserved; and when those
        // orders answer the customer without Shopify and the draft is the template's (no model), the draft recorded
        // and the note held for the post, so the next commit is the note's posting with the job's completion.
        TicketEvent current = event;
        List<List<OrderCache.Cached>> copies = new ArrayList<>(1);
        Drafted[] early = new Drafted[1];
        long reserving = ticker.getAsLong();
        NoteLedger.Reserve reserved = ledger.reserve(
                id, answer.ticketId(), answer.messageId(), eventId,
                tx -> {
                    store.save(tx, id, current);
                    copies.add(cached(tx, tenant, answer));
                },
                r -> {
                    if (drafting.modelEnabled()) {
                        return Optional.empty();
                    }
                    Optional<OrderMatch> match = withoutShopify(tenant, answer, copies.getFirst());
                    if (match.isEmpty()) {
                        return Optional.empty();
                    }
                    early[0] = drafting.write(tenant, request(tenant, current, answer, match.get()));
                    return Optional.of(new NoteLedger.DraftRecord(source(early[0]), early[0].draft().text(),
                                                                  early[0].draft().html()));
                });
        Optional<List<OrderCache.Cached>> cachedCopies = copies.stream().findFirst();
        Optional<Drafted> recorded = reserved.drafted() ? Optional.of(early[0]) : Optional.empty();
        return switch (reserved.reservation()) {
            case NoteLedger.Reservation.AlreadyPosted p -> new Handled.AlreadyPosted(p.upstreamMessageId());
            case NoteLedger.Reservation.AlreadyDrafted d -> new Handled.AlreadyDrafted();
            // look again soon: the other attempt usually finishes well before its lease ends
            case NoteLedger.Reservation.InFlight f -> new Handled.Later(
                    shortest(Duration.between(Instant.now(), f.leaseUntil()), IN_FLIGHT_RECHECK),
                    "another attempt is posting the note for message " + answer.messageId() + " of ticket "
                            + answer.ticketId(), false);
            case NoteLedger.Reservation.Reserved r -> draftAndPost(tenant, event, answer, r.noteId(), r.externalId(),
                                                                   r.attempt(), true, deadline, cachedCopies,
                                                                   recorded, reserving);
            case NoteLedger.Reservation.Pending p -> afterUncertain(tenant, event, answer, p, deadline, cachedCopies);
        };
    }

    /** An earlier attempt may have posted: look before posting. */
    private Handled afterUncertain(ResolvedTenant tenant, TicketEvent event, Reply.Answer answer,
                                   NoteLedger.Reservation.Pending p, Deadline deadline,
                                   Optional<List<OrderCache.Cached>> copies) {
        UpstreamResult<Optional<Long>> found;
        try {
            found = gorgias.findMessageByExternalId(tenant, answer.ticketId(), p.externalId());
        } catch (RuntimeException e) {
            try {
                release(tenant.id(), p.noteId(), p.attempt(), "the look-up failed: " + e.getClass().getSimpleName(),
                        false);
            } catch (RuntimeException again) {
                e.addSuppressed(again); // the hold then runs out with the note's lease
            }
            throw e;
        }
        return switch (found) {
            // the ledger marks it posted with the job's completion (JobQueue.complete), in one commit
            case UpstreamResult.Ok<Optional<Long>>(Optional<Long> messageId) when messageId.isPresent() ->
                    new Handled.Posted(messageId.get(), true, "found", p.noteId());
            case UpstreamResult.Ok<Optional<Long>> none -> draftAndPost(tenant, event, answer, p.noteId(),
                                                                        p.externalId(), p.attempt(), false,
                                                                        deadline, copies, Optional.empty(), 0L);
            default -> failed(tenant.id(), p.noteId(), p.attempt(), found, false);
        };
    }

    private Handled draftAndPost(ResolvedTenant tenant, TicketEvent event, Reply.Answer answer, UUID noteId,
                                 String externalId, UUID attempt, boolean fresh, Deadline deadline,
                                 Optional<List<OrderCache.Cached>> copies, Optional<Drafted> recorded,
                                 long reservedAt) {
        try {
            return draftAndPostHeld(tenant, event, answer, noteId, externalId, attempt, fresh, deadline, copies,
                                    recorded, reservedAt);
        } catch (RuntimeException e) {
            // e.g. a database call cut short when the worker gave the run up: end this attempt's hold on the note
            // (nothing was sent unless the post began), so the next attempt need not wait out the note's lease
            if (!deadline.posting()) {
                try {
                    release(tenant.id(), noteId, attempt, "the run failed before posting: "
                            + e.getClass().getSimpleName(), fresh);
                } catch (RuntimeException again) {
                    e.addSuppressed(again); // the hold then runs out with the note's lease
                }
            }
            throw e;
        }
    }

    private Handled draftAndPostHeld(ResolvedTenant tenant, TicketEvent event, Reply.Answer answer, UUID noteId,
                                     String externalId, UUID attempt, boolean fresh, Deadline deadline,
                                     Optional<List<OrderCache.Cached>> copies, Optional<Drafted> recorded,
                                     long reservedAt) {
        TenantId id = tenant.id();
        Drafted drafted;
        List<OrderFacts> toCache = List.of();
        if (recorded.isPresent()) {
            // drafted and held with the reservation (its commit)
            drafted = recorded.get();
        } else {
            Orders orders = orders(tenant, answer, copies);
            if (orders.problem() != null) {
                // nothing was sent to Gorgias in this attempt: a fresh reservation can go, a pending one stays
                // uncertain
                return failed(id, noteId, attempt, orders.problem(), fresh);
            }
            stopIfGivenUp();
            drafted = drafting.write(tenant, request(tenant, event, answer, orders.match()));
            toCache = orders.fetched();
        }
        if (tenant.tenant().draftOnly()) {
            // draft-only: the note is kept, shown to operators, and never posted
            List<OrderFacts> fetched = toCache;
            boolean kept = recorded.isPresent() ? ledger.markDrafted(id, noteId, attempt)
                    : ledger.keepDraft(id, noteId, attempt, source(drafted), drafted.draft().text(),
                                       drafted.draft().html(), tx -> cache.putAll(tx, id, fetched));
            if (!kept) {
                return failed(id, noteId, attempt, new UpstreamResult.RetryLater<>(
                        IN_FLIGHT_RECHECK, "the note's lease ran out before it was kept", false), fresh);
            }
            return new Handled.Drafted(source(drafted));
        }
        if (!deadline.beginPost()) {
            // the worker has given this run up (or is about to): nothing was sent, the next attempt posts
            return failed(id, noteId, attempt, new UpstreamResult.RetryLater<>(
                    Duration.ZERO, "the job's deadline passed before the note was posted", false), fresh);
        }
        // the hold's age counts from just before the statement that renewed it last was sent (the reservation's,
        // when it recorded the draft)
        long renewing = recorded.isPresent() ? reservedAt : ticker.getAsLong();
        if (recorded.isEmpty()) {
            // the draft on record and the note held afresh for the post, with the orders Shopify answered cached: one
            // commit
            List<OrderFacts> fetched = toCache;
            if (!ledger.recordDraftAndRenew(id, noteId, attempt, source(drafted), drafted.draft().text(),
                                            drafted.draft().html(),
                                            tx -> cache.putAll(tx, id, fetched))) {
                return failed(id, noteId, attempt, new UpstreamResult.RetryLater<>(
                        IN_FLIGHT_RECHECK, "the note's lease ran out before it was posted", false), fresh);
            }
        }
        String source = source(drafted);
        NoteHold hold = new NoteHold(id, noteId, attempt, renewing, ticker);
        UpstreamResult<Long> posted;
        deadline.holding(hold); // from here the worker's heartbeat extends the hold until the post ends
        try {
            if (!hold.renewedWithin(ledger.hold().dividedBy(2))) {
                // the hold may have run out, and another attempt taken the note, without this one knowing
                return failed(id, noteId, attempt, new UpstreamResult.RetryLater<>(
                        IN_FLIGHT_RECHECK, "the note's hold was renewed longer ago than half its "
                        + ledger.hold().toMillis() + " ms before the post could begin; nothing was posted", false),
                              fresh);
            }
            posted = gorgias.postInternalNote(tenant, answer.ticketId(), externalId, drafted.draft());
        } finally {
            deadline.released();
        }
        if (posted instanceof UpstreamResult.Ok<Long>(Long messageId)) {
            // marked posted in the note ledger with the job's completion, in one commit (JobQueue.complete)
            return new Handled.Posted(messageId, false, source, noteId);
        }
        // a request that never left (pacing, breaker) changed nothing upstream, so a fresh reservation can go
        boolean unsent = posted instanceof UpstreamResult.RetryLater<Long> r && !r.sent();
        return failed(id, noteId, attempt, posted, fresh && unsent);
    }

    /** Between steps that read the customer's text: a run whose thread was interrupted goes no further. */
    private static void stopIfGivenUp() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("the run was given up");
        }
    }

    /** The orders found ({@code fetched}: those Shopify answered, to cache), or why they could not be. */
    private record Orders(OrderMatch match, UpstreamResult<?> problem, List<OrderFacts> fetched) {
        Orders(OrderMatch match, UpstreamResult<?> problem) {
            this(match, problem, List.of());
        }
    }

    private DraftRequest request(ResolvedTenant tenant, TicketEvent event, Reply.Answer answer, OrderMatch match) {
        return new DraftRequest(firstName(event), match, answer.subject(), answer.text(), tenant.tenant().name(),
                                answer.addressVerified(), answer.channel());
    }

    private static String source(Drafted drafted) {
        return drafted.source().name().toLowerCase(Locale.ROOT);
    }

    /** The customer's cached orders, read in the caller's transaction (none without an email). */
    private List<OrderCache.Cached> cached(io.helidon.dbclient.DbExecute tx, ResolvedTenant tenant,
                                           Reply.Answer answer) {
        String email = answer.customerEmail();
        if (email == null || email.isBlank()) {
            return List.of();
        }
        return cache.recentByEmail(tx, tenant.id(), email, ORDERS_FIRST, freshness);
    }

    /**
     * The order match when the cached copies answer the customer without asking Shopify (as {@link #orders} decides:
     * no email, a matched order Shopify confirmed recently enough, or Shopify not enabled); empty when Shopify is to
     * be asked.
     */
    private Optional<OrderMatch> withoutShopify(ResolvedTenant tenant, Reply.Answer answer,
                                                List<OrderCache.Cached> copies) {
        String email = answer.customerEmail();
        if (email == null || email.isBlank()) {
            return Optional.of(matcher.match(email, answer.subject(), answer.text(), List.of()));
        }
        OrderMatch match = matcher.match(email, answer.subject(), answer.text(),
                                         copies.stream().map(OrderCache.Cached::order).toList());
        if (!tenant.shopify().enabled()) {
            return Optional.of(match);
        }
        if (!(match instanceof OrderMatch.Matched m)) {
            return Optional.empty();
        }
        boolean stale = copies.stream().anyMatch(c -> c.stale() && Objects.equals(c.order().id(), m.order().id()));
        return stale && m.order().gid() != null && m.order().gid().startsWith(OrderFacts.GID_PREFIX)
                ? Optional.empty() : Optional.of(match);
    }

    /**
     * The cache first; Shopify when the cache has no order for the email, or not the one the customer names. A cached
     * order the draft would talk about that Shopify confirmed longer ago than the freshness bound is read again (by
     * its id) first, so a missed orders/updated webhook cannot make the note state an old status; when Shopify's
     * points do not allow the read now, the job waits for them rather than stating what may be stale.
     */
    private Orders orders(ResolvedTenant tenant, Reply.Answer answer, Optional<List<OrderCache.Cached>> preRead) {
        String email = answer.customerEmail();
        if (email == null || email.isBlank()) {
            return new Orders(matcher.match(email, answer.subject(), answer.text(), List.of()), null);
        }
        List<OrderCache.Cached> copies = preRead.orElseGet(
                () -> cache.recentByEmail(tenant.id(), email, ORDERS_FIRST, freshness));
        List<OrderFacts> cached = copies.stream().map(OrderCache.Cached::order).toList();
        OrderMatch match = matcher.match(email, answer.subject(), answer.text(), cached);
        boolean complete = match instanceof OrderMatch.Matched;
        if (complete && tenant.shopify().enabled()) {
            OrderFacts chosen = ((OrderMatch.Matched) match).order();
            boolean stale = copies.stream().anyMatch(c -> c.stale() && Objects.equals(c.order().id(), chosen.id()));
            if (stale && chosen.gid() != null && chosen.gid().startsWith(OrderFacts.GID_PREFIX)) {
                UpstreamResult<Optional<OrderFacts>> read = shopify.orderById(tenant, chosen);
                if (!(read instanceof UpstreamResult.Ok<Optional<OrderFacts>>(Optional<OrderFacts> now))) {
                    return new Orders(null, read);
                }
                if (now.isPresent()) {
                    if (OrderCache.cacheable(now.get())) {
                        cache.confirm(tenant.id(), now.get());
                    }
                    List<OrderFacts> fresh = cached.stream()
                            .map(o -> Objects.equals(o.id(), chosen.id()) ? now.get() : o).toList();
                    return new Orders(matcher.match(email, answer.subject(), answer.text(), fresh), null);
                }
                cache.forget(tenant.id(), chosen.id()); // Shopify no longer has it: ask for the customer's orders
                complete = false;
            }
        }
        if (complete || !tenant.shopify().enabled()) {
            return new Orders(match, null);
        }
        UpstreamResult<List<OrderFacts>> fetched = shopify.ordersByEmail(tenant, email, ORDERS_FIRST);
        if (!(fetched instanceof UpstreamResult.Ok<List<OrderFacts>>(List<OrderFacts> found))) {
            return new Orders(null, fetched);
        }
        // cached with the draft's commit (recordDraftAndRenew)
        return new Orders(matcher.match(email, answer.subject(), answer.text(), found), null, found);
    }

    /**
     * An attempt that ends without a note: the ledger row is withdrawn ({@code withdraw}: nothing reached Gorgias in
     * this attempt, and it reserved the row) or marked failed (a later attempt treats the outcome as uncertain).
     */
    private Handled failed(TenantId tenant, UUID noteId, UUID attempt, UpstreamResult<?> result, boolean withdraw) {
        String reason = switch (result) {
            case UpstreamResult.RetryLater<?> r -> r.reason();
            case UpstreamResult.Failed<?> f -> f.reason();
            case UpstreamResult.Ok<?> ok -> "unexpected success";
        };
        release(tenant, noteId, attempt, reason, withdraw);
        return switch (result) {
            case UpstreamResult.RetryLater<?> r -> new Handled.Later(r.after(), reason, r.sent());
            default -> new Handled.Failed(reason);
        };
    }

    /**
     * Ends this attempt's hold on the note: withdrawn (nothing reached Gorgias, and this attempt reserved it) or
     * marked failed. A run the worker gave up at its deadline was interrupted, which fails any database call at once:
     * its interrupt is set aside for these few statements, so the next attempt need not wait out the note's lease.
     */
    private void release(TenantId tenant, UUID noteId, UUID attempt, String reason, boolean withdraw) {
        boolean interrupted = Thread.interrupted();
        try {
            if (withdraw) {
                ledger.withdraw(tenant, noteId, attempt);
            } else {
                ledger.markFailed(tenant, noteId, attempt, reason);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String firstName(TicketEvent event) {
        TicketEvent.Customer c = event.customer();
        if (c == null) {
            return null;
        }
        if (c.firstname() != null && !c.firstname().isBlank()) {
            return c.firstname().strip();
        }
        if (c.name() != null && !c.name().isBlank() && !c.name().contains("@")) {
            String name = c.name().strip();
            int end = 0;
            while (end < name.length() && !Character.isWhitespace(name.charAt(end))) {
                end++;
            }
            return name.substring(0, end); // the first word, found without a pattern
        }
        return null;
    }

    private static String describe(Reply.Reason reason) {
        return switch (reason) {
            case NO_TICKET_ID -> "skipped: the event names no ticket";
            case INTERNAL_NOTE -> "skipped: the message is an internal note";
            case AGENT_MESSAGE -> "skipped: the message is an agent's";
            case TOLLGATE_NOTE -> "skipped: the message is a note Tollgate posted";
            case NO_CUSTOMER_MESSAGE -> "skipped: no message from the customer to answer";
            case ANSWERED -> "skipped: an agent has answered the customer's message since";
        };
    }

    private static Duration shortest(Duration d, Duration cap) {
        Duration positive = d.isNegative() || d.isZero() ? Duration.ofMillis(100) : d;
        return positive.compareTo(cap) > 0 ? cap : positive;
    }
}
