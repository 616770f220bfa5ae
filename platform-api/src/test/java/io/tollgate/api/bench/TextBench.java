package io.tollgate.api.bench;

import io.tollgate.api.helpdesk.GorgiasBodies;
import io.tollgate.api.helpdesk.Replies;
import io.tollgate.api.orders.OrderFacts;
import io.tollgate.api.orders.OrderMatcher;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 15's benchmark rows (run by {@code bench/text.sh}, never by the tests): the order matcher and the HTML reader
 * on adversarial customer text of 1k, 10k and 100k characters, and the patterns they used before, on the same input,
 * as far as they finish in reasonable time. One JVM, one run: times compare within the run, not across machines.
 * Each figure is the least time per call of {@code ROUNDS} rounds after a warm-up (an old pattern's figure at a size
 * where it is far too slow is its first call's).
 */
public final class TextBench {
    private static final int[] SIZES = {1_000, 10_000, 100_000};
    private static final int ROUNDS = 5;
    private static final long WARM_UP_NANOS = 300_000_000L;
    /** An old pattern's next size is not run once a call took longer than this (cubic: 10 times the input is ~1000x). */
    private static final long OLD_BUDGET_NANOS = 2_000_000_000L;

    /** The patterns before issue 15 (OrderMatcher.EXPLICIT, Replies' TAG), for the "before" rows. */
    private static final Pattern OLD_EXPLICIT = Pattern.compile(
            "(?:#|\\borders?\\b(?:\\s*(?:number|num|no|nr|id)\\b\\.?)?\\s*[:#]?\\s*#?)\\s*(\\d{1,18})"
                    + "(?![\\p{L}\\p{N}_]|[.,]\\d)",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern OLD_TAG = Pattern.compile("<[^>]*>");
    private static final Pattern OLD_SPACE = Pattern.compile("\\s+");

    private TextBench() {
    }

    public static void main(String[] args) {
        OrderMatcher matcher = new OrderMatcher();
        List<OrderFacts> orders = List.of(
                new OrderFacts("1", "#1002", 1002, "bob@example.com", Instant.parse("2024-02-29T00:00:00Z"), null,
                               null, "PAID", "FULFILLED", List.of()),
                new OrderFacts("2", "#1003", 1003, "bob@example.com", Instant.parse("2024-03-12T00:00:00Z"), null,
                               null, "PAID", "FULFILLED", List.of()));
        System.out.printf(Locale.ROOT, "machine: %d cores, java %s%n", Runtime.getRuntime().availableProcessors(),
                          System.getProperty("java.version"));
        System.out.printf(Locale.ROOT, "%-58s %14s %14s %14s%n", "what (input)", "1k chars", "10k chars", "100k chars");

        row("OrderMatcher.match, message: 'order' + blanks, no digit", n -> "order" + " ".repeat(n - 5),
            t -> matcher.match("bob@example.com", "Hello", t, orders), false);
        row("  before: EXPLICIT pattern alone (message cut at 20k)", n -> "order" + " ".repeat(n - 5),
            t -> findAll(OLD_EXPLICIT, t.length() > 20_000 ? t.substring(0, 20_000) : t), true);
        row("OrderMatcher.match, message: 'order no.' + mixed blanks", n -> "Order no." + " \t\u00A0".repeat(n / 3),
            t -> matcher.match("bob@example.com", "Hello", t, orders), false);
        row("  before: EXPLICIT pattern alone (message cut at 20k)", n -> "Order no." + " \t\u00A0".repeat(n / 3),
            t -> findAll(OLD_EXPLICIT, t.length() > 20_000 ? t.substring(0, 20_000) : t), true);
        row("OrderMatcher.match, subject: 'order' + blanks, no digit", n -> "order" + " ".repeat(n - 5),
            t -> matcher.match("bob@example.com", t, "Hello", orders), false);
        row("OrderMatcher.match, message: '#' repeated", n -> "#".repeat(n),
            t -> matcher.match("bob@example.com", "Hello", t, orders), false);
        row("OrderMatcher.match, message: a run of digits", n -> "1".repeat(n),
            t -> matcher.match("bob@example.com", "Hello", t, orders), false);
        row("OrderMatcher.match, message: digits and single blanks", n -> "1 ".repeat(n / 2),
            t -> matcher.match("bob@example.com", "Hello", t, orders), false);
        row("OrderMatcher.match, message: ordinary text", n -> "Hi, where is my order #1002? ".repeat(n / 29),
            t -> matcher.match("bob@example.com", "Hello", t, orders), false);
        row("Replies (HTML only message): '<' repeated", n -> "<".repeat(n),
            t -> Replies.decide(GorgiasBodies.htmlOnly(t)), false);
        row("  before: tag and space patterns", n -> "<".repeat(n),
            t -> OLD_SPACE.matcher(OLD_TAG.matcher(t).replaceAll(" ")).replaceAll(" ").strip(), true);
        row("Replies (HTML only message): ordinary HTML", n -> "<p>Where is <b>#1002</b>?</p>".repeat(n / 29),
            t -> Replies.decide(GorgiasBodies.htmlOnly(t)), false);
    }

    private static int findAll(Pattern p, String text) {
        Matcher m = p.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** One row: the least time per call at each size; an old pattern stops once a call exceeds the budget. */
    private static void row(String what, IntFunction<String> input, Consumer<String> work, boolean old) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-58s", what));
        boolean skip = false;
        for (int size : SIZES) {
            if (skip) {
                line.append(String.format(Locale.ROOT, " %14s", "not run"));
                continue;
            }
            String in = input.apply(size);
            int calls = old ? 1 : Math.max(1, 100_000 / size);
            if (!old) { // warm-up: the JIT compiles what this input runs through
                long until = System.nanoTime() + WARM_UP_NANOS;
                while (System.nanoTime() < until) {
                    work.accept(in);
                }
            }
            long best = Long.MAX_VALUE;
            for (int round = 0; round <= ROUNDS && !skip; round++) { // round 0 warms up
                long t0 = System.nanoTime();
                for (int c = 0; c < calls; c++) {
                    work.accept(in);
                }
                long perCall = (System.nanoTime() - t0) / calls;
                if (round > 0) {
                    best = Math.min(best, perCall);
                }
                if (old && perCall > OLD_BUDGET_NANOS / ROUNDS) {
                    best = Math.min(best, perCall);
                    skip = true;
                }
            }
            line.append(String.format(Locale.ROOT, " %14s", human(best)));
        }
        System.out.println(line);
    }

    private static String human(long nanos) {
        if (nanos >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
        }
        if (nanos >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }
}
